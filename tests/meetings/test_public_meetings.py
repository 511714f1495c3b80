"""Meetings as the public and members see them: the meeting page, who may see it and its online
link, the calendar file, and the list on the group's page."""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

from icalendar import Calendar
from sqlalchemy import select

from engage.clock import utcnow
from engage.extensions import db
from engage.groups.models import Membership, MembershipStatus, Represents
from engage.meetings.models import MeetingMode, MeetingStatus, MeetingVisibility
from tests.dates import at, form_date, with_weekday
from tests.factories import create_user
from tests.helpers import page_text
from tests.meetings.support import (
    CPEG_PAGE,
    FORM,
    PUBLIC,
    SPRING_DAY,
    STAFF,
    WINTER_DAY,
    cpeg,
    create_meeting,
    make_member,
    member,
    schedule,
    sends_to_sign_in,
    sign_in,
)

LONDON = ZoneInfo("Europe/London")
LINK = "https://meet.example.org/camden-cpeg"


def _published(client, **form) -> int:
    meeting_id = schedule(client, **form)
    page = f"{STAFF}/{meeting_id}"
    client.submit(page + "/publish", {}, form_page=page)
    return meeting_id


def _calendar(client, meeting_id: int) -> Calendar:
    response = client.get(f"{PUBLIC}/{meeting_id}.ics")
    assert response.status_code == 200
    assert response.mimetype == "text/calendar"
    return Calendar.from_ical(response.data)


def _event(calendar: Calendar):
    (event,) = calendar.walk("VEVENT")
    return event


def test_the_meeting_page_in_london_time(client, other_client, app):
    sign_in(client, app)
    meeting_id = _published(client, date=form_date(WINTER_DAY))
    client.submit(f"{STAFF}/{meeting_id}/agenda/new", {"title": "Stop and search",
                                                        "presenter": "Inspector Shah"})
    text = page_text(other_client.get(f"{PUBLIC}/{meeting_id}"))
    assert "Spring meeting" in text
    assert f"{with_weekday(WINTER_DAY)}, 6:30pm to 8pm" in text
    assert "Camden Town Hall Judd Street London WC1H 9JE" in text
    assert "Step-free entrance on Judd Street" in text
    assert "Places 60" in text
    assert "Stop and search Inspector Shah" in text
    assert "Add this meeting to your calendar" in text


def test_drafts_are_seen_only_by_the_borough_team(client, other_client, app):
    sign_in(client, app)
    meeting_id = schedule(client)
    assert "This is a draft" in page_text(client.get(f"{PUBLIC}/{meeting_id}"))
    assert other_client.get(f"{PUBLIC}/{meeting_id}").status_code == 404
    member(other_client, app)
    assert other_client.get(f"{PUBLIC}/{meeting_id}").status_code == 404
    assert other_client.get(f"{PUBLIC}/{meeting_id}.ics").status_code == 404
    # A meeting is found only through its own group and borough.
    assert client.get(f"/boroughs/lambeth/groups/cpeg/meetings/{meeting_id}").status_code == 404


def test_members_only_meetings_are_not_found_by_anyone_else(client, other_client, app):
    sign_in(client, app)
    meeting_id = _published(client, visibility="members-only")
    url = f"{PUBLIC}/{meeting_id}"
    # Not signed in: they may be a member, so they are asked to sign in and brought back.
    assert sends_to_sign_in(other_client.get(url), url)
    assert sends_to_sign_in(other_client.get(url + ".ics"), url + ".ics")
    assert "Spring meeting" not in page_text(other_client.get(url, follow_redirects=True))
    person = sign_in(other_client, app, create_user)
    assert other_client.get(url).status_code == 404
    make_member(app, person, MembershipStatus.PENDING)  # asked to join, not yet approved
    assert other_client.get(url).status_code == 404
    # An active member of another borough's CPEG is not a member of this one.
    with app.app_context():
        lambeth = cpeg("lambeth")
        db.session.add(Membership(group=lambeth, user_id=person, status=MembershipStatus.ACTIVE,
                                  represents=Represents.SELF))
        db.session.delete(db.session.scalar(select(Membership).where(
            Membership.user_id == person, Membership.group_id != lambeth.id)))
        db.session.commit()
    assert other_client.get(url).status_code == 404


def test_an_active_member_sees_a_members_only_meeting(client, other_client, app):
    sign_in(client, app)
    meeting_id = _published(client, visibility="members-only")
    member(other_client, app)
    assert "Who can come Members of the group" in page_text(
        other_client.get(f"{PUBLIC}/{meeting_id}"))
    assert other_client.get(f"{PUBLIC}/{meeting_id}.ics").status_code == 200


