"""The last run of each periodic task: a row a task, written by whichever worker ran it."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from engage.extensions import db


class ScheduledJobRun(db.Model):
    __tablename__ = "scheduled_job_runs"

    task: Mapped[str] = mapped_column(String(200), primary_key=True)
    started_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]  # its last run that ended without an error
    failed_at: Mapped[datetime | None]
    # Only the kind of error (such as OperationalError): its message may hold an email
    # address or a name, and the worker's log has the rest.
    failure: Mapped[str | None] = mapped_column(String(200))
