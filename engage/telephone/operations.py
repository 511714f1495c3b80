"""Telephone cases and calls: recording who asked to be called, the list of whom to call now,
starting a call and recording how it ended, with the retry that follows from the outcome.

Operations add and flush; the caller commits. Each takes `now` (naive UTC) where time matters,
so the rules can be tested at any moment.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import phonenumbers
from flask import abort, current_app
from sqlalchemy import case, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import contains_eager, joinedload, selectinload

from engage.auth.models import User
from engage.boroughs.models import Borough
from engage.extensions import db
from engage.surveys.models import Consultation, Questionnaire
from engage.telephone.hours import CallingHours, in_hours, next_time, parse_hours
from engage.telephone.models import (
    AGREED_TIME_OUTCOMES,
    MAX_ATTEMPTS,
    NO_CONTACT_OUTCOMES,
    RETRY_AFTER,
    Call,
    CallCase,
    CaseStatus,
    Outcome,
    PartOfDay,
)
from engage.templating import london_time

CLOSING = {Outcome.REFUSED: CaseStatus.REFUSED, Outcome.WRONG_NUMBER: CaseStatus.WRONG_NUMBER,
           Outcome.COMPLETE: CaseStatus.COMPLETE}


class NotAllowed(ValueError):
    """A change the case's state does not allow, in words for staff."""


class BadAppointment(NotAllowed):
    """The time agreed for the next call cannot be used, in words for staff."""


class OutsideCallingHours(NotAllowed):
    """A call cannot start now: it is outside calling hours."""


def calling_hours() -> CallingHours:
    return parse_hours(current_app.config["ENGAGE_CALLING_HOURS"])


def outside_hours_message(now: datetime) -> str | None:
    """Why no call may start at `now`, in words for staff; None inside calling hours."""
    hours = calling_hours()
    if in_hours(now, hours):
        return None
    return (f"It is outside calling hours ({hours.describe()}). Calls can start again on "
            f"{london_time(next_time(now, hours))}.")


def not_open_message(consultation: Consultation, now: datetime) -> str | None:
    """Why nobody is called for this consultation at `now` (an interview could not be stored),
    in words for staff; None while it is open."""
    if consultation.has_closed(now):
        return (f"{consultation.title} closed on {london_time(consultation.closes_at)}: "
                "nobody is called for it any more.")
    if not consultation.is_open(now):
        return (f"{consultation.title} opens on {london_time(consultation.opens_at)}: calls "
                "start then.")
    return None


def why_no_call(call_case: CallCase, now: datetime) -> str | None:
    """Why no call to this person may start at `now`; None when one may."""
    return (not_open_message(call_case.questionnaire.consultation, now)
            or outside_hours_message(now))


def normalise_phone(raw: str) -> str | None:
    """A UK number in E.164 ('020 7946 0000' -> '+442079460000'), or None if it is not one.
    A number with an extension ('020 7946 0000 ext 123') is None too: E.164 has no room for
    one, so the interviewer would ring the switchboard never knowing whom to ask for."""
    try:
        number = phonenumbers.parse(raw or "", "GB")
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number) or number.country_code != 44 \
            or number.extension:
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def has_extension(raw: str) -> bool:
    """Whether the number typed ends with an extension ('ext 123', 'x12', '#12')."""
    try:
        return bool(phonenumbers.parse(raw or "", "GB").extension)
    except phonenumbers.NumberParseException:
        return False


def phone_for_people(e164: str | None) -> str:
    """'+442079460000' -> '020 7946 0000', the way an interviewer dials it."""
    if not e164:
        return ""
    number = phonenumbers.parse(e164, "GB")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)


def open_questionnaires(borough: Borough, now: datetime) -> list[Questionnaire]:
    """Questionnaires someone in `borough` can still be interviewed for."""
    found = db.session.scalars(
        select(Questionnaire).join(Questionnaire.consultation)
        .options(contains_eager(Questionnaire.consultation)
                 .selectinload(Consultation.boroughs))
        .where(Consultation.closes_at > now)
        .order_by(Consultation.closes_at, Questionnaire.audience))
    return [q for q in found if q.consultation.covers(borough)]


@dataclass(frozen=True)
class RequestDetails:
    questionnaire: Questionnaire
    name: str
    phone: str  # E.164
    best_times: str
    part_of_day: PartOfDay
    notes: str


