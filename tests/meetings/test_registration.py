"""Registering for a public meeting without an account: the form on the meeting's page, the
confirmation email with its calendar file and cancel link, the waiting list, the online link
for registered people only, and access needs for the borough's staff only."""

from __future__ import annotations

import re
from datetime import timedelta

from icalendar import Calendar
from sqlalchemy import select

from engage.clock import utcnow
from engage.extensions import db
from engage.meetings.models import (
    Invitation,
    MeetingMode,
    MeetingStatus,
    MeetingVisibility,
    Reply,
)
from tests.factories import PASSWORD, create_officer, create_user
from tests.helpers import Browser, page_text, title
from tests.mailbox import body, links, text
from tests.meetings.support import PUBLIC, STAFF, create_meeting, make_member, sign_in

LINK = "https://meet.example.org/camden-cpeg"
NEEDS = "Step-free access and a British Sign Language interpreter"


def _open_meeting(app, **overrides) -> int:
    start = utcnow().replace(microsecond=0) + timedelta(days=7)
    return create_meeting(app, start, start + timedelta(hours=2), **overrides)


def _register(browser: Browser, meeting_id: int, email: str, name: str = "Grace Hopper",
              access_needs: str = ""):
    return browser.submit(f"{PUBLIC}/{meeting_id}/register",
                          {"name": name, "email": email, "access_needs": access_needs},
                          form_page=f"{PUBLIC}/{meeting_id}")


def _invitations(app, meeting_id: int) -> list[Invitation]:
    with app.app_context():
        rows = db.session.scalars(select(Invitation).where(Invitation.meeting_id == meeting_id)
                                  .order_by(Invitation.id)).all()
        db.session.expunge_all()
        return rows


def _calendar(message) -> Calendar:
    [part] = [p for p in message.iter_attachments() if p.get_content_type() == "text/calendar"]
    return Calendar.from_ical(part.get_content())


def _reply_link(message) -> str:
    return next(link for link in links(message) if "/meetings/reply/" in link)


def test_register_without_an_account(client, app, mailbox, run_tasks):
    meeting_id = _open_meeting(app)
    page = client.get(f"{PUBLIC}/{meeting_id}")
    assert "Register to attend" in page_text(page)
    done = _register(client, meeting_id, " Grace@Example.org ", access_needs=NEEDS)
    assert done.status_code == 200
    assert "Check your email" in page_text(done)
    assert "We have sent an email to grace@example.org" in page_text(done)
    assert "The meeting is full" not in page_text(done)
    [invitation] = _invitations(app, meeting_id)
    assert (invitation.user_id, invitation.email, invitation.name, invitation.access_needs,
            invitation.reply) == (None, "grace@example.org", "Grace Hopper", NEEDS,
                                  Reply.ATTENDING)
    assert invitation.registered_at is not None

    run_tasks()
    [message] = mailbox.to("grace@example.org")
    assert message["Subject"].startswith("Registered: Quarterly meeting")
    assert "Hello Grace Hopper," in body(message)
    assert NEEDS not in body(message)  # personal data stays out of the outbox's copy
    calendar = _calendar(message)
    assert calendar["METHOD"] == "REQUEST"
    assert str(calendar.walk("VEVENT")[0]["ATTENDEE"]) == "mailto:grace@example.org"
    # The link in the email cancels, without signing in.
    link = _reply_link(message)
    cancelled = Browser(app).submit(link, {"reply": "not-attending"}, follow_redirects=True)
    assert "Your reply is saved: not attending" in page_text(cancelled)
    assert _invitations(app, meeting_id)[0].reply == Reply.NOT_ATTENDING


