"""What a usability review found wrong with meetings, each checked through HTTP as people use it:
a member signed out following the link to a members-only meeting, the "signed in" link under a
registration form sent back with errors, what officers are told a change or a cancellation
sends, members' access needs in their reply, and the group's name in the emails."""

from __future__ import annotations

import io
import json
import re
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

from sqlalchemy import select
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from engage.extensions import db
from engage.groups.models import Membership, MembershipStatus
from engage.meetings import retention
from engage.meetings.models import Invitation, Mailing, MailingKind, Meeting
from engage.outbox.models import OutboxMessage
from tests.dates import at, form_date
from tests.factories import PASSWORD, create_officer, create_user
from tests.helpers import Browser, csrf_token, page_text
from tests.mailbox import links
from tests.meetings.support import (
    FORM,
    LATER_DAY,
    PDF,
    PUBLIC,
    STAFF,
    cpeg,
    create_meeting,
    make_member,
    schedule,
    sends_to_sign_in,
    sign_in,
)

LATER = {"date": form_date(LATER_DAY)}  # a Tuesday, years from now
NEEDS = "Step-free access and a hearing loop, please"
FLASH_UPDATE = re.compile(r"We have emailed the (\d+) people invited to this meeting the new "
                          r"time and place \(with an updated calendar entry\)")


def _published(client, **form) -> int:
    meeting_id = schedule(client, **{**LATER, **form})
    page = f"{STAFF}/{meeting_id}"
    client.submit(page + "/publish", {}, form_page=page)
    return meeting_id


def _member(app, **overrides) -> tuple[int, str]:
    with app.app_context():
        user = create_user(**overrides)
        user_id, email = user.id, user.email
    make_member(app, user_id)
    return user_id, email


def _reply_link(mailbox, email: str) -> str:
    return next(x for x in links(mailbox.to(email)[0]) if "/meetings/reply/" in x)


def _outbox_text(app) -> str:
    """Everything the outbox holds: what could end up in an email."""
    with app.app_context():
        return json.dumps([[m.recipient, m.template, m.context]
                           for m in db.session.scalars(select(OutboxMessage))])


# 1. A members-only meeting, followed from the invitation while signed out ---------------------

def test_a_member_signed_out_signs_in_and_comes_back_to_a_members_only_meeting(
        client, other_client, app):
    sign_in(client, app)
    meeting_id = _published(client, visibility="members-only")
    url = f"{PUBLIC}/{meeting_id}"
    _, email = _member(app)

    asked = other_client.get(url)
    assert sends_to_sign_in(asked, url)
    sign_in_page = other_client.get(asked.location)
    assert sign_in_page.status_code == 200
    assert "Sign in to see this page" in page_text(sign_in_page)
    back = other_client.submit(asked.location, {"email": email, "password": PASSWORD})
    assert back.status_code == 302 and back.location == url
    page = other_client.get(back.location)
    assert page.status_code == 200
    assert "Who can come Members of the group" in page_text(page)


def test_a_papers_link_signed_out_comes_back_to_the_paper(client, other_client, app):
    sign_in(client, app)
    meeting_id = _published(client, visibility="members-only")
    client.submit(f"{STAFF}/{meeting_id}/agenda/new", {"title": "Stop and search"})
    with app.app_context():
        item_id = db.session.get(Meeting, meeting_id).agenda[0].id
    page = f"{STAFF}/{meeting_id}/agenda/{item_id}/papers/new"
    boundary, body = encode_multipart({
        "csrf_token": csrf_token(client.get(page).get_data(as_text=True)),
        "file": FileStorage(io.BytesIO(PDF), "Figures.pdf")})
    client.post(page, body, content_type=f"multipart/form-data; boundary={boundary}")
    with app.app_context():
        paper_id = db.session.get(Meeting, meeting_id).agenda[0].papers[0].id
    url = f"{PUBLIC}/{meeting_id}/papers/{paper_id}"
    _, email = _member(app)

    asked = other_client.get(url)
    assert sends_to_sign_in(asked, url)
    back = other_client.submit(asked.location, {"email": email, "password": PASSWORD})
    assert back.location == url
    paper = other_client.get(url)
    assert paper.status_code == 200 and paper.data == PDF
    paper.close()


