"""Beat's nightly deletion of meeting registrations past their retention time."""

from __future__ import annotations

from celery import shared_task

from engage.locks import purge_each
from engage.meetings import retention


@shared_task(name="engage.periodic.meeting_retention")
def delete_expired_registrations() -> int:
    """Delete the details of guests of every meeting past its retention time (keeping counts)
    and clear access needs. Returns how many guests were deleted, or -1 when another run is
    still going."""
    return purge_each("meeting-retention", retention.meetings_due, retention.purge)
