"""Calls start only within calling hours: outside them the case page offers no call and says
when calling starts again, the server refuses a call started anyway, and an appointment is
always within them (nobody is called outside hours, even at their own request)."""

from __future__ import annotations

import pytest

from engage.extensions import db
from engage.surveys.models import Questionnaire
from engage.telephone import operations
from engage.telephone.models import Call, Outcome
from engage.telephone.operations import OutsideCallingHours, RequestDetails
from tests.factories import borough, create_user
from tests.helpers import page_text
from tests.telephone.support import (
    FIXED_WINDOW,
    case_row,
    case_url,
    consultation_with_note,
    count,
    end_call,
    london,
    recorded_case,
    sign_in,
    start_call,
)

MONDAY_10AM = london(2026, 11, 30, 10, 0)
HOURS = "Monday to Friday, 9am to 8:30pm; not on bank holidays"


@pytest.fixture
def made(app):
    """A consultation open around the fixed times these tests set."""
    return consultation_with_note(app, **FIXED_WINDOW)


@pytest.mark.parametrize(("at", "again"), [
    (london(2026, 11, 30, 20, 30), "1 December 2026 at 9am"),  # closing time on a Monday
    (london(2026, 12, 1, 8, 59), "1 December 2026 at 9am"),  # a minute before opening
    (london(2026, 12, 5, 12, 0), "7 December 2026 at 9am"),  # Saturday
])
def test_outside_hours_the_page_offers_no_call_and_the_server_refuses_one(
        client, app, made, set_now, at, again):
    sign_in(client, app, interviewer="camden")
    set_now(MONDAY_10AM)
    case_id = recorded_case(client, made.questionnaire_id)
    set_now(at)
    page = client.get(case_url(case_id))
    message = f"It is outside calling hours ({HOURS}). Calls can start again on {again}."
    assert message in page_text(page)
    assert "Start a call" not in page_text(page)
    # A call started anyway (an old page, a replayed POST) is refused with the same words.
    refused = start_call(client, case_id)
    assert refused.status_code == 302
    assert message in page_text(client.get(refused.headers["Location"]))
    with app.app_context():
        assert count(Call) == 0 and case_row(case_id).attempts == 0


def test_inside_hours_the_call_starts(client, app, made, set_now):
    sign_in(client, app, interviewer="camden")
    set_now(london(2026, 11, 30, 20, 29))  # the last minute of a Monday's hours
    case_id = recorded_case(client, made.questionnaire_id)
    assert "Start a call" in page_text(client.get(case_url(case_id)))
    started = start_call(client, case_id)
    assert started.status_code == 302
    assert "Call in progress" in page_text(client.get(started.headers["Location"]))
    # A call under way carries on past closing time: only starting one is refused.
    set_now(london(2026, 11, 30, 20, 45))
    ended = end_call(client, case_id, "no-answer")
    assert ended.status_code == 302
    with app.app_context():
        assert [c.outcome for c in case_row(case_id).calls] == [Outcome.NO_ANSWER]


def test_the_rule_follows_the_setting_and_london_time(app, made):
    with app.app_context():
        by = create_user(roles={"interviewer": "camden"})
        questionnaire = db.session.get(Questionnaire, made.questionnaire_id)
        details = RequestDetails(questionnaire=questionnaire, name="Ada",
                                 phone="+442079460000", best_times="",
                                 part_of_day=operations.PartOfDay.ANY, notes="")
        call_case, _new = operations.record_request(borough("camden"), details, by, MONDAY_10AM)
        saturday = london(2026, 12, 5, 11, 0)
        with pytest.raises(OutsideCallingHours, match="outside calling hours"):
            operations.start_call(call_case, by, saturday)
        # British Summer Time: 9am in London is 8am UTC.
        with pytest.raises(OutsideCallingHours):
            operations.start_call(call_case, by, london(2027, 5, 3, 8, 59))
        app.config["ENGAGE_CALLING_HOURS"] = "mon-fri 09:00-20:30; sat 10:00-16:00"
        call = operations.start_call(call_case, by, saturday)
        assert call.started_at == saturday


def test_an_appointment_outside_hours_is_refused_on_its_field(client, app, made, set_now):
    sign_in(client, app, interviewer="camden")
    set_now(MONDAY_10AM)
    case_id = recorded_case(client, made.questionnaire_id)
    start_call(client, case_id)
    late = end_call(client, case_id, "appointment", appointment_date=["30", "11", "2026"],
                    appointment_time="9pm")
    assert late.status_code == 200
    assert f"The time agreed must be within calling hours ({HOURS})" in page_text(late)
    assert 'href="#appointment_time"' in late.get_data(as_text=True)
    booked = end_call(client, case_id, "appointment", appointment_date=["30", "11", "2026"],
                      appointment_time="8pm")
    assert booked.status_code == 302
    with app.app_context():
        assert case_row(case_id).appointment_at == london(2026, 11, 30, 20, 0)


def test_nobody_is_called_before_the_consultation_opens_or_after_it_closes(
        client, app, set_now):
    made = consultation_with_note(app, opens_at=london(2026, 12, 1, 9, 0),
                                  closes_at=london(2026, 12, 18, 17, 0))
    sign_in(client, app, interviewer="camden")
    set_now(MONDAY_10AM)  # the day before it opens: people may already ask to be called
    case_id = recorded_case(client, made.questionnaire_id)
    list_url = case_url(case_id).rsplit("/cases/", 1)[0] + \
        f"/consultations/{made.consultation_id}"
    early = "opens on 1 December 2026 at 9am: calls start then."
    assert early in page_text(client.get(case_url(case_id)))
    assert early in page_text(client.get(list_url))
    assert early in page_text(client.get(start_call(client, case_id).headers["Location"]))

    set_now(london(2026, 12, 1, 9, 0))
    assert start_call(client, case_id).status_code == 302
    assert end_call(client, case_id, "no-answer").status_code == 302

    set_now(london(2026, 12, 21, 10, 0))  # a Monday, after it closed
    late = "closed on 18 December 2026 at 5pm: nobody is called for it any more."
    assert late in page_text(client.get(case_url(case_id)))
    assert late in page_text(client.get(list_url))
    assert 'id="due"' not in client.get(list_url).get_data(as_text=True)
    assert late in page_text(client.get(start_call(client, case_id).headers["Location"]))
    with app.app_context():
        assert count(Call) == 1


def test_a_call_back_agreed_across_the_clock_change_falls_due_at_the_time_agreed(
        client, app, made, set_now):
    sign_in(client, app, interviewer="camden")
    # Thursday before Easter 2027; the clocks go forward on the Sunday (Good Friday and
    # Easter Monday are bank holidays, with no calls).
    set_now(london(2027, 3, 25, 19, 0))
    case_id = recorded_case(client, made.questionnaire_id)
    start_call(client, case_id)
    booked = end_call(client, case_id, "appointment", appointment_date=["30", "3", "2027"],
                      appointment_time="9:30am")
    assert booked.status_code == 302
    with app.app_context():
        # 9:30am summer time is 8:30 in the database's UTC.
        assert case_row(case_id).next_attempt_at == london(2027, 3, 30, 9, 30)
    assert "Appointment 30 March 2027 at 9:30am" in page_text(client.get(case_url(case_id)))
    call_list = f"/staff/boroughs/camden/telephone/consultations/{made.consultation_id}"
    set_now(london(2027, 3, 30, 9, 29))
    assert "Nobody is due a call now" in page_text(client.get(call_list))
    set_now(london(2027, 3, 30, 9, 30))
    assert "Why now" in page_text(client.get(call_list))
