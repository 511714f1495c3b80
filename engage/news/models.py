"""People who asked for news of a borough's policing meetings, with or without an account.

A subscription counts only once its address is confirmed (double opt-in) and until it is
unsubscribed. One row per borough and address (kept lower-case): asking again reuses it.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from engage.boroughs.models import Borough
from engage.clock import utcnow
from engage.extensions import db
from engage.surveys.models import Consultation


class NewsSubscription(db.Model):
    __tablename__ = "news_subscriptions"
    __table_args__ = (UniqueConstraint("borough_id", "email"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    borough_id: Mapped[int] = mapped_column(ForeignKey("boroughs.id", ondelete="CASCADE"))
    email: Mapped[str] = mapped_column(String(254))
    name: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    confirmed_at: Mapped[datetime | None]
    unsubscribed_at: Mapped[datetime | None]
    # The last time a confirmation link was asked for (asking again reuses the row), so
    # retention never deletes a row whose link may still be followed. NULL on rows from before
    # the column: created_at stands in.
    last_requested_at: Mapped[datetime | None] = mapped_column(default=utcnow)

    borough: Mapped[Borough] = relationship()

    @property
    def is_active(self) -> bool:
        return self.confirmed_at is not None and self.unsubscribed_at is None

    @classmethod
    def active(cls):
        """The SQL condition for a subscription that receives news."""
        return cls.confirmed_at.is_not(None) & cls.unsubscribed_at.is_(None)


class ResultsRequest(db.Model):
    """Someone who asked to be emailed once, when a borough's report of a consultation is
    published: "what you told us, and what the police will do". Like a news subscription it
    counts only once its address is confirmed; unlike one, it is deleted as soon as that one
    email is queued, or once it can no longer come (engage.news.results)."""

    __tablename__ = "results_requests"
    __table_args__ = (UniqueConstraint("consultation_id", "borough_id", "email"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    consultation_id: Mapped[int] = mapped_column(
        ForeignKey("consultations.id", ondelete="CASCADE"))
    borough_id: Mapped[int] = mapped_column(ForeignKey("boroughs.id", ondelete="CASCADE"))
    email: Mapped[str] = mapped_column(String(254))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # The last time a confirmation link was asked for: retention keeps the row while it works.
    last_requested_at: Mapped[datetime] = mapped_column(default=utcnow)
    confirmed_at: Mapped[datetime | None]

    borough: Mapped[Borough] = relationship()
    consultation: Mapped[Consultation] = relationship()
