"""The administrators' pages say every value in words: times in the audit log's details the
way GOV.UK writes them (in London time), not as the ISO text they are kept as, and each email's
status by its name, not its code."""

from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import select

from engage.clock import utcnow
from engage.extensions import db
from engage.groups.models import Group, Membership, Represents
from engage.groups.operations import request_to_join
from engage.outbox.models import OutboxMessage, OutboxStatus
from tests.dates import form_date, in_words
from tests.factories import PASSWORD, borough, create_admin, create_user
from tests.helpers import Browser, page_text
from tests.meetings.support import SPRING_DAY, STAFF, schedule


def _admin(app) -> Browser:
    with app.app_context():
        email = create_admin(name="Ada Admin").email
    browser = Browser(app)
    browser.sign_in(email, PASSWORD)
    return browser


def test_the_audit_log_gives_times_and_dates_in_words(app):
    browser = _admin(app)
    # Kept as naive UTC ISO text: 17:30 UTC on a day in British Summer Time is 6:30pm in London.
    # (A meeting must be in the future, so the days are next year's: see tests.dates.)
    day, due = SPRING_DAY, SPRING_DAY + timedelta(days=31)
    meeting_id = schedule(browser, date=form_date(day))
    browser.submit(f"{STAFF}/{meeting_id}/actions", {
        "description": "Ask for patrols", "owner": "PC Smith", "due_on": form_date(due)})
    text = page_text(browser.get("/admin/audit"))
    assert f"starts at: {in_words(day)} at 6:30pm ends at: {in_words(day)} at 8pm" in text
    assert f"due on: {in_words(due)}" in text
    assert not re.search(r"\d{4}-\d{2}-\d{2}", text)
    assert "None" not in text
    # The CSV keeps JSON for tools to read back, its times in London time with their offset,
    # as its "when (London)" column: a bare time would be UTC, which nobody would guess.
    spreadsheet = browser.get("/admin/audit.csv").get_data(as_text=True)
    assert f"{day}T18:30:00+01:00" in spreadsheet and str(due) in spreadsheet
    assert f"{day}T17:30:00" not in spreadsheet


def test_the_audit_log_words_a_changed_role_term(app):
    browser = _admin(app)
    with app.app_context():
        cpeg = db.session.scalar(select(Group).where(Group.borough_id == borough("camden").id,
                                                     Group.slug == "cpeg"))
        membership_id = request_to_join(cpeg, create_user(), Represents.SELF, None).id
        db.session.commit()
    url = f"/staff/boroughs/camden/groups/cpeg/members/{membership_id}"
    browser.submit(f"/staff/boroughs/camden/groups/cpeg/requests/{membership_id}/approve",
                   form_page="/staff/boroughs/camden/groups/cpeg/requests")
    browser.submit(url, {"role": "chair", "role_starts_on": ["1", "4", "2027"],
                         "role_ends_on": ["", "", ""]})
    with app.app_context():
        assert db.session.scalar(select(Membership.role_starts_on).where(
            Membership.id == membership_id)).isoformat() == "2027-04-01"
    text = page_text(browser.get("/admin/audit?action=membership.role_changed"))
    assert "after: role: chair; starts on: 1 April 2027; ends on: none" in text


def test_the_outbox_names_each_status(app):
    browser = _admin(app)
    with app.app_context():
        for number, status in enumerate((OutboxStatus.PENDING, OutboxStatus.SENDING,
                                         OutboxStatus.FAILED)):
            db.session.add(OutboxMessage(recipient=f"person{number}@example.org",
                                         template="account_deleted", context={}, status=status,
                                         due_at=utcnow()))
        db.session.commit()
    text = page_text(browser.get("/admin/outbox"))
    assert "All Waiting to be sent Sending Sent Failed" in text  # the filters
    table = text[text.index("Number To Email Status"):]
    for label in ("Waiting to be sent", "Sending", "Failed"):
        assert label in table
    assert not {"pending", "sending", "failed"} & set(table.split())
    assert "No emails with the status sent." in page_text(browser.get("/admin/outbox?status=sent"))
    unknown = page_text(browser.get("/admin/outbox?status=bogus"))
    assert "bogus" not in unknown and "Failed" in unknown  # an unknown status lists every email
