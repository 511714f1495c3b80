"""The question pages, in the order a person meets them (engage.surveys.flow.steps): the
borough, one page per section, the equality consent, a reply, and "Check your answers", which
sends. Each page works the same in a staff preview, except that nothing is ever sent."""

from __future__ import annotations

from flask import redirect, render_template, request, url_for
from sqlalchemy import select
from sqlalchemy.orm import joinedload
from sqlalchemy.orm.attributes import set_committed_value

from engage.boroughs.models import Borough
from engage.boroughs.postcodes import DistrictMatch, district_of, lookup
from engage.extensions import db
from engage.surveys.flow import (
    ABOUT_YOU,
    CHECK_ANSWERS,
    POSTCODE,
    REPLY,
    Step,
    borough_fixed,
    contact_for_response,
    first_incomplete,
    forget,
    remember_reply,
    reply_in_session,
    save_answers,
    set_borough,
    set_equality_consent,
    step_before,
    step_url,
    steps,
)
from engage.surveys.models import (
    Audience,
    Consultation,
    Invitee,
    ResponseDraft,
)
from engage.surveys.pages import page_form, read_page, read_valid, visible_questions
from engage.surveys.public_forms import (
    ANOTHER,
    CheckAnswersForm,
    ConsentForm,
    PostcodeForm,
    ReplyForm,
    borough_form,
    error_list,
    question_view,
    radio_params,
)
from engage.surveys.public_review import summary
from engage.surveys.public_views import (
    Flow,
    flow_step,
    page_limit,
    questionnaire_or_404,
    remember_sent,
    start_url,
    step_route,
    submit_limit,
    unavailable,
)
from engage.surveys.questions import short_question
from engage.surveys.references import new_reference
from engage.surveys.responses import (
    LinkAlreadyUsed,
    ResponseRefused,
    invitation_answered,
    response_for_key,
    submit_draft,
)
from engage.surveys.version_cache import version_for_pages
from engage.translations.languages import ENGLISH
from engage.translations.phrases import current_language, gettext
from engage.translations.public import use_language

BOROUGH = Step("borough")


def _changing() -> bool:
    return request.args.get("change") == "1"


def _back(flow: Flow, step: Step) -> str:
    if _changing():
        # A page a change brought (its questions not yet answered) goes back towards the
        # change; any other goes back to "Check your answers".
        before = step_before(flow.draft, step)
        if before is not None and step == first_incomplete(flow.draft):
            return flow.url(before, change="1")
        return flow.url(CHECK_ANSWERS)
    if step == BOROUGH:
        return flow.url(POSTCODE)
    before = step_before(flow.draft, step)
    if before is not None:
        return flow.url(before)
    if flow.draft.invitee_id is not None and not flow.preview:
        # Started from a personal invitation: back to its page, which carries on.
        token = db.session.scalar(select(Invitee.token).where(
            Invitee.id == flow.draft.invitee_id))
        if token is not None:
            return url_for("surveys_invited.start", token=token)
    return start_url(flow.questionnaire.id, flow.preview)


def _change_args() -> dict:
    return {"change": "1"} if _changing() else {}


def _render(template: str, flow: Flow, step: Step, **context):
    return render_template(f"surveys/public/{template}", flow=flow, step=step,
                           back=_back(flow, step), changing=_changing(), **context)


def _covered(consultation: Consultation) -> list[Borough]:
    boroughs = consultation.boroughs if not consultation.all_boroughs else db.session.scalars(
        select(Borough).order_by(Borough.name)).all()
    return list(boroughs)


def _borough_given(flow: Flow):
    """An invitation gave this draft its borough: there is no borough step to show or answer,
    so go on to the questions (or back to "Check your answers" from a change)."""
    if not borough_fixed(flow.draft):
        return None
    return redirect(flow.url(CHECK_ANSWERS if _changing() else steps(flow.draft)[0]))


