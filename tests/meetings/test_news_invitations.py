"""Publishing a public meeting invites everyone with confirmed news of its borough, exactly once
each (a member who also asked for the news is invited once, as a member); members-only meetings
do not; and the news's unsubscribe link is honoured by every later mailing."""

from __future__ import annotations

from datetime import timedelta

import pytest
from icalendar import Calendar
from sqlalchemy import func, select

from engage.extensions import db
from engage.meetings import mailings, operations
from engage.meetings.models import (
    Invitation,
    Mailing,
    MailingDelivery,
    Meeting,
    MeetingMode,
    MeetingStatus,
    MeetingVisibility,
)
from tests.dates import at
from tests.factories import create_user
from tests.helpers import Browser, page_text
from tests.mailbox import body, links, text
from tests.meetings.support import LATER_DAY, create_meeting, make_member, move_meeting
from tests.news.support import link_in, subscribe

SOON = at(LATER_DAY, 17, 30)  # years from now
LINK = "https://meet.example.org/camden-cpeg"


def _meeting(app, **overrides) -> int:
    return create_meeting(app, SOON, SOON + timedelta(hours=2), status=MeetingStatus.DRAFT,
                          **overrides)


def _publish(app, meeting_id: int) -> None:
    with app.app_context():
        operations.publish(db.session.get(Meeting, meeting_id))
        db.session.commit()


def _calendar(message) -> Calendar:
    [part] = [p for p in message.iter_attachments() if p.get_content_type() == "text/calendar"]
    return Calendar.from_ical(part.get_content())


@pytest.fixture
def subscribers(app, mailbox, run_tasks):
    """Ada and Grace have confirmed Camden's news; Pat asked but never confirmed; Lin has
    Lambeth's. Their confirmation emails are cleared away."""
    subscribe(app, mailbox, run_tasks, "ada@example.org", name="Ada Lovelace")
    subscribe(app, mailbox, run_tasks, "grace@example.org")
    subscribe(app, mailbox, run_tasks, "pat@example.org", confirm=False)
    subscribe(app, mailbox, run_tasks, "lin@example.org", borough="lambeth")
    mailbox.clear()


def test_a_public_meeting_invites_confirmed_subscribers_exactly_once(
        app, mailbox, run_tasks, subscribers, monkeypatch):
    meeting_id = _meeting(app)
    _publish(app, meeting_id)
    _publish(app, meeting_id)  # a second press of "publish" sends nothing more
    [(name, (mailing_id,))] = app.extensions["engage_recorded_tasks"]
    app.extensions["engage_recorded_tasks"].clear()
    # One batch commits, then the worker dies building the next, before it commits...
    with app.app_context():
        assert mailings.deliver_batch(db.session.get(Mailing, mailing_id), limit=1) == 1
    real_queue = mailings.queue_emails

    def dying(messages):
        real_queue(messages)
        raise SystemExit("killed")

    monkeypatch.setattr(mailings, "queue_emails", dying)
    with app.app_context(), pytest.raises(SystemExit):
        mailings.deliver_batch(db.session.get(Mailing, mailing_id), limit=1)
    monkeypatch.setattr(mailings, "queue_emails", real_queue)
    # ...and the task runs again, twice even.
    celery_app = app.extensions["celery"]
    celery_app.tasks[name].apply(args=[mailing_id])
    celery_app.tasks[name].apply(args=[mailing_id])
    run_tasks()

    for email in ("ada@example.org", "grace@example.org"):
        [message] = mailbox.to(email)
        assert message["Subject"].startswith("Invitation: Quarterly meeting")
        assert str(_calendar(message).walk("VEVENT")[0]["ATTENDEE"]) == f"mailto:{email}"
        assert _calendar(message)["METHOD"] == "REQUEST"
        assert link_in(message, "/meetings/reply/")
        assert "To stop getting emails about meetings in Camden" in body(message)
        assert link_in(message, "/meeting-news/unsubscribe/")
    assert "Hello Ada Lovelace," in body(mailbox.to("ada@example.org")[0])
    assert mailbox.to("pat@example.org") == []  # never confirmed
    assert mailbox.to("lin@example.org") == []  # another borough
    with app.app_context():
        assert db.session.scalar(select(func.count(MailingDelivery.id))) == 2