def test_signed_in_non_members_still_find_nothing_and_drafts_stay_hidden(
        client, other_client, app):
    sign_in(client, app)
    members_only = _published(client, visibility="members-only")
    public = _published(client)
    draft = schedule(client, **LATER, visibility="members-only")
    public_draft = schedule(client, **LATER)

    # A draft is nobody's business but the borough team's, signed in or not.
    for meeting_id in (draft, public_draft):
        assert other_client.get(f"{PUBLIC}/{meeting_id}").status_code == 404
        assert other_client.get(f"{PUBLIC}/{meeting_id}.ics").status_code == 404
    # A members-only meeting takes no registrations: the form's address (POST only) is not
    # somewhere to be sent back to after signing in.
    register = other_client.submit(f"{PUBLIC}/{members_only}/register",
                                   {"name": "A", "email": "a@example.org"},
                                   form_page=f"{PUBLIC}/{public}")
    assert register.status_code == 404

    # Signed in, not a member (or only asking to join): not found, as before.
    with app.app_context():
        person = create_user(email="not-a-member@example.org").id
    other_client.sign_in("not-a-member@example.org", PASSWORD)
    assert other_client.get(f"{PUBLIC}/{members_only}").status_code == 404
    make_member(app, person, MembershipStatus.PENDING)
    assert other_client.get(f"{PUBLIC}/{members_only}").status_code == 404
    assert other_client.get(f"{PUBLIC}/{draft}").status_code == 404
    # Signing in from the link leads a non-member to "not found", nothing more.
    other_client.sign_out()
    asked = other_client.get(f"{PUBLIC}/{members_only}")
    assert sends_to_sign_in(asked, f"{PUBLIC}/{members_only}")
    back = other_client.submit(asked.location, {"email": "not-a-member@example.org",
                                                "password": PASSWORD})
    assert back.location == f"{PUBLIC}/{members_only}"
    assert other_client.get(back.location).status_code == 404


# 2. The "signed in" link under a registration form sent back with errors ---------------------

def test_the_signed_in_link_on_a_form_with_errors_leads_back_to_the_meeting(
        client, other_client, app):
    sign_in(client, app)
    meeting_id = _published(client, mode="hybrid", online_link="https://meet.example.org/x")
    url = f"{PUBLIC}/{meeting_id}"
    sent_back = other_client.submit(f"{url}/register", {"name": "", "email": "not an address"},
                                    form_page=url)
    assert sent_back.status_code == 200
    assert "There is a problem" in page_text(sent_back)
    html = sent_back.get_data(as_text=True)
    [href] = re.findall(r'href="(/sign-in\?[^"]*)"[^>]*>signed in<', html)
    target = parse_qs(urlsplit(href.replace("&amp;", "&")).query)["next"]
    assert target == [url]

    # Signing in there brings a member to the meeting's page, with the link to join.
    _, email = _member(app)
    back = other_client.submit(href.replace("&amp;", "&"), {"email": email,
                                                             "password": PASSWORD})
    assert back.location == url
    page = other_client.get(back.location)
    assert page.status_code == 200
    assert 'href="https://meet.example.org/x"' in page.get_data(as_text=True)


# 4. What officers are told a change of time or place, or a cancellation, sends ---------------