def test_a_full_meeting_puts_registrants_on_the_waiting_list_and_promotes_them(
        app, mailbox, run_tasks):
    meeting_id = _open_meeting(app, capacity=1)
    assert "Places 1 Who can come" in page_text(Browser(app).get(f"{PUBLIC}/{meeting_id}"))
    _register(Browser(app), meeting_id, "first@example.org")
    full = Browser(app).get(f"{PUBLIC}/{meeting_id}")
    assert "The meeting is full" in page_text(full)
    # Once full, the places say so and the button says what it does now.
    assert "Places 1, all taken" in page_text(full)
    [button] = re.findall(r"<button[^>]*>\s*([^<]*?)\s*</button>",
                          full.get_data(as_text=True).split('/register"')[-1])
    assert button == "Join the waiting list"
    waiting = _register(Browser(app), meeting_id, "second@example.org")
    assert "The meeting is full, so new registrations go on the waiting list" in page_text(
        waiting)
    assert [i.reply for i in _invitations(app, meeting_id)] == [Reply.ATTENDING, Reply.WAITING]
    run_tasks()
    assert mailbox.to("second@example.org")[0]["Subject"].startswith("Waiting list:")
    # The first cancels: the place goes to the second, who is told by email.
    Browser(app).submit(_reply_link(mailbox.to("first@example.org")[0]),
                        {"reply": "not-attending"})
    run_tasks()
    assert [i.reply for i in _invitations(app, meeting_id)] == [Reply.NOT_ATTENDING,
                                                                 Reply.ATTENDING]
    offered = mailbox.to("second@example.org")[-1]
    assert offered["Subject"].startswith("A place is yours: Quarterly meeting")
    assert _reply_link(offered)


def test_registering_twice_makes_one_registration(client, app, mailbox, run_tasks):
    meeting_id = _open_meeting(app)
    first = _register(client, meeting_id, "grace@example.org", access_needs=NEEDS)
    again = _register(Browser(app), meeting_id, "GRACE@example.org", name="Someone Else",
                      access_needs="Nothing")
    assert page_text(again) == page_text(first)
    [invitation] = _invitations(app, meeting_id)
    assert (invitation.name, invitation.access_needs, invitation.reply) == (
        "Grace Hopper", NEEDS, Reply.ATTENDING)


def test_a_member_s_address_on_the_form_changes_nothing_and_sends_them_their_link(
        client, app, mailbox, run_tasks):
    """Anyone can type a member's address into the public form: that is no proof of owning it,
    so the member's own answer and access needs stay as they are, and the member is emailed
    their reply link. The page says what it says to anyone."""
    with app.app_context():
        user_id = create_user(email="mina@example.org").id
    make_member(app, user_id)
    meeting_id = _open_meeting(app, status=MeetingStatus.DRAFT)
    with app.app_context():
        from engage.meetings import operations
        from engage.meetings.models import Meeting

        operations.publish(db.session.get(Meeting, meeting_id))
        db.session.commit()
    run_tasks()
    # The member had said they cannot come, through their invitation.
    [invited] = mailbox.to("mina@example.org")
    Browser(app).submit(_reply_link(invited), {"reply": "not-attending"})
    done = _register(client, meeting_id, "MINA@example.org", access_needs="Planted")
    assert done.status_code == 200
    assert "We have sent an email to mina@example.org" in page_text(done)
    [invitation] = _invitations(app, meeting_id)
    assert (invitation.user_id, invitation.email, invitation.reply, invitation.access_needs,
            invitation.registered_at) == (user_id, None, Reply.NOT_ATTENDING, None, None)
    run_tasks()
    [told] = [m for m in mailbox.to("mina@example.org")
              if m["Subject"].startswith("You are already invited")]
    assert "nothing has changed" in body(told)
    assert "/meetings/reply/" in _reply_link(told)


def test_the_page_after_registering_says_nothing_about_the_address(
        app, mailbox, run_tasks):
    """Anyone can type anyone's address: the page must not tell them whether it was registered
    already, has a place, is on the waiting list or is a member's. Only the owner's email
    says. And access needs already given stay the owner's."""
    with app.app_context():
        member_id = create_user(email="mina@example.org").id
    make_member(app, member_id)
    meeting_id = _open_meeting(app, capacity=2, status=MeetingStatus.DRAFT)
    with app.app_context():
        from engage.meetings import operations
        from engage.meetings.models import Meeting

        operations.publish(db.session.get(Meeting, meeting_id))
        db.session.commit()
    _register(Browser(app), meeting_id, "has-a-place@example.org", access_needs=NEEDS)
    _register(Browser(app), meeting_id, "second@example.org")
    _register(Browser(app), meeting_id, "waiting@example.org")

    def page_for(email: str) -> str:
        text = page_text(_register(Browser(app), meeting_id, email, name="Someone",
                                   access_needs="Planted"))
        return text.replace(email, "ADDRESS")

    pages = {email: page_for(email) for email in (
        "has-a-place@example.org", "waiting@example.org", "mina@example.org",
        "new@example.org")}
    assert len(set(pages.values())) == 1, pages
    assert "It tells you whether you have a place" in pages["new@example.org"]
    assert "You are on the waiting list" not in pages["new@example.org"]
    replies = {i.email: (i.reply, i.access_needs) for i in _invitations(app, meeting_id)}
    assert replies["has-a-place@example.org"] == (Reply.ATTENDING, NEEDS)
    assert replies["waiting@example.org"] == (Reply.WAITING, None)
    assert replies["new@example.org"] == (Reply.WAITING, "Planted")
    run_tasks()
    assert mailbox.to("waiting@example.org")[0]["Subject"].startswith("Waiting list:")
    assert mailbox.to("has-a-place@example.org")[0]["Subject"].startswith("Registered:")


