"""The calendar file of someone on a full meeting's waiting list says they are waiting: their
ATTENDEE is TENTATIVE, the title starts "Waiting list: " and the description says so first.
Everyone with a place gets the calendar they always had, and so does someone given a place
from the waiting list."""

from __future__ import annotations

from datetime import timedelta

from icalendar import Calendar

from engage.clock import utcnow
from engage.extensions import db
from engage.meetings.ical import WAITING_NOTE
from engage.meetings.mailings import meeting_context
from engage.meetings.models import Meeting
from engage.outbox.operations import queue_email
from tests.factories import create_officer, create_user
from tests.helpers import Browser
from tests.mailbox import body, links
from tests.meetings.support import FORM, PUBLIC, STAFF, create_meeting, make_member, sign_in


def _event(message):
    """The event of the email's calendar file, parsed as a calendar program would."""
    [part] = [p for p in message.iter_attachments() if p.get_content_type() == "text/calendar"]
    calendar = Calendar.from_ical(part.get_content())
    assert calendar["METHOD"] == "REQUEST"
    return calendar.walk("VEVENT")[0]


def _assert_waiting(event, email: str) -> None:
    attendee = event["ATTENDEE"]
    assert str(attendee) == f"mailto:{email}"
    assert attendee.params["PARTSTAT"] == "TENTATIVE"
    assert str(event["SUMMARY"]).startswith("Waiting list: ")
    assert str(event["DESCRIPTION"]).splitlines()[0] == WAITING_NOTE
    assert event["STATUS"] == "CONFIRMED"  # the meeting is on; their place is not


def _assert_a_place(event, email: str, title: str) -> None:
    """What everyone with a place has always been sent: them as the attendee, with no
    participation status of ours, and the meeting's own title and description."""
    attendee = event["ATTENDEE"]
    assert str(attendee) == f"mailto:{email}"
    assert dict(attendee.params) == {"RSVP": "FALSE"}
    assert str(event["SUMMARY"]) == f"{title} (Community Police Engagement Group)"
    assert "waiting list" not in str(event.get("DESCRIPTION", "")).lower()
    assert event["STATUS"] == "CONFIRMED"


def _reply_link(message) -> str:
    return next(link for link in links(message) if "/meetings/reply/" in link)


def _register(meeting_id: int, app, email: str):
    return Browser(app).submit(f"{PUBLIC}/{meeting_id}/register",
                               {"name": "Grace Hopper", "email": email, "access_needs": ""},
                               form_page=f"{PUBLIC}/{meeting_id}")


def test_someone_registering_for_a_full_meeting_gets_a_waiting_list_calendar(
        app, mailbox, run_tasks):
    start = utcnow().replace(microsecond=0) + timedelta(days=7)
    meeting_id = create_meeting(app, start, start + timedelta(hours=2), capacity=1)
    _register(meeting_id, app, "first@example.org")
    _register(meeting_id, app, "second@example.org")
    run_tasks()
    [registered] = mailbox.to("first@example.org")
    assert registered["Subject"].startswith("Registered:")
    _assert_a_place(_event(registered), "first@example.org", "Quarterly meeting")
    [waiting] = mailbox.to("second@example.org")
    assert waiting["Subject"].startswith("Waiting list:")
    _assert_waiting(_event(waiting), "second@example.org")
    # The emails say what their calendar files do.
    assert ('The calendar file attached adds the meeting to your calendar, marked "Waiting '
            'list".') in body(waiting)
    assert ("The calendar file attached adds the meeting to your calendar.\r\n"
            in body(registered))

    # The first gives up the place: the second is given it, and their calendar says so.
    Browser(app).submit(_reply_link(registered), {"reply": "not-attending"})
    run_tasks()
    offered = mailbox.to("second@example.org")[-1]
    assert offered["Subject"].startswith("A place is yours")
    assert ("adds the meeting to your calendar, or updates it if it is there already (no longer "
            'marked "Waiting list")') in " ".join(body(offered).split())
    event = _event(offered)
    _assert_a_place(event, "second@example.org", "Quarterly meeting")
    # The same event as the waiting one, so it replaces it in their calendar.
    assert event["UID"] == _event(waiting)["UID"]


def test_members_waiting_get_a_waiting_list_calendar_with_every_update(app, mailbox,
                                                                        run_tasks):
    """Members replying to a full meeting, then an update sent in one batch to people with a
    place, waiting, and undecided: the batch builds its calendars once, and nothing of a
    waiting person's is left on the calendar of the people after them."""
    officer = Browser(app)
    sign_in(officer, app, create_officer, "camden")
    members = ["ada@example.org", "bob@example.org", "cleo@example.org", "dev@example.org"]
    for email in members:
        with app.app_context():
            user_id = create_user(email=email).id
        make_member(app, user_id)
    form = {**FORM, "capacity": "1"}
    created = officer.submit(STAFF + "/new", form)
    meeting_id = int(created.location.rstrip("/").rsplit("/", 1)[1])
    officer.submit(f"{STAFF}/{meeting_id}/publish", {})
    run_tasks()
    link = {email: _reply_link(mailbox.to(email)[0]) for email in members}
    for email in members:
        _assert_a_place(_event(mailbox.to(email)[0]), email, "Spring meeting")
    ada, bob, cleo = Browser(app), Browser(app), Browser(app)
    ada.submit(link["ada@example.org"], {"reply": "attending"})
    bob.submit(link["bob@example.org"], {"reply": "attending"})  # full: the waiting list
    cleo.submit(link["cleo@example.org"], {"reply": "maybe"})

    changed = officer.submit(f"{STAFF}/{meeting_id}/edit",
                             {**form, "start_time": "7pm", "end_time": "8:30pm"})
    assert changed.status_code == 302
    run_tasks()
    update = {email: mailbox.to(email)[-1] for email in members}
    assert all(m["Subject"].startswith("Changed:") for m in update.values())
    _assert_waiting(_event(update["bob@example.org"]), "bob@example.org")
    for email in ("ada@example.org", "cleo@example.org", "dev@example.org"):
        _assert_a_place(_event(update[email]), email, "Spring meeting")

    # Ada cannot come after all: Bob is given her place, with the calendar of a place.
    ada.submit(link["ada@example.org"], {"reply": "not-attending"})
    run_tasks()
    offered = mailbox.to("bob@example.org")[-1]
    assert offered["Subject"].startswith("A place is yours")
    event = _event(offered)
    _assert_a_place(event, "bob@example.org", "Spring meeting")
    assert event["SEQUENCE"] == _event(update["bob@example.org"])["SEQUENCE"]


def test_a_calendar_queued_before_the_waiting_list_had_one_is_still_sent(app, mailbox,
                                                                         run_tasks):
    """Attachment arguments are stored with the queued message: one queued before `waiting`
    existed has none, and is sent with the calendar of a place, as it was then."""
    start = utcnow().replace(microsecond=0) + timedelta(days=7)
    meeting_id = create_meeting(app, start, start + timedelta(hours=2))
    with app.app_context():
        meeting = db.session.get(Meeting, meeting_id)
        queue_email("grace@example.org", "meeting_place_offered", **meeting_context(meeting),
                    name="Grace", reply_url="http://localhost/meetings/reply/x",
                    attachments=[{"kind": "meeting_ics", "args": {
                        "meeting_id": meeting_id, "method": "REQUEST", "sequence": 0,
                        "attendee": "grace@example.org", "show_link": False}}])
        db.session.commit()
    run_tasks()
    [message] = mailbox.to("grace@example.org")
    _assert_a_place(_event(message), "grace@example.org", "Quarterly meeting")
