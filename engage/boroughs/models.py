from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, UniqueConstraint, select
from sqlalchemy.orm import Mapped, mapped_column

from engage.clock import utcnow
from engage.extensions import db


class Borough(db.Model):
    """One of the 32 London boroughs policed by the Met (the City of London has its own force)."""

    __tablename__ = "boroughs"

    id: Mapped[int] = mapped_column(primary_key=True)
    ons_code: Mapped[str] = mapped_column(String(9), unique=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    slug: Mapped[str] = mapped_column(String(100), unique=True)
    # Public contact for the borough's engagement team, shown on its public page.
    contact_email: Mapped[str | None] = mapped_column(String(254))
    contact_phone: Mapped[str | None] = mapped_column(String(40))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    def __repr__(self) -> str:
        return f"<Borough {self.ons_code} {self.name}>"


def all_boroughs() -> list[Borough]:
    return list(db.session.scalars(select(Borough).order_by(Borough.name)))


def borough_choices() -> list[tuple[str, str]]:
    return [(b.slug, b.name) for b in all_boroughs()]


class PopulationFigure(db.Model):
    """How many of a borough's people fall in one category of one dimension (for example
    ethnic_group / black), from a named source: the yardstick groups and reports are held to.
    The 2011 Census ethnic groups are loaded with the boroughs; administrators can upload others.
    """

    __tablename__ = "population_figures"
    __table_args__ = (UniqueConstraint("borough_id", "dimension", "category"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    borough_id: Mapped[int] = mapped_column(ForeignKey("boroughs.id", ondelete="CASCADE"))
    dimension: Mapped[str] = mapped_column(String(30))
    category: Mapped[str] = mapped_column(String(30))
    count: Mapped[int]
    source: Mapped[str] = mapped_column(String(200))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
