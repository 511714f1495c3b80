from __future__ import annotations

from flask_login import current_user

from engage.audit.models import AuditEvent
from engage.boroughs.models import Borough
from engage.extensions import db


def record(action: str, *, borough: Borough | None = None, target: str | None = None,
           actor=None, **details) -> AuditEvent:
    """Add an audit event to the current transaction: it commits (or not) with the change."""
    actor = actor if actor is not None else current_user
    signed_in = actor is not None and getattr(actor, "is_authenticated", False)
    event = AuditEvent(
        actor_id=actor.id if signed_in else None,
        actor_label=f"{actor.name} <{actor.email}>" if signed_in else "system",
        action=action,
        borough_id=borough.id if borough else None,
        target=target,
        details=details,
    )
    db.session.add(event)
    return event
