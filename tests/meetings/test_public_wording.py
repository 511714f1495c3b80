"""The public meeting pages and emails as people read them: officers' text with its lines kept,
every meeting email saying where the meeting is, and what the page says once registration has
closed. Dates are relative to today, so the tests keep working as the years pass."""

from __future__ import annotations

import re
from datetime import timedelta

from engage.clock import utcnow
from engage.extensions import db
from engage.meetings.models import Meeting, MeetingMode, MeetingStatus
from tests.factories import create_officer, create_user
from tests.helpers import Browser, page_text
from tests.mailbox import body, links
from tests.meetings.support import PUBLIC, cpeg, create_meeting, make_member

LINK = "https://meet.example.org/camden-cpeg"
ACCESS = "Step-free entrance on Judd Street. Hearing loop in the council chamber."


def _in_days(app, days: int, **overrides) -> int:
    start = utcnow().replace(microsecond=0) + timedelta(days=days)
    return create_meeting(app, start, start + timedelta(hours=2), **overrides)


def _register(meeting_id: int, email: str, app) -> None:
    Browser(app).submit(f"{PUBLIC}/{meeting_id}/register",
                        {"name": "Grace Hopper", "email": email, "access_needs": ""},
                        form_page=f"{PUBLIC}/{meeting_id}")


def test_a_meeting_s_description_and_minutes_keep_their_lines(client, app):
    """A blank line starts a paragraph; a single line break stays a line break, so a list of
    actions typed one to a line does not run together."""
    meeting_id = _in_days(app, -30, description="1. Welcome\r\nThe chair welcomed everyone."
                                                "\r\n\r\nAll welcome.")
    with app.app_context():
        from engage.meetings.minutes import save_minutes

        save_minutes(db.session.get(Meeting, meeting_id),
                     "Actions:\n- Mina to write to the council.\n- Tom to ask about lighting."
                     "\n\n\n\nNext meeting in June.", create_officer("camden"), publish=True)
        db.session.commit()
    page = client.get(f"{PUBLIC}/{meeting_id}").get_data(as_text=True)
    assert ('<p class="govuk-body engage-own-words">1. Welcome\nThe chair welcomed everyone.</p>'
            '<p class="govuk-body engage-own-words">All welcome.</p>') in page
    minutes = client.get(f"{PUBLIC}/{meeting_id}/minutes").get_data(as_text=True)
    assert ('<p class="govuk-body engage-own-words">Actions:\n- Mina to write to the council.\n'
            '- Tom to ask about lighting.</p>'
            '<p class="govuk-body engage-own-words">Next meeting in June.</p>') in minutes


def test_a_place_offered_says_where_the_meeting_is_as_every_meeting_email_does(
        app, mailbox, run_tasks):
    meeting_id = _in_days(app, 7, capacity=1, mode=MeetingMode.HYBRID, online_link=LINK,
                          address="Judd Street\nLondon WC1H 9JE", access_notes=ACCESS)
    _register(meeting_id, "first@example.org", app)
    _register(meeting_id, "second@example.org", app)
    run_tasks()
    [registered] = mailbox.to("first@example.org")
    reply = next(link for link in links(registered) if "/meetings/reply/" in link)
    Browser(app).submit(reply, {"reply": "not-attending"})
    run_tasks()
    offered = mailbox.to("second@example.org")[-1]
    assert offered["Subject"].startswith("A place is yours: Quarterly meeting")
    details = ("Quarterly meeting\nWhen: {when}\n"
               "Where: Camden Town Hall, Judd Street, London WC1H 9JE (and online)\n"
               f"Access: {ACCESS}\nJoin online: {LINK}\n\n")
    for message in (registered, offered):
        when = message["Subject"].split(", ", 1)[1]
        assert details.format(when=when) in body(message).replace("\r\n", "\n")
    # In the HTML part the details are one paragraph of their own, a line each.
    html = offered.get_body(preferencelist=("html",)).get_content()
    assert "Where: Camden Town Hall, Judd Street, London WC1H 9JE (and online)<br>Access: " in html
    assert f'Join online: <a href="{LINK}">{LINK}</a></p>' in html


