"""Staff pages for telephone interviews: recording a request to be called, the call list, a
person's case with its calls, starting a call and recording how it ended.

Engagement officers and telephone interviewers of the borough (and administrators) use them;
the names and numbers are personal data, so analysts and other boroughs' staff get 403. Every
change is audited in the same transaction, without the person's name or number.
"""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_login import current_user
from markupsafe import Markup
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload, selectinload
from wtforms import SelectChoice

from engage import clock
from engage.audit.operations import record
from engage.auth.access import staff_borough, staff_required
from engage.auth.forms import ConfirmForm
from engage.auth.models import StaffRoleName
from engage.boroughs.models import Borough
from engage.extensions import db
from engage.surveys.models import Consultation, Questionnaire
from engage.telephone import operations
from engage.telephone.forms import CallRequestForm, OutcomeForm
from engage.telephone.hours import parse_hours
from engage.telephone.interview import interview_languages
from engage.telephone.models import (
    MAX_ATTEMPTS,
    Call,
    CallCase,
    CaseStatus,
    Outcome,
    TelephoneCount,
)
from engage.telephone.operations import BadAppointment, NotAllowed, RequestDetails
from engage.templating import london_time
from engage.translations.languages import language

telephone = Blueprint("telephone", __name__,
                      url_prefix="/staff/boroughs/<borough_slug>/telephone")

TELEPHONE_ROLES = (StaffRoleName.OFFICER, StaffRoleName.INTERVIEWER)


@telephone.record_once
def _check_setting(state) -> None:
    # A mistyped ENGAGE_CALLING_HOURS stops the app starting, not the first call list.
    parse_hours(state.app.config["ENGAGE_CALLING_HOURS"])


@telephone.app_template_filter("uk_phone")
def uk_phone(value: str | None) -> str:
    return operations.phone_for_people(value)


def borough_for(slug: str) -> Borough:
    return staff_borough(slug, *TELEPHONE_ROLES)


def case_url(call_case: CallCase) -> str:
    return url_for("telephone.case_page", borough_slug=call_case.borough.slug,
                   case_id=call_case.id)


def done_with(call_case: CallCase, message: str) -> Markup:
    """A success message for the end of a call, with the way to the next person: the link is
    the next thing the keyboard reaches from the banner, which takes the focus."""
    call_list = url_for("telephone.call_list", borough_slug=call_case.borough.slug,
                        consultation_id=call_case.questionnaire.consultation_id)
    return Markup('<p class="govuk-notification-banner__heading">{}</p><p class="govuk-body">'
                  '<a class="govuk-notification-banner__link" href="{}">Back to the call list'
                  '</a></p>').format(message, call_list)


def _after_outcome(call_case: CallCase, chosen: Outcome) -> str:
    """What was saved, and what happens next to this person, in words."""
    saved = f"The call is saved as \u201c{chosen.label}\u201d."
    if call_case.status != CaseStatus.OPEN:
        return f"{saved} Their case is closed: {call_case.status.label.lower()}."
    if call_case.appointment_at is not None:
        return f"{saved} Call them back on {london_time(call_case.appointment_at)}, as agreed."
    return f"{saved} Their next call is due on {london_time(call_case.next_attempt_at)}."


@telephone.route("")
@staff_required
def index(borough_slug: str):
    borough = borough_for(borough_slug)
    now = clock.utcnow()
    open_counts = dict(db.session.execute(
        select(Questionnaire.consultation_id, func.count(CallCase.id))
        .join(CallCase, CallCase.questionnaire_id == Questionnaire.id)
        .where(CallCase.borough_id == borough.id, CallCase.status == CaseStatus.OPEN)
        .group_by(Questionnaire.consultation_id)).all())
    with_cases = db.session.scalars(
        select(Consultation).where(Consultation.id.in_(
            select(Questionnaire.consultation_id).join(
                CallCase, CallCase.questionnaire_id == Questionnaire.id)
            .where(CallCase.borough_id == borough.id)))).all()
    current = {q.consultation for q in operations.open_questionnaires(borough, now)}
    consultations = sorted(current | set(with_cases), key=lambda c: c.closes_at, reverse=True)
    counts = db.session.scalars(
        select(TelephoneCount).options(joinedload(TelephoneCount.consultation))
        .where(TelephoneCount.borough_id == borough.id)
        .order_by(TelephoneCount.consultation_id, TelephoneCount.kind,
                  TelephoneCount.value)).all()
    return render_template("telephone/index.html", borough=borough,
                           consultations=consultations, open_counts=open_counts,
                           counts=counts, hours=operations.calling_hours().describe())


