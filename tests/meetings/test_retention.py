"""Retention: a set time after a meeting, the details of people who registered without an
account are deleted and counted, and members' access needs are cleared; news subscriptions
that do nothing are forgotten; sent emails are emptied."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from engage.clock import utcnow
from engage.extensions import db
from engage.meetings import operations, tasks
from engage.meetings.models import Invitation, Meeting, MeetingStatus, Reply
from engage.news import tasks as news_tasks
from engage.news.models import NewsSubscription
from tests.factories import borough, create_user
from tests.helpers import Browser, page_text
from tests.meetings.support import PUBLIC, STAFF, create_meeting, make_member, sign_in

NEEDS = "A hearing loop, please"


def _register(meeting_id: int, app, email: str, access_needs: str = "") -> None:
    response = Browser(app).submit(
        f"{PUBLIC}/{meeting_id}/register",
        {"name": "Guest " + email.split("@")[0], "email": email, "access_needs": access_needs},
        form_page=f"{PUBLIC}/{meeting_id}")
    assert response.status_code == 200


def _meeting_with_people(app, run_tasks, capacity: int = 2) -> int:
    """A published public meeting with a member and three guests (one waiting), all with
    their access needs where they gave any."""
    start = utcnow().replace(microsecond=0) + timedelta(days=7)
    with app.app_context():
        member_id = create_user(email="mina@example.org").id
    make_member(app, member_id)
    meeting_id = create_meeting(app, start, start + timedelta(hours=2), capacity=capacity + 1,
                                status=MeetingStatus.DRAFT)
    with app.app_context():
        operations.publish(db.session.get(Meeting, meeting_id))
        db.session.commit()
    run_tasks()
    with app.app_context():  # the member replies through their own invitation
        from engage.meetings import replies

        invitation = db.session.scalar(select(Invitation).where(
            Invitation.meeting_id == meeting_id, Invitation.user_id == member_id))
        invitation.access_needs = NEEDS
        replies.reply(invitation, Reply.ATTENDING)
        db.session.commit()
    _register(meeting_id, app, "ada@example.org", access_needs=NEEDS)
    _register(meeting_id, app, "grace@example.org")
    _register(meeting_id, app, "late@example.org")  # the meeting is full: waiting list
    return meeting_id


def _move_into_the_past(app, meeting_id: int, days: int) -> None:
    with app.app_context():
        meeting = db.session.get(Meeting, meeting_id)
        meeting.starts_at = utcnow() - timedelta(days=days, hours=2)
        meeting.ends_at = utcnow() - timedelta(days=days)
        db.session.commit()


def _invitations(app, meeting_id: int) -> list[tuple]:
    with app.app_context():
        return [(i.user_id is not None, i.email, i.access_needs, i.reply)
                for i in db.session.scalars(select(Invitation).where(
                    Invitation.meeting_id == meeting_id).order_by(Invitation.id))]


def test_guests_details_go_a_set_time_after_the_meeting_and_counts_stay(
        client, app, run_tasks):
    meeting_id = _meeting_with_people(app, run_tasks)
    replies = [reply for _, _, _, reply in _invitations(app, meeting_id)]
    assert replies == [Reply.ATTENDING, Reply.ATTENDING, Reply.ATTENDING, Reply.WAITING]

    _move_into_the_past(app, meeting_id, days=89)
    with app.app_context():
        assert tasks.delete_expired_registrations.apply().get() == 0
    assert len(_invitations(app, meeting_id)) == 4

    _move_into_the_past(app, meeting_id, days=91)
    with app.app_context():
        assert tasks.delete_expired_registrations.apply().get() == 3
        # Run again (or twice at once): nothing left to do, and nothing counted twice.
        assert tasks.delete_expired_registrations.apply().get() == 0
        meeting = db.session.get(Meeting, meeting_id)
        assert meeting.guest_counts == {"attending": 2, "waiting": 1}
        assert meeting.guest_details_deleted_at is not None
    # The member keeps their invitation (their attendance history), without access needs.
    assert _invitations(app, meeting_id) == [(True, None, None, Reply.ATTENDING)]

    sign_in(client, app)
    page = page_text(client.get(f"{STAFF}/{meeting_id}"))
    assert "People without an account" in page
    assert "Attending: 2" in page and "On the waiting list: 1" in page
    for gone in ("ada@example.org", "grace@example.org", "late@example.org", NEEDS):
        assert gone not in page


def test_a_cancelled_meeting_is_cleared_a_set_time_after_it_was_cancelled(app, run_tasks):
    meeting_id = _meeting_with_people(app, run_tasks)
    with app.app_context():
        meeting = db.session.get(Meeting, meeting_id)
        meeting.status = MeetingStatus.CANCELLED
        meeting.cancelled_at = utcnow() - timedelta(days=91)
        db.session.commit()
        # Its date is still ahead: the cancellation is what started the clock.
        assert tasks.delete_expired_registrations.apply().get() == 3


def _subscription(app, email: str, *, created_days_ago: int, confirmed: bool = True,
                  unsubscribed_days_ago: int | None = None) -> None:
    now = utcnow()
    with app.app_context():
        db.session.add(NewsSubscription(
            borough_id=borough("camden").id, email=email,
            created_at=now - timedelta(days=created_days_ago),
            last_requested_at=now - timedelta(days=created_days_ago),
            confirmed_at=now - timedelta(days=created_days_ago) if confirmed else None,
            unsubscribed_at=(None if unsubscribed_days_ago is None
                             else now - timedelta(days=unsubscribed_days_ago))))
        db.session.commit()


def test_news_subscriptions_that_do_nothing_are_forgotten(app):
    _subscription(app, "active@example.org", created_days_ago=400)
    _subscription(app, "new@example.org", created_days_ago=2, confirmed=False)
    _subscription(app, "never@example.org", created_days_ago=31, confirmed=False)
    _subscription(app, "left@example.org", created_days_ago=300, unsubscribed_days_ago=31)
    _subscription(app, "just-left@example.org", created_days_ago=300, unsubscribed_days_ago=5)
    with app.app_context():
        assert news_tasks.delete_stale_subscriptions.apply().get() == 2
        assert sorted(db.session.scalars(select(NewsSubscription.email))) == [
            "active@example.org", "just-left@example.org", "new@example.org"]
        assert news_tasks.delete_stale_subscriptions.apply().get() == 0
