"""Groups (each borough's CPEG and the panels and forums officers add), their members, and the
equality-monitoring answers people choose to give."""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import Enum, ForeignKey, Index, String, Text, UniqueConstraint, true
from sqlalchemy.orm import Mapped, mapped_column, relationship
from wtforms import SelectChoice

from engage.auth.models import User
from engage.boroughs.models import Borough
from engage.clock import utcnow
from engage.extensions import db


def _enum(kind: type[enum.Enum], length: int = 30) -> Enum:
    """Enums stored as their text values, so SQLite and PostgreSQL hold the same thing."""
    return Enum(kind, native_enum=False, length=length,
                values_callable=lambda e: [m.value for m in e])


class LabelledEnum(enum.StrEnum):
    """An enum whose members carry the words people read."""

    def __new__(cls, value: str, label: str):
        member = str.__new__(cls, value)
        member._value_ = value
        member.label = label
        return member

    @classmethod
    def choices(cls) -> list[SelectChoice]:
        return [SelectChoice(m.value, m.label) for m in cls]


class GroupKind(LabelledEnum):
    CPEG = "cpeg", "Community Police Engagement Group"
    WARD_PANEL = "ward-panel", "Safer Neighbourhoods ward panel"
    YOUTH_FORUM = "youth-forum", "Youth forum"
    BUSINESS_CRIME = "business-crime", "Business crime group"
    OTHER = "other", "Other group"


class Represents(LabelledEnum):
    SELF = "self", "Myself, as a resident"
    RESIDENTS = "residents-association", "A residents' or tenants' association"
    FAITH_COMMUNITY = "faith-or-community", "A faith or community group"
    VOLUNTARY = "voluntary", "A charity or voluntary organisation"
    BUSINESS = "business", "A business"
    CHAMBER = "chamber-of-commerce", "A chamber of commerce or business association"
    OTHER = "other", "Another organisation"

    @property
    def is_business(self) -> bool:
        return self in (Represents.BUSINESS, Represents.CHAMBER)


class MembershipStatus(LabelledEnum):
    PENDING = "pending", "Waiting for approval"
    ACTIVE = "active", "Member"
    DECLINED = "declined", "Declined"
    LEFT = "left", "Left"


class GroupRole(LabelledEnum):
    CHAIR = "chair", "Chair"
    VICE_CHAIR = "vice-chair", "Vice-chair"
    SECRETARY = "secretary", "Secretary"
    MEMBER = "member", "Member"
    POLICE_LIAISON = "police-liaison", "Police liaison"


