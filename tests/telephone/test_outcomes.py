"""Each outcome's retry: how long until the next call, within calling hours and the part of
the day the person prefers; which outcomes close the case; the most calls before "no contact";
one Call row per attempt, never overwritten."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from engage.clock import to_london
from engage.extensions import db
from engage.surveys.models import Questionnaire
from engage.telephone import operations
from engage.telephone.hours import next_time
from engage.telephone.models import Call, CaseStatus, Outcome, PartOfDay
from engage.telephone.operations import NotAllowed, RequestDetails
from tests.factories import borough, create_user
from tests.helpers import page_text
from tests.telephone.support import (
    FIXED_WINDOW,
    case_row,
    consultation_with_note,
    end_call,
    london,
    recorded_case,
    sign_in,
    start_call,
)

MONDAY_10AM = london(2026, 11, 30, 10, 0)


@pytest.fixture
def fresh_case(app):
    """make() -> (case, interviewer): a new case for someone who prefers `part`."""
    made = consultation_with_note(app, **FIXED_WINDOW)

    def make(part=PartOfDay.ANY):
        questionnaire = db.session.get(Questionnaire, made.questionnaire_id)
        by = create_user(roles={"interviewer": "camden"})
        details = RequestDetails(questionnaire=questionnaire, name="Ada", phone="+442079460000",
                                 best_times="", part_of_day=part, notes="")
        return operations.record_request(borough("camden"), details, by,
                                         london(2026, 11, 27, 12, 0))[0], by

    with app.app_context():
        yield make


def _call(call_case, by, outcome, at, **kwargs):
    call = operations.start_call(call_case, by, at)
    operations.end_call(call_case, call, outcome, at, **kwargs)
    return call


@pytest.mark.parametrize(("outcome", "at", "due"), [
    (Outcome.NO_ANSWER, MONDAY_10AM, london(2026, 11, 30, 12, 0)),
    (Outcome.ANSWERING_MACHINE, MONDAY_10AM, london(2026, 11, 30, 14, 0)),
    (Outcome.PARTIAL, MONDAY_10AM, london(2026, 12, 1, 10, 0)),
    # Two hours after 7pm is past closing: the next morning at opening time.
    (Outcome.NO_ANSWER, london(2026, 11, 30, 19, 0), london(2026, 12, 1, 9, 0)),
    # Friday afternoon, four hours on: Monday morning.
    (Outcome.ANSWERING_MACHINE, london(2026, 12, 4, 18, 0), london(2026, 12, 7, 9, 0)),
])
def test_each_outcome_waits_its_default_time_within_calling_hours(fresh_case, outcome, at,
                                                                   due):
    call_case, by = fresh_case()
    call = _call(call_case, by, outcome, at)
    assert call_case.status == CaseStatus.OPEN and call_case.attempts == 1
    assert call_case.next_attempt_at == due and call.next_attempt_at == due
    assert call_case.appointment_at is None


def test_a_retry_waits_for_the_part_of_the_day_they_prefer(fresh_case):
    call_case, by = fresh_case(PartOfDay.EVENING)
    _call(call_case, by, Outcome.NO_ANSWER, MONDAY_10AM)
    assert call_case.next_attempt_at == london(2026, 11, 30, 17, 0)


@pytest.mark.parametrize(("outcome", "status"), [
    (Outcome.REFUSED, CaseStatus.REFUSED), (Outcome.WRONG_NUMBER, CaseStatus.WRONG_NUMBER)])
def test_refused_and_wrong_number_close_the_case_with_no_retry(fresh_case, outcome, status):
    call_case, by = fresh_case()
    _call(call_case, by, outcome, MONDAY_10AM)
    assert call_case.status == status and call_case.closed_at == MONDAY_10AM
    assert call_case.next_attempt_at is None
    with pytest.raises(NotAllowed, match="closed"):
        operations.start_call(call_case, by, MONDAY_10AM)


def test_an_appointment_or_partial_is_called_back_at_the_agreed_time(fresh_case):
    call_case, by = fresh_case()
    agreed = london(2026, 12, 2, 18, 30)
    call = _call(call_case, by, Outcome.APPOINTMENT, MONDAY_10AM, appointment_at=agreed)
    assert (call_case.next_attempt_at, call_case.appointment_at) == (agreed, agreed)
    assert call.appointment_at == agreed
    later = london(2026, 12, 3, 11, 0)
    _call(call_case, by, Outcome.PARTIAL, london(2026, 12, 2, 18, 45), appointment_at=later)
    assert (call_case.next_attempt_at, call_case.appointment_at) == (later, later)
    # A no answer after that is an ordinary retry again, not an appointment.
    _call(call_case, by, Outcome.NO_ANSWER, later)
    assert call_case.appointment_at is None


def test_an_appointment_needs_a_future_time_within_calling_hours(fresh_case):
    call_case, by = fresh_case()
    call = operations.start_call(call_case, by, MONDAY_10AM)
    for agreed, message in [(None, "needs the date and time"),
                            (london(2026, 11, 30, 9, 0), "in the future"),
                            (london(2026, 11, 30, 21, 0), "within calling hours"),
                            (london(2026, 12, 5, 11, 0), "within calling hours")]:
        with pytest.raises(NotAllowed, match=message):
            operations.end_call(call_case, call, Outcome.APPOINTMENT, MONDAY_10AM,
                                appointment_at=agreed)
    assert call.outcome is None and call_case.attempts == 0


def test_after_six_unanswered_calls_the_case_closes_as_no_contact(fresh_case):
    call_case, by = fresh_case()
    at = MONDAY_10AM
    for attempt in range(1, 7):
        _call(call_case, by, Outcome.NO_ANSWER if attempt % 2 else Outcome.ANSWERING_MACHINE,
              at)
        if attempt < 6:
            assert call_case.status == CaseStatus.OPEN, attempt
            at = call_case.next_attempt_at
    assert call_case.status == CaseStatus.NO_CONTACT and call_case.next_attempt_at is None
    calls = list(db.session.scalars(select(Call).where(Call.case_id == call_case.id)
                                    .order_by(Call.id)))
    assert len(calls) == 6 and all(c.caller_id == by.id for c in calls)
    assert [c.outcome for c in calls][:2] == [Outcome.NO_ANSWER, Outcome.ANSWERING_MACHINE]


def test_a_call_has_one_outcome_and_one_call_is_open_at_a_time(fresh_case):
    call_case, by = fresh_case()
    call = operations.start_call(call_case, by, MONDAY_10AM)
    with pytest.raises(NotAllowed, match="already on a call"):
        operations.start_call(call_case, by, MONDAY_10AM)
    operations.end_call(call_case, call, Outcome.NO_ANSWER, MONDAY_10AM)
    with pytest.raises(NotAllowed, match="already has its outcome"):
        operations.end_call(call_case, call, Outcome.REFUSED, MONDAY_10AM)
    db.session.refresh(call)
    assert call.outcome == Outcome.NO_ANSWER and call_case.attempts == 1


def test_recording_an_outcome_through_the_page(client, app, in_calling_hours):
    made = consultation_with_note(app)
    sign_in(client, app, interviewer="camden")
    case_id = recorded_case(client, made.questionnaire_id)
    assert "There is no call in progress" in page_text(
        client.get(f"/staff/boroughs/camden/telephone/cases/{case_id}/outcome",
                   follow_redirects=True))
    start_call(client, case_id)
    # Most calls end unanswered: that comes first, and every outcome but "complete" is there.
    form = client.get(f"/staff/boroughs/camden/telephone/cases/{case_id}/outcome")
    assert re.findall(r'name="outcome" type="radio" value="([a-z-]+)"',
                      form.get_data(as_text=True)) == [
        "no-answer", "answering-machine", "appointment", "partial", "refused", "wrong-number"]
    missing = end_call(client, case_id, "appointment")
    assert missing.status_code == 200
    html = missing.get_data(as_text=True)
    assert "Enter the date agreed for the call back" in html and 'href="#appointment_date' in html
    past = end_call(client, case_id, "appointment", appointment_date=["1", "1", "2020"],
                    appointment_time="10am")
    assert "The time agreed must be in the future" in page_text(past)
    saved = end_call(client, case_id, "no-answer", note="Rang 10 times")
    assert saved.status_code == 302
    page = page_text(client.get(saved.headers["Location"]))
    assert "The call is saved as \u201cNo answer\u201d." in page and "Rang 10 times" in page
    with app.app_context():
        assert case_row(case_id).attempts == 1


@pytest.mark.parametrize("typed", [{}, {"appointment_time": ""},
                                   {"appointment_date": ["31", "2", "2027"]}])
def test_a_time_left_in_the_boxes_is_ignored_by_an_outcome_that_takes_none(
        client, app, in_calling_hours, typed):
    """The interviewer typed a call-back time, then the call ended another way: "No answer"
    is saved, retried after its usual wait, whatever the boxes hold (a date after closing, a
    date with no time, a date that does not exist)."""
    made = consultation_with_note(app)
    sign_in(client, app, interviewer="camden")
    case_id = recorded_case(client, made.questionnaire_id)
    start_call(client, case_id)
    after_closing = _agreed(in_calling_hours + timedelta(days=400))
    saved = end_call(client, case_id, "no-answer", **{**after_closing, **typed})
    assert saved.status_code == 302, page_text(saved)
    with app.app_context():
        call_case = case_row(case_id)
        assert call_case.attempts == 1 and call_case.appointment_at is None
        call = db.session.scalar(select(Call).where(Call.case_id == case_id))
        assert call.outcome == Outcome.NO_ANSWER and call.appointment_at is None
        assert call_case.next_attempt_at == next_time(
            in_calling_hours + timedelta(hours=2), operations.calling_hours())


def test_an_outcome_that_takes_no_time_keeps_none_given_to_it(fresh_case):
    call_case, by = fresh_case()
    call = _call(call_case, by, Outcome.ANSWERING_MACHINE, MONDAY_10AM,
                 appointment_at=london(2026, 12, 1, 10, 0))
    assert call.appointment_at is None and call_case.appointment_at is None
    assert call_case.next_attempt_at == london(2026, 11, 30, 14, 0)


def test_a_call_back_date_holding_more_than_digits_is_refused(client, app, in_calling_hours):
    """int() read full-width digits as ours, "2_027" as 2027 and "+3" as 3: a call back was
    booked for a day nobody agreed."""
    made = consultation_with_note(app)
    sign_in(client, app, interviewer="camden")
    case_id = recorded_case(client, made.questionnaire_id)
    start_call(client, case_id)
    agreed = _agreed(in_calling_hours + timedelta(days=1))
    day, month, year = agreed["appointment_date"]
    full_width = str.maketrans("0123456789", "\uff10\uff11\uff12\uff13\uff14\uff15\uff16"
                                             "\uff17\uff18\uff19")
    for typed in ([day.translate(full_width), month, year], [day, month, f"{year[0]}_{year[1:]}"],
                  [day, f"+{month}", year]):
        refused = end_call(client, case_id, "appointment", **{**agreed,
                                                              "appointment_date": typed})
        assert refused.status_code == 200, typed
        assert "Date agreed must be a real date, like 1 4 2027" in page_text(refused), typed
        with app.app_context():
            assert case_row(case_id).appointment_at is None
    assert end_call(client, case_id, "appointment", **agreed).status_code == 302


def _agreed(moment) -> dict:
    local = to_london(moment)
    return {"appointment_date": [str(local.day), str(local.month), str(local.year)],
            "appointment_time": f"{local:%H:%M}"}


@pytest.mark.parametrize("outcome", ["appointment", "partial"])
def test_a_call_back_is_agreed_only_before_the_consultation_closes(client, app, outcome,
                                                                   in_calling_hours):
    with app.app_context():
        hours = operations.calling_hours()
        # Whole minutes, as the form takes them: a time a day ahead, the closing an hour after
        # it, and the first calling time from the closing.
        before = next_time((in_calling_hours + timedelta(days=1, minutes=1)).replace(second=0),
                           hours)
        after = next_time(before + timedelta(hours=1), hours)
    made = consultation_with_note(app, opens_at=in_calling_hours - timedelta(days=1),
                                  closes_at=before + timedelta(hours=1))
    sign_in(client, app, interviewer="camden")
    case_id = recorded_case(client, made.questionnaire_id)
    start_call(client, case_id)

    refused = end_call(client, case_id, outcome, **_agreed(after))
    assert refused.status_code == 200
    html = refused.get_data(as_text=True)
    assert "The time agreed must be before Have your say" in page_text(refused)
    assert "an interview cannot be saved after that" in page_text(refused)
    assert 'href="#appointment_time' in html
    with app.app_context():
        assert case_row(case_id).attempts == 0 and case_row(case_id).appointment_at is None

    saved = end_call(client, case_id, outcome, **_agreed(before))
    assert saved.status_code == 302
    with app.app_context():
        assert case_row(case_id).appointment_at == before
