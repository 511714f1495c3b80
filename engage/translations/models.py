"""Translations, kept as {English: translation} (see engage.translations)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from engage.auth.models import User
from engage.clock import utcnow
from engage.extensions import db


class PhraseTranslation(db.Model):
    """The service's phrases (engage/translations/phrases.pot) in one language, for the whole
    platform: an administrator's upload."""

    __tablename__ = "phrase_translations"

    language: Mapped[str] = mapped_column(String(20), primary_key=True)  # BCP 47
    texts: Mapped[dict] = mapped_column(JSON, default=dict)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    updated_by: Mapped[User | None] = relationship()


class ContentTranslation(db.Model):
    """One questionnaire's own words in one language, through all its versions: the words of a
    new version that were already there keep their translation."""

    __tablename__ = "content_translations"
    __table_args__ = (UniqueConstraint("questionnaire_id", "language"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    questionnaire_id: Mapped[int] = mapped_column(
        ForeignKey("questionnaires.id", ondelete="CASCADE"))
    language: Mapped[str] = mapped_column(String(20))  # BCP 47
    texts: Mapped[dict] = mapped_column(JSON, default=dict)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    updated_by: Mapped[User | None] = relationship()
