from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import JSON, Enum, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from engage.clock import utcnow
from engage.extensions import db


class OutboxStatus(enum.StrEnum):
    PENDING = "pending"  # waiting to be sent (first time, or again after a failure)
    SENDING = "sending"  # claimed by a worker
    SENT = "sent"
    FAILED = "failed"  # gave up: out of attempts, or an error retrying cannot fix

    @property
    def label(self) -> str:
        """The status as the outbox page says it."""
        return OUTBOX_STATUS_LABELS[self]


OUTBOX_STATUS_LABELS = {
    OutboxStatus.PENDING: "Waiting to be sent",
    OutboxStatus.SENDING: "Sending",
    OutboxStatus.SENT: "Sent",
    OutboxStatus.FAILED: "Failed",
}


class OutboxMessage(db.Model):
    """One email. Committed before any worker hears of it; sent at most once by the status guard."""

    __tablename__ = "outbox_messages"
    __table_args__ = (Index("ix_outbox_messages_status_due_at", "status", "due_at"),
                      # queued_lately: what went to one address in the last minute
                      Index("ix_outbox_messages_recipient_created_at", "recipient",
                            "created_at"))

    id: Mapped[int] = mapped_column(primary_key=True)
    recipient: Mapped[str] = mapped_column(String(254))
    template: Mapped[str] = mapped_column(String(100))
    context: Mapped[dict] = mapped_column(JSON, default=dict)
    status: Mapped[OutboxStatus] = mapped_column(
        Enum(OutboxStatus, native_enum=False, length=10,
             values_callable=lambda e: [m.value for m in e]),
        default=OutboxStatus.PENDING,
    )
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # When it may next be tried, and when it was last handed to the broker.
    due_at: Mapped[datetime]
    # Set on messages queued together (a mailing's batch), so they are written in one statement
    # and read back by one query.
    batch_key: Mapped[str | None] = mapped_column(String(32), index=True)
    queued_at: Mapped[datetime | None]
    claimed_at: Mapped[datetime | None]
    # Committed just before the SMTP end-of-data marker: past this point the server may have the
    # message, so a worker that dies now must not leave it to be sent again (see engage.email).
    handed_over_at: Mapped[datetime | None]
    sent_at: Mapped[datetime | None]
    # When the address and contents were emptied, a while after it was sent or given up on
    # (engage.outbox.retention): the row stays for the counts of sent and failed.
    details_deleted_at: Mapped[datetime | None]
