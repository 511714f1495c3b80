from __future__ import annotations

import logging

from celery import shared_task
from flask import current_app

from engage.clock import utcnow
from engage.email import PermanentEmailError, deliver, render
from engage.extensions import db
from engage.locks import held
from engage.outbox.models import OutboxMessage, OutboxStatus
from engage.outbox.operations import claim, due_for_queueing, retry_delay
from engage.tasks import dispatch

log = logging.getLogger(__name__)


@shared_task(name="engage.outbox.send_email", acks_late=True)
def send_email(message_id: int) -> str:
    """Send one outbox message, once.

    The claim (pending -> sending, in one UPDATE) is the guard: a duplicate delivery of this task,
    or a second worker, finds nothing to claim and stops. A failure that may pass puts the row back
    to pending with a later due_at; the beat sweeper queues it again then, so long delays live in
    the database rather than in the broker.
    """
    if not claim(message_id):
        return "skipped"
    message = db.session.get(OutboxMessage, message_id)
    try:
        deliver(render(message))
    except PermanentEmailError as exc:
        _fail(message, str(exc))
        return "failed"
    except Exception as exc:  # noqa: BLE001 - server down, timeouts, 4xx: all worth retrying
        if message.attempts >= current_app.config["ENGAGE_EMAIL_MAX_ATTEMPTS"]:
            _fail(message, f"gave up after {message.attempts} attempts: {exc!r}")
            return "failed"
        message.status = OutboxStatus.PENDING
        message.last_error = repr(exc)[:2000]
        message.due_at = utcnow() + retry_delay(message.attempts)
        message.queued_at = None
        db.session.commit()
        log.info("email %s not sent (attempt %s): %r", message_id, message.attempts, exc)
        return "retry"
    message.status = OutboxStatus.SENT
    message.sent_at = utcnow()
    message.last_error = None
    db.session.commit()
    return "sent"


def _fail(message: OutboxMessage, error: str) -> None:
    message.status = OutboxStatus.FAILED
    message.last_error = error[:2000]
    db.session.commit()
    log.error("email %s failed: %s", message.id, error)


@shared_task(name="engage.periodic.sweep_outbox")
def sweep_outbox() -> int:
    """Queue again every message a worker should have had by now (see due_for_queueing).

    Returns how many it queued, or -1 when another sweep is still running.
    """
    with held("sweep-outbox", seconds=300) as mine:
        if not mine:
            return -1
        ids = due_for_queueing()
        db.session.commit()
        for message_id in ids:
            dispatch(send_email.name, (message_id,))
        return len(ids)
