"""Publishing a meeting emails people and cannot be called back, so "Publish the meeting" leads
to a check page that says how many will be emailed, counted as the fan-out will pick them."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import update

from engage.extensions import db
from engage.groups.models import Membership, MembershipStatus
from engage.meetings.models import Meeting, MeetingStatus, MeetingVisibility
from tests.dates import at
from tests.factories import create_user
from tests.helpers import page_text
from tests.meetings.support import LATER_DAY, STAFF, create_meeting, make_member, sign_in
from tests.news.support import subscribe

SOON = at(LATER_DAY, 17, 30)  # years from now


def _draft(app, **overrides) -> int:
    return create_meeting(app, SOON, SOON + timedelta(hours=2),
                          **{"status": MeetingStatus.DRAFT, **overrides})


def _member(app, email: str, status=MembershipStatus.ACTIVE, meeting_emails=True) -> None:
    with app.app_context():
        user_id = create_user(email=email).id
    make_member(app, user_id, status)
    if not meeting_emails:
        with app.app_context():
            db.session.execute(update(Membership).where(Membership.user_id == user_id)
                               .values(meeting_emails=False))
            db.session.commit()


@pytest.fixture
def camden_people(app, mailbox, run_tasks):
    """Two members who get meeting emails, one who turned them off, one still waiting to be
    accepted; news subscribers: one who is also a member, one who is not, one unconfirmed and
    one for Lambeth. A public meeting emails 3: the two members and the outside subscriber."""
    _member(app, "ann@example.org")
    _member(app, "bob@example.org")
    _member(app, "quiet@example.org", meeting_emails=False)
    _member(app, "waiting@example.org", MembershipStatus.PENDING)
    subscribe(app, mailbox, run_tasks, "ann@example.org")
    subscribe(app, mailbox, run_tasks, "quiet@example.org")
    subscribe(app, mailbox, run_tasks, "news@example.org")
    subscribe(app, mailbox, run_tasks, "unsure@example.org", confirm=False)
    subscribe(app, mailbox, run_tasks, "lin@example.org", borough="lambeth")
    mailbox.clear()


def _invited(mailbox) -> set[str]:
    return {message["To"] for message in mailbox.messages
            if message["Subject"].startswith("Invitation:")}


@pytest.mark.parametrize(("visibility", "expected"), [
    (MeetingVisibility.PUBLIC, {"ann@example.org", "bob@example.org", "news@example.org"}),
    (MeetingVisibility.MEMBERS_ONLY, {"ann@example.org", "bob@example.org"}),
])
def test_the_check_page_counts_whom_publishing_emails(app, client, mailbox, run_tasks,
                                                      camden_people, visibility, expected):
    meeting_id = _draft(app, visibility=visibility)
    sign_in(client, app)
    page = f"{STAFF}/{meeting_id}"
    assert f'href="{page}/publish"' in client.get(page).get_data(as_text=True)

    check = page_text(client.get(page + "/publish"))
    assert "Publish Quarterly meeting" in check
    assert f"We will email the {len(expected)} people it goes to" in check
    assert "You cannot call an invitation back" in check
    with app.app_context():  # looking is not publishing
        assert db.session.get_one(Meeting, meeting_id).status == MeetingStatus.DRAFT

    response = client.submit(page + "/publish", {}, follow_redirects=True)
    assert (f"Quarterly meeting is published. We are emailing the {len(expected)} people "
            "invited to it") in page_text(response)
    run_tasks()
    assert _invited(mailbox) == expected


def test_nobody_to_email_is_said_plainly_and_an_empty_agenda_is_warned_of(app, client):
    meeting_id = _draft(app)
    sign_in(client, app)
    check = page_text(client.get(f"{STAFF}/{meeting_id}/publish"))
    assert "so nobody will be emailed" in check
    assert "The meeting has no agenda yet" in check

    with_agenda = _draft(app, agenda=["Welcome", "Ward priorities"])
    assert "no agenda" not in page_text(client.get(f"{STAFF}/{with_agenda}/publish"))


def test_a_published_or_cancelled_meeting_has_no_check_page(app, client):
    published = _draft(app, status=MeetingStatus.PUBLISHED)
    cancelled = _draft(app, status=MeetingStatus.CANCELLED)
    sign_in(client, app)
    for meeting_id, state in ((published, "published"), (cancelled, "cancelled")):
        response = client.get(f"{STAFF}/{meeting_id}/publish")
        assert response.status_code == 302
        assert response.location.endswith(f"{STAFF}/{meeting_id}")
        assert f"Quarterly meeting is already {state}." in page_text(
            client.get(response.location))


@pytest.mark.parametrize("role", ["analyst", "clerk", "interviewer"])
def test_only_officers_see_the_check_page(app, client, role):
    meeting_id = _draft(app)
    sign_in(client, app, create_user, roles={role: "camden"})
    assert client.get(f"{STAFF}/{meeting_id}/publish").status_code == 403


def test_another_boroughs_officer_is_refused(app, client):
    meeting_id = _draft(app)
    sign_in(client, app, create_user, roles={"officer": "lambeth"})
    assert client.get(f"{STAFF}/{meeting_id}/publish").status_code in (403, 404)