def test_access_needs_given_are_not_replaced_by_the_next_form_with_that_address(
        app, mailbox, run_tasks):
    """A guest who cancelled can register again (anyone could register a new address), but the
    access needs they gave stay theirs; an empty field adds none."""
    meeting_id = _open_meeting(app)
    _register(Browser(app), meeting_id, "grace@example.org", access_needs=NEEDS)
    run_tasks()
    Browser(app).submit(_reply_link(mailbox.to("grace@example.org")[0]),
                        {"reply": "not-attending"})
    _register(Browser(app), meeting_id, "grace@example.org", name="Someone Else",
              access_needs="Planted")
    [invitation] = _invitations(app, meeting_id)
    assert (invitation.name, invitation.access_needs, invitation.reply) == (
        "Grace Hopper", NEEDS, Reply.ATTENDING)
    quiet = _open_meeting(app, title="Autumn meeting")
    _register(Browser(app), quiet, "ada@example.org")
    _register(Browser(app), quiet, "ada@example.org", access_needs="A hearing loop")
    assert _invitations(app, quiet)[0].access_needs is None  # attending: nothing changes


def test_registration_closes_when_the_meeting_starts(client, app):
    now = utcnow().replace(microsecond=0)
    started = create_meeting(app, now - timedelta(minutes=5), now + timedelta(hours=1))
    assert "Register to attend" not in page_text(client.get(f"{PUBLIC}/{started}"))
    # A form sent from a page opened before the start is refused.
    late = client.submit(f"{PUBLIC}/{started}/register",
                         {"name": "Grace", "email": "grace@example.org"}, form_page="/sign-in")
    assert late.status_code == 410
    assert "Registration for this meeting has closed" in page_text(late)
    assert "has already started, so you cannot register" in page_text(late)
    # A form left open until after the meeting: it has ended, as its page says.
    ended = create_meeting(app, now - timedelta(days=2), now - timedelta(days=2, hours=-2))
    over = client.submit(f"{PUBLIC}/{ended}/register",
                         {"name": "Grace", "email": "grace@example.org"}, form_page="/sign-in")
    assert over.status_code == 410
    assert "has ended, so you cannot register" in page_text(over)
    assert "This meeting has ended" in page_text(client.get(f"{PUBLIC}/{ended}"))
    cancelled = _open_meeting(app, status=MeetingStatus.CANCELLED)
    assert client.submit(f"{PUBLIC}/{cancelled}/register", {"name": "Grace",
                         "email": "grace@example.org"}, form_page="/sign-in").status_code == 410
    members_only = _open_meeting(app, visibility=MeetingVisibility.MEMBERS_ONLY)
    assert client.submit(f"{PUBLIC}/{members_only}/register", {"name": "Grace",
                         "email": "grace@example.org"}, form_page="/sign-in").status_code == 404
    with app.app_context():
        assert db.session.scalar(select(Invitation.id)) is None


def test_bad_input_gives_errors_linked_to_their_fields(client, app):
    meeting_id = _open_meeting(app)
    response = _register(client, meeting_id, "not-an-email", name="  ",
                         access_needs="x" * 1001)
    assert response.status_code == 200
    assert title(response).startswith("Error: ")
    html = response.get_data(as_text=True)
    assert 'class="govuk-error-summary"' in html
    for field, message in [("name", "Enter your full name"),
                           ("email", "Enter an email address in the correct format"),
                           ("access_needs", "Access needs must be 1,000 characters or fewer")]:
        assert f'href="#{field}"' in html
        assert message in html
    assert _invitations(app, meeting_id) == []


