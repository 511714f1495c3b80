"""Publishing a meeting emails every member once: invitations, updates, cancellations and
reminders, with an iCalendar attachment and links that work without signing in."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from icalendar import Calendar
from sqlalchemy import event, func, select

from engage.clock import utcnow
from engage.extensions import db
from engage.groups.models import Membership, MembershipStatus
from engage.meetings import mailings, operations
from engage.meetings.models import (
    Invitation,
    Mailing,
    MailingDelivery,
    Meeting,
    MeetingStatus,
    Reply,
)
from engage.outbox.models import OutboxMessage, OutboxStatus
from tests.dates import at
from tests.factories import PASSWORD, create_officer, create_user
from tests.helpers import Browser, page_text
from tests.mailbox import links, text
from tests.meetings.support import LATER_DAY, create_meeting, make_member, move_meeting

SOON = at(LATER_DAY, 17, 30)  # years from now


def _meeting(app, **overrides) -> int:
    return create_meeting(app, SOON, SOON + timedelta(hours=2),
                          status=MeetingStatus.DRAFT, **overrides)


def _members(app, n: int, **overrides) -> list[str]:
    emails = []
    for _ in range(n):
        with app.app_context():
            user = create_user(**overrides)
            emails.append(user.email)
            user_id = user.id
        make_member(app, user_id)
    return emails


def _publish(app, meeting_id: int) -> None:
    with app.app_context():
        operations.publish(db.session.get(Meeting, meeting_id))
        db.session.commit()


def _calendar(message) -> Calendar:
    [part] = [p for p in message.iter_attachments() if p.get_content_type() == "text/calendar"]
    return Calendar.from_ical(part.get_content())


def test_publishing_invites_every_active_member_once(app, mailbox, run_tasks):
    members = _members(app, 3)
    with app.app_context():
        pending_id = create_user(email="pending@example.org").id
        create_user(email="lambeth@example.org", home="lambeth")
    make_member(app, pending_id, MembershipStatus.PENDING)
    meeting_id = _meeting(app)
    _publish(app, meeting_id)
    _publish(app, meeting_id)  # a second press of "publish" sends nothing more
    run_tasks()
    for email in members:
        [message] = mailbox.to(email)
        assert message["Subject"].startswith("Invitation: Quarterly meeting")
        event_ = _calendar(message).walk("VEVENT")[0]
        assert str(event_["UID"]).startswith(f"meeting-{meeting_id}@")
        assert event_["SEQUENCE"] == 0
        assert str(event_["ATTENDEE"]) == f"mailto:{email}"
        assert _calendar(message)["METHOD"] == "REQUEST"
    assert mailbox.to("pending@example.org") == []
    assert mailbox.to("lambeth@example.org") == []


def test_a_change_of_time_sends_an_update_and_a_change_of_title_does_not(app, mailbox,
                                                                        run_tasks):
    [email] = _members(app, 1)
    meeting_id = _meeting(app)
    _publish(app, meeting_id)
    run_tasks()
    with app.app_context():
        meeting = db.session.get(Meeting, meeting_id)
        details = operations.Details(**{name: getattr(meeting, name) for name in (
            "title", "description", "starts_at", "ends_at", "mode", "venue", "address",
            "access_notes", "online_link", "capacity", "visibility")})
        details.title = "A new title"
        operations.change(meeting, details)
        db.session.commit()
        assert run_tasks() == []
        details.starts_at += timedelta(hours=1)
        details.ends_at += timedelta(hours=1)
        operations.change(meeting, details)
        db.session.commit()
    run_tasks()
    invitation, update = mailbox.to(email)
    assert update["Subject"].startswith("Changed: A new title")
    assert _calendar(update).walk("VEVENT")[0]["SEQUENCE"] == 1


def test_cancelling_sends_a_cancel_request(app, mailbox, run_tasks):
    [email] = _members(app, 1)
    meeting_id = _meeting(app)
    _publish(app, meeting_id)
    with app.app_context():
        operations.cancel(db.session.get(Meeting, meeting_id))
        db.session.commit()
    run_tasks()
    cancelled = mailbox.to(email)[-1]
    assert cancelled["Subject"].startswith("Cancelled:")
    calendar = _calendar(cancelled)
    assert calendar["METHOD"] == "CANCEL"
    assert calendar.walk("VEVENT")[0]["STATUS"] == "CANCELLED"
    assert calendar.walk("VEVENT")[0]["SEQUENCE"] == 1


def test_a_fan_out_that_dies_mid_batch_leaves_nobody_out_and_nobody_twice(
        app, mailbox, run_tasks, monkeypatch):
    members = _members(app, 7)
    meeting_id = _meeting(app)
    _publish(app, meeting_id)
    [(name, (mailing_id,))] = app.extensions["engage_recorded_tasks"]
    app.extensions["engage_recorded_tasks"].clear()
    with app.app_context():
        mailing = db.session.get(Mailing, mailing_id)
        assert mailings.deliver_batch(mailing, limit=3) == 3  # one batch committed...
    # ...then the worker dies while building the next one, before it commits.
    real_queue = mailings.queue_emails

    def dying(messages):
        real_queue(messages)
        raise SystemExit("killed")

    monkeypatch.setattr(mailings, "queue_emails", dying)
    with app.app_context(), pytest.raises(SystemExit):
        mailings.deliver_batch(db.session.get(Mailing, mailing_id), limit=3)
    monkeypatch.setattr(mailings, "queue_emails", real_queue)
    # The task runs again (twice, even) and finishes the job.
    celery_app = app.extensions["celery"]
    celery_app.tasks[name].apply(args=[mailing_id])
    celery_app.tasks[name].apply(args=[mailing_id])
    run_tasks()
    for email in members:
        assert len(mailbox.to(email)) == 1, email
    with app.app_context():
        assert db.session.scalar(select(func.count(MailingDelivery.id))) == 7
        assert db.session.get(Mailing, mailing_id).finished_at is not None


def test_each_batch_costs_the_same_number_of_queries(app, run_tasks):
    def queries_for(size: int) -> int:
        _members(app, size)
        meeting_id = _meeting(app, title=f"Meeting for {size}")
        _publish(app, meeting_id)
        app.extensions["engage_recorded_tasks"].clear()
        with app.app_context():
            mailing = db.session.scalar(select(Mailing).where(Mailing.meeting_id == meeting_id))
            statements = []
            listener = lambda *args: statements.append(args[2])  # noqa: E731
            event.listen(db.engine, "before_cursor_execute", listener)
            try:
                mailings.deliver_batch(mailing)
            finally:
                event.remove(db.engine, "before_cursor_execute", listener)
            return len(statements)

    assert queries_for(2) == queries_for(25)


def test_reminders_go_once_and_not_to_people_who_said_no(app, mailbox, run_tasks):
    yes, no, silent = _members(app, 3)
    with app.app_context():
        start = utcnow() + timedelta(hours=24)
    meeting_id = create_meeting(app, start, start + timedelta(hours=1),
                                status=MeetingStatus.DRAFT)
    _publish(app, meeting_id)
    run_tasks()
    Browser(app).submit(next(x for x in links(mailbox.to(yes)[0]) if "/meetings/reply/" in x),
                        {"reply": "attending"})
    with app.app_context():
        invitation = db.session.scalar(select(Invitation).join(Invitation.user).where(
            Invitation.user.has(email=no)))
        invitation.reply = Reply.NOT_ATTENDING
        db.session.commit()
    sweep = app.extensions["celery"].tasks["engage.periodic.meeting_mailings"]
    sweep.apply()
    sweep.apply()
    run_tasks()
    assert [m["Subject"].split(":")[0] for m in mailbox.to(yes)] == ["Invitation", "Reminder"]
    assert [m["Subject"].split(":")[0] for m in mailbox.to(no)] == ["Invitation"]
    # Their reply in the words of the question, and someone who has not replied is asked to.
    assert ("You told us you can come. To change your reply:\nhttp://localhost/meetings/reply/"
            in text(mailbox.to(yes)[-1]))
    assert ("Please tell us whether you can come:\nhttp://localhost/meetings/reply/"
            in text(mailbox.to(silent)[-1]))


def test_reply_without_signing_in_and_the_waiting_list(app, mailbox, run_tasks):
    first, second = _members(app, 2)
    meeting_id = _meeting(app, capacity=1)
    _publish(app, meeting_id)
    run_tasks()
    reply_link = {e: next(x for x in links(mailbox.to(e)[0]) if "/meetings/reply/" in x)
                  for e in (first, second)}
    browser = Browser(app)
    done = browser.submit(reply_link[first], {"reply": "attending"}, follow_redirects=True)
    assert "Your reply is saved: attending" in page_text(done)
    waiting = browser.submit(reply_link[second], {"reply": "attending"}, follow_redirects=True)
    assert "you are on the waiting list" in page_text(waiting)
    # The first gives up the place: the second gets it, and is told.
    browser.submit(reply_link[first], {"reply": "not-attending"})
    run_tasks()
    with app.app_context():
        replies = dict(db.session.execute(select(Invitation.user_id, Invitation.reply)).all())
    assert sorted(r.value for r in replies.values()) == ["attending", "not-attending"]
    assert mailbox.to(second)[-1]["Subject"].startswith("A place is yours")
    assert browser.get(reply_link[first][:-4] + "xxxx").status_code == 400


def test_replies_close_when_the_meeting_is_over(app, mailbox, run_tasks):
    [email] = _members(app, 1)
    meeting_id = _meeting(app)
    _publish(app, meeting_id)
    run_tasks()
    link = next(x for x in links(mailbox.to(email)[0]) if "/meetings/reply/" in x)
    with app.app_context():
        meeting = db.session.get(Meeting, meeting_id)
        meeting.starts_at = utcnow() - timedelta(hours=3)
        meeting.ends_at = utcnow() - timedelta(hours=1)
        db.session.commit()
    response = Browser(app).get(link)
    assert response.status_code == 410
    assert "already taken place" in page_text(response)
    # Not a dead end: on to the group's page, with its minutes and the meetings to come.
    assert 'href="/boroughs/camden/groups/cpeg"' in response.get_data(as_text=True)
    assert "See the other meetings of" in page_text(response)


def test_unsubscribed_members_get_no_later_mailings(app, mailbox, run_tasks):
    [email] = _members(app, 1)
    meeting_id = _meeting(app)
    _publish(app, meeting_id)
    run_tasks()
    link = next(x for x in links(mailbox.to(email)[0]) if "/meetings/unsubscribe/" in x)
    browser = Browser(app)
    stopped = browser.submit(link, {}, follow_redirects=True)
    assert "You will not get any more meeting emails from this group" in page_text(stopped)
    # Not a dead end: the page says the meetings are on the group's page, and links it.
    assert 'href="/boroughs/camden/groups/cpeg">the group\'s page</a>' in stopped.get_data(
        as_text=True)
    with app.app_context():
        assert db.session.scalar(select(Membership.meeting_emails)) is False
        operations.cancel(db.session.get(Meeting, meeting_id))
        db.session.commit()
    run_tasks()
    assert len(mailbox.to(email)) == 1


def test_a_message_handed_over_before_its_worker_died_is_not_sent_again(app, run_tasks):
    with app.app_context():
        officer = create_officer()
        stuck = OutboxMessage(recipient=officer.email, template="account_deleted",
                              context={"name": "x"}, status=OutboxStatus.SENDING,
                              attempts=1, due_at=utcnow(),
                              claimed_at=utcnow() - timedelta(hours=1),
                              handed_over_at=utcnow() - timedelta(hours=1))
        db.session.add(stuck)
        db.session.commit()
        app.extensions["celery"].tasks["engage.periodic.sweep_outbox"].apply()
        db.session.refresh(stuck)
        assert stuck.status == OutboxStatus.SENT
        assert "counted as sent" in stuck.last_error
    assert run_tasks() == []


def test_staff_see_the_replies_and_the_mailings(app, mailbox, run_tasks):
    members = _members(app, 3)
    meeting_id = _meeting(app, capacity=1)
    _publish(app, meeting_id)
    run_tasks()
    browser = Browser(app)
    for email, answer in zip(members, ["attending", "attending", "not-attending"], strict=True):
        link = next(x for x in links(mailbox.to(email)[0]) if "/meetings/reply/" in x)
        browser.submit(link, {"reply": answer})
    with app.app_context():
        create_officer("camden", email="officer@example.org")
    from tests.factories import PASSWORD

    officer = Browser(app)
    officer.sign_in("officer@example.org", PASSWORD)
    text = page_text(officer.get(f"/staff/boroughs/camden/groups/cpeg/meetings/{meeting_id}"))
    assert "Attending 1 Not attending 1 Maybe 0 On the waiting list 1 No reply yet 0" in text
    assert "Invitation: 3 people, queued" in text


def test_my_meetings_lists_invitations_with_reply_and_calendar_links(app, mailbox, run_tasks):
    from tests.factories import PASSWORD

    [email] = _members(app, 1)
    meeting_id = _meeting(app)
    _publish(app, meeting_id)
    _meeting(app, title="Not yet published")  # a draft: nobody is invited to it yet
    browser = Browser(app)
    browser.sign_in(email, PASSWORD)
    response = browser.get("/account/meetings")
    text = page_text(response)
    assert "Coming up" in text and "Quarterly meeting" in text and "No reply yet" in text
    assert "Not yet published" not in text
    html = response.get_data(as_text=True)
    ics = f"/boroughs/camden/groups/cpeg/meetings/{meeting_id}.ics"
    assert ics in html
    assert browser.get(ics).mimetype == "text/calendar"
    reply = html.split('href="/meetings/reply/')[1].split('"')[0]
    browser.submit(f"/meetings/reply/{reply}", {"reply": "maybe"})
    assert "Maybe" in page_text(browser.get("/account/meetings"))


def test_a_reply_link_that_does_not_work_says_what_a_guest_or_member_can_do(client):
    """Not "sign in to send a new confirmation link": a guest has no account. (A broken
    unsubscribe link says how to stop the emails instead: tests/test_broken_links.py.)"""
    page = client.get("/meetings/reply/not-a-real-token")
    assert page.status_code == 400
    text = page_text(page)
    assert "This link does not work" in text
    assert "register there again with the same email address" in text
    assert "sign in and see your meetings" in text
    assert "Reset your password" not in text


def test_an_update_tells_someone_waiting_that_they_are_on_the_waiting_list(app, mailbox,
                                                                          run_tasks):
    """Nobody 'told us' they are on the waiting list: a full meeting put them there. The update
    says where they stand in words of its own; a reply they gave is said in the words of the
    question they answered ("Yes, I can come"), not as a label; someone who has not replied is
    asked to, not told to change a reply they never gave."""
    first, second, unsure, silent = _members(app, 4)
    meeting_id = _meeting(app, capacity=1)
    _publish(app, meeting_id)
    run_tasks()
    browser = Browser(app)
    for email, answer in ((first, "attending"), (second, "attending"), (unsure, "maybe")):
        link = next(x for x in links(mailbox.to(email)[0]) if "/meetings/reply/" in x)
        browser.submit(link, {"reply": answer})
    move_meeting(app, meeting_id)
    run_tasks()
    holding, waiting = text(mailbox.to(first)[-1]), text(mailbox.to(second)[-1])
    assert "You told us you can come. If you need to change your reply:\nhttp" in holding
    assert "You told us" not in waiting
    assert "You are on the waiting list. We will email you if a place comes free." in waiting
    assert ("You told us you do not know yet whether you can come. If you need to change your "
            "reply:") in text(mailbox.to(unsure)[-1])
    not_yet = text(mailbox.to(silent)[-1])
    assert "Please tell us whether you can come:\nhttp://localhost/meetings/reply/" in not_yet
    assert "change your reply" not in not_yet
    for message in (holding, waiting, not_yet):
        assert "attending" not in message


def test_someone_who_joins_after_a_meeting_is_published_can_reply_to_it(app, mailbox,
                                                                        run_tasks):
    """The meeting's page tells a member they are invited and can reply from Your meetings:
    someone approved after the invitations went is invited to the meetings still to come, and
    their approval email says where to reply."""
    from engage.groups import operations as groups
    from engage.groups.models import Represents
    from tests.meetings.support import cpeg

    meeting_id = _meeting(app, capacity=10)
    _publish(app, meeting_id)
    run_tasks()  # the invitations went, to nobody yet
    with app.app_context():
        ada = create_user(email="ada@example.org")
        membership_id = groups.request_to_join(cpeg(), ada, Represents.SELF, None).id
        db.session.commit()
    officer = Browser(app)
    with app.app_context():
        officer_email = create_officer("camden").email
    officer.sign_in(officer_email, PASSWORD)
    requests = "/staff/boroughs/camden/groups/cpeg/requests"
    approved = officer.submit(f"{requests}/{membership_id}/approve", form_page=requests)
    assert approved.status_code == 302
    run_tasks()
    approval = mailbox.to("ada@example.org")[-1]
    assert approval["Subject"].startswith("Your request to join")
    assert "http://localhost/account/meetings" in links(approval)
    # Each link ends its paragraph: the next one starts after a blank line.
    assert ("cpeg\n\nThe group has meetings coming up" in text(approval)
            and text(approval).endswith("/account/meetings\n\nengage\n"))

    member = Browser(app)
    member.sign_in("ada@example.org", PASSWORD)
    mine = member.get("/account/meetings")
    assert "Quarterly meeting" in page_text(mine)
    reply = re.search(r'href="(/meetings/reply/[^"]+)"', mine.get_data(as_text=True)).group(1)
    done = member.submit(reply, {"reply": "attending"}, follow_redirects=True)
    assert "Your reply is saved: attending" in page_text(done)