def record_request(borough: Borough, details: RequestDetails, by: User,
                   now: datetime) -> tuple[CallCase, bool]:
    """A new case, due at once (or from the start of the part of the day they prefer), and
    True; or the person's open case for the questionnaire and False when there is one (the
    same request sent twice), which is left as it is."""
    if not details.questionnaire.consultation.covers(borough):
        raise NotAllowed(f"{details.questionnaire.consultation.title} does not cover "
                         f"{borough.name}")
    due = None
    if details.part_of_day != PartOfDay.ANY:
        due = next_time(now, calling_hours(), details.part_of_day)
    call_case = CallCase(
        questionnaire_id=details.questionnaire.id, borough_id=borough.id, name=details.name,
        phone=details.phone, best_times=details.best_times, part_of_day=details.part_of_day,
        notes=details.notes, consented_at=now, requested_at=now, recorded_by_id=by.id,
        next_attempt_at=due)
    try:
        with db.session.begin_nested():
            db.session.add(call_case)
    except IntegrityError:  # uq_telephone_cases_open_request: they are on the list already
        return db.session.scalars(select(CallCase).where(
            CallCase.questionnaire_id == details.questionnaire.id,
            CallCase.phone == details.phone, CallCase.name == details.name,
            CallCase.status == CaseStatus.OPEN)).one(), False
    return call_case, True


def case_or_404(borough: Borough, case_id: int, *options) -> CallCase:
    """A case of this borough: another borough's case does not exist here."""
    found = db.session.get(CallCase, case_id, options=options)
    if found is None or found.borough_id != borough.id:
        abort(404)
    return found


def consultation_or_404(borough: Borough, consultation_id: int) -> Consultation:
    """A consultation whose call list this borough has: one that covers it, or one it has
    cases of (recorded before the consultation stopped covering it). Any other is not found."""
    found = db.get_or_404(Consultation, consultation_id)
    if found.covers(borough):
        return found
    a_case = db.session.scalar(
        select(CallCase.id).join(Questionnaire, Questionnaire.id == CallCase.questionnaire_id)
        .where(CallCase.borough_id == borough.id, Questionnaire.consultation_id == found.id)
        .limit(1))
    if a_case is None:
        abort(404)
    return found


# The call list --------------------------------------------------------------------------------

@dataclass(frozen=True)
class CallList:
    not_open: str | None  # why nobody is called for the consultation now, if nobody is
    in_hours: bool
    opens_at: datetime  # now, when in hours; else when calling may start again
    due: list[CallCase]  # call now, in this order
    later: list[CallCase]  # open, not due yet, soonest first
    closed: dict[CaseStatus, int]


def due_at(now: datetime):
    """An open case's condition for being due a call at `now` (inside calling hours, while its
    consultation is open: the callers check those): never tried, or its retry or appointment
    time has come."""
    return CallCase.next_attempt_at.is_(None) | (CallCase.next_attempt_at <= now)


def calls_due(borough_ids: list[int], now: datetime) -> list[tuple[int, Consultation, int]]:
    """(borough id, consultation, how many) of the people each borough's call list shows as
    due at `now`, for the interviewers' dashboard: none outside calling hours, and none for a
    consultation that is not open. One query, whatever the number of boroughs."""
    if not borough_ids or not in_hours(now, calling_hours()):
        return []
    return [tuple(row) for row in db.session.execute(
        select(CallCase.borough_id, Consultation, func.count(CallCase.id))
        .join(Questionnaire, Questionnaire.id == CallCase.questionnaire_id)
        .join(Consultation, Consultation.id == Questionnaire.consultation_id)
        .where(CallCase.borough_id.in_(borough_ids), CallCase.status == CaseStatus.OPEN,
               due_at(now), Consultation.opens_at <= now, Consultation.closes_at > now)
        .group_by(CallCase.borough_id, Consultation.id)
        .order_by(Consultation.title))]


def call_list(borough: Borough, consultation: Consultation, now: datetime) -> CallList:
    """Whom to call now: appointments first, then retries that are due, then people not yet
    called; each group by when it fell due. Outside calling hours, and while the
    consultation is not open, nobody is due."""
    hours = calling_hours()
    questionnaires = select(Questionnaire.id).where(
        Questionnaire.consultation_id == consultation.id).scalar_subquery()
    mine = (CallCase.borough_id == borough.id) & CallCase.questionnaire_id.in_(questionnaires)
    is_open = mine & (CallCase.status == CaseStatus.OPEN)
    group = case((CallCase.appointment_at.is_not(None), 0), (CallCase.attempts > 0, 1), else_=2)
    now_in_hours = in_hours(now, hours)
    not_open = not_open_message(consultation, now)
    due: list[CallCase] = []
    if now_in_hours and not not_open:
        # The page shows each one's questionnaire and whether it is on a call now.
        due = list(db.session.scalars(
            select(CallCase).options(joinedload(CallCase.questionnaire),
                                     selectinload(CallCase.calls))
            .where(is_open, due_at(now))
            .order_by(group, func.coalesce(CallCase.next_attempt_at, CallCase.requested_at),
                      CallCase.id)))
    due_ids = {c.id for c in due}
    later = [c for c in db.session.scalars(
        select(CallCase).where(is_open).order_by(
            func.coalesce(CallCase.next_attempt_at, CallCase.requested_at), CallCase.id))
        if c.id not in due_ids]
    closed = dict(db.session.execute(
        select(CallCase.status, func.count()).where(mine, CallCase.status != CaseStatus.OPEN)
        .group_by(CallCase.status)).all())
    return CallList(not_open=not_open, in_hours=now_in_hours, opens_at=next_time(now, hours),
                    due=due, later=later, closed=closed)


