"""Paper keyed in twice, when a consultation asks for double keying.

Each clerk's keying of a returned form is a `KeyedEntry`: the answers as that clerk read them,
already checked. The database makes the rules impossible to break: a clerk keys a reference
once (unique reference and clerk), and a reference is keyed at most twice (unique reference and
round, round 1 or 2), so two clerks saving the first keying at the same moment cannot both be
first. When the two entries agree the response is stored and the entries are deleted (the audit
log keeps who keyed it); when they differ they wait for a supervisor.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, CheckConstraint, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from engage.auth.models import User
from engage.clock import utcnow
from engage.extensions import db
from engage.mailouts.models import PaperRequest


class KeyedEntry(db.Model):
    __tablename__ = "paper_keyed_entries"
    __table_args__ = (
        UniqueConstraint("reference", "clerk_id"),
        UniqueConstraint("reference", "round"),
        CheckConstraint("round IN (1, 2)", name="first_or_second"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # The printed reference (engage.surveys.references format, normalised).
    reference: Mapped[str] = mapped_column(
        String(16), ForeignKey("paper_requests.reference", ondelete="CASCADE"), index=True)
    round: Mapped[int]
    clerk_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    # {question key: canonical answer} as engage.surveys.questions.check_all returned them.
    answers: Mapped[dict] = mapped_column(JSON, default=dict)
    # The paper's equality-monitoring consent box was ticked.
    equality_consent: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    clerk: Mapped[User] = relationship()
    request: Mapped[PaperRequest] = relationship()
