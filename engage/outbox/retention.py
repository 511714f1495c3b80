"""Forgetting what emails said once they are done with (ENGAGE_OUTBOX_RETENTION_DAYS, 30 by
default).

A sent or failed message holds a person's address and what was written to them (their name,
their meeting, their personal links). Once it has been sent, or given up on, nothing needs that
again. The row itself stays, emptied: mailings count their messages sent and failed by joining
these rows, and those counts are history worth keeping. Pending and claimed messages are never
touched, whatever their age, and an emptied message can no longer be retried.

Emptied a batch at a time, each batch committed, so the table is never locked for long and a
run stopped part way simply continues the next night.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import func, select, update

from engage.clock import utcnow
from engage.extensions import db
from engage.outbox.models import OutboxMessage, OutboxStatus

BATCH = 5000
DELETED = "(deleted)"


def forget_finished(now: datetime | None = None, batch: int = BATCH) -> int:
    """Empty sent and failed messages past the retention time, committing each batch.
    Returns how many were emptied."""
    now = now or utcnow()
    before = now - timedelta(days=current_app.config["ENGAGE_OUTBOX_RETENTION_DAYS"])
    due = (OutboxMessage.status.in_([OutboxStatus.SENT, OutboxStatus.FAILED])
           & (func.coalesce(OutboxMessage.sent_at, OutboxMessage.created_at) < before)
           & OutboxMessage.details_deleted_at.is_(None))
    emptied, last_id = 0, 0
    while True:
        # Keyset pagination: each batch starts after the last one, so a large backlog is not
        # scanned again from the start for every batch.
        ids = db.session.scalars(select(OutboxMessage.id).where(due, OutboxMessage.id > last_id)
                                 .order_by(OutboxMessage.id).limit(batch)).all()
        if not ids:
            return emptied
        last_id = ids[-1]
        # `due` again: an admin may have requeued one of these since the select, and a message
        # waiting to be sent must keep its address. An SMTP error can quote the address, so it
        # goes too.
        emptied += db.session.execute(
            update(OutboxMessage).where(OutboxMessage.id.in_(ids), due)
            .values(recipient=DELETED, context={}, last_error=None, details_deleted_at=now)
            .execution_options(synchronize_session=False)
        ).rowcount
        db.session.commit()
