from __future__ import annotations

import logging
import smtplib

from celery import shared_task
from flask import current_app
from sqlalchemy import select

from engage.clock import utcnow
from engage.email import PermanentEmailError, connect, deliver, disconnect, render
from engage.extensions import db
from engage.locks import held
from engage.outbox.models import OutboxMessage, OutboxStatus
from engage.outbox.operations import claim, due_for_queueing, retry_delay
from engage.tasks import dispatch

log = logging.getLogger(__name__)
SWEEP_CHUNK = 100


@shared_task(name="engage.outbox.send_email", acks_late=True)
def send_email(message_id: int) -> str:
    """Send one outbox message, once.

    The claim (pending -> sending, in one UPDATE) is the guard: a duplicate delivery of this task,
    or a second worker, finds nothing to claim and stops. A failure that may pass puts the row back
    to pending with a later due_at; the beat sweeper queues it again then, so long delays live in
    the database rather than in the broker.
    """
    return send_emails([message_id])[0]


@shared_task(name="engage.outbox.send_emails", acks_late=True)
def send_emails(message_ids: list[int]) -> list[str]:
    """Send several outbox messages over one SMTP connection, claimed together and settled one
    by one as send_email does. Used for mailings to many people.

    One commit per message: the hand-over of each (see engage.email.deliver) also commits the
    "sent" of the one before, which is safe because a handed-over message is never sent again.
    """
    claimed = set(claim(message_ids))
    messages = {m.id: m for m in db.session.scalars(
        select(OutboxMessage).where(OutboxMessage.id.in_(claimed)))}
    outcomes = []
    smtp = None
    cache: dict = {}
    session = db.session()
    # This task owns the rows it claimed: nothing else changes them while it runs, so there is
    # no need to read them (and the meeting behind a batch) again after every commit.
    expire_on_commit, session.expire_on_commit = session.expire_on_commit, False
    try:
        for message_id in message_ids:
            message = messages.get(message_id)
            if message is None:
                outcomes.append("skipped")
                continue
            try:
                smtp = smtp or connect()
                deliver(render(message, cache), smtp,
                        before_end_of_data=lambda m=message: _handed_over(m))
            except PermanentEmailError as exc:
                outcomes.append(_fail(message, str(exc), exc))
            except Exception as exc:  # noqa: BLE001 - server down, timeouts, 4xx: worth retrying
                disconnect(smtp)
                smtp = None
                outcomes.append(_retry_later(message, exc))
            else:
                message.status = OutboxStatus.SENT
                message.sent_at = utcnow()
                message.last_error = None
                outcomes.append("sent")
    finally:
        db.session.commit()
        session.expire_on_commit = expire_on_commit
        disconnect(smtp)
    return outcomes


def _handed_over(message: OutboxMessage) -> None:
    message.handed_over_at = utcnow()
    db.session.commit()


def _retry_later(message: OutboxMessage, exc: Exception) -> str:
    if message.attempts >= current_app.config["ENGAGE_EMAIL_MAX_ATTEMPTS"]:
        return _fail(message, f"gave up after {message.attempts} attempts: {exc!r}", exc)
    message.status = OutboxStatus.PENDING
    message.handed_over_at = None  # the server answered: it did not take the message
    message.last_error = repr(exc)[:2000]
    message.due_at = utcnow() + retry_delay(message.attempts)
    message.queued_at = None
    db.session.commit()
    log.info("email %s not sent (attempt %s): %s", message.id, message.attempts,
             for_the_log(exc))
    return "retry"


def _fail(message: OutboxMessage, error: str, exc: Exception | None = None) -> str:
    message.status = OutboxStatus.FAILED
    message.last_error = error[:2000]
    db.session.commit()
    log.error("email %s failed: %s", message.id,
              for_the_log(exc) if exc is not None else "see the outbox")
    return "failed"


def for_the_log(exc: Exception) -> str:
    """What went wrong, without the words of the server's answer: smtplib's exceptions carry
    the recipients' addresses (SMTPRecipientsRefused) and servers quote them back, and worker
    logs are kept and read more widely than the outbox, which administrators alone see."""
    code = getattr(exc, "smtp_code", None) or getattr(exc.__cause__, "smtp_code", None)
    if code is None and isinstance(exc.__cause__, smtplib.SMTPRecipientsRefused):
        codes = {answer[0] for answer in exc.__cause__.recipients.values()}
        code = "/".join(str(c) for c in sorted(codes))
    return type(exc).__name__ + (f" {code}" if code else "")


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
        # In chunks, each sent over one SMTP connection: after an outage there may be many.
        for start in range(0, len(ids), SWEEP_CHUNK):
            dispatch(send_emails.name, (ids[start:start + SWEEP_CHUNK],))
        return len(ids)


@shared_task(name="engage.periodic.outbox_retention")
def forget_finished_emails() -> int:
    """Empty the address and contents of emails sent or given up on past the retention time.
    Returns how many were emptied, or -1 when another run is still going."""
    from engage.outbox import retention

    with held("outbox-retention", seconds=1800) as mine:
        if not mine:
            return -1
        return retention.forget_finished()
