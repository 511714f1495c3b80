"""A place at a full meeting is given up not only by replying "not attending": also by deleting
the account that held it, or by leaving the group whose members-only meeting it is. Either way
the place goes to the first person on the waiting list, who is told by email, and nobody who may
no longer come is offered a place."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from engage.auth.tokens import make_token
from engage.clock import utcnow
from engage.extensions import db
from engage.meetings.mailings import REPLY
from engage.meetings.models import (
    Invitation,
    Meeting,
    MeetingStatus,
    MeetingVisibility,
    Reply,
)
from tests.factories import PASSWORD, create_officer, create_user
from tests.helpers import Browser, page_text
from tests.meetings.support import FORM, PUBLIC, STAFF, create_meeting, make_member, sign_in

CPEG = "/boroughs/camden/groups/cpeg"


def _full_meeting(app, **overrides) -> int:
    start = utcnow().replace(microsecond=0) + timedelta(days=7)
    return create_meeting(app, start, start + timedelta(hours=2), capacity=1, **overrides)


def _member(app, email: str, meeting_id: int, reply: Reply) -> Browser:
    """A signed-in member of Camden's CPEG, invited to the meeting with this reply."""
    with app.app_context():
        user = create_user(email=email)
        db.session.add(Invitation(meeting_id=meeting_id, user_id=user.id, reply=reply,
                                  replied_at=utcnow(),
                                  waiting_since=utcnow() if reply == Reply.WAITING else None))
        db.session.commit()
        user_id = user.id
    make_member(app, user_id)
    browser = Browser(app)
    browser.sign_in(email, PASSWORD)
    return browser


def _replies(app, meeting_id: int) -> dict[str, Reply | None]:
    with app.app_context():
        return {(i.user.email if i.user else i.email): i.reply
                for i in db.session.scalars(select(Invitation)
                                            .where(Invitation.meeting_id == meeting_id))}


def _register(app, meeting_id: int, email: str):
    return Browser(app).submit(f"{PUBLIC}/{meeting_id}/register",
                               {"name": "Grace Hopper", "email": email, "access_needs": ""},
                               form_page=f"{PUBLIC}/{meeting_id}")


def _reply_link(app, meeting_id: int, email: str) -> str:
    """The reply link of the member's invitation, as their emails carry it."""
    with app.app_context():
        invitation_id = db.session.scalar(
            select(Invitation.id).where(Invitation.meeting_id == meeting_id,
                                        Invitation.user.has(email=email)))
        return "/meetings/reply/" + make_token(REPLY, {"i": invitation_id})


def _subjects(mailbox, email: str) -> list[str]:
    return [message["Subject"] for message in mailbox.to(email)]


def test_deleting_an_account_gives_its_place_to_the_first_on_the_waiting_list(
        app, mailbox, run_tasks):
    meeting_id = _full_meeting(app)
    ada = _member(app, "ada@example.org", meeting_id, Reply.ATTENDING)
    _register(app, meeting_id, "grace@example.org")
    assert _replies(app, meeting_id)["grace@example.org"] == Reply.WAITING

    deleted = ada.submit("/account/delete", {"current_password": PASSWORD, "confirm": "y"})
    assert deleted.status_code == 302
    run_tasks()
    assert _replies(app, meeting_id) == {"grace@example.org": Reply.ATTENDING}
    assert _subjects(mailbox, "grace@example.org")[-1].startswith(
        "A place is yours: Quarterly meeting")


def test_leaving_the_group_gives_up_a_place_at_its_members_only_meeting(
        app, mailbox, run_tasks):
    meeting_id = _full_meeting(app, visibility=MeetingVisibility.MEMBERS_ONLY)
    ada = _member(app, "ada@example.org", meeting_id, Reply.ATTENDING)
    _member(app, "bob@example.org", meeting_id, Reply.WAITING)

    left = ada.submit(f"{CPEG}/leave", {}, follow_redirects=True)
    assert "You have left the Community Police Engagement Group" in page_text(left)
    run_tasks()
    assert _replies(app, meeting_id) == {"ada@example.org": Reply.NOT_ATTENDING,
                                         "bob@example.org": Reply.ATTENDING}
    assert _subjects(mailbox, "bob@example.org")[-1].startswith("A place is yours")