@telephone.route("/requests/new", methods=["GET", "POST"])
@staff_required
def new_request(borough_slug: str):
    borough = borough_for(borough_slug)
    now = clock.utcnow()
    form = CallRequestForm()
    questionnaires = operations.open_questionnaires(borough, now)
    form.questionnaire.choices = [
        SelectChoice(str(q.id), f"{q.consultation.title}: {q.audience.label.lower()}")
        for q in questionnaires]
    if form.validate_on_submit():
        chosen = next(q for q in questionnaires if str(q.id) == form.questionnaire.data)
        details = RequestDetails(
            questionnaire=chosen, name=form.name.data, phone=form.phone.data,
            best_times=form.best_times.data, part_of_day=form.part_of_day.data,
            notes=form.notes.data)
        call_case, new = operations.record_request(borough, details, current_user, now)
        if new:
            record("telephone.requested", borough=borough,
                   target=f"telephone-case:{call_case.id}", questionnaire_id=chosen.id)
        db.session.commit()
        flash("The request is saved. They are on the call list." if new else
              "They are on the call list for this questionnaire already: this is their case.",
              "success")
        return redirect(case_url(call_case))
    return render_template("telephone/request_form.html", borough=borough, form=form,
                           questionnaires_open=bool(questionnaires))


@telephone.route("/consultations/<int:consultation_id>")
@staff_required
def call_list(borough_slug: str, consultation_id: int):
    borough = borough_for(borough_slug)
    consultation = operations.consultation_or_404(borough, consultation_id)
    listed = operations.call_list(borough, consultation, clock.utcnow())
    return render_template("telephone/list.html", borough=borough, consultation=consultation,
                           listed=listed, hours=operations.calling_hours().describe(),
                           statuses=CaseStatus)


@telephone.route("/cases/<int:case_id>")
@staff_required
def case_page(borough_slug: str, case_id: int):
    borough = borough_for(borough_slug)
    call_case = operations.case_or_404(borough, case_id,
                                       selectinload(CallCase.calls).joinedload(Call.caller))
    call = call_case.open_call
    return render_template("telephone/case.html", borough=borough, case=call_case,
                           call=call, confirm=ConfirmForm(),
                           # Chosen when the interview starts; a resumed one keeps its own.
                           languages=interview_languages(call_case)
                           if call is not None and call_case.draft_id is None else [],
                           asked_in=language(call_case.draft.language)
                           if call_case.draft is not None else None,
                           no_call=operations.why_no_call(call_case, clock.utcnow()),
                           statuses=CaseStatus, max_attempts=MAX_ATTEMPTS)


@telephone.route("/cases/<int:case_id>/calls", methods=["POST"])
@staff_required
def start_call(borough_slug: str, case_id: int):
    borough = borough_for(borough_slug)
    call_case = operations.case_or_404(borough, case_id)
    under_way = call_case.open_call
    if under_way is not None and under_way.caller_id == current_user.id:
        # A second click on "Start a call" (or the POST replayed): the first started it.
        return redirect(case_url(call_case))
    if ConfirmForm().validate_on_submit():
        try:
            call = operations.start_call(call_case, current_user, clock.utcnow())
        except NotAllowed as refused:
            db.session.rollback()
            flash(refused.args[0], "error")
        else:
            record("telephone.call.started", borough=borough,
                   target=f"telephone-case:{call_case.id}", call_id=call.id)
            db.session.commit()
            # Said, and focused: the page looks much as it did before the button was pressed.
            flash("Call started. When they answer, read them the introduction below, then "
                  f"{'resume' if call_case.draft_id else 'start'} the interview. If nobody "
                  "answers, record how the call ended.", "success")
    return redirect(case_url(call_case))


@telephone.route("/cases/<int:case_id>/outcome", methods=["GET", "POST"])
@staff_required
def outcome(borough_slug: str, case_id: int):
    borough = borough_for(borough_slug)
    call_case = operations.case_or_404(borough, case_id)
    call = call_case.open_call
    if call is None:
        flash("There is no call in progress to this person: start a call first.", "info")
        return redirect(case_url(call_case))
    form = OutcomeForm()
    if form.validate_on_submit():
        chosen = Outcome(form.outcome.data)
        try:
            operations.end_call(call_case, call, chosen, clock.utcnow(),
                                appointment_at=form.appointment_at, note=form.note.data)
        except BadAppointment as refused:
            db.session.rollback()
            form.appointment_time.errors = [*form.appointment_time.errors, refused.args[0]]
        except NotAllowed as refused:
            # Someone else recorded this call's outcome first.
            db.session.rollback()
            flash(refused.args[0], "error")
            return redirect(case_url(call_case))
        else:
            record("telephone.call.ended", borough=borough,
                   target=f"telephone-case:{call_case.id}", call_id=call.id,
                   outcome=chosen.value)
            db.session.commit()
            flash(done_with(call_case, _after_outcome(call_case, chosen)), "success")
            return redirect(case_url(call_case))
    return render_template("telephone/outcome.html", borough=borough, case=call_case,
                           form=form, paused=call_case.draft_id is not None,
                           hours=operations.calling_hours().describe(), max_attempts=MAX_ATTEMPTS)