def test_officers_are_told_how_many_people_an_update_and_a_cancellation_email(
        client, other_client, app, mailbox, run_tasks):
    sign_in(client, app)
    members = [_member(app)[1] for _ in range(3)]
    unsubscribed_id, unsubscribed = _member(app)
    with app.app_context():
        pending_id = create_user(email="pending@example.org").id
        db.session.scalar(select(Membership).where(
            Membership.user_id == unsubscribed_id)).meeting_emails = False
        db.session.commit()
    make_member(app, pending_id, MembershipStatus.PENDING)
    meeting_id = _published(client)
    url = f"{PUBLIC}/{meeting_id}"
    # Two guests register on the page; one then says they cannot come.
    for guest in ("guest1@example.org", "guest2@example.org"):
        other_client.submit(f"{url}/register", {"name": "Guest", "email": guest},
                            form_page=url)
    run_tasks()
    declined = next(x for x in links(mailbox.to("guest2@example.org")[0])
                    if "/meetings/reply/" in x)
    other_client.submit(declined, {"reply": "not-attending"})

    # The form says what a change of time or place does before it is made.
    edit = f"{STAFF}/{meeting_id}/edit"
    lead = page_text(client.get(edit))
    assert "we will email everyone invited to it the new time and place" in lead
    assert "add it to their calendar again" not in lead

    changed = client.submit(edit, {**FORM, **LATER, "start_time": "7pm", "end_time": "9pm"},
                            follow_redirects=True)
    text = page_text(changed)
    assert "add it to their calendar again" not in text
    match = FLASH_UPDATE.search(text)
    assert match, text[:2000]
    told = int(match.group(1))
    run_tasks()
    updated = {m["To"] for m in mailbox.messages if m["Subject"].startswith("Changed:")}
    # The three members and the guest still coming: not the unsubscribed member, the person
    # only asking to join, or the guest who said no.
    assert updated == {*members, "guest1@example.org"}
    assert told == len(updated) == 4
    with app.app_context():
        assert db.session.scalar(select(Mailing.recipients).where(
            Mailing.meeting_id == meeting_id, Mailing.kind == MailingKind.UPDATE)) == told
    assert unsubscribed not in updated

    # Only the title: no email, and nobody is told one was sent.
    renamed = client.submit(edit, {**FORM, **LATER, "start_time": "7pm", "end_time": "9pm",
                                   "title": "Renamed meeting"}, follow_redirects=True)
    assert "We have emailed" not in page_text(renamed)

    # Cancelling: the page says how many will be told, and the flash how many were.
    cancel = f"{STAFF}/{meeting_id}/cancel"
    confirm = page_text(client.get(cancel))
    assert ("We will email the 4 people invited to this meeting to say it is cancelled"
            in confirm)
    assert "add it to their calendar again" not in confirm
    done = page_text(client.submit(cancel, {}, follow_redirects=True))
    assert ("We have emailed the 4 people invited to this meeting to say it is cancelled"
            in done)
    run_tasks()
    cancelled = {m["To"] for m in mailbox.messages if m["Subject"].startswith("Cancelled:")}
    assert cancelled == {*members, "guest1@example.org"}


def test_one_person_and_nobody_are_said_so(client, app, run_tasks):
    sign_in(client, app)
    meeting_id = _published(client)
    edit = f"{STAFF}/{meeting_id}/edit"
    nobody = page_text(client.submit(edit, {**FORM, **LATER, "start_time": "7pm",
                                            "end_time": "9pm"}, follow_redirects=True))
    assert "nobody has been emailed" in nobody and "We have emailed" not in nobody
    _member(app)
    one = page_text(client.submit(edit, {**FORM, **LATER, "start_time": "6pm",
                                         "end_time": "8pm"}, follow_redirects=True))
    # The member not invited yet is invited by the update itself, and counted.
    assert ("We have emailed the 1 person invited to this meeting the new time and place"
            in one)
    assert "We will email the 1 person invited" in page_text(
        client.get(f"{STAFF}/{meeting_id}/cancel"))
    # A draft has invited nobody: cancelling it emails nobody, and the page says so.
    draft = schedule(client, **LATER)
    assert "nobody will be emailed" in page_text(client.get(f"{STAFF}/{draft}/cancel"))
    done = page_text(client.submit(f"{STAFF}/{draft}/cancel", {}, follow_redirects=True))
    assert "We have emailed" not in done


# 6. Members' access needs in their reply -----------------------------------------------------

def test_a_member_gives_changes_and_clears_access_needs_in_their_reply(
        client, app, mailbox, run_tasks):
    sign_in(client, app)
    user_id, email = _member(app)
    meeting_id = _published(client)
    run_tasks()
    link = _reply_link(mailbox, email)
    member = Browser(app)

    form = page_text(member.get(link))
    assert "Access needs (optional)" in form and "Only the borough team sees this" in form
    done = member.submit(link, {"reply": "attending", "access_needs": NEEDS},
                         follow_redirects=True)
    assert "Your reply is saved: attending" in page_text(done)
    with app.app_context():
        invitation = db.session.scalar(select(Invitation).where(Invitation.user_id == user_id))
        assert invitation.access_needs == NEEDS
    # Shown again, to change.
    assert f">{NEEDS}</textarea>" in member.get(link).get_data(as_text=True)

    # The borough's officers see them; staff who do not see people see only that there are.
    officer_page = page_text(client.get(f"{STAFF}/{meeting_id}"))
    assert "Members' access needs" in officer_page and NEEDS in officer_page
    analyst = Browser(app)
    with app.app_context():
        create_user(email="analyst@example.org", roles={"analyst": "camden"})
        create_officer("lambeth", email="lambeth@example.org")
    analyst.sign_in("analyst@example.org", PASSWORD)
    analyst_page = page_text(analyst.get(f"{STAFF}/{meeting_id}"))
    assert NEEDS not in analyst_page
    assert "1 member has told us about access needs" in analyst_page
    other_borough = Browser(app)
    other_borough.sign_in("lambeth@example.org", PASSWORD)
    assert other_borough.get(f"{STAFF}/{meeting_id}").status_code in (403, 404)
    # Not on the public page, nor to the member's own meeting list.
    assert NEEDS not in page_text(member.get(f"{PUBLIC}/{meeting_id}"))

    # Personal data: never in an email, even those sent after they were given.
    client.submit(f"{STAFF}/{meeting_id}/edit", {**FORM, **LATER, "start_time": "7pm",
                                                 "end_time": "9pm"})
    run_tasks()
    assert len(mailbox.to(email)) == 2
    assert all(NEEDS not in m.get_body(("plain",)).get_content() for m in mailbox.messages)
    assert NEEDS not in _outbox_text(app)

    # Replying again with the box emptied clears them.
    member.submit(link, {"reply": "maybe", "access_needs": "  "})
    with app.app_context():
        invitation = db.session.scalar(select(Invitation).where(Invitation.user_id == user_id))
        assert invitation.access_needs is None
        assert invitation.reply.value == "maybe"
    assert "Members' access needs" not in page_text(client.get(f"{STAFF}/{meeting_id}"))


