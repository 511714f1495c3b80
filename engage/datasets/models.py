"""A response file asked for: made by a worker, kept in the database's file store
(engage.storage) for a few days, then deleted, with its row kept for the record."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from engage.auth.models import User
from engage.boroughs.models import Borough
from engage.clock import utcnow
from engage.extensions import db
from engage.groups.models import LabelledEnum, _enum
from engage.surveys.models import Consultation, Questionnaire


class FileStatus(LabelledEnum):
    WAITING = "waiting", "Being made"
    READY = "ready", "Ready"
    FAILED = "failed", "Could not be made"
    DELETED = "deleted", "Deleted"


class ResponseFile(db.Model):
    __tablename__ = "response_files"
    __table_args__ = (
        Index("ix_response_files_borough_id_consultation_id", "borough_id", "consultation_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    consultation_id: Mapped[int] = mapped_column(
        ForeignKey("consultations.id", ondelete="CASCADE"))
    questionnaire_id: Mapped[int] = mapped_column(
        ForeignKey("questionnaires.id", ondelete="CASCADE"))
    # None: London, every response to the questionnaire (administrators only).
    borough_id: Mapped[int | None] = mapped_column(
        ForeignKey("boroughs.id", ondelete="CASCADE"))
    status: Mapped[FileStatus] = mapped_column(_enum(FileStatus, 20), default=FileStatus.WAITING)
    requested_at: Mapped[datetime] = mapped_column(default=utcnow)
    requested_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"))
    made_at: Mapped[datetime | None]
    responses: Mapped[int | None]
    size_bytes: Mapped[int | None]
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    file_name: Mapped[str] = mapped_column(String(200))
    deleted_at: Mapped[datetime | None]

    consultation: Mapped[Consultation] = relationship()
    questionnaire: Mapped[Questionnaire] = relationship()
    borough: Mapped[Borough | None] = relationship()
    requested_by: Mapped[User | None] = relationship()

    @property
    def key(self) -> str:
        """Where the file is kept (engage.storage)."""
        return f"response-files/{self.id}/{self.file_name}"
