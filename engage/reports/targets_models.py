"""What staff add to a borough's report, and what an officer makes public.

Per (consultation, borough):

- `ReportTargets`: the public confidence target and the confidence-gap target, in percent and
  percentage points (the seed: 51.4% and 3.8 points).
- `CrimeFigureUpload` and its `CrimeFigure` rows: the borough's performance against last year's
  targets, as uploaded (one upload per borough and consultation; replacing it is explicit).
- `PlannedPriority`: next year's priorities and targets, in order ("You said, we did").
- `ReportPublication`: what the public report shows. Publishing copies the snapshot's raw
  figures and everything above into the row, so later counts and edits change nothing public
  until an officer publishes again; unpublishing deletes the row (the audit log keeps both).
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import (
    JSON,
    CheckConstraint,
    ForeignKey,
    Numeric,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from engage.auth.models import User
from engage.boroughs.models import Borough
from engage.clock import utcnow
from engage.extensions import db
from engage.surveys.models import Consultation

CRIME_TYPE_LENGTH = 120
TARGET_LENGTH = 200


def _consultation_fk() -> Mapped[int]:
    return mapped_column(ForeignKey("consultations.id", ondelete="CASCADE"))


def _borough_fk() -> Mapped[int]:
    return mapped_column(ForeignKey("boroughs.id", ondelete="CASCADE"), index=True)


class ReportTargets(db.Model):
    __tablename__ = "report_targets"
    __table_args__ = (
        UniqueConstraint("consultation_id", "borough_id"),
        CheckConstraint("confidence_target IS NULL OR "
                        "(confidence_target >= 0 AND confidence_target <= 100)",
                        name="confidence_target_is_a_percentage"),
        CheckConstraint("gap_target IS NULL OR (gap_target >= 0 AND gap_target <= 100)",
                        name="gap_target_is_percentage_points"),
        CheckConstraint("feeling_safe_target IS NULL OR "
                        "(feeling_safe_target >= 0 AND feeling_safe_target <= 100)",
                        name="feeling_safe_target_is_a_percentage"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    consultation_id: Mapped[int] = _consultation_fk()
    borough_id: Mapped[int] = _borough_fk()
    confidence_target: Mapped[Decimal | None] = mapped_column(Numeric(4, 1))  # percent
    gap_target: Mapped[Decimal | None] = mapped_column(Numeric(4, 1))  # percentage points
    feeling_safe_target: Mapped[Decimal | None] = mapped_column(Numeric(4, 1))  # percent
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"))


class CrimeFigureUpload(db.Model):
    __tablename__ = "crime_figure_uploads"
    __table_args__ = (UniqueConstraint("consultation_id", "borough_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    consultation_id: Mapped[int] = _consultation_fk()
    borough_id: Mapped[int] = _borough_fk()
    # The year the figures are for, as people write it: "2009/10".
    period: Mapped[str] = mapped_column(String(20))
    filename: Mapped[str] = mapped_column(String(255))
    uploaded_at: Mapped[datetime] = mapped_column(default=utcnow)
    uploaded_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"))

    uploaded_by: Mapped[User | None] = relationship()
    figures: Mapped[list[CrimeFigure]] = relationship(
        back_populates="upload", order_by="CrimeFigure.line",
        cascade="all, delete-orphan", passive_deletes=True)


class CrimeFigure(db.Model):
    """One line of the table: "Residential burglary, 89 offences or -8.8%, target achieved"."""

    __tablename__ = "crime_figures"
    __table_args__ = (
        UniqueConstraint("upload_id", "crime_type"),
        UniqueConstraint("upload_id", "line"),
        # The offences and the percentage move the same way (or one of them is nil).
        CheckConstraint("change_in_offences * percentage_change >= 0",
                        name="change_has_one_direction"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    upload_id: Mapped[int] = mapped_column(
        ForeignKey("crime_figure_uploads.id", ondelete="CASCADE"))
    line: Mapped[int]  # in the uploaded file, which is also the table's order
    crime_type: Mapped[str] = mapped_column(String(CRIME_TYPE_LENGTH))
    change_in_offences: Mapped[int]  # negative: fewer offences than the year before
    percentage_change: Mapped[Decimal] = mapped_column(Numeric(7, 2))
    target: Mapped[str] = mapped_column(String(TARGET_LENGTH), default="")
    achieved: Mapped[bool]

    upload: Mapped[CrimeFigureUpload] = relationship(back_populates="figures")


class PlannedPriority(db.Model):
    __tablename__ = "planned_priorities"
    __table_args__ = (
        UniqueConstraint("consultation_id", "borough_id", "position"),
        # Reordering parks a row at minus its place for a moment (see targets.move).
        CheckConstraint("position <> 0", name="position_not_zero"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    consultation_id: Mapped[int] = _consultation_fk()
    borough_id: Mapped[int] = _borough_fk()
    position: Mapped[int]
    # The consultation's priority option it answers, or None for one staff wrote in.
    option_value: Mapped[str | None] = mapped_column(String(100))
    title: Mapped[str] = mapped_column(String(TARGET_LENGTH))
    target: Mapped[str] = mapped_column(Text, default="")


class ReportPublication(db.Model):
    __tablename__ = "report_publications"
    __table_args__ = (UniqueConstraint("consultation_id", "borough_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    consultation_id: Mapped[int] = _consultation_fk()
    borough_id: Mapped[int] = _borough_fk()
    published_at: Mapped[datetime]
    published_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"))
    counted_at: Mapped[datetime]  # the snapshot's made_at
    figures: Mapped[dict] = mapped_column(JSON)  # the snapshot's raw counts, as they were
    # Targets, crime figures and planned priorities as they were: see targets.pinned_content.
    content: Mapped[dict] = mapped_column(JSON)

    consultation: Mapped[Consultation] = relationship()
    borough: Mapped[Borough] = relationship()
