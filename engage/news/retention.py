"""Forgetting news subscriptions that no longer do anything
(ENGAGE_NEWS_RETENTION_DAYS, 30 by default):

- never confirmed: the link in the confirmation email lasts 48 hours, so an address that was
  not confirmed long after that was probably given by someone else, and is kept for nothing;
- unsubscribed: nothing is sent to them again, and the row holds only their address.

Either only once the last confirmation link was also asked for before the cutoff: someone who
unsubscribed a month ago and asks again today has a link that must still work tomorrow.

Invitations that came from a subscription keep working: they point at it with ON DELETE SET
NULL, and only lose the subscription's unsubscribe link, which no longer has anything to stop.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import delete, func

from engage.clock import utcnow
from engage.extensions import db
from engage.news.models import NewsSubscription


def delete_stale(now: datetime | None = None) -> int:
    """Delete unconfirmed and unsubscribed subscriptions past the retention time. Adds and
    flushes; the caller commits. Returns how many were deleted."""
    before = (now or utcnow()) - timedelta(days=current_app.config["ENGAGE_NEWS_RETENTION_DAYS"])
    asked = func.coalesce(NewsSubscription.last_requested_at, NewsSubscription.created_at)
    stale = (((NewsSubscription.confirmed_at.is_(None) & (NewsSubscription.created_at < before))
              | (NewsSubscription.unsubscribed_at < before))
             & (asked < before))
    return db.session.execute(delete(NewsSubscription).where(stale)).rowcount
