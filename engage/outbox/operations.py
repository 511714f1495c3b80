from __future__ import annotations

from datetime import timedelta

from flask import current_app
from sqlalchemy import select, update

from engage.clock import utcnow
from engage.extensions import db
from engage.outbox.models import OutboxMessage, OutboxStatus
from engage.tasks import send_after_commit


def queue_email(recipient: str, template: str, **context) -> OutboxMessage:
    """Add an email to the outbox. It is sent by a worker once the caller's transaction commits.

    `template` names templates/email/<template>.txt (the subject is its first line).
    `context` must be JSON: ids, names and absolute URLs, never ORM objects.
    """
    from engage.outbox.tasks import send_email

    now = utcnow()
    message = OutboxMessage(
        recipient=recipient, template=template, context=context,
        status=OutboxStatus.PENDING, due_at=now, queued_at=now,
    )
    db.session.add(message)
    db.session.flush()
    send_after_commit(send_email, message.id)
    return message


def retry_delay(attempts: int) -> timedelta:
    """Exponential backoff: base, 4x base, 16x base... capped at six hours."""
    base = current_app.config["ENGAGE_EMAIL_RETRY_BASE_SECONDS"]
    return timedelta(seconds=min(base * 4 ** max(attempts - 1, 0), 6 * 3600))


def requeue_failed(message: OutboxMessage) -> None:
    """An administrator's 'try again' on a failed message: a fresh set of attempts."""
    from engage.outbox.tasks import send_email

    now = utcnow()
    message.status = OutboxStatus.PENDING
    message.attempts = 0
    message.due_at = now
    message.queued_at = now
    send_after_commit(send_email, message.id)


def claim(message_id: int) -> bool:
    """Atomically move a due message from pending to sending. False: someone else has it."""
    now = utcnow()
    result = db.session.execute(
        update(OutboxMessage)
        .where(
            OutboxMessage.id == message_id,
            OutboxMessage.status == OutboxStatus.PENDING,
            OutboxMessage.due_at <= now,
        )
        .values(status=OutboxStatus.SENDING, claimed_at=now,
                attempts=OutboxMessage.attempts + 1)
    )
    db.session.commit()
    return result.rowcount == 1


def due_for_queueing(limit: int = 500) -> list[int]:
    """Messages a worker should have by now but that no broker holds for sure.

    Pending rows whose last hand-over to the broker is older than the grace period (lost with a
    broker restart, or waiting out a retry delay), and rows stuck in `sending` past the lease
    (their worker died mid-send), which go back to pending.
    """
    config = current_app.config
    now = utcnow()
    grace = now - timedelta(seconds=config["ENGAGE_OUTBOX_GRACE_SECONDS"])
    lease = now - timedelta(seconds=config["ENGAGE_OUTBOX_LEASE_SECONDS"])
    db.session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.status == OutboxStatus.SENDING, OutboxMessage.claimed_at < lease)
        .values(status=OutboxStatus.PENDING, last_error="worker stopped while sending")
    )
    ids = list(db.session.scalars(
        select(OutboxMessage.id)
        .where(
            OutboxMessage.status == OutboxStatus.PENDING,
            OutboxMessage.due_at <= now,
            (OutboxMessage.queued_at.is_(None)) | (OutboxMessage.queued_at < grace),
        )
        .order_by(OutboxMessage.id)
        .limit(limit)
    ))
    if ids:
        db.session.execute(
            update(OutboxMessage).where(OutboxMessage.id.in_(ids)).values(queued_at=now)
        )
    return ids
