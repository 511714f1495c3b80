"""Deleting what people told us for one meeting once the meeting is long over
(ENGAGE_MEETING_RETENTION_DAYS after it ended, or after it was cancelled).

- People who registered without an account: their name, email address and access needs exist
  only on their invitation, so the invitation goes, and the meeting keeps how many registered,
  by reply (`Meeting.guest_counts`), for the record of who came.
- Members: their invitations stay (they are the attendance history of the member's own
  account), but any access needs they gave for this meeting are cleared: they were asked for to
  arrange the meeting, and that purpose has passed.

Counting and deleting happen in one transaction per meeting, so a failure part way leaves
nothing counted twice and the next night's run finishes the job.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import delete, func, or_, select, update

from engage.clock import utcnow
from engage.extensions import db
from engage.meetings.models import Invitation, Meeting, MeetingStatus


def cutoff(now: datetime | None = None) -> datetime:
    return (now or utcnow()) - timedelta(days=current_app.config["ENGAGE_MEETING_RETENTION_DAYS"])


def meetings_due(now: datetime | None = None) -> list[int]:
    """Meetings past the retention time that still hold a guest's details or access needs."""
    before = cutoff(now)
    over = or_(Meeting.ends_at < before,
               (Meeting.status == MeetingStatus.CANCELLED) & (Meeting.cancelled_at < before))
    holding = select(Invitation.id).where(
        Invitation.meeting_id == Meeting.id,
        Invitation.user_id.is_(None) | Invitation.access_needs.is_not(None)).exists()
    return list(db.session.scalars(
        select(Meeting.id).where(over, holding).order_by(Meeting.id)))


def purge(meeting_id: int) -> int:
    """Count, then delete, one meeting's guest registrations, and clear members' access
    needs. Adds and flushes; the caller commits. Returns how many guests were deleted."""
    meeting = db.session.get(Meeting, meeting_id)
    guests = (Invitation.meeting_id == meeting_id) & Invitation.user_id.is_(None)
    tallies = db.session.execute(
        select(Invitation.reply, func.count()).where(guests).group_by(Invitation.reply)).all()
    counts = dict(meeting.guest_counts or {})
    for reply, n in tallies:
        key = reply.value if reply else "no-reply"
        counts[key] = counts.get(key, 0) + n
    meeting.guest_counts = counts
    meeting.guest_details_deleted_at = utcnow()
    deleted = db.session.execute(delete(Invitation).where(guests)).rowcount
    db.session.execute(
        update(Invitation).where(Invitation.meeting_id == meeting_id,
                                 Invitation.access_needs.is_not(None))
        .values(access_needs=None))
    db.session.flush()
    return deleted
