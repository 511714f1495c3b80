"""Have your say: the open consultations, each questionnaire's start page, the staff preview,
and coming back to a saved draft. The question pages themselves are in public_flow.py, on the
same blueprint; the steps and the session are engage.surveys.flow."""

from __future__ import annotations

from dataclasses import dataclass
from functools import wraps

from flask import (
    Blueprint,
    abort,
    current_app,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload
from sqlalchemy.orm.attributes import set_committed_value

from engage.auth.operations import external_url
from engage.clock import utcnow
from engage.extensions import db, limiter, read_only_request
from engage.forms import no_email_given, normalise_email
from engage.outbox.operations import queue_email
from engage.public.views import last_reported, upcoming_consultations
from engage.surveys.flow import (
    CHECK_ANSWERS,
    Step,
    begin_with_draft,
    draft_in_session,
    expires_at,
    first_incomplete,
    forget,
    is_preview,
    sent_in_session,
    start_preview,
    step_after,
    step_url,
)
from engage.surveys.models import (
    Consultation,
    Questionnaire,
    Response,
    ResponseContact,
    ResponseDraft,
    open_consultations,
)
from engage.surveys.public_forms import SaveForm, StartForm, error_list
from engage.surveys.responses import start_draft
from engage.surveys.version_cache import version_for_pages
from engage.templating import page_time
from engage.translations.phrases import current_language
from engage.translations.public import asked_for, offered, said, use_language

surveys_public = Blueprint("surveys_public", __name__, url_prefix="/have-your-say")
SENT_KEY = "surveys_sent"  # {questionnaire id: reference} for the confirmation page


def setting(name: str):
    return lambda: current_app.config[name]


# One count per address across every page's POSTs (generous: people on one shared address, a
# library or an office, must all get through), and a tighter one on sending.
page_limit = limiter.shared_limit(setting("ENGAGE_SURVEY_PAGE_LIMIT"), scope="survey-pages",
                                  methods=["POST"])
submit_limit = limiter.limit(setting("ENGAGE_SURVEY_SUBMIT_LIMIT"), methods=["POST"])


def step_route(rule: str, **options):
    """Route a step twice: for the public, and under /preview/ for staff (`preview` tells)."""

    def register(view):
        surveys_public.add_url_rule(f"/<int:questionnaire_id>{rule}", view_func=view,
                                    defaults={"preview": False}, **options)
        surveys_public.add_url_rule(f"/preview/<int:questionnaire_id>{rule}", view_func=view,
                                    defaults={"preview": True}, **options)
        return view

    return register


@dataclass
class Flow:
    """The questionnaire, this person's draft, and whether it is a staff preview."""

    questionnaire: Questionnaire
    draft: ResponseDraft
    preview: bool

    def url(self, step: Step, **values) -> str:
        return step_url(self.questionnaire.id, step, self.preview, **values)

    def next_url(self, step: Step, changing: bool) -> str:
        """Where a page answered goes next. Changing an answer (from "Check your answers")
        returns there, unless the change brought questions not yet answered: their page comes
        first, still as a change, so that answering it returns too rather than walking on
        through every later page."""
        if not changing:
            return self.url(step_after(self.draft, step))
        still_to_do = first_incomplete(self.draft)
        if still_to_do == CHECK_ANSWERS:
            return self.url(CHECK_ANSWERS)
        return self.url(still_to_do, change="1")


def _require_staff():
    if not current_user.is_authenticated:
        return current_app.login_manager.unauthorized()
    if not current_user.is_staff:
        abort(403)
    return None


def _in_language_chosen(questionnaire: Questionnaire) -> None:
    """A page with none of the questionnaire's questions, in the language chosen for it (when
    its current version is translated into it). English loads nothing."""
    if asked_for() is not None:
        use_language(questionnaire, version_for_pages(questionnaire.current_version.id))


def unavailable(consultation: Consultation, questionnaire: Questionnaire | None = None):
    """The page for a consultation not open now (None when it is open): not yet, or closed. A
    person halfway through is told the same, and nothing of theirs is sent; in the language
    they were reading `questionnaire` in, as every page before it was."""
    if consultation.is_open():
        return None
    if questionnaire is not None:
        _in_language_chosen(questionnaire)
    closed = consultation.has_closed()
    return render_template("surveys/public/unavailable.html", consultation=consultation,
                           closed=closed), 410 if closed else 200


def start_url(questionnaire_id: int, preview: bool) -> str:
    return url_for("surveys_public.preview" if preview else "surveys_public.start",
                   questionnaire_id=questionnaire_id)


def questionnaire_or_404(questionnaire_id: int) -> Questionnaire:
    """The questionnaire and its consultation in one query: every public page reads both."""
    questionnaire = db.session.get(Questionnaire, questionnaire_id,
                                   options=[joinedload(Questionnaire.consultation)])
    if questionnaire is None:
        abort(404)
    return questionnaire


def flow_step(view):
    """Load the questionnaire and this browser's draft of it, or send the person to the start."""

    @wraps(view)
    def wrapped(questionnaire_id: int, preview: bool, **kwargs):
        if request.method == "GET":
            read_only_request()
        # The draft brings its questionnaire and consultation: one query for a person on their
        # way through; only without a draft is the questionnaire looked up on its own.
        draft = draft_in_session(questionnaire_id, preview, with_questionnaire=True)
        questionnaire = (draft.questionnaire if draft is not None
                         else questionnaire_or_404(questionnaire_id))
        refused = (_require_staff() if preview
                   else unavailable(questionnaire.consultation, questionnaire))
        if refused is not None:
            return refused
        if preview and draft is not None and draft.version_id != questionnaire.current_version.id:
            draft = None  # the questionnaire has a newer version: preview that
        if draft is None:
            return _sent_elsewhere(questionnaire, preview) or redirect(
                start_url(questionnaire_id, preview))
        # The whole tree at once, not a query a question; held by the draft, because the
        # session's identity map keeps nothing that no one refers to.
        set_committed_value(draft, "version", use_language(
            questionnaire, version_for_pages(draft.version_id), partial=preview))
        return view(Flow(questionnaire, draft, preview), **kwargs)

    return wrapped


def already_sent(questionnaire: Questionnaire, reference: str | None):
    # In the language the person was reading: sent from their other device, or the emailed
    # link (which carries the language) opened again.
    _in_language_chosen(questionnaire)
    return render_template("surveys/public/already_sent.html", questionnaire=questionnaire,
                           reference=reference), 409


def _sent_elsewhere(questionnaire: Questionnaire, preview: bool):
    """This browser's answers were sent from another device (the emailed link): say so, with
    the reference, rather than send the person to the start to answer a second time."""
    reference = None if preview else sent_in_session(questionnaire.id)
    return already_sent(questionnaire, reference) if reference is not None else None


def minutes_to_answer(questionnaire: Questionnaire) -> int:
    """A rough guide for the start page: about 20 seconds a question, in 5-minute steps."""
    count = len(version_for_pages(questionnaire.current_version.id).ordered_questions())
    return max(5, -(-count * 20 // 300) * 5)


@surveys_public.route("/")
def index():
    read_only_request()
    now = utcnow()
    current = open_consultations(now, selectinload(Consultation.questionnaires))
    return render_template("surveys/public/index.html", current=current,
                           upcoming=upcoming_consultations(now), reported=last_reported(now))


def _start_page(questionnaire: Questionnaire, preview: bool):
    draft = draft_in_session(questionnaire, preview)
    # A draft under way stays on its version; the languages offered are the current one's.
    version = version_for_pages(questionnaire.current_version.id)
    use_language(questionnaire, version if draft is None or draft.version_id == version.id
                 else version_for_pages(draft.version_id), partial=preview)
    return render_template("surveys/public/start.html", questionnaire=questionnaire,
                           consultation=questionnaire.consultation, preview=preview,
                           started=draft is not None, form=StartForm(),
                           # This browser's draft came from a personal invitation: not anonymous.
                           invited=draft is not None and draft.invitee_id is not None,
                           minutes=minutes_to_answer(questionnaire),
                           languages=offered(questionnaire, version),
                           begin_url=url_for("surveys_public.begin", preview=preview,
                                             questionnaire_id=questionnaire.id))


@surveys_public.route("/<int:questionnaire_id>")
def start(questionnaire_id: int):
    read_only_request()
    questionnaire = questionnaire_or_404(questionnaire_id)
    return (unavailable(questionnaire.consultation, questionnaire)
            or _start_page(questionnaire, preview=False))


@surveys_public.route("/preview/<int:questionnaire_id>")
def preview(questionnaire_id: int):
    """Staff see the public pages of the questionnaire's current version; nothing is kept."""
    questionnaire = questionnaire_or_404(questionnaire_id)
    return _require_staff() or _start_page(questionnaire, preview=True)


@step_route("/start", methods=["POST"])
@page_limit
def begin(questionnaire_id: int, preview: bool):
    """Start now: continue this browser's draft, or begin a new one."""
    questionnaire = questionnaire_or_404(questionnaire_id)
    refused = (_require_staff() if preview
               else unavailable(questionnaire.consultation, questionnaire))
    if refused is not None:
        return refused
    if not StartForm().validate_on_submit():
        abort(400)
    draft = draft_in_session(questionnaire, preview)
    version = questionnaire.current_version
    if draft is None or (preview and draft.version_id != version.id):
        draft = start_preview(version) if preview else start_draft(version)
        db.session.commit()
    return begin_with_draft(draft)


@surveys_public.route("/<int:questionnaire_id>/save", methods=["GET", "POST"])
@limiter.limit("10 per hour", methods=["POST"])
@limiter.limit("3 per hour", methods=["POST"],
               key_func=lambda: "survey-save:" + normalise_email(request.form.get("email")),
               exempt_when=no_email_given)
def save(questionnaire_id: int):
    """Save and come back later: email a link that brings this draft back."""
    questionnaire = questionnaire_or_404(questionnaire_id)
    refused = unavailable(questionnaire.consultation, questionnaire)
    if refused is not None:
        return refused
    draft = draft_in_session(questionnaire, preview=False)
    if draft is None:
        return _sent_elsewhere(questionnaire, preview=False) or redirect(
            start_url(questionnaire_id, preview=False))
    use_language(questionnaire, version_for_pages(draft.version_id))  # before the form's words
    form = SaveForm()
    back = request.args.get("back") or ""
    if not back.startswith(f"/have-your-say/{questionnaire_id}/"):  # never a link elsewhere
        back = step_url(questionnaire_id, first_incomplete(draft))
    if form.validate_on_submit():
        if not form.caught:
            reading = current_language()
            # In the language the person was reading, dates included (engage.email).
            queue_email(form.email.data, "survey_resume", title=said(questionnaire.title),
                        resume_url=_resume_url(draft),
                        expires=page_time(expires_at(draft)),
                        closes=page_time(questionnaire.consultation.closes_at),
                        **({"language": reading.code} if reading else {}))
            db.session.commit()
        return render_template("surveys/public/saved.html", questionnaire=questionnaire,
                               email=form.email.data, expires=expires_at(draft), back=back)
    return render_template("surveys/public/save.html", questionnaire=questionnaire, form=form,
                           errors=error_list(form), back=back, expires=expires_at(draft))


@surveys_public.route("/resume/<token>")
def resume(token: str):
    """The emailed link: this browser takes up the draft where the person left off."""
    draft = db.session.scalar(select(ResponseDraft).where(ResponseDraft.token == token))
    if draft is None or is_preview(draft):
        return render_template("surveys/public/link_expired.html"), 404
    questionnaire = draft.questionnaire
    refused = unavailable(questionnaire.consultation, questionnaire)
    if refused is not None:
        return refused
    if draft.response_id is not None:
        return already_sent(questionnaire, draft.response.reference)
    asked_for()  # the language the link carries, kept for the pages after
    return begin_with_draft(draft)


def _resume_url(draft: ResponseDraft) -> str:
    """The emailed link, in the language the person was reading: it may be opened on a device
    that has never seen their choice."""
    reading = current_language()
    return external_url("surveys_public.resume", token=draft.token,
                        **({"language": reading.code} if reading else {}))


@surveys_public.route("/<int:questionnaire_id>/confirmation")
def confirmation(questionnaire_id: int):
    read_only_request()
    questionnaire = questionnaire_or_404(questionnaire_id)
    reference = (session.get(SENT_KEY) or {}).get(str(questionnaire_id))
    if reference is None:
        return redirect(start_url(questionnaire_id, preview=False))
    # The response sent, with its borough and whether it asked for a reply (one query).
    found = db.session.execute(
        select(Response, ResponseContact.response_id)
        .outerjoin(ResponseContact, ResponseContact.response_id == Response.id)
        .options(joinedload(Response.borough))
        .where(Response.reference == reference,
               Response.questionnaire_id == questionnaire_id)).first()
    sent, contact = found if found is not None else (None, None)
    use_language(questionnaire, version_for_pages(
        sent.version_id if sent is not None else questionnaire.current_version.id))
    return render_template("surveys/public/confirmation.html", questionnaire=questionnaire,
                           reference=reference, preview=False,
                           borough=sent.borough if sent is not None else None,
                           asked_for_reply=contact is not None)


def remember_sent(questionnaire_id: int, reference: str) -> None:
    forget(questionnaire_id, preview=False)
    session[SENT_KEY] = {**(session.get(SENT_KEY) or {}), str(questionnaire_id): reference}


# The question pages join this blueprint.
from engage.surveys import public_flow  # noqa: E402, F401
