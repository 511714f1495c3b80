"""The call list: appointments first, then retries that are due, then people not yet called;
nobody outside calling hours; and the calling hours setting. "Now" is passed in, never waited
for."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from engage import create_app
from engage.extensions import db
from engage.surveys.models import Questionnaire
from engage.telephone import operations
from engage.telephone.hours import next_time, parse_hours
from engage.telephone.models import Outcome, PartOfDay
from engage.telephone.operations import RequestDetails
from tests.factories import borough, create_user
from tests.helpers import page_text
from tests.telephone.support import (
    BASE,
    FIXED_WINDOW,
    consultation_with_note,
    london,
    recorded_case,
    sign_in,
)

MONDAY_10AM = london(2026, 11, 30, 10, 0)


def _case(questionnaire, by, name: str, requested_at, part=PartOfDay.ANY):
    details = RequestDetails(questionnaire=questionnaire, name=name, phone="+442079460000",
                             best_times="", part_of_day=part, notes="")
    return operations.record_request(borough("camden"), details, by, requested_at)[0]


def _ended(call_case, by, outcome, at, **kwargs):
    call = operations.start_call(call_case, by, at)
    operations.end_call(call_case, call, outcome, at, **kwargs)


def _booked_not_yet_due_and_refused(questionnaire, by) -> None:
    """Three cases as they stand at Monday 10am: an appointment at 9:55 (due), a retry due at
    11:30 (not yet), and a refusal (closed)."""
    booked = _case(questionnaire, by, "Appointment", london(2026, 11, 27, 12, 0))
    _ended(booked, by, Outcome.APPOINTMENT, london(2026, 11, 30, 9, 40),
           appointment_at=london(2026, 11, 30, 9, 55))
    not_yet = _case(questionnaire, by, "Not yet due", london(2026, 11, 27, 12, 0))
    _ended(not_yet, by, Outcome.NO_ANSWER, london(2026, 11, 30, 9, 30))  # due at 11:30
    refused = _case(questionnaire, by, "Refused", london(2026, 11, 27, 12, 0))
    _ended(refused, by, Outcome.REFUSED, london(2026, 11, 30, 9, 0))


def test_appointments_then_due_retries_then_new_in_the_order_they_fell_due(app):
    made = consultation_with_note(app, **FIXED_WINDOW)
    with app.app_context():
        by = create_user(roles={"interviewer": "camden"})
        questionnaire = db.session.get(Questionnaire, made.questionnaire_id)
        new_later = _case(questionnaire, by, "New, asked second", london(2026, 11, 30, 9, 5))
        new_first = _case(questionnaire, by, "New, asked first", london(2026, 11, 30, 9, 1))
        retry = _case(questionnaire, by, "Retry", london(2026, 11, 27, 12, 0))
        # Friday 7:30pm: two hours on is past closing, so due at Monday's opening time.
        _ended(retry, by, Outcome.NO_ANSWER, london(2026, 11, 27, 19, 30))
        _booked_not_yet_due_and_refused(questionnaire, by)
        db.session.commit()

        listed = operations.call_list(borough("camden"), questionnaire.consultation,
                                      MONDAY_10AM)
        assert listed.in_hours
        assert [c.name for c in listed.due] == [
            "Appointment", "Retry", "New, asked first", "New, asked second"]
        assert [c.name for c in listed.later] == ["Not yet due"]
        assert {s.value: n for s, n in listed.closed.items()} == {"refused": 1}

        # An hour and a half later the retry that was not yet due joins the retries.
        later = operations.call_list(borough("camden"), questionnaire.consultation,
                                     MONDAY_10AM + timedelta(minutes=90))
        assert [c.name for c in later.due][:3] == ["Appointment", "Retry", "Not yet due"]
        assert new_first.id and new_later.id


def test_nobody_is_due_outside_calling_hours(app):
    made = consultation_with_note(app, **FIXED_WINDOW)
    with app.app_context():
        by = create_user(roles={"interviewer": "camden"})
        questionnaire = db.session.get(Questionnaire, made.questionnaire_id)
        _case(questionnaire, by, "Waiting", london(2026, 11, 27, 12, 0))
        db.session.commit()
        consultation = questionnaire.consultation

        def due_at(*when):
            return operations.call_list(borough("camden"), consultation, london(*when))

        assert due_at(2026, 11, 30, 9, 0).due  # Monday, opening time
        assert due_at(2026, 11, 30, 20, 29).due
        evening = due_at(2026, 11, 30, 20, 30)  # closing time: none
        assert not evening.in_hours and not evening.due
        assert evening.opens_at == london(2026, 12, 1, 9, 0)
        saturday = due_at(2026, 12, 5, 10, 0)
        assert not saturday.due and saturday.opens_at == london(2026, 12, 7, 9, 0)
        # British Summer Time: 9am in London is 8am UTC.
        assert due_at(2027, 6, 7, 9, 0).due and not due_at(2027, 6, 7, 8, 59).due

        app.config["ENGAGE_CALLING_HOURS"] = "mon-fri 09:00-20:30; sat 10:00-16:00"
        assert due_at(2026, 12, 5, 10, 0).due and not due_at(2026, 12, 5, 16, 0).due


def test_a_preferred_part_of_the_day_sets_when_a_new_request_is_first_due(app):
    made = consultation_with_note(app, **FIXED_WINDOW)
    with app.app_context():
        by = create_user(roles={"interviewer": "camden"})
        questionnaire = db.session.get(Questionnaire, made.questionnaire_id)
        evening = _case(questionnaire, by, "Evenings", MONDAY_10AM, PartOfDay.EVENING)
        morning = _case(questionnaire, by, "Mornings", london(2026, 11, 30, 13, 0),
                        PartOfDay.MORNING)
        assert evening.next_attempt_at == london(2026, 11, 30, 17, 0)
        assert morning.next_attempt_at == london(2026, 12, 1, 9, 0)
        db.session.commit()
        listed = operations.call_list(borough("camden"), questionnaire.consultation,
                                      MONDAY_10AM)
        assert not listed.due and [c.name for c in listed.later] == ["Evenings", "Mornings"]
        assert {c.name for c in operations.call_list(
            borough("camden"), questionnaire.consultation,
            london(2026, 11, 30, 17, 0)).due} == {"Evenings"}


def test_calling_hours_are_read_from_the_setting_and_a_wrong_one_stops_the_app(app_settings):
    hours = parse_hours("mon-fri 09:00-20:30; sat 10:00-16:00")
    assert hours.describe() == ("Monday to Friday, 9am to 8:30pm; Saturday, 10am to 4pm; "
                                "not on bank holidays")
    assert next_time(london(2026, 12, 5, 17, 0), hours) == london(2026, 12, 7, 9, 0)
    for wrong in ("", "weekdays 9-5", "fri-mon 09:00-17:00", "mon 17:00-09:00",
                  "mon 25:00-26:00", "bank-holidays-fri 10:00-16:00",
                  "bank-holidays 10:00-16:00"):  # the last names no ordinary day
        with pytest.raises(ValueError, match="ENGAGE_CALLING_HOURS"):
            parse_hours(wrong)
    with pytest.raises(ValueError, match="ENGAGE_CALLING_HOURS"):
        create_app({**app_settings, "ENGAGE_CALLING_HOURS": "weekdays 9-5"})


def test_nobody_is_called_on_a_bank_holiday_unless_the_setting_says_when():
    weekdays = parse_hours("mon-fri 09:00-20:30")
    # Christmas Day 2026 is a Friday; Boxing Day's holiday moves to Monday 28 December.
    assert next_time(london(2026, 12, 24, 21, 0), weekdays) == london(2026, 12, 29, 9, 0)
    assert next_time(london(2026, 12, 28, 12, 0), weekdays) == london(2026, 12, 29, 9, 0)
    assert next_time(london(2027, 5, 3, 12, 0), weekdays) == london(2027, 5, 4, 9, 0)  # May Day
    holidays = parse_hours("mon-fri 09:00-20:30; bank-holidays 10:00-16:00")
    assert holidays.describe() == "Monday to Friday, 9am to 8:30pm; bank holidays, 10am to 4pm"
    assert next_time(london(2026, 12, 24, 21, 0), holidays) == london(2026, 12, 25, 10, 0)
    assert next_time(london(2026, 12, 28, 16, 0), holidays) == london(2026, 12, 29, 9, 0)


def test_the_call_list_page_shows_whom_to_call_with_their_number(client, app, set_now):
    made = consultation_with_note(app, **FIXED_WINDOW)
    sign_in(client, app, interviewer="camden")
    set_now(MONDAY_10AM)
    recorded_case(client, made.questionnaire_id, name="Grace Hopper", phone="07911123456")
    url = f"{BASE.format('camden')}/consultations/{made.consultation_id}"
    page = client.get(url)
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert 'id="due"' in html
    assert "Grace Hopper" in page_text(page) and "07911 123456" in page_text(page)

    set_now(london(2026, 11, 30, 20, 30))  # closing time
    closed = client.get(url)
    assert 'id="due"' not in closed.get_data(as_text=True)
    assert "It is outside calling hours (Monday to Friday, 9am to 8:30pm; not on bank " \
        "holidays). Calls can start again on 1 December 2026 at 9am." in page_text(closed)
    # Still listed to call later, by name, without offering the call now.
    assert "Grace Hopper" in page_text(closed)


def _waiting(page) -> list[tuple[str, str]]:
    """(words, link) of each item under "Waiting for you"."""
    html = page.get_data(as_text=True)
    section = html.split("Waiting for you", 1)[1].split('<h2 class="govuk-heading-m">', 1)[0]
    return [(re.sub(r"<[^>]+>", "", words).strip(), url) for url, words in
            re.findall(r'<a class="govuk-link" href="([^"]+)">(.*?)</a>', section, re.S)]


def test_an_interviewers_dashboard_counts_whom_the_call_list_shows_as_due(client, app, set_now):
    """The same rule as the list: open cases whose time has come, inside calling hours, while
    the consultation is open; the interviewer's boroughs only."""
    made = consultation_with_note(app, title="Have your say 2027/28", **FIXED_WINDOW)
    with app.app_context():
        by = create_user(roles={"interviewer": "camden"})
        questionnaire = db.session.get(Questionnaire, made.questionnaire_id)
        _case(questionnaire, by, "New", london(2026, 11, 30, 9, 1))
        _booked_not_yet_due_and_refused(questionnaire, by)
        details = RequestDetails(questionnaire=questionnaire, name="In Hackney",
                                 phone="+442079460000", best_times="",
                                 part_of_day=PartOfDay.ANY, notes="")
        operations.record_request(borough("hackney"), details, by, london(2026, 11, 30, 9, 0))
        db.session.commit()
    sign_in(client, app, interviewer="camden")
    call_list = f"{BASE.format('camden')}/consultations/{made.consultation_id}"

    def shown_at(moment) -> list[tuple[str, str]]:
        set_now(moment)
        return [(words.removesuffix(" (Camden)"), url)
                for words, url in _waiting(client.get("/staff/"))]

    assert shown_at(MONDAY_10AM) == [
        ("2 people to call now for Have your say 2027/28", call_list)]
    with app.app_context():  # the list the link opens shows the same two
        consultation = db.session.get(Questionnaire, made.questionnaire_id).consultation
        assert len(operations.call_list(borough("camden"), consultation, MONDAY_10AM).due) == 2
    assert 'id="due"' in client.get(call_list).get_data(as_text=True)
    assert _waiting(client.get("/staff/boroughs/camden")) == [
        ("2 people to call now for Have your say 2027/28", call_list)]
    # At 11:30 the retry falls due.
    assert shown_at(london(2026, 11, 30, 11, 30))[0][0].startswith("3 people to call now")
    # Outside calling hours, and once the consultation has closed, nobody is due.
    for moment in (london(2026, 11, 30, 20, 30), london(2027, 12, 1, 10, 0)):
        assert shown_at(moment) == []
        assert "Nothing is waiting for you: no people to call now in your borough." \
            in page_text(client.get("/staff/"))
