"""The interview screens: one question at a time, with the words to read aloud and the
interviewer's note; the consent question before the equality section; and "Check the
answers", which finishes the interview and stores the response (once).

Importing this module adds these routes to the telephone blueprint (engage.telephone.views),
so the app registers the blueprint from here."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user

from engage import clock
from engage.audit.operations import record
from engage.auth.access import staff_required
from engage.auth.forms import ConfirmForm
from engage.extensions import db
from engage.surveys.pages import page_form, read_page
from engage.surveys.public_forms import error_list, question_view
from engage.surveys.questions import describe
from engage.surveys.responses import ResponseRefused
from engage.telephone import interview, operations
from engage.telephone.forms import CONSENT_QUESTION, ConsentForm, FinishForm
from engage.telephone.interview import ABOUT_YOU, FINISH, Screen
from engage.telephone.models import CallCase, CaseStatus
from engage.telephone.operations import NotAllowed
from engage.telephone.views import borough_for, case_url, done_with, telephone
from engage.translations.languages import ENGLISH, language
from engage.translations.phrases import read_aloud_in


def screen_url(call_case: CallCase, screen: Screen, change: bool = False) -> str:
    values = {"borough_slug": call_case.borough.slug, "case_id": call_case.id}
    if change and screen != FINISH:
        values["change"] = "1"
    if screen.kind == "question":
        return url_for("telephone.question", key=screen.key, **values)
    return url_for("telephone.about_you" if screen == ABOUT_YOU else "telephone.finish",
                   **values)


def _in_interview(borough_slug: str, case_id: int):
    """The case and its draft, when an interview is under way on an open call; otherwise a
    redirect to the case page saying why."""
    call_case = operations.case_or_404(borough_for(borough_slug), case_id)
    draft = interview.loaded_draft(call_case)
    if call_case.status != CaseStatus.OPEN or draft is None or call_case.open_call is None:
        if call_case.status == CaseStatus.COMPLETE:
            flash("This interview is finished.", "info")
        else:
            flash("Start a call, then start or resume the interview.", "info")
        return call_case, None, redirect(case_url(call_case))
    try:
        interview.check_interviewer(call_case, current_user)
    except NotAllowed as refused:
        flash(refused.args[0], "error")
        return call_case, None, redirect(case_url(call_case))
    return call_case, draft, None


def _changing() -> bool:
    """The screen was opened from "Check the answers" to change one answer."""
    return request.args.get("change") == "1"


def _next_url(call_case: CallCase, draft, screen: Screen) -> str:
    """Where saving a screen goes: the next screen; or, when changing an answer from "Check
    the answers", back there, by way of any question the change brought in (as the online
    pages do), rather than through every screen already answered."""
    if _changing():
        todo = interview.first_to_do(draft)
        return screen_url(call_case, todo, change=True)
    _before, after = interview.neighbours(draft, screen)
    return screen_url(call_case, after)


def _render(template: str, call_case: CallCase, draft, screen: Screen, **context):
    before, _after = interview.neighbours(draft, screen)
    if _changing():
        before = FINISH
    order = interview.screens(draft, if_they_agree=True)
    position = order.index(screen) + 1 if screen in order else len(order)
    asked_in = language(draft.language)
    return render_template(
        f"telephone/{template}", borough=call_case.borough, case=call_case, draft=draft,
        asked_in=asked_in, read_aloud=read_aloud_in(asked_in),
        back=screen_url(call_case, before) if before else case_url(call_case),
        position=position, total=len(order), started_at=draft.created_at,
        seconds=interview.seconds_so_far(call_case, clock.utcnow()), **context)


@telephone.route("/cases/<int:case_id>/interview", methods=["POST"])
@staff_required
def begin(borough_slug: str, case_id: int):
    call_case = operations.case_or_404(borough_for(borough_slug), case_id)
    if not ConfirmForm().validate_on_submit():
        return redirect(case_url(call_case))
    resuming = call_case.draft_id is not None
    try:
        if call_case.open_call is not None:
            interview.check_interviewer(call_case, current_user)
        interview.begin(call_case, clock.utcnow(),
                        request.form.get("language") or ENGLISH)
    except NotAllowed as refused:
        db.session.rollback()
        flash(refused.args[0], "error")
        return redirect(case_url(call_case))
    asked_in = call_case.draft.language
    record("telephone.interview.resumed" if resuming else "telephone.interview.started",
           borough=call_case.borough, target=f"telephone-case:{call_case.id}",
           **({"language": asked_in} if asked_in != ENGLISH else {}))
    target = screen_url(call_case, interview.first_to_do(interview.loaded_draft(call_case)))
    db.session.commit()
    return redirect(target)


@telephone.route("/cases/<int:case_id>/interview/questions/<key>", methods=["GET", "POST"])
@staff_required
def question(borough_slug: str, case_id: int, key: str):
    call_case, draft, elsewhere = _in_interview(borough_slug, case_id)
    if elsewhere:
        return elsewhere
    screen = Screen("question", key)
    asked = interview.question(draft, key)
    if asked is None or screen not in interview.screens(draft):
        return redirect(screen_url(call_case, interview.first_to_do(draft)))
    form = page_form([asked], draft.answers or {})
    if form.validate_on_submit():
        checked = read_page(form, [asked])
        if checked is not None:
            interview.answer(draft, checked)
            target = _next_url(call_case, draft, screen)
            db.session.commit()
            return redirect(target)
    view = question_view(asked, form, heading=False)
    return _render("question.html", call_case, draft, screen, form=form, view=view,
                   question=asked, errors=error_list(form))


@telephone.route("/cases/<int:case_id>/interview/about-them", methods=["GET", "POST"])
@staff_required
def about_you(borough_slug: str, case_id: int):
    call_case, draft, elsewhere = _in_interview(borough_slug, case_id)
    if elsewhere:
        return elsewhere
    if ABOUT_YOU not in interview.screens(draft):
        return redirect(screen_url(call_case, interview.first_to_do(draft)))
    form = ConsentForm()
    if request.method == "GET" and draft.equality_consent is not None:
        form.consent.data = "yes" if draft.equality_consent else "no"
    if form.validate_on_submit():
        interview.consent(draft, form.consent.data == "yes")
        target = _next_url(call_case, draft, ABOUT_YOU)
        db.session.commit()
        return redirect(target)
    return _render("about_them.html", call_case, draft, ABOUT_YOU, form=form,
                   errors=error_list(form))


def _summary(call_case: CallCase, draft) -> list[dict]:
    answers = draft.answers or {}
    rows = []
    for screen in interview.screens(draft):
        if screen == ABOUT_YOU:
            # Their choice can change too: agreeing late, or taking the answers back.
            rows.append({"key": "about-them", "question": CONSENT_QUESTION,
                         "answer": ["Yes" if draft.equality_consent else "No"],
                         "href": screen_url(call_case, screen, change=True)})
        if screen.kind != "question":
            continue
        asked = interview.question(draft, screen.key)
        rows.append({"key": asked.key, "question": asked.text,
                     "answer": describe(asked, answers.get(asked.key)),
                     "href": screen_url(call_case, screen, change=True)})
    return rows


@telephone.route("/cases/<int:case_id>/interview/check", methods=["GET", "POST"])
@staff_required
def finish(borough_slug: str, case_id: int):
    call_case = operations.case_or_404(borough_for(borough_slug), case_id)
    if request.method == "POST" and call_case.status == CaseStatus.COMPLETE:
        # A second click on "Finish": the response is stored already.
        form = FinishForm()
        if form.validate_on_submit() and call_case.draft is not None and \
                form.submission_key.data == call_case.draft.submission_key:
            return redirect(case_url(call_case))
    call_case, draft, elsewhere = _in_interview(borough_slug, case_id)
    if elsewhere:
        return elsewhere
    form = FinishForm(submission_key=draft.submission_key)
    errors: list[dict] = []
    if form.validate_on_submit():
        if interview.first_to_do(draft) != FINISH:
            return redirect(screen_url(call_case, interview.first_to_do(draft)))
        try:
            response = interview.finish(call_case, current_user, clock.utcnow())
        except NotAllowed as refused:
            db.session.rollback()
            errors = [{"text": refused.args[0], "href": "#answers"}]
        except ResponseRefused as refused:
            db.session.rollback()
            errors = [{"text": refused.message, "href": "#answers"}]
        else:
            record("telephone.interview.finished", borough=call_case.borough,
                   target=f"telephone-case:{call_case.id}", response_id=response.id)
            reference = response.reference
            db.session.commit()
            flash(done_with(call_case, "The interview is finished and the answers are "
                                       f"stored. Their reference is {reference}."), "success")
            return redirect(case_url(call_case))
        call_case, draft, elsewhere = _in_interview(borough_slug, case_id)
        if elsewhere:
            return elsewhere
    return _render("check.html", call_case, draft, FINISH, form=form,
                   rows=_summary(call_case, draft), errors=errors), 400 if errors else 200
