"""Helpers for the meetings tests: signing people in, meetings and memberships as rows."""

from __future__ import annotations

import io
import zipfile
from datetime import datetime, timedelta
from urllib.parse import parse_qs, urlsplit

from sqlalchemy import select

from engage.extensions import db
from engage.groups.models import Group, Membership, MembershipStatus, Represents
from engage.meetings.models import (
    AgendaItem,
    Meeting,
    MeetingMode,
    MeetingStatus,
    MeetingVisibility,
)
from tests.dates import NEXT_YEAR, clocks_go_forward, form_date
from tests.factories import PASSWORD, borough, create_officer, create_user

STAFF = "/staff/boroughs/camden/groups/cpeg/meetings"
PUBLIC = "/boroughs/camden/groups/cpeg/meetings"
CPEG_PAGE = "/boroughs/camden/groups/cpeg"

# Meetings are scheduled only in the future, so their days are worked out from today (see
# tests.dates): next year's, either side of the clocks going forward.
SPRING_DAY = clocks_go_forward(NEXT_YEAR) + timedelta(days=2)  # a Tuesday, in BST (UTC+1)
WINTER_DAY = SPRING_DAY - timedelta(weeks=2)  # the Tuesday a fortnight before, in GMT
LATER_DAY = SPRING_DAY + timedelta(weeks=3 * 52)  # a Tuesday, years from now

# A form as an officer fills it in; tests override what they are about.
FORM = {
    "title": "Spring meeting",
    "description": "Neighbourhood priorities for the spring.",
    "date": form_date(SPRING_DAY),
    "start_time": "6:30pm",
    "end_time": "8pm",
    "mode": "in-person",
    "venue": "Camden Town Hall",
    "address": "Judd Street\nLondon WC1H 9JE",
    "access_notes": "Step-free entrance on Judd Street. Hearing loop in the council chamber.",
    "online_link": "",
    "capacity": "60",
    "visibility": "public",
}

PDF = b"%PDF-1.7\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def docx_bytes() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<w:document/>")
    return buffer.getvalue()


def sign_in(client, app, factory=create_officer, *args, **overrides) -> int:
    with app.app_context():
        person = factory(*args, **overrides)
        user_id, email = person.id, person.email
    client.sign_in(email, PASSWORD)
    return user_id


def cpeg(slug: str = "camden") -> Group:
    return db.session.scalar(select(Group).where(Group.borough_id == borough(slug).id,
                                                 Group.slug == "cpeg"))


def schedule(client, **overrides) -> int:
    """Schedule through the staff form; returns the new meeting's id."""
    response = client.submit(STAFF + "/new", {**FORM, **overrides})
    assert response.status_code == 302, response.get_data(as_text=True)[:3000]
    return int(response.location.rstrip("/").rsplit("/", 1)[1])


def create_meeting(app, starts_at: datetime, ends_at: datetime, **overrides) -> int:
    """A meeting as a row (naive UTC times), published and public unless told otherwise."""
    with app.app_context():
        fields = {
            "group": cpeg(), "title": "Quarterly meeting", "starts_at": starts_at,
            "ends_at": ends_at, "mode": MeetingMode.IN_PERSON, "venue": "Camden Town Hall",
            "address": "Judd Street", "visibility": MeetingVisibility.PUBLIC,
            "status": MeetingStatus.PUBLISHED,
        }
        agenda = overrides.pop("agenda", [])
        fields.update(overrides)
        meeting = Meeting(**fields)
        for position, title in enumerate(agenda, start=1):
            meeting.agenda.append(AgendaItem(position=position, title=title))
        db.session.add(meeting)
        db.session.commit()
        return meeting.id


def move_meeting(app, meeting_id: int, hours: float = 1) -> None:
    """Move a published meeting `hours` later, as an officer's change of time does (the change
    mailing is queued, to run with run_tasks)."""
    from engage.meetings import operations

    with app.app_context():
        found = db.session.get(Meeting, meeting_id)
        details = operations.Details(**{name: getattr(found, name) for name in (
            "title", "description", "starts_at", "ends_at", "mode", "venue", "address",
            "access_notes", "online_link", "capacity", "visibility")})
        details.starts_at += timedelta(hours=hours)
        details.ends_at += timedelta(hours=hours)
        operations.change(found, details)
        db.session.commit()


def make_member(app, user_id: int, status: MembershipStatus = MembershipStatus.ACTIVE) -> None:
    with app.app_context():
        db.session.add(Membership(group=cpeg(), user_id=user_id, status=status,
                                  represents=Represents.SELF))
        db.session.commit()


def member(client, app, **overrides) -> int:
    """Sign in someone who is an active member of Camden's CPEG."""
    user_id = sign_in(client, app, create_user, **overrides)
    make_member(app, user_id)
    return user_id


def meeting(app, meeting_id: int) -> Meeting:
    with app.app_context():
        found = db.session.get(Meeting, meeting_id)
        db.session.expunge(found)
        return found


def sends_to_sign_in(response, back_to: str) -> bool:
    """Does `response` send someone not signed in to sign in, to come back to `back_to` (a
    path on this site) afterwards, as any page that needs an account does?"""
    if response.status_code != 302:
        return False
    location = urlsplit(response.location)
    return (location.path == "/sign-in"
            and parse_qs(location.query).get("next") == [back_to])
