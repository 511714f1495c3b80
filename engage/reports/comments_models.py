"""Flags on free-text comments that someone on the staff should follow up.

One row per flagged answer (answer_id is unique), made by collation when a comment matches a rule
in engage.reports.flags: collation inserts the rows that are missing and leaves the rest alone,
so re-running adds nothing and never undoes a follow-up. The consultation and borough are
copied from the answer so a borough's count of flags waiting is one short index range.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    CheckConstraint,
    ForeignKey,
    Index,
    String,
    Text,
    func,
    select,
    update,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from engage.audit.operations import record
from engage.auth.models import User
from engage.boroughs.models import Borough
from engage.clock import utcnow
from engage.extensions import db
from engage.groups.models import LabelledEnum, _enum
from engage.surveys.models import Answer, BigId


class FlagCategory(LabelledEnum):
    SAFEGUARDING = "safeguarding", "Safeguarding concern"
    CRIME = "crime", "Reads like a crime report"


REASON_LENGTH = 200
MATCHED_LENGTH = 200
NOTE_LENGTH = 2000


class CommentFlag(db.Model):
    __tablename__ = "comment_flags"
    __table_args__ = (
        Index("ix_comment_flags_waiting", "consultation_id", "borough_id", "followed_up_at"),
        CheckConstraint("followed_up_by_id IS NULL OR followed_up_at IS NOT NULL",
                        name="followed_up_has_a_time"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    answer_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("answers.id", ondelete="CASCADE"), unique=True)
    consultation_id: Mapped[int] = mapped_column(
        ForeignKey("consultations.id", ondelete="CASCADE"))
    borough_id: Mapped[int | None] = mapped_column(ForeignKey("boroughs.id", ondelete="SET NULL"))
    category: Mapped[FlagCategory] = mapped_column(_enum(FlagCategory, 20))
    reason: Mapped[str] = mapped_column(String(REASON_LENGTH))
    matched: Mapped[str] = mapped_column(String(MATCHED_LENGTH))  # the words that matched
    flagged_at: Mapped[datetime] = mapped_column(default=utcnow)  # naive UTC
    # Set together when someone marks it followed up; the person may later be deleted (NULL),
    # the time stays, and the audit log keeps their name.
    followed_up_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"))
    followed_up_at: Mapped[datetime | None]
    note: Mapped[str] = mapped_column(Text, default="")

    answer: Mapped[Answer] = relationship()
    borough: Mapped[Borough | None] = relationship()
    followed_up_by: Mapped[User | None] = relationship()

    @property
    def followed_up(self) -> bool:
        return self.followed_up_at is not None


# Operations ------------------------------------------------------------------------------------

def waiting_count(consultation_id: int, borough_id: int | None) -> int:
    """Flags not followed up yet: one borough's, or (None) every flag of the consultation."""
    query = select(func.count(CommentFlag.id)).where(
        CommentFlag.consultation_id == consultation_id, CommentFlag.followed_up_at.is_(None))
    if borough_id is not None:
        query = query.where(CommentFlag.borough_id == borough_id)
    return db.session.scalar(query) or 0


def mark_followed_up(flag: CommentFlag, by: User, note: str) -> bool:
    """Record who followed the flag up, when, and their note, in the audit log too. Returns
    False (and changes nothing) when someone already has, even a moment ago in another
    request: the UPDATE only touches a flag still waiting, so two people at once cannot
    overwrite each other."""
    if flag.followed_up:
        return False
    done = db.session.execute(
        update(CommentFlag)
        .where(CommentFlag.id == flag.id, CommentFlag.followed_up_at.is_(None))
        .values(followed_up_by_id=by.id, followed_up_at=utcnow(), note=note)
        .execution_options(synchronize_session=False))
    db.session.refresh(flag)
    if done.rowcount != 1:
        return False
    # The note stays out of the audit log: it may repeat what the comment says.
    record("report.comment_followed_up", borough=flag.borough, actor=by,
           target=f"comment-flag:{flag.id}", category=flag.category.value,
           with_note=bool(note))
    return True