def _where_label(flow: Flow, question: str) -> str:
    business = flow.questionnaire.audience == Audience.BUSINESSES
    if question == "postcode":
        return (gettext("What is your business\u2019s postcode?") if business
                else gettext("What is your postcode?"))
    return (gettext("Which borough is your business in?") if business
            else gettext("Which borough do you live in?"))


@step_route("/postcode", methods=["GET", "POST"])
@page_limit
@flow_step
def postcode(flow: Flow):
    given = _borough_given(flow)
    if given is not None:
        return given
    form = PostcodeForm()
    form.postcode.label.text = _where_label(flow, "postcode")
    if form.validate_on_submit():
        match = lookup(district_of(form.postcode.data))
        covered = {b.ons_code: b for b in _covered(flow.questionnaire.consultation)}
        if match.certain and match.suggested.ons_code in covered:
            set_borough(flow.draft, covered[match.suggested.ons_code])
            target = flow.next_url(POSTCODE, _changing())
            db.session.commit()
            return redirect(target)
        return redirect(flow.url(BOROUGH, district=match.district, **_change_args()))
    return _render("postcode.html", flow, POSTCODE, form=form, errors=error_list(form),
                   borough_url=flow.url(BOROUGH, **_change_args()))


@step_route("/borough", methods=["GET", "POST"])
@page_limit
@flow_step
def borough(flow: Flow):
    """Choose the borough: from the postcode's suggestions where it leaves doubt, or from every
    borough the consultation covers."""
    given = _borough_given(flow)
    if given is not None:
        return given
    covered = _covered(flow.questionnaire.consultation)
    by_code = {b.ons_code: b for b in covered}
    district = (request.args.get("district") or "").strip().upper()[:4]
    match = lookup(district) if district_of(district) else None
    suggestions = [by_code[s.ons_code] for s in (match.boroughs if match else [])
                   if s.ons_code in by_code]
    label = _where_label(flow, "borough")
    if suggestions:
        choices = [(b.slug, b.name) for b in suggestions] + [(ANOTHER, gettext("Another borough"))]
        form = borough_form(choices, as_select=False, label=label)
    else:
        form = borough_form([(b.slug, b.name) for b in covered], as_select=True, label=label)
    chosen_before = flow.draft.borough
    if not form.is_submitted() and chosen_before is not None and any(
            choice.value == chosen_before.slug for choice in form.borough.choices):
        # Come back to (Back, or "Change"): the borough already given is chosen, so that
        # nobody has to find it again among 32 (WCAG 3.3.7, Redundant entry).
        form.borough.data = chosen_before.slug
    if form.validate_on_submit():
        if form.borough.data == ANOTHER:
            return redirect(flow.url(BOROUGH, **_change_args()))
        chosen = next(b for b in covered if b.slug == form.borough.data)
        set_borough(flow.draft, chosen)
        target = flow.next_url(POSTCODE, _changing())
        db.session.commit()
        return redirect(target)
    radios = (radio_params(form.borough, {"text": label, "isPageHeading": True,
                                          "classes": "govuk-fieldset__legend--l"}, ANOTHER)
              if suggestions else None)
    return _render("borough.html", flow, BOROUGH, form=form, errors=error_list(form),
                   match=match, suggestions=suggestions, radios=radios, label=label,
                   covered=covered, why=_why(match, suggestions))


def _why(match: DistrictMatch | None, suggestions: list[Borough]) -> str | None:
    """Which explanation the borough page gives (see borough.html)."""
    if match is None:
        return None
    if not match.known:
        return "unknown"
    if match.mostly_city:
        return "city"
    if match.mostly_outside_london:
        return "outside"
    return "spans" if suggestions else "not-covered"


