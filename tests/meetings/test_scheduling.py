"""Scheduling and changing meetings as staff, through HTTP with CSRF on."""

from __future__ import annotations

import re
from datetime import datetime

import pytest
from sqlalchemy import func, select

from engage import clock
from engage.audit.models import AuditEvent
from engage.clock import utcnow
from engage.extensions import db
from engage.meetings.models import (
    AgendaItem,
    Invitation,
    Mailing,
    Meeting,
    MeetingStatus,
    Reply,
)
from tests.dates import NEXT_YEAR, at, clocks_go_back, clocks_go_forward, form_date, with_weekday
from tests.factories import create_officer, create_user
from tests.helpers import csrf_token, page_text, title
from tests.meetings.support import (
    FORM,
    SPRING_DAY,
    STAFF,
    WINTER_DAY,
    meeting,
    schedule,
    sign_in,
)


def _count() -> int:
    return db.session.scalar(select(func.count(Meeting.id)))


def test_london_times_are_stored_as_utc_either_side_of_the_clocks_going_forward(client, app):
    sign_in(client, app)
    summer = meeting(app, schedule(client, date=form_date(SPRING_DAY)))  # BST, UTC+1
    assert (summer.starts_at, summer.ends_at) == (at(SPRING_DAY, 17, 30), at(SPRING_DAY, 19))
    winter = meeting(app, schedule(client, date=form_date(WINTER_DAY), start_time="18:30",
                                   end_time="20:00"))  # GMT
    assert (winter.starts_at, winter.ends_at) == (at(WINTER_DAY, 18, 30), at(WINTER_DAY, 20))
    assert f"{with_weekday(SPRING_DAY)}, 6:30pm to 8pm" in page_text(
        client.get(f"{STAFF}/{summer.id}"))


def test_a_time_the_clocks_skip_is_refused(client, app):
    sign_in(client, app)
    response = client.submit(STAFF + "/new", {**FORM,
                                              "date": form_date(clocks_go_forward(NEXT_YEAR)),
                                              "start_time": "01:30", "end_time": "3am"})
    assert response.status_code == 200
    text = page_text(response)
    assert "There is a problem" in text
    assert "The start time does not exist: the clocks go forward from 1am to 2am" in text
    with app.app_context():
        assert _count() == 0


def test_the_repeated_autumn_hour_means_the_first_one(client, app):
    sign_in(client, app)
    night = clocks_go_back(NEXT_YEAR)
    found = meeting(app, schedule(client, date=form_date(night), start_time="1:30am",
                                  end_time="3am"))
    # 01:30 BST is 00:30 UTC; the second 01:30 (GMT) would be 01:30 UTC.
    assert found.starts_at == at(night, 0, 30)
    assert found.ends_at == at(night, 3)


def test_errors_are_summarised_and_linked_to_their_fields(client, app):
    sign_in(client, app)
    response = client.submit(STAFF + "/new", {
        **FORM, "title": "", "start_time": "8pm", "end_time": "7pm", "mode": "hybrid",
        "venue": "", "online_link": "http://meet.example.org/cpeg", "capacity": "lots",
    })
    html = response.get_data(as_text=True)
    assert title(response).startswith("Error: ")
    summary = html[html.index("govuk-error-summary"):html.index("</ul>",
                                                                 html.index("govuk-error-summary"))]
    for field, message in [
        ("title", "Enter the title of the meeting"),
        ("end_time", "The end time must be after the start time"),
        ("venue", "Enter the name of the venue"),
        ("online_link", "Enter a link that starts with https://"),
        ("capacity", "The number of places must be a whole number between 1 and 100,000"),
    ]:
        assert re.search(rf'href="#{field}"[^>]*>\s*{re.escape(message)}', summary), message
    with app.app_context():
        assert _count() == 0


def test_places_are_read_as_every_number_box_reads_them(client, app):
    """"1,000" places was refused as no number, though an answer or a staff number box read
    it; a comma that does not separate thousands ("1,0") is a slip, refused as before."""
    sign_in(client, app)
    for slip in ("1,0", "1 0", "10,00", "1_000", "\uff11\uff10"):
        refused = client.submit(STAFF + "/new", {**FORM, "capacity": slip})
        assert refused.status_code == 200, slip
        assert "The number of places must be a whole number between 1 and 100,000" in \
            page_text(refused), slip
    too_many = client.submit(STAFF + "/new", {**FORM, "capacity": "100,001"})
    assert "The number of places must be a whole number between 1 and 100,000" in \
        page_text(too_many)
    with app.app_context():
        assert _count() == 0
    assert meeting(app, schedule(client, capacity="1,000")).capacity == 1000
    assert meeting(app, schedule(client, capacity=" 2 500 ")).capacity == 2500


@pytest.mark.parametrize(("typed", "read"), [
    ("6:30pm", "6:30pm"), ("6.30 pm", "6:30pm"), (" 6:30 P.M. ", "6:30pm"), ("18:30", "6:30pm"),
    ("6 p. m.", "6pm"), ("12 noon", "midday"), ("midday", "midday"),
])
def test_times_are_read_as_people_write_them(client, app, typed, read):
    sign_in(client, app)
    page = page_text(client.get(f"{STAFF}/{schedule(client, start_time=typed)}"))
    assert f"{with_weekday(SPRING_DAY)}, {read} to 8pm" in page


