from __future__ import annotations

import uuid
from datetime import timedelta

from flask import current_app
from sqlalchemy import func, insert, select, update

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


# A public form sent twice (a double click without JavaScript, a browser retry) sends its email
# once: long enough for a retry, short enough that someone asking again later gets a new one.
LATELY = timedelta(seconds=60)


def queued_lately(recipient: str, *templates: str, within: timedelta = LATELY,
                  **about) -> bool:
    """Whether an email from `templates` was queued to `recipient` within `within` (LATELY
    unless told), about the same thing (`about`: context values it must have, like the
    meeting's address). For the public forms whose page reads the same whether or not an email
    went (so skipping one reveals nothing): the second of two sendings finds the first's email
    and queues none; and for alerts sent once in a rate limit's window."""
    recent = db.session.scalars(
        select(OutboxMessage.context).where(OutboxMessage.recipient == recipient,
                                            OutboxMessage.template.in_(templates),
                                            OutboxMessage.created_at > utcnow() - within))
    return any(all(context.get(key) == value for key, value in about.items())
               for context in recent)


def queue_emails(messages: list[tuple[str, str, dict]]) -> dict[str, int]:
    """Add many emails at once — (recipient, template, context) each, one per recipient — and
    one task to send them all over a single SMTP connection once the caller commits.

    Two statements whatever the number: one multi-row INSERT, one SELECT of the new ids.
    Returns {recipient: outbox message id}.
    """
    from engage.outbox.tasks import send_emails

    if not messages:
        return {}
    now, key = utcnow(), uuid.uuid4().hex
    db.session.execute(insert(OutboxMessage), [
        {"recipient": recipient, "template": template, "context": context,
         "status": OutboxStatus.PENDING, "attempts": 0, "due_at": now, "queued_at": now,
         "batch_key": key}
        for recipient, template, context in messages])
    ids = dict(db.session.execute(select(OutboxMessage.recipient, OutboxMessage.id)
                                  .where(OutboxMessage.batch_key == key)).all())
    send_after_commit(send_emails, sorted(ids.values()))
    return ids


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


# What a message sent and lost in the same instant says. Exactly once cannot be had over SMTP: a
# worker killed between recording the hand-over and the server's "250" leaves a message the
# server may or may not have. engage counts it sent (never twice) and says so on the row, where
# the outbox page shows it, so someone can check with the recipient.
STOPPED_AFTER_HAND_OVER = ("worker stopped just after the server was given the message; "
                           "counted as sent")


def claim(message_ids: list[int]) -> list[int]:
    """Atomically move due messages from pending to sending, in one UPDATE, and commit. Returns
    the ids this caller now holds: any other worker, or a second delivery of the same task,
    finds them claimed and leaves them alone."""
    now = utcnow()
    claimed = db.session.scalars(
        update(OutboxMessage)
        .where(
            OutboxMessage.id.in_(message_ids),
            OutboxMessage.status == OutboxStatus.PENDING,
            OutboxMessage.due_at <= now,
        )
        .values(status=OutboxStatus.SENDING, claimed_at=now,
                attempts=OutboxMessage.attempts + 1)
        .returning(OutboxMessage.id)
        .execution_options(synchronize_session=False)
    ).all()
    db.session.commit()
    return sorted(claimed)


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
    # A worker died mid-send. Before the hand-over the server discarded the message: send it
    # again. After it, the server almost surely has it: count it sent, and say so, rather than
    # risk a second copy.
    abandoned = (OutboxMessage.status == OutboxStatus.SENDING) & (OutboxMessage.claimed_at < lease)
    db.session.execute(
        update(OutboxMessage)
        .where(abandoned, OutboxMessage.handed_over_at.is_(None))
        .values(status=OutboxStatus.PENDING, last_error="worker stopped while sending")
    )
    db.session.execute(
        update(OutboxMessage)
        .where(abandoned, OutboxMessage.handed_over_at.is_not(None))
        .values(status=OutboxStatus.SENT, sent_at=OutboxMessage.handed_over_at,
                last_error=STOPPED_AFTER_HAND_OVER)
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


def failed_to_send() -> int:
    """Emails given up on that can still be sent again (their details not yet deleted), for
    administrators' staff home."""
    return db.session.scalar(
        select(func.count()).select_from(OutboxMessage)
        .where(OutboxMessage.status == OutboxStatus.FAILED,
               OutboxMessage.details_deleted_at.is_(None)))
