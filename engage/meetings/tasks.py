"""Beat's nightly deletion of meeting registrations past their retention time."""

from __future__ import annotations

from celery import shared_task

from engage.extensions import db
from engage.locks import held
from engage.meetings import retention


@shared_task(name="engage.periodic.meeting_retention")
def delete_expired_registrations() -> int:
    """Delete the details of guests of every meeting past its retention time (keeping counts)
    and clear access needs. Returns how many guests were deleted, or -1 when another run is
    still going."""
    with held("meeting-retention", seconds=1800) as mine:
        if not mine:
            return -1
        deleted = 0
        for meeting_id in retention.meetings_due():
            deleted += retention.purge(meeting_id)
            db.session.commit()
        return deleted