@step_route("/questions/<int:position>", methods=["GET", "POST"])
@page_limit
@flow_step
def section(flow: Flow, position: int):
    step = Step("section", position)
    found = next((s for s in flow.draft.version.sections if s.position == position), None)
    if found is None or step not in steps(flow.draft):
        return redirect(flow.url(first_incomplete(flow.draft)))
    answers = flow.draft.answers or {}
    questions = visible_questions(found, answers)
    form = page_form(questions, answers)
    if form.validate_on_submit():
        if request.form.get("action") == "save" and not flow.preview:
            # Save and come back later, perhaps halfway through the page: keep each answer
            # that is right on its own, leave out the rest without a word (the page asks for
            # them again on the way back), and go on to the email.
            save_answers(flow.draft, read_valid(form, questions))
            # Worked out before the commit, which expires what is loaded. Not flow.url: the
            # save page is public only, and would carry `preview` in its address.
            target = url_for("surveys_public.save", questionnaire_id=flow.questionnaire.id,
                             back=request.full_path.rstrip("?"))
            db.session.commit()
            return redirect(target)
        checked = read_page(form, questions)
        if checked is not None:
            save_answers(flow.draft, checked)
            target = flow.next_url(step, _changing())
            db.session.commit()
            return redirect(target)
    single = len(questions) == 1
    views = [question_view(q, form, heading=single,
                           introduction=found.introduction if single else "")
             for q in questions]
    title = questions[0].text if single else found.title
    return _render("section.html", flow, step, section=found, views=views, form=form,
                   errors=error_list(form), title=title, single=single)


@step_route("/about-you", methods=["GET", "POST"])
@page_limit
@flow_step
def about_you(flow: Flow):
    if ABOUT_YOU not in steps(flow.draft):
        return redirect(flow.url(first_incomplete(flow.draft)))
    form = ConsentForm()
    if request.method == "GET" and flow.draft.equality_consent is not None:
        form.consent.data = "yes" if flow.draft.equality_consent else "no"
    if form.validate_on_submit():
        set_equality_consent(flow.draft, form.consent.data == "yes")
        target = flow.next_url(ABOUT_YOU, _changing())
        db.session.commit()
        return redirect(target)
    radios = radio_params(form.consent, {"text": form.consent.label.text, "isPageHeading": True,
                                         "classes": "govuk-fieldset__legend--l"})
    radios["classes"] = "govuk-radios--inline"
    return _render("about_you.html", flow, ABOUT_YOU, form=form, errors=error_list(form),
                   radios=radios)


@step_route("/reply", methods=["GET", "POST"])
@page_limit
@flow_step
def reply(flow: Flow):
    form = ReplyForm()
    given = reply_in_session(flow.draft)
    if request.method == "GET" and given is not None:
        form.wants.data = "yes" if given.wants else "no"
        for name in ("name", "email", "phone"):
            form[name].data = getattr(given, name) or ""
        form.agree.data = given.wants
    if form.validate_on_submit():
        remember_reply(flow.draft, **form.reply())
        target = flow.next_url(REPLY, _changing())
        db.session.commit()
        return redirect(target)
    return _render("reply.html", flow, REPLY, form=form, errors=error_list(form))


@step_route("/check-answers", methods=["GET", "POST"])
@page_limit
@submit_limit
def check_answers(questionnaire_id: int, preview: bool):
    """Show every answer with a way to change it; sending stores the response exactly once."""
    if request.method == "POST" and not preview:
        return _send(questionnaire_id)
    return _review(questionnaire_id=questionnaire_id, preview=preview)