def test_the_online_link_is_shown_only_to_signed_in_members(client, other_client, app):
    sign_in(client, app)
    meeting_id = _published(client, mode="hybrid", online_link=LINK)
    url = f"{PUBLIC}/{meeting_id}"
    anonymous = other_client.get(url).get_data(as_text=True)
    assert LINK not in anonymous
    assert "see the link to join here when they are" in page_text(other_client.get(url))
    assert LINK not in other_client.get(url + ".ics").get_data(as_text=True)
    person = sign_in(other_client, app, create_user)
    assert LINK not in other_client.get(url).get_data(as_text=True)
    make_member(app, person)
    assert f'href="{LINK}"' in other_client.get(url).get_data(as_text=True)
    assert LINK in str(_event(_calendar(other_client, meeting_id))["DESCRIPTION"])


def test_the_calendar_file(client, other_client, app):
    sign_in(client, app)
    meeting_id = _published(client)
    calendar = _calendar(other_client, meeting_id)
    assert calendar["METHOD"] == "PUBLISH"
    assert [tz["TZID"] for tz in calendar.walk("VTIMEZONE")] == ["Europe/London"]
    event = _event(calendar)
    assert event["UID"] == f"meeting-{meeting_id}@localhost"
    assert event["SEQUENCE"] == 0
    start, end = event.decoded("DTSTART"), event.decoded("DTEND")
    assert start == at(SPRING_DAY, 18, 30, zone=LONDON)
    assert str(start.tzinfo) == "Europe/London"
    assert end == at(SPRING_DAY, 20, zone=LONDON)
    assert event["DTSTART"].params["TZID"] == "Europe/London"
    assert event["SUMMARY"] == "Spring meeting (Community Police Engagement Group)"
    assert event["LOCATION"] == "Camden Town Hall, Judd Street, London WC1H 9JE"
    assert event["URL"] == f"http://localhost{PUBLIC}/{meeting_id}"
    assert event["STATUS"] == "CONFIRMED"
    # Neither the group nor Camden has contact details: the service's, not a no-reply address.
    assert event["ORGANIZER"] == f"mailto:{app.config['ENGAGE_CONTACT_EMAIL']}"

    # A new time: the same UID, a higher SEQUENCE, the new DTSTART.
    client.submit(f"{STAFF}/{meeting_id}/edit", {**FORM, "start_time": "7pm"})
    event = _event(_calendar(other_client, meeting_id))
    assert (event["UID"], event["SEQUENCE"]) == (f"meeting-{meeting_id}@localhost", 1)
    assert event.decoded("DTSTART") == at(SPRING_DAY, 19, zone=LONDON)

    client.submit(f"{STAFF}/{meeting_id}/cancel", {})
    event = _event(_calendar(other_client, meeting_id))
    assert (event["STATUS"], event["SEQUENCE"]) == ("CANCELLED", 2)
    assert "This meeting is cancelled" in page_text(other_client.get(f"{PUBLIC}/{meeting_id}"))


def test_an_online_meeting_in_the_calendar_says_online(client, app):
    sign_in(client, app)
    meeting_id = _published(client, mode="online", online_link=LINK)
    assert _event(_calendar(client, meeting_id))["LOCATION"] == "Online"


def test_the_group_page_lists_upcoming_published_meetings_only(client, app):
    assert "No meetings have been arranged yet" in page_text(client.get(CPEG_PAGE))
    now = utcnow().replace(microsecond=0)
    soon, later = now + timedelta(days=7), now + timedelta(days=40)
    create_meeting(app, soon, soon + timedelta(hours=2), title="Open meeting")
    create_meeting(app, later, later + timedelta(hours=2), title="Online surgery",
                   mode=MeetingMode.ONLINE, venue=None, address=None, online_link=LINK)
    create_meeting(app, soon, soon + timedelta(hours=2), title="Draft meeting",
                   status=MeetingStatus.DRAFT)
    create_meeting(app, soon, soon + timedelta(hours=2), title="Called-off meeting",
                   status=MeetingStatus.CANCELLED)
    create_meeting(app, now - timedelta(days=7), now - timedelta(days=7, hours=-2),
                   title="Last week's meeting")
    create_meeting(app, soon, soon + timedelta(hours=2), title="Members' meeting",
                   visibility=MeetingVisibility.MEMBERS_ONLY)

    text = page_text(client.get(CPEG_PAGE))
    assert "Open meeting" in text and "Online surgery" in text
    assert text.index("Open meeting") < text.index("Online surgery")
    for hidden in ("Draft meeting", "Called-off meeting", "Last week's meeting",
                   "Members' meeting", "No meetings have been arranged yet"):
        assert hidden not in text, hidden

    member(client, app)
    text = page_text(client.get(CPEG_PAGE))
    assert "Members' meeting" in text and "(members only)" in text
    assert "Draft meeting" not in text
