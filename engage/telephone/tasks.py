"""Beat's daily deletion of telephone cases past their retention time."""

from __future__ import annotations

from celery import shared_task

from engage.extensions import db
from engage.locks import held
from engage.telephone import retention


@shared_task(name="engage.periodic.telephone_retention")
def delete_expired_telephone_details() -> int:
    """Delete the names and numbers of every consultation past its retention time, keeping
    only counts. Returns how many cases were deleted."""
    with held("telephone-retention", seconds=1800) as mine:
        if not mine:
            return -1
        deleted = 0
        for consultation_id in retention.consultations_due():
            deleted += retention.purge(consultation_id)
            db.session.commit()
        return deleted