def test_the_online_link_goes_only_to_people_with_a_place(client, app, mailbox, run_tasks):
    meeting_id = _open_meeting(app, mode=MeetingMode.HYBRID, online_link=LINK, capacity=1)
    page = client.get(f"{PUBLIC}/{meeting_id}")
    assert LINK not in page.get_data(as_text=True)
    assert "We email the link to join to people who register" in page_text(page)
    assert LINK not in client.get(f"{PUBLIC}/{meeting_id}.ics").get_data(as_text=True)

    _register(client, meeting_id, "first@example.org")
    _register(Browser(app), meeting_id, "second@example.org")  # on the waiting list
    run_tasks()
    [registered] = mailbox.to("first@example.org")
    assert f"Join online: {LINK}" in body(registered)
    assert LINK in str(_calendar(registered).walk("VEVENT")[0]["DESCRIPTION"])
    assert LINK in Browser(app).get(_reply_link(registered)).get_data(as_text=True)
    # Registering did not show the link on the public page to that browser.
    assert LINK not in client.get(f"{PUBLIC}/{meeting_id}").get_data(as_text=True)

    [waiting] = mailbox.to("second@example.org")
    assert LINK not in body(waiting)
    assert "Join online: if a place comes free, we will email you the link to join\n" in \
        text(waiting)
    assert LINK not in str(_calendar(waiting).walk("VEVENT")[0]["DESCRIPTION"])
    assert LINK not in Browser(app).get(_reply_link(waiting)).get_data(as_text=True)
    # Given a place, they are sent the link.
    Browser(app).submit(_reply_link(registered), {"reply": "not-attending"})
    run_tasks()
    offered = mailbox.to("second@example.org")[-1]
    assert f"Join online: {LINK}" in body(offered)
    assert LINK in Browser(app).get(_reply_link(waiting)).get_data(as_text=True)


def test_only_the_boroughs_officers_see_access_needs(client, other_client, app):
    meeting_id = _open_meeting(app)
    _register(Browser(app), meeting_id, "grace@example.org", access_needs=NEEDS)
    assert NEEDS not in Browser(app).get(f"{PUBLIC}/{meeting_id}").get_data(as_text=True)
    sign_in(client, app)
    staff_page = page_text(client.get(f"{STAFF}/{meeting_id}"))
    assert "People who registered" in staff_page
    assert f"Grace Hopper grace@example.org Attending {NEEDS}" in staff_page
    sign_in(other_client, app, create_officer, "lambeth")
    for url in (f"{STAFF}/{meeting_id}",
                f"/staff/boroughs/lambeth/groups/cpeg/meetings/{meeting_id}"):
        response = other_client.get(url)
        assert response.status_code in (403, 404)
        assert NEEDS not in response.get_data(as_text=True)

    # Camden's interviewers, clerks and analysts see the meeting and how many registered, not who.
    for role in ("interviewer", "clerk", "analyst"):
        browser = Browser(app)
        with app.app_context():
            create_user(email=f"{role}@example.org", roles={role: "camden"})
        browser.sign_in(f"{role}@example.org", PASSWORD)
        page = browser.get(f"{STAFF}/{meeting_id}")
        assert page.status_code == 200, role
        text = page_text(page)
        assert "1 person has registered or replied without an account" in text, role
        assert "grace@example.org" not in text and NEEDS not in text and "Grace" not in text, role


def test_my_meetings_lists_a_registration_made_with_the_accounts_address(app, run_tasks):
    meeting_id = _open_meeting(app)
    _register(Browser(app), meeting_id, "ada@example.org")
    with app.app_context():
        create_user(email="ada@example.org")
    browser = Browser(app)
    browser.sign_in("ada@example.org", PASSWORD)
    text = page_text(browser.get("/account/meetings"))
    assert "Quarterly meeting" in text and "Attending" in text
    other = Browser(app)
    with app.app_context():
        create_user(email="someone@example.org")
    other.sign_in("someone@example.org", PASSWORD)
    assert "Quarterly meeting" not in page_text(other.get("/account/meetings"))


