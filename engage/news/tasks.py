"""Beat's nightly deletion of news subscriptions that no longer do anything."""

from __future__ import annotations

from celery import shared_task

from engage.extensions import db
from engage.news import retention


@shared_task(name="engage.periodic.news_retention")
def delete_stale_subscriptions() -> int:
    """One DELETE, safe to run twice at once. Returns how many were deleted."""
    deleted = retention.delete_stale()
    db.session.commit()
    return deleted