@pytest.mark.parametrize("slip", ["1 8:30", "18 30", "6:3 0pm", "\uff16:30pm", "6:30 p m x"])
def test_a_time_with_a_slip_in_it_is_refused_not_read_as_another_time(client, app, slip):
    """Spaces were taken out everywhere and any digit counted, so "1 8:30" was 18:30."""
    sign_in(client, app)
    refused = client.submit(STAFF + "/new", {**FORM, "start_time": slip})
    assert refused.status_code == 200
    assert "Enter the start time in the form 6:30pm or 18:30" in page_text(refused)
    with app.app_context():
        assert _count() == 0


def test_online_meetings_need_a_link_and_keep_no_venue(client, app):
    sign_in(client, app)
    refused = client.submit(STAFF + "/new", {**FORM, "mode": "online"})
    assert "Enter the link to join online" in page_text(refused)
    found = meeting(app, schedule(client, mode="online",
                                  online_link="https://meet.example.org/cpeg"))
    assert (found.venue, found.address, found.online_link) == (
        None, None, "https://meet.example.org/cpeg")


def test_another_boroughs_officer_is_refused_and_changes_nothing(client, other_client, app):
    sign_in(client, app)
    meeting_id = schedule(client)
    sign_in(other_client, app, create_officer, "lambeth")
    assert other_client.get(STAFF).status_code == 403
    assert other_client.get(f"{STAFF}/{meeting_id}").status_code == 403
    # Their own valid CSRF token: what stops them is the borough check, not the token.
    token = _token(other_client, "/account")
    for url, data in [
        (STAFF + "/new", FORM),
        (f"{STAFF}/{meeting_id}/edit", {**FORM, "title": "Taken over"}),
        (f"{STAFF}/{meeting_id}/publish", {}),
        (f"{STAFF}/{meeting_id}/cancel", {}),
        (f"{STAFF}/{meeting_id}/agenda/new", {"title": "Sneaky item"}),
    ]:
        response = other_client.post(url, {"csrf_token": token, **data})
        assert response.status_code == 403, url
    found = meeting(app, meeting_id)
    assert (found.title, found.status, found.sequence) == ("Spring meeting",
                                                           MeetingStatus.DRAFT, 0)
    with app.app_context():
        assert _count() == 1
        assert db.session.scalar(select(func.count(AgendaItem.id))) == 0


def _token(client, url: str) -> str:
    return csrf_token(client.get(url).get_data(as_text=True))


def test_an_analyst_can_look_but_not_change(client, other_client, app):
    sign_in(client, app)
    meeting_id = schedule(client)
    sign_in(other_client, app, create_user, roles={"analyst": "camden"})
    listing = other_client.get(STAFF)
    assert listing.status_code == 200
    assert "Spring meeting" in page_text(listing)
    assert "Schedule a meeting" not in page_text(listing)
    page = page_text(other_client.get(f"{STAFF}/{meeting_id}"))
    assert f"{with_weekday(SPRING_DAY)}, 6:30pm to 8pm" in page
    assert "Publish the meeting" not in page and "Change the details" not in page
    assert other_client.get(STAFF + "/new").status_code == 403
    assert other_client.get(f"{STAFF}/{meeting_id}/edit").status_code == 403
    # A valid CSRF token (from the analyst's own page) does not make the change allowed.
    response = other_client.submit(f"{STAFF}/{meeting_id}/publish", {}, form_page=STAFF)
    assert response.status_code == 403
    assert meeting(app, meeting_id).status == MeetingStatus.DRAFT


def test_publish_cancel_and_the_calendar_sequence(client, app):
    sign_in(client, app)
    meeting_id = schedule(client)
    page = f"{STAFF}/{meeting_id}"
    assert meeting(app, meeting_id).sequence == 0

    client.submit(page + "/publish", {}, form_page=page)
    found = meeting(app, meeting_id)
    assert (found.status, found.sequence) == (MeetingStatus.PUBLISHED, 0)
    assert found.published_at is not None

    # A new title is not a new time or place: calendars need no update.
    client.submit(page + "/edit", {**FORM, "title": "Spring meeting (rescheduled)"})
    assert meeting(app, meeting_id).sequence == 0
    # A new time is.
    client.submit(page + "/edit", {**FORM, "title": "Spring meeting (rescheduled)",
                                   "start_time": "7pm"})
    found = meeting(app, meeting_id)
    assert (found.starts_at, found.sequence) == (at(SPRING_DAY, 18), 1)
    # So is a new place.
    client.submit(page + "/edit", {**FORM, "title": "Spring meeting (rescheduled)",
                                   "start_time": "7pm", "venue": "Kentish Town Library"})
    assert meeting(app, meeting_id).sequence == 2
    # Saving without changes changes nothing.
    unchanged = client.submit(page + "/edit", {**FORM, "title": "Spring meeting (rescheduled)",
                                               "start_time": "7pm",
                                               "venue": "Kentish Town Library"},
                              follow_redirects=True)
    assert "Nothing was changed" in page_text(unchanged)
    assert meeting(app, meeting_id).sequence == 2

    confirm = client.get(page + "/cancel")
    assert "You cannot undo this" in page_text(confirm)
    client.submit(page + "/cancel", {})
    found = meeting(app, meeting_id)
    assert (found.status, found.sequence) == (MeetingStatus.CANCELLED, 3)
    assert found.cancelled_at is not None
    # A cancelled meeting stays as it was.
    assert client.get(page + "/edit").status_code == 302
    assert meeting(app, meeting_id).sequence == 3

    with app.app_context():
        actions = db.session.scalars(select(AuditEvent.action)
                                     .where(AuditEvent.target == f"meeting:{meeting_id}")
                                     .order_by(AuditEvent.id)).all()
    assert actions == ["meeting.scheduled", "meeting.published", "meeting.changed",
                       "meeting.changed", "meeting.changed", "meeting.cancelled"]