def test_a_meeting_made_members_only_is_no_longer_for_those_who_registered(
        client, app, mailbox, run_tasks):
    """Registered while it was public, then made members-only and given a new link: the
    people who registered get no update with the new link, and their reply link and "your
    meetings" no longer lead to it (the meeting's page is not found for them either)."""
    from engage.meetings.mailings import open_mailing
    from engage.meetings.models import MailingKind, Meeting

    meeting_id = _open_meeting(app, mode=MeetingMode.ONLINE, online_link=LINK)
    _register(client, meeting_id, "grace@example.org")
    run_tasks()
    reply_link = _reply_link(mailbox.to("grace@example.org")[0])
    mailbox.clear()
    with app.app_context():
        meeting = db.session.get(Meeting, meeting_id)
        meeting.visibility = MeetingVisibility.MEMBERS_ONLY
        meeting.online_link = "https://meet.example.org/members-only"
        meeting.sequence += 1
        open_mailing(meeting, MailingKind.UPDATE)
        db.session.commit()
    run_tasks()
    assert mailbox.to("grace@example.org") == []
    refused = Browser(app).get(reply_link)
    assert refused.status_code == 404
    assert "This meeting is only for members of" in page_text(refused)
    assert "members-only" not in refused.get_data(as_text=True)


def test_a_member_who_leaves_loses_the_members_only_meeting(client, app, mailbox, run_tasks):
    from engage.groups.models import Membership, MembershipStatus
    from engage.meetings import operations
    from engage.meetings.models import Meeting

    with app.app_context():
        user_id = create_user(email="mina@example.org").id
    make_member(app, user_id)
    meeting_id = _open_meeting(app, status=MeetingStatus.DRAFT, mode=MeetingMode.ONLINE,
                               online_link=LINK, visibility=MeetingVisibility.MEMBERS_ONLY)
    with app.app_context():
        operations.publish(db.session.get(Meeting, meeting_id))
        db.session.commit()
    run_tasks()
    reply_link = _reply_link(mailbox.to("mina@example.org")[0])
    mina = Browser(app)
    mina.sign_in("mina@example.org", PASSWORD)
    assert LINK in mina.get(reply_link).get_data(as_text=True)
    assert "Quarterly meeting" in page_text(mina.get("/account/meetings"))
    with app.app_context():
        membership = db.session.scalar(select(Membership).where(Membership.user_id == user_id))
        membership.status = MembershipStatus.LEFT
        db.session.commit()
    left = mina.get(reply_link)
    assert left.status_code == 404 and LINK not in left.get_data(as_text=True)
    assert mina.submit(reply_link, {"reply": "attending"}, form_page="/account").status_code \
        == 404
    assert "Quarterly meeting" not in page_text(mina.get("/account/meetings"))
    [invitation] = _invitations(app, meeting_id)
    assert invitation.reply is None


def test_registering_twice_in_a_row_sends_one_confirmation(app, run_tasks, mailbox):
    """The form sent twice (a double click without JavaScript, a retry): one place, one email;
    another meeting at once still gets its own."""
    meeting_id, other_id = _open_meeting(app), _open_meeting(app, title="Autumn meeting")
    browser = Browser(app)
    pages = [page_text(_register(browser, meeting_id, "grace@example.org")) for _ in range(2)]
    assert pages[0] == pages[1] and "Check your email" in pages[0]
    _register(browser, other_id, "grace@example.org")
    run_tasks()
    assert len(_invitations(app, meeting_id)) == 1
    subjects = [m["Subject"] for m in mailbox.to("grace@example.org")]
    assert len(subjects) == 2 and len(set(subjects)) == 2, subjects


def test_registering_one_address_is_limited_whoever_sends_the_form(app, run_tasks, mailbox,
                                                                    monkeypatch):
    """The form takes any address, and each registration a minute apart sent its confirmation
    again: from many places, someone's inbox could be filled with them. Five an hour reach an
    address; the sixth form is turned away and sends nothing. Another address still goes
    through from the same place."""
    import engage.outbox.operations as outbox

    meeting_id = _open_meeting(app)
    later = utcnow()
    for n in range(5):
        later += timedelta(minutes=2)  # past the double-click window each time
        monkeypatch.setattr(outbox, "utcnow", lambda at=later: at)
        done = _register(Browser(app, address=f"203.0.113.{n + 1}"), meeting_id,
                         "victim@example.net")
        assert done.status_code == 200
    monkeypatch.setattr(outbox, "utcnow", lambda: later + timedelta(minutes=2))
    browser = Browser(app, address="198.51.100.7")
    assert _register(browser, meeting_id, "victim@example.net").status_code == 429
    assert _register(browser, meeting_id, "grace@example.org").status_code == 200
    run_tasks()
    assert len(mailbox.to("victim@example.net")) == 5