class Group(db.Model):
    __tablename__ = "groups"
    __table_args__ = (UniqueConstraint("borough_id", "slug"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    borough_id: Mapped[int] = mapped_column(ForeignKey("boroughs.id", ondelete="CASCADE"))
    kind: Mapped[GroupKind] = mapped_column(_enum(GroupKind))
    name: Mapped[str] = mapped_column(String(200))
    slug: Mapped[str] = mapped_column(String(100))
    purpose: Mapped[str] = mapped_column(Text, default="")
    terms_of_reference: Mapped[str] = mapped_column(Text, default="")
    contact_email: Mapped[str | None] = mapped_column(String(254))
    contact_phone: Mapped[str | None] = mapped_column(String(40))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    borough: Mapped[Borough] = relationship()

    @property
    def is_cpeg(self) -> bool:
        return self.kind == GroupKind.CPEG

    @property
    def name_in_text(self) -> str:
        """The name within a sentence: "a meeting of the Community Police Engagement Group",
        "members of the Golborne Residents' Association". Officers type the name of a body,
        which takes "the"; a name that starts with it already keeps its own."""
        return self.name if self.name.lower().startswith("the ") else f"the {self.name}"

    @property
    def name_to_start(self) -> str:
        """name_in_text at the start of a sentence: "The Community Police ... is added." """
        text = self.name_in_text
        return text[:1].upper() + text[1:]


class Membership(db.Model):
    """One person's place in one group, from their request onwards. One row per person and group:
    asking again after leaving reopens it, and MembershipEvent keeps the history."""

    __tablename__ = "memberships"
    __table_args__ = (
        UniqueConstraint("group_id", "user_id"),
        Index("ix_memberships_group_id_status", "group_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("groups.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    status: Mapped[MembershipStatus] = mapped_column(_enum(MembershipStatus, 10))
    represents: Mapped[Represents] = mapped_column(_enum(Represents))
    organisation: Mapped[str | None] = mapped_column(String(200))
    role: Mapped[GroupRole] = mapped_column(_enum(GroupRole, 20), default=GroupRole.MEMBER)
    role_starts_on: Mapped[date | None]
    role_ends_on: Mapped[date | None]
    requested_at: Mapped[datetime] = mapped_column(default=utcnow)
    decided_at: Mapped[datetime | None]
    decline_reason: Mapped[str | None] = mapped_column(Text)
    joined_at: Mapped[datetime | None]
    left_at: Mapped[datetime | None]
    # False once the member follows "unsubscribe" in a meeting email: later mailings skip them.
    meeting_emails: Mapped[bool] = mapped_column(default=True, server_default=true())

    group: Mapped[Group] = relationship()
    user: Mapped[User] = relationship()
    events: Mapped[list[MembershipEvent]] = relationship(
        back_populates="membership", order_by="MembershipEvent.id",
        cascade="all, delete-orphan", passive_deletes=True,
    )


class MembershipEvent(db.Model):
    """What happened to a membership: requested, approved, declined, role changed, left."""

    __tablename__ = "membership_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    membership_id: Mapped[int] = mapped_column(
        ForeignKey("memberships.id", ondelete="CASCADE"), index=True
    )
    at: Mapped[datetime] = mapped_column(default=utcnow)
    kind: Mapped[str] = mapped_column(String(30))
    detail: Mapped[str] = mapped_column(Text, default="")
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    membership: Mapped[Membership] = relationship(back_populates="events")
    actor: Mapped[User | None] = relationship()


# Equality monitoring -------------------------------------------------------------------------

PREFER_NOT = "prefer-not-to-say"


class AgeBand(LabelledEnum):
    UNDER_25 = "16-24", "16 to 24"
    FROM_25 = "25-34", "25 to 34"
    FROM_35 = "35-44", "35 to 44"
    FROM_45 = "45-54", "45 to 54"
    FROM_55 = "55-64", "55 to 64"
    FROM_65 = "65-74", "65 to 74"
    OVER_75 = "75+", "75 or over"
    PREFER_NOT = PREFER_NOT, "Prefer not to say"


class EthnicGroup(LabelledEnum):
    """The 2011 Census's broad groups, which the borough population figures use."""

    WHITE = "white", "White"
    MIXED = "mixed", "Mixed or multiple ethnic groups"
    ASIAN = "asian", "Asian or Asian British"
    BLACK = "black", "Black, Black British, Caribbean or African"
    OTHER = "other", "Other ethnic group"
    PREFER_NOT = PREFER_NOT, "Prefer not to say"


class Disability(LabelledEnum):
    YES = "yes", "Yes"
    NO = "no", "No"
    PREFER_NOT = PREFER_NOT, "Prefer not to say"


class EqualityAnswers(db.Model):
    """Equality-monitoring answers, kept apart from the account and only with consent.

    No page shows them to anyone but the person: staff see them only as counts, and counts
    below the suppression threshold are never shown. Withdrawing consent deletes the row.
    """

    __tablename__ = "equality_answers"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"),
                                         primary_key=True)
    consented_at: Mapped[datetime]
    age_band: Mapped[AgeBand | None] = mapped_column(_enum(AgeBand, 20))
    ethnic_group: Mapped[EthnicGroup | None] = mapped_column(_enum(EthnicGroup, 20))
    disability: Mapped[Disability | None] = mapped_column(_enum(Disability, 20))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