def test_editing_shows_the_london_times(client, app):
    sign_in(client, app)
    meeting_id = schedule(client)
    html = client.get(f"{STAFF}/{meeting_id}/edit").get_data(as_text=True)
    assert 'value="18:30"' in html and 'value="20:00"' in html
    # The day box as the GOV.UK date input writes it: "01" on the first of the month.
    assert f'value="{SPRING_DAY:%d}"' in html and f'value="{SPRING_DAY.year}"' in html


def test_the_staff_page_says_what_was_not_given_in_words(client, app):
    """Details left empty read "Not given" (or "No limit"), never "None": the meeting's access
    information, and the name and access needs of someone who registered without them."""
    sign_in(client, app)
    meeting_id = schedule(client, access_notes="", capacity="")
    with app.app_context():
        db.session.add(Invitation(meeting_id=meeting_id, email="guest@example.org", name=None,
                                  access_needs=None, registered_at=utcnow(),
                                  reply=Reply.ATTENDING))
        db.session.commit()
    text = page_text(client.get(f"{STAFF}/{meeting_id}"))
    assert "Access information Not given" in text
    assert "Number of places No limit" in text
    assert "Not given guest@example.org Attending Not given" in text
    assert "None" not in text


def test_a_meeting_is_not_scheduled_moved_or_published_into_the_past(client, app, monkeypatch):
    """Invitations with a calendar entry for a meeting that has begun cannot be called back:
    a past time is refused on the date, and a draft whose time has come is not published.
    A meeting that has happened keeps its time while its other details are corrected."""
    now = datetime(2027, 3, 1, 12)  # noon in London (GMT): the clock is set, not read
    monkeypatch.setattr(clock, "utcnow", lambda: now)
    sign_in(client, app)
    for when in ({"date": ["1", "1", "2020"]},
                 {"date": ["1", "3", "2027"], "start_time": "11am", "end_time": "1pm"}):
        refused = client.submit(STAFF + "/new", {**FORM, **when})
        assert refused.status_code == 200
        assert "The meeting must be in the future" in page_text(refused)
        assert 'href="#date' in refused.get_data(as_text=True)
    with app.app_context():
        assert _count() == 0

    meeting_id = schedule(client, date=["1", "3", "2027"], start_time="6:30pm")
    page = f"{STAFF}/{meeting_id}"
    moved = client.submit(page + "/edit", {**FORM, "date": ["1", "1", "2020"]})
    assert "The meeting must be in the future" in page_text(moved)
    assert meeting(app, meeting_id).starts_at == datetime(2027, 3, 1, 18, 30)

    now = datetime(2027, 3, 2, 9)  # the next morning: the draft's time has passed
    assert "Publish the meeting" not in page_text(client.get(page))
    for send in (lambda: client.get(page + "/publish"),
                 lambda: client.submit(page + "/publish", {}, form_page=page)):
        response = send()
        assert response.status_code == 302
        assert "has already started, so it cannot be published" in page_text(
            client.get(response.location))
    with app.app_context():
        assert db.session.get(Meeting, meeting_id).status == MeetingStatus.DRAFT
        assert db.session.scalar(select(func.count(Mailing.id))) == 0

    # Its other details are still corrected; its time is not moved within the past.
    past = {**FORM, "date": ["1", "3", "2027"], "start_time": "6:30pm"}
    renamed = client.submit(page + "/edit", {**past, "title": "Spring meeting (held)"})
    assert renamed.status_code == 302
    assert meeting(app, meeting_id).title == "Spring meeting (held)"
    later_that_day = client.submit(page + "/edit", {**past, "start_time": "7pm"})
    assert "The meeting must be in the future" in page_text(later_that_day)

    # Moved to a time still to come, it is published.
    client.submit(page + "/edit", {**past, "date": ["9", "3", "2027"]})
    client.submit(page + "/publish", {}, form_page=page)
    assert meeting(app, meeting_id).status == MeetingStatus.PUBLISHED