def test_the_meeting_page_says_why_registration_has_closed(client, app):
    now = utcnow().replace(microsecond=0)
    started = create_meeting(app, now - timedelta(minutes=5), now + timedelta(hours=1))
    ended = _in_days(app, -30)
    coming = _in_days(app, 7)
    closed = "Registration has closed This meeting has {}, so you can no longer register for it."
    started_page = page_text(client.get(f"{PUBLIC}/{started}"))
    assert closed.format("started") in started_page
    assert "Register to attend" not in started_page
    assert closed.format("ended") in page_text(client.get(f"{PUBLIC}/{ended}"))
    coming_page = page_text(client.get(f"{PUBLIC}/{coming}"))
    assert "Register to attend" in coming_page and "Registration has closed" not in coming_page
    # A cancelled meeting says it is cancelled; a members-only one never took registrations.
    cancelled = create_meeting(app, now - timedelta(minutes=5), now + timedelta(hours=1),
                               status=MeetingStatus.CANCELLED)
    assert "Registration has closed" not in page_text(client.get(f"{PUBLIC}/{cancelled}"))


def test_a_group_s_name_takes_the_in_running_text(app):
    with app.app_context():
        group = cpeg()
        assert group.name_in_text == "the Community Police Engagement Group"
        group.name = "Golborne Residents' Association"
        assert group.name_in_text == "the Golborne Residents' Association"
        assert group.name_to_start == "The Golborne Residents' Association"
        group.name = "The Notting Hill Partnership"  # its own "the", kept as typed
        assert group.name_in_text == group.name_to_start == "The Notting Hill Partnership"


def test_meeting_emails_and_the_meeting_page_say_the_group(app, mailbox, run_tasks):
    meeting_id = _in_days(app, 7, capacity=1, mode=MeetingMode.HYBRID, online_link=LINK)
    _register(meeting_id, "first@example.org", app)
    _register(meeting_id, "second@example.org", app)
    run_tasks()
    group = "the Community Police Engagement Group"
    assert f"You are registered for this meeting of {group} in Camden." in body(
        mailbox.to("first@example.org")[0])
    assert f"this meeting of {group} in Camden. It is full" in body(
        mailbox.to("second@example.org")[0])
    reply = next(link for link in links(mailbox.to("first@example.org")[0])
                 if "/meetings/reply/" in link)
    Browser(app).submit(reply, {"reply": "not-attending"})
    run_tasks()
    assert f"at the meeting of {group} you were waiting for" in body(
        mailbox.to("second@example.org")[-1])
    with app.app_context():
        mina = create_user(email="mina@example.org").id
    make_member(app, mina)
    with app.app_context():
        from engage.meetings.mailings import MailingKind, open_mailing

        open_mailing(db.session.get(Meeting, meeting_id), MailingKind.INVITATION)
        db.session.commit()
    run_tasks()
    assert f"You are invited to a meeting of {group} in Camden." in body(
        mailbox.to("mina@example.org")[0])
    page = page_text(Browser(app).get(f"{PUBLIC}/{meeting_id}"))
    assert "Members of the Community Police Engagement Group see the link to join here" in page


def test_email_fields_are_email_inputs(client, app):
    """type="email" brings up a phone's @ keyboard; no spellchecking of addresses; and the
    browser may fill in the person's own (WCAG 1.3.5)."""
    meeting_id = _in_days(app, 7)
    for path in [f"{PUBLIC}/{meeting_id}", "/boroughs/camden/meeting-news", "/register",
                 "/sign-in", "/forgotten-password"]:
        html = client.get(path).get_data(as_text=True)
        [field] = re.findall(r'<input[^>]*\bname="email"[^>]*>', html)
        assert 'type="email"' in field and 'spellcheck="false"' in field, (path, field)
        assert 'autocomplete="email"' in field, (path, field)


def test_the_calendar_link_says_what_the_file_does_for_a_cancelled_or_past_meeting(client, app):
    """'Add this meeting to your calendar' invites people to add a meeting that will not take
    place: for a cancelled one the file marks it cancelled in a calendar that has it, and a
    meeting that is over has nothing to add."""
    coming = _in_days(app, 7)
    cancelled = _in_days(app, 7, status=MeetingStatus.CANCELLED, sequence=1)
    over = _in_days(app, -7)
    assert "Add this meeting to your calendar" in page_text(client.get(f"{PUBLIC}/{coming}"))
    cancelled_page = page_text(client.get(f"{PUBLIC}/{cancelled}"))
    assert "Add this meeting to your calendar" not in cancelled_page
    assert ("If this meeting is in your calendar, update your calendar with this file to show "
            "it is cancelled") in cancelled_page
    past_page = page_text(client.get(f"{PUBLIC}/{over}"))
    assert "Add this meeting to your calendar" not in past_page
    assert client.get(f"{PUBLIC}/{over}.ics").status_code == 200  # still there for anyone's use