@flow_step
def _review(flow: Flow, refused: ResponseRefused | None = None):
    still_to_do = first_incomplete(flow.draft)
    if request.method == "GET" and still_to_do != CHECK_ANSWERS:
        # Back here with questions a change brought still to answer: answering them is part
        # of the change, and returns here (someone who has not reached the end carries on).
        changed = reply_in_session(flow.draft) is not None
        return redirect(flow.url(still_to_do, **({"change": "1"} if changed else {})))
    form = CheckAnswersForm(submission_key=flow.draft.submission_key)
    if flow.preview and form.validate_on_submit():
        # The end of a preview: the same confirmation, and nothing kept.
        db.session.delete(flow.draft)
        db.session.commit()
        forget(flow.questionnaire.id, preview=True)
        return render_template("surveys/public/confirmation.html", preview=True,
                               questionnaire=flow.questionnaire, reference=None)
    groups = summary(flow, reply_in_session(flow.draft))
    if borough_fixed(flow.draft):
        # The invitation's borough: shown, with nothing to change it.
        where = flow.url(POSTCODE, change="1")
        for group in groups:
            for row in group["rows"]:
                if row["href"] == where:
                    row["href"] = None
    errors = []
    if refused is not None:
        errors = [{"text": _named(row["question"], message), "href": row["href"]}
                  for group in groups for row in group["rows"]
                  if (message := refused.errors.get(row.get("key")))
                  ] if refused.errors else [{"text": refused.message, "href": "#answers"}]
    return _render("check_answers.html", flow, CHECK_ANSWERS, form=form, groups=groups,
                   errors=errors), 400 if refused else 200


def _named(question: str, message: str) -> str:
    """An error on "Check your answers" says which question it is about (most messages for a
    missing answer already do)."""
    if short_question(question) in message:  # inside the quotation marks of its language
        return message
    # Translators: %(question)s is a question, %(error)s what is wrong with its answer.
    return gettext("Answer \u201c%(question)s\u201d: %(error)s", question=question, error=message)


def _send(questionnaire_id: int):
    questionnaire = questionnaire_or_404(questionnaire_id)
    form = CheckAnswersForm()
    if not form.validate_on_submit():
        return redirect(start_url(questionnaire_id, preview=False))
    if form.caught:
        # Filled the box people never see: say it went well, keep nothing.
        return render_template("surveys/public/confirmation.html", questionnaire=questionnaire,
                               reference=new_reference(), preview=False)
    key = form.submission_key.data or ""
    earlier = response_for_key(key)
    if earlier is None:
        refused = unavailable(questionnaire.consultation, questionnaire)
        if refused is not None:
            return refused
        # With its borough, which the response stores and the consultation must cover.
        draft = db.session.scalar(select(ResponseDraft).options(
            joinedload(ResponseDraft.borough)).where(
            ResponseDraft.submission_key == key, ResponseDraft.questionnaire_id == questionnaire_id,
            ResponseDraft.token.not_like("preview-%")))
        if draft is None:
            return render_template("surveys/public/link_expired.html"), 404
        set_committed_value(draft, "version",
                            use_language(questionnaire, version_for_pages(draft.version_id)))
        if draft.invitee_id is not None and invitation_answered(draft.invitee_id):
            # Said first: no step done now could make this link send a second response.
            return render_template("surveys/public/already_sent.html",
                                   questionnaire=questionnaire, reference=None), 409
        still_to_do = first_incomplete(draft)
        if still_to_do != CHECK_ANSWERS:
            # Sent before every step was done (the borough, a required answer): the pages
            # would not have let a person here, so finish the steps first.
            return redirect(step_url(questionnaire_id, still_to_do))
        try:
            page_language = current_language()
            earlier = submit_draft(draft, contact_for_response(draft),
                                   language=page_language.code if page_language else ENGLISH)
        except LinkAlreadyUsed:
            db.session.rollback()
            return render_template("surveys/public/already_sent.html",
                                   questionnaire=questionnaire, reference=None), 409
        except ResponseRefused as refused:
            db.session.rollback()
            return _review(questionnaire_id=questionnaire_id, preview=False, refused=refused)
    reference = earlier.reference  # read before the commit, which would expire it
    db.session.commit()
    remember_sent(questionnaire_id, reference)
    return redirect(url_for("surveys_public.confirmation", questionnaire_id=questionnaire_id))