def test_a_member_who_left_is_not_offered_a_place_at_a_members_only_meeting(
        app, mailbox, run_tasks):
    meeting_id = _full_meeting(app, visibility=MeetingVisibility.MEMBERS_ONLY)
    _member(app, "ada@example.org", meeting_id, Reply.ATTENDING)
    bob = _member(app, "bob@example.org", meeting_id, Reply.WAITING)
    _member(app, "cleo@example.org", meeting_id, Reply.WAITING)
    bob.submit(f"{CPEG}/leave", {})

    # Ada gives up her place: it goes to Cleo, a member, not to Bob, who left.
    Browser(app).submit(_reply_link(app, meeting_id, "ada@example.org"),
                        {"reply": "not-attending"})
    run_tasks()
    replies = _replies(app, meeting_id)
    assert replies["cleo@example.org"] == Reply.ATTENDING
    assert replies["bob@example.org"] != Reply.ATTENDING
    assert not any(s.startswith("A place is yours") for s in _subjects(mailbox, "bob@example.org"))


def test_a_guest_waiting_for_a_meeting_made_members_only_is_not_offered_a_place(
        app, mailbox, run_tasks):
    """A meeting made members-only is for active members alone (README): someone who joined its
    waiting list while it was public is not emailed a place, and its online link, when a member
    gives one up."""
    meeting_id = _full_meeting(app)
    _member(app, "ada@example.org", meeting_id, Reply.ATTENDING)
    _register(app, meeting_id, "grace@example.org")
    run_tasks()
    with app.app_context():
        db.session.get(Meeting, meeting_id).visibility = MeetingVisibility.MEMBERS_ONLY
        db.session.commit()
    done = Browser(app).submit(_reply_link(app, meeting_id, "ada@example.org"),
                               {"reply": "not-attending"}, follow_redirects=True)
    assert "Your reply is saved: not attending" in page_text(done)
    run_tasks()
    assert _replies(app, meeting_id)["grace@example.org"] == Reply.WAITING
    assert not any(s.startswith("A place is yours")
                   for s in _subjects(mailbox, "grace@example.org"))


def test_more_places_go_to_the_waiting_list_first(app, mailbox, run_tasks):
    """An officer who makes room at a full meeting gives the new places to the people waiting,
    in turn, by email; someone registering afterwards does not jump the queue."""
    officer = Browser(app)
    sign_in(officer, app, create_officer, "camden")
    response = officer.submit(STAFF + "/new", {**FORM, "capacity": "1"})
    meeting_id = int(response.location.rstrip("/").rsplit("/", 1)[1])
    with app.app_context():
        # Published as a row: publishing is not what this is about.
        db.session.get(Meeting, meeting_id).status = MeetingStatus.PUBLISHED
        db.session.commit()
    for email in ("first@example.org", "second@example.org", "third@example.org"):
        _register(app, meeting_id, email)
    assert list(_replies(app, meeting_id).values()) == [Reply.ATTENDING, Reply.WAITING,
                                                        Reply.WAITING]
    edited = officer.submit(f"{STAFF}/{meeting_id}/edit", {**FORM, "capacity": "2"})
    assert edited.status_code == 302
    _register(app, meeting_id, "late@example.org")
    run_tasks()
    assert _replies(app, meeting_id) == {
        "first@example.org": Reply.ATTENDING, "second@example.org": Reply.ATTENDING,
        "third@example.org": Reply.WAITING, "late@example.org": Reply.WAITING}
    assert _subjects(mailbox, "second@example.org")[-1].startswith("A place is yours")
    # No limit at all: everyone waiting has a place.
    officer.submit(f"{STAFF}/{meeting_id}/edit", {**FORM, "capacity": ""})
    run_tasks()
    assert set(_replies(app, meeting_id).values()) == {Reply.ATTENDING}
    assert _subjects(mailbox, "late@example.org")[-1].startswith("A place is yours")


def test_someone_who_left_but_holds_a_place_at_a_public_meeting_is_told_it_is_cancelled(
        app, mailbox, run_tasks):
    """Leaving the group keeps a place at its public meetings (anyone may come): so the
    changes and the cancellation of that meeting still reach them, or they would come to a
    meeting that is not happening."""
    from engage.meetings import operations

    meeting_id = _full_meeting(app)
    ada = _member(app, "ada@example.org", meeting_id, Reply.ATTENDING)
    ada.submit(f"{CPEG}/leave", {})
    assert _replies(app, meeting_id)["ada@example.org"] == Reply.ATTENDING
    with app.app_context():
        operations.cancel(db.session.get(Meeting, meeting_id))
        db.session.commit()
    run_tasks()
    assert _subjects(mailbox, "ada@example.org")[-1].startswith("Cancelled: Quarterly meeting")
