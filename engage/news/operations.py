"""Asking for news of a borough's policing meetings, confirming it, and stopping it.

These add and flush; the view commits. The pages say the same thing whatever the state of the
address, so nobody can use them to find out who has subscribed: what differs is only the email
that goes to the address itself.
"""

from __future__ import annotations

from datetime import datetime

from flask import current_app
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from engage.auth.operations import external_url
from engage.auth.tokens import make_token, read_token
from engage.boroughs.models import Borough
from engage.clock import utcnow
from engage.extensions import db
from engage.forms import normalise_email
from engage.news.models import NewsSubscription
from engage.outbox.operations import LATELY, queue_email, queued_lately

CONFIRM = "news-confirm"
UNSUBSCRIBE = "news-unsubscribe"
# An unsubscribe link must keep working as long as the emails that carry it may be read.
UNSUBSCRIBE_DAYS = 400


def subscription(borough: Borough, email: str) -> NewsSubscription | None:
    return db.session.scalar(select(NewsSubscription).where(
        NewsSubscription.borough_id == borough.id,
        NewsSubscription.email == normalise_email(email)))


def subscribe(borough: Borough, email: str, name: str | None) -> NewsSubscription:
    """Ask for news: a confirmation link goes to the address, or, if it already gets the news,
    an email saying so. Never a second row for the same borough and address."""
    email = normalise_email(email)
    found = subscription(borough, email)
    earlier = found.last_requested_at if found is not None else None
    if found is None:
        found = NewsSubscription(borough_id=borough.id, email=email, name=name or None)
        try:
            with db.session.begin_nested():
                db.session.add(found)
        except IntegrityError:  # the same address asked twice at the same moment
            found = subscription(borough, email)
    # The same form sent twice (the page reads the same either way) sends its email once.
    if found.is_active:
        if not queued_lately(email, "news_already_subscribed", borough=borough.name):
            queue_email(email, "news_already_subscribed", name=found.name or "",
                        borough=borough.name, unsubscribe_url=unsubscribe_url(found.id))
        return found
    asked = utcnow()
    if (earlier is not None and asked - earlier < LATELY
            and (found.unsubscribed_at is None or found.unsubscribed_at < earlier)):
        return found  # a link went a moment ago, and nothing has changed since
    if name and not found.name:
        found.name = name
    found.last_requested_at = asked
    token = make_token(CONFIRM, {"s": found.id, "e": email, "t": asked.isoformat()})
    queue_email(email, "news_confirm", name=found.name or "", borough=borough.name,
                confirm_url=external_url("news.confirm", token=token),
                hours=current_app.config["ENGAGE_TOKEN_MAX_AGE_HOURS"])
    db.session.flush()
    return found


def confirm(token: str) -> NewsSubscription | None:
    """Apply a confirmation link: None if it is bad, expired, or older than an unsubscribe."""
    payload = read_token(CONFIRM, token)
    if payload is None:
        return None
    found = db.session.get(NewsSubscription, payload.get("s"))
    if found is None or found.email != payload.get("e"):
        return None
    try:
        asked = datetime.fromisoformat(payload.get("t", ""))
    except ValueError:
        return None
    if found.unsubscribed_at is not None:
        if found.unsubscribed_at >= asked:
            return None  # they stopped the news after asking: only a new request starts it
        found.unsubscribed_at = None
        found.confirmed_at = utcnow()  # subscribed afresh
    found.confirmed_at = found.confirmed_at or utcnow()
    return found


def unsubscribe_url(subscription_id: int) -> str:
    return external_url("news.unsubscribe",
                        token=make_token(UNSUBSCRIBE, {"s": subscription_id}))


def subscription_for_unsubscribe(token: str) -> NewsSubscription | None:
    payload = read_token(UNSUBSCRIBE, token, max_age_hours=24 * UNSUBSCRIBE_DAYS)
    return db.session.get(NewsSubscription, payload.get("s")) if payload else None


def forgotten(token: str) -> bool:
    """Whether `token` is a real unsubscribe link whose subscription is no longer kept: deleted
    by engage.news.retention after it was stopped (or never confirmed), so nothing is sent."""
    return read_token(UNSUBSCRIBE, token, max_age_hours=24 * UNSUBSCRIBE_DAYS) is not None


def unsubscribe(found: NewsSubscription) -> None:
    found.unsubscribed_at = found.unsubscribed_at or utcnow()
    db.session.flush()
