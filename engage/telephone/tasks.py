"""Beat's daily deletion of telephone cases past their retention time."""

from __future__ import annotations

from celery import shared_task

from engage.locks import purge_each
from engage.telephone import retention


@shared_task(name="engage.periodic.telephone_retention")
def delete_expired_telephone_details() -> int:
    """Delete the names and numbers of every consultation past its retention time, keeping
    only counts. Returns how many cases were deleted."""
    return purge_each("telephone-retention", retention.consultations_due, retention.purge)