# Calls ----------------------------------------------------------------------------------------

def start_call(call_case: CallCase, by: User, now: datetime) -> Call:
    """Open a call on the case; refused when it is closed, someone is already on it, its
    consultation is not open, or it is outside calling hours. An appointment is always within
    them (end_call checks the time agreed), so nobody is ever called outside them, even at
    their own request."""
    if call_case.status != CaseStatus.OPEN:
        raise NotAllowed(f"This case is closed ({call_case.status.label.lower()}).")
    if call_case.open_call is not None:
        raise NotAllowed("Someone is already on a call to this person.")
    not_open = not_open_message(call_case.questionnaire.consultation, now)
    if not_open:
        raise NotAllowed(not_open)
    outside = outside_hours_message(now)
    if outside:
        raise OutsideCallingHours(outside)
    call = Call(case_id=call_case.id, caller_id=by.id, started_at=now)
    try:
        with db.session.begin_nested():
            db.session.add(call)
            db.session.flush()
    except IntegrityError:
        raise NotAllowed("Someone is already on a call to this person.") from None
    db.session.refresh(call_case, ["calls"])
    return call


def _interview_time(call: Call, now: datetime) -> int:
    if call.interview_started_at is None:
        return 0
    return max(0, int((now - call.interview_started_at).total_seconds()))


def end_call(call_case: CallCase, call: Call, outcome: Outcome, now: datetime, *,
             appointment_at: datetime | None = None, note: str = "") -> None:
    """Give the open call its outcome (once) and decide when, if ever, to call again:

    - complete, refused, wrong number: the case closes;
    - no answer, answering machine: again after RETRY_AFTER, within calling hours and the
      part of the day they prefer, until MAX_ATTEMPTS calls, when it closes as no contact;
    - appointment: at the agreed time; partial: at the agreed time, or after a day. An agreed
      time must be within calling hours and before the consultation closes; any other outcome
      ignores it."""
    if call.outcome is not None:
        raise NotAllowed("This call already has its outcome.")
    if outcome not in AGREED_TIME_OUTCOMES:
        appointment_at = None  # no answer is retried after its wait, whatever time was typed
    if outcome == Outcome.APPOINTMENT and appointment_at is None:
        raise BadAppointment("An appointment needs the date and time agreed.")
    hours = calling_hours()
    if appointment_at is not None:
        if appointment_at <= now:
            raise BadAppointment("The time agreed must be in the future.")
        if next_time(appointment_at, hours) != appointment_at:
            raise BadAppointment(
                f"The time agreed must be within calling hours ({hours.describe()}).")
        # Nobody is called after closing (start_call), and an interview could not be stored.
        consultation = call_case.questionnaire.consultation
        if consultation.has_closed(appointment_at):
            raise BadAppointment(
                f"The time agreed must be before {consultation.title} closes on "
                f"{london_time(consultation.closes_at)}: an interview cannot be saved after "
                "that.")
    # Conditional, so two people ending the same call at once cannot both count it.
    taken = db.session.execute(
        update(Call).where(Call.id == call.id, Call.outcome.is_(None))
        .values(outcome=outcome, ended_at=now, note=note, appointment_at=appointment_at)
    ).rowcount
    if not taken:
        raise NotAllowed("This call already has its outcome.")
    call_case.attempts += 1
    call_case.interview_seconds += _interview_time(call, now)
    call_case.appointment_at = None
    if outcome in CLOSING:
        _close(call_case, CLOSING[outcome], now)
    elif outcome in NO_CONTACT_OUTCOMES and call_case.attempts >= MAX_ATTEMPTS:
        _close(call_case, CaseStatus.NO_CONTACT, now)
    elif appointment_at is not None:
        call_case.next_attempt_at = call_case.appointment_at = appointment_at
    else:
        call_case.next_attempt_at = next_time(now + RETRY_AFTER[outcome], hours,
                                              call_case.part_of_day)
    call.next_attempt_at = call_case.next_attempt_at
    db.session.flush()


def _close(call_case: CallCase, status: CaseStatus, now: datetime) -> None:
    call_case.status = status
    call_case.closed_at = now
    call_case.next_attempt_at = None