def test_access_needs_that_are_too_long_are_refused_and_the_reply_kept(
        client, app, mailbox, run_tasks):
    sign_in(client, app)
    user_id, email = _member(app)
    _published(client)
    run_tasks()
    link = _reply_link(mailbox, email)
    refused = Browser(app).submit(link, {"reply": "attending", "access_needs": "x" * 1001})
    assert refused.status_code == 200
    assert "Access needs must be 1,000 characters or fewer" in page_text(refused)
    with app.app_context():
        invitation = db.session.scalar(select(Invitation).where(Invitation.user_id == user_id))
        assert invitation.reply is None and invitation.access_needs is None


def test_members_access_needs_are_cleared_after_the_meeting(app, mailbox, run_tasks):
    with app.app_context():
        create_officer("camden", email="officer@example.org")
    user_id, email = _member(app)
    start = at(LATER_DAY, 18, 30)
    meeting_id = create_meeting(app, start, start + timedelta(hours=2))
    with app.app_context():
        from engage.meetings import mailings

        mailings.open_mailing(db.session.get(Meeting, meeting_id), MailingKind.INVITATION)
        db.session.commit()
    run_tasks()
    Browser(app).submit(_reply_link(mailbox, email), {"reply": "attending",
                                                      "access_needs": NEEDS})
    with app.app_context():
        later = start + timedelta(days=app.config["ENGAGE_MEETING_RETENTION_DAYS"] + 1)
        assert retention.meetings_due(later) == [meeting_id]
        retention.purge(meeting_id)
        db.session.commit()
        invitation = db.session.scalar(select(Invitation).where(Invitation.user_id == user_id))
        assert invitation.access_needs is None and invitation.reply.value == "attending"


# 7. The group's name in the meeting emails ---------------------------------------------------

def test_meeting_emails_write_the_group_name_as_it_is_stored(
        client, other_client, app, mailbox, run_tasks):
    with app.app_context():
        cpeg().name = "Camden Community Safety Board"
        db.session.commit()
    sign_in(client, app)
    _, email = _member(app)
    meeting_id = _published(client)
    url = f"{PUBLIC}/{meeting_id}"
    other_client.submit(f"{url}/register", {"name": "Guest", "email": "guest@example.org"},
                        form_page=url)
    client.submit(f"{STAFF}/{meeting_id}/edit", {**FORM, **LATER, "start_time": "7pm",
                                                 "end_time": "9pm"})
    client.submit(f"{STAFF}/{meeting_id}/cancel", {})
    run_tasks()
    sent = mailbox.to(email) + mailbox.to("guest@example.org")
    assert {m["Subject"].split(":")[0] for m in sent} == {"Invitation", "Registered",
                                                          "Changed", "Cancelled"}
    for message in sent:
        body = message.get_body(("plain",)).get_content()
        assert "Camden Community Safety Board" in body, body
        assert "community safety board" not in body
        assert "community police engagement group" not in body

    # The CPEG under its own name, capitalised as stored.
    with app.app_context():
        cpeg().name = "Community Police Engagement Group"
        db.session.commit()
    _published(client, title="Summer meeting")
    run_tasks()
    invitation = next(m for m in mailbox.to(email) if "Summer meeting" in m["Subject"])
    body = invitation.get_body(("plain",)).get_content()
    assert "a meeting of the Community Police Engagement Group in Camden" in body
    assert "community police engagement group" not in body