def test_a_member_who_also_asked_for_the_news_gets_one_invitation(app, mailbox, run_tasks,
                                                                  subscribers):
    with app.app_context():
        user_id = create_user(email="grace@example.org", name="Grace Member").id
    make_member(app, user_id)
    meeting_id = _meeting(app)
    _publish(app, meeting_id)
    run_tasks()
    [message] = mailbox.to("grace@example.org")
    assert "Hello Grace Member," in body(message)
    assert link_in(message, "/meetings/unsubscribe/")  # the member's own
    assert not any("/meeting-news/" in link for link in links(message))
    with app.app_context():
        assert db.session.execute(
            select(Invitation.user_id, Invitation.email)
            .where(Invitation.meeting_id == meeting_id).order_by(Invitation.id)).all() == [
            (user_id, None), (None, "ada@example.org")]


def test_a_members_only_meeting_does_not_invite_subscribers(app, mailbox, run_tasks,
                                                            subscribers):
    with app.app_context():
        user_id = create_user(email="tom@example.org").id
    make_member(app, user_id)
    meeting_id = _meeting(app, visibility=MeetingVisibility.MEMBERS_ONLY)
    _publish(app, meeting_id)
    run_tasks()
    assert len(mailbox.to("tom@example.org")) == 1
    assert mailbox.to("ada@example.org") == []
    assert mailbox.to("grace@example.org") == []


def test_unsubscribing_from_the_news_stops_every_later_mailing(app, mailbox, run_tasks,
                                                               subscribers):
    meeting_id = _meeting(app)
    _publish(app, meeting_id)
    run_tasks()
    unsubscribe = link_in(mailbox.to("ada@example.org")[0], "/meeting-news/unsubscribe/")
    stopped = Browser(app).submit(unsubscribe, {}, follow_redirects=True)
    assert "You will not get any more emails about new meetings in Camden" in page_text(stopped)
    with app.app_context():
        operations.cancel(db.session.get(Meeting, meeting_id))
        db.session.commit()
    second = _meeting(app, title="Summer meeting")
    _publish(app, second)
    run_tasks()
    assert [m["Subject"].split(":")[0] for m in mailbox.to("ada@example.org")] == ["Invitation"]
    assert [m["Subject"].split(":")[0] for m in mailbox.to("grace@example.org")] == [
        "Invitation", "Cancelled", "Invitation"]


def test_a_subscriber_sees_the_online_link_only_once_they_have_a_place(app, mailbox,
                                                                       run_tasks, subscribers):
    meeting_id = _meeting(app, mode=MeetingMode.ONLINE, venue=None, address=None,
                          online_link=LINK)
    _publish(app, meeting_id)
    run_tasks()
    [invitation] = mailbox.to("ada@example.org")
    assert LINK not in body(invitation)
    # "Where: Online" and nothing more would leave them no way in: the email says how.
    assert ("Where: Online\nJoin online: once you tell us you can come, using the link below, "
            "you will see the link to join\n") in text(invitation)
    assert LINK not in str(_calendar(invitation).walk("VEVENT")[0]["DESCRIPTION"])
    reply = link_in(invitation, "/meetings/reply/")
    browser = Browser(app)
    assert LINK not in browser.get(reply).get_data(as_text=True)
    browser.submit(reply, {"reply": "attending"})
    assert LINK in browser.get(reply).get_data(as_text=True)
    # A later change of time reaches them with the link, in the email and the calendar.
    move_meeting(app, meeting_id)
    run_tasks()
    update = mailbox.to("ada@example.org")[-1]
    assert update["Subject"].startswith("Changed:")
    assert f"Join online: {LINK}" in body(update)
    assert LINK in str(_calendar(update).walk("VEVENT")[0]["DESCRIPTION"])
    # Grace did not reply: her update has no link.
    assert LINK not in body(mailbox.to("grace@example.org")[-1])
