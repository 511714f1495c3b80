"""Emailing invitations to answer a questionnaire, reminders, and opting out of them.

A SurveyMailing (an invitation or a reminder to one list) is committed before any worker hears
of it; each person it reaches gets a SurveyMailingDelivery row, written in the same transaction
as their outbox message. The delivery is unique per invitee and kind, so nobody can ever get
two invitations, or two reminders, from one list, whatever the workers do. A SurveyOptOut
stops every later consultation mailing to an address.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    CheckConstraint,
    ForeignKey,
    ForeignKeyConstraint,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from engage.auth.models import User
from engage.clock import utcnow
from engage.extensions import db
from engage.groups.models import LabelledEnum, _enum
from engage.surveys.models import InviteeList


class SurveyMailingKind(LabelledEnum):
    INVITATION = "invitation", "Invitation"
    REMINDER = "reminder", "Reminder"


class SurveyMailing(db.Model):
    """One email to the people of a list: an invitation to those not yet invited, or a reminder
    to those invited at least some days ago who have not answered."""

    __tablename__ = "survey_mailings"
    __table_args__ = (
        UniqueConstraint("list_id", "kind", "number"),
        # The target of the deliveries' (mailing, kind) key, which keeps their kinds in step.
        UniqueConstraint("id", "kind"),
        CheckConstraint("number >= 1", name="number_positive"),
        CheckConstraint("kind = 'invitation' OR invited_before IS NOT NULL",
                        name="reminder_has_cutoff"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    list_id: Mapped[int] = mapped_column(
        ForeignKey("survey_invitee_lists.id", ondelete="CASCADE"), index=True)
    kind: Mapped[SurveyMailingKind] = mapped_column(_enum(SurveyMailingKind, 20))
    number: Mapped[int]  # 1, 2... per list and kind
    # A reminder goes only to people whose invitation was queued at or before this time.
    invited_before: Mapped[datetime | None]
    # The invitation an automatic reminder follows: unique, so beat opens it once.
    follows_id: Mapped[int | None] = mapped_column(
        ForeignKey("survey_mailings.id", ondelete="SET NULL"), unique=True)
    recipients: Mapped[int] = mapped_column(default=0)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None]

    invitee_list: Mapped[InviteeList] = relationship()
    created_by: Mapped[User | None] = relationship()

    @property
    def automatic(self) -> bool:
        return self.follows_id is not None


class SurveyMailingDelivery(db.Model):
    """That one mailing has been queued for one invitee. Unique per invitee and kind: one
    invitation and at most one reminder per person on a list."""

    __tablename__ = "survey_mailing_deliveries"
    __table_args__ = (
        UniqueConstraint("invitee_id", "kind"),
        ForeignKeyConstraint(["mailing_id", "kind"],
                             ["survey_mailings.id", "survey_mailings.kind"],
                             ondelete="CASCADE"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    mailing_id: Mapped[int] = mapped_column(index=True)
    kind: Mapped[SurveyMailingKind] = mapped_column(_enum(SurveyMailingKind, 20))
    invitee_id: Mapped[int] = mapped_column(
        ForeignKey("survey_invitees.id", ondelete="CASCADE"))
    outbox_message_id: Mapped[int | None] = mapped_column(
        ForeignKey("outbox_messages.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class SurveyAutoReminder(db.Model):
    """A list's "remind people automatically N days after their invitation" option."""

    __tablename__ = "survey_auto_reminders"
    __table_args__ = (CheckConstraint("after_days BETWEEN 1 AND 60", name="after_days_range"),)

    list_id: Mapped[int] = mapped_column(
        ForeignKey("survey_invitee_lists.id", ondelete="CASCADE"), primary_key=True)
    after_days: Mapped[int]
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class SurveyOptOut(db.Model):
    """An address that asked for no more consultation emails: every later mailing skips it."""

    __tablename__ = "survey_opt_outs"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)  # lower-cased
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
