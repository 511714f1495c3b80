"""Report snapshots: what the workers collated, and all that report pages read.

One row per (consultation, area), where the area is a borough or London as a whole, replaced
in place by every collation (an upsert on that unique key), so a re-run or a duplicate task
leaves one row with the same figures.

The figures are one JSON document rather than rows of a figures table, because a report is
always read whole, by one page or one download, never queried across; because replacing one
row is atomic on every database without a delete-and-insert dance; and because later slices
(weighting, targets, free text) add figures without a schema change each time. It holds the
raw counts, never shown as they are: engage.reports.published suppresses them for every page
and download, with the threshold in force when they are read.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, CheckConstraint, ForeignKey, String, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from engage.boroughs.models import Borough
from engage.extensions import db
from engage.surveys.models import Consultation

# The ONS code of the London region: the area code of the London-wide report, beside the
# boroughs' own codes (E09...).
LONDON = "E12000007"


class ReportSnapshot(db.Model):
    __tablename__ = "report_snapshots"
    __table_args__ = (
        UniqueConstraint("consultation_id", "area"),
        CheckConstraint(f"(borough_id IS NULL) = (area = '{LONDON}')",
                        name="london_has_no_borough"),
        CheckConstraint("respondents >= 0", name="respondents_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    consultation_id: Mapped[int] = mapped_column(
        ForeignKey("consultations.id", ondelete="CASCADE"))
    # The borough's ONS code, or LONDON.
    area: Mapped[str] = mapped_column(String(9))
    borough_id: Mapped[int | None] = mapped_column(
        ForeignKey("boroughs.id", ondelete="CASCADE"), index=True)
    made_at: Mapped[datetime]  # naive UTC: when the counting ran
    respondents: Mapped[int]
    # True when only verified responses were counted (see collation.counted_responses).
    verified_only: Mapped[bool] = mapped_column(default=False, server_default=false())
    figures: Mapped[dict] = mapped_column(JSON)
    # The collation round (engage.reports.tasks.collate_consultation) that made this borough's
    # snapshot: London adds up the boroughs of one round instead of counting them again. None
    # for an area collated on its own.
    round_id: Mapped[str | None] = mapped_column(String(32))

    consultation: Mapped[Consultation] = relationship()
    borough: Mapped[Borough | None] = relationship()

    @property
    def is_london(self) -> bool:
        return self.area == LONDON
