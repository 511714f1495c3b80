"""Meetings of a group, their agendas, and the papers attached to agenda items.

Times are stored as naive UTC (see engage.clock) and shown in London time. `sequence` is the
iCalendar SEQUENCE: it rises whenever the time or place changes or the meeting is cancelled, so
calendars that already hold the meeting replace it.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    JSON,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from engage import clock
from engage.auth.models import User
from engage.clock import utcnow
from engage.extensions import db
from engage.groups.models import Group, LabelledEnum, _enum
from engage.news.models import NewsSubscription


class MeetingMode(LabelledEnum):
    IN_PERSON = "in-person", "In person"
    ONLINE = "online", "Online"
    HYBRID = "hybrid", "Hybrid: in person and online"

    @property
    def has_venue(self) -> bool:
        return self in (MeetingMode.IN_PERSON, MeetingMode.HYBRID)

    @property
    def has_link(self) -> bool:
        return self in (MeetingMode.ONLINE, MeetingMode.HYBRID)


class MeetingVisibility(LabelledEnum):
    PUBLIC = "public", "Anyone"
    MEMBERS_ONLY = "members-only", "Members of the group only"


class MeetingStatus(LabelledEnum):
    DRAFT = "draft", "Draft"
    PUBLISHED = "published", "Published"
    CANCELLED = "cancelled", "Cancelled"


class Meeting(db.Model):
    __tablename__ = "meetings"
    __table_args__ = (
        CheckConstraint("ends_at > starts_at", name="ends_after_start"),
        CheckConstraint("capacity IS NULL OR capacity > 0", name="capacity_positive"),
        CheckConstraint("sequence >= 0", name="sequence_not_negative"),
        Index("ix_meetings_group_id_status_starts_at", "group_id", "status", "starts_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("groups.id", ondelete="CASCADE"))
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    starts_at: Mapped[datetime]  # naive UTC
    ends_at: Mapped[datetime]  # naive UTC
    mode: Mapped[MeetingMode] = mapped_column(_enum(MeetingMode, 20))
    venue: Mapped[str | None] = mapped_column(String(200))
    address: Mapped[str | None] = mapped_column(Text)
    access_notes: Mapped[str] = mapped_column(Text, default="")
    online_link: Mapped[str | None] = mapped_column(String(500))
    capacity: Mapped[int | None]
    visibility: Mapped[MeetingVisibility] = mapped_column(_enum(MeetingVisibility, 20))
    status: Mapped[MeetingStatus] = mapped_column(_enum(MeetingStatus, 20),
                                                  default=MeetingStatus.DRAFT)
    sequence: Mapped[int] = mapped_column(Integer, default=0)
    published_at: Mapped[datetime | None]
    cancelled_at: Mapped[datetime | None]
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    # Once the details of people who registered without an account are deleted
    # (engage.meetings.retention): how many there were, by reply ("attending", ...).
    guest_counts: Mapped[dict | None] = mapped_column(JSON)
    guest_details_deleted_at: Mapped[datetime | None]

    group: Mapped[Group] = relationship()
    created_by: Mapped[User | None] = relationship()
    agenda: Mapped[list[AgendaItem]] = relationship(
        back_populates="meeting", order_by="AgendaItem.position",
        cascade="all, delete-orphan", passive_deletes=True,
    )

    @property
    def is_published(self) -> bool:
        return self.status == MeetingStatus.PUBLISHED

    @property
    def is_cancelled(self) -> bool:
        return self.status == MeetingStatus.CANCELLED

    @property
    def is_members_only(self) -> bool:
        return self.visibility == MeetingVisibility.MEMBERS_ONLY

    @property
    def has_started(self) -> bool:
        return self.starts_at <= clock.utcnow()

    @property
    def has_ended(self) -> bool:
        return self.ends_at <= clock.utcnow()


class AgendaItem(db.Model):
    __tablename__ = "agenda_items"
    __table_args__ = (
        UniqueConstraint("meeting_id", "position"),
        CheckConstraint("minutes IS NULL OR minutes > 0", name="minutes_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id", ondelete="CASCADE"))
    position: Mapped[int]
    title: Mapped[str] = mapped_column(String(200))
    presenter: Mapped[str | None] = mapped_column(String(200))
    minutes: Mapped[int | None]

    meeting: Mapped[Meeting] = relationship(back_populates="agenda")
    papers: Mapped[list[Paper]] = relationship(
        back_populates="agenda_item", order_by="Paper.id",
        cascade="all, delete-orphan", passive_deletes=True,
    )


class Paper(db.Model):
    """A PDF or Word document for an agenda item. The file is kept in the database's file store
    (engage.storage) by its random `stored_name`; people download it by the paper's id."""

    __tablename__ = "papers"
    __table_args__ = (
        UniqueConstraint("stored_name"),
        CheckConstraint("size_bytes > 0", name="size_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    agenda_item_id: Mapped[int] = mapped_column(
        ForeignKey("agenda_items.id", ondelete="CASCADE"), index=True)
    # What people see: the title an officer gave, or else the uploaded file's name.
    title: Mapped[str | None] = mapped_column(String(200))
    original_filename: Mapped[str] = mapped_column(String(255))
    stored_name: Mapped[str] = mapped_column(String(64))
    content_type: Mapped[str] = mapped_column(String(100))
    size_bytes: Mapped[int]
    uploaded_at: Mapped[datetime] = mapped_column(default=utcnow)
    uploaded_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"))

    agenda_item: Mapped[AgendaItem] = relationship(back_populates="papers")
    uploaded_by: Mapped[User | None] = relationship()

    @property
    def name(self) -> str:
        return self.title or self.original_filename


# Invitations and the mailings that reach them -----------------------------------------------

class Reply(LabelledEnum):
    ATTENDING = "attending", "Attending"
    NOT_ATTENDING = "not-attending", "Not attending"
    MAYBE = "maybe", "Maybe"
    WAITING = "waiting", "On the waiting list"


class Invitation(db.Model):
    """One person invited to one meeting, and their reply. Made for every active member when
    the meeting is published (and for people who join before a later mailing); for a public
    meeting, also for everyone with confirmed news of the borough, and for anyone who registers
    on the meeting's page. People without an account have an email address instead of a user.
    """

    __tablename__ = "meeting_invitations"
    __table_args__ = (
        UniqueConstraint("meeting_id", "user_id"),
        UniqueConstraint("meeting_id", "email"),
        CheckConstraint("(user_id IS NULL) <> (email IS NULL)", name="user_or_email"),
        Index("ix_meeting_invitations_meeting_id_reply", "meeting_id", "reply"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id", ondelete="CASCADE"))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"),
                                                index=True)
    # Someone without an account: their address (lower-case) and the name they gave, if any.
    email: Mapped[str | None] = mapped_column(String(254))
    name: Mapped[str | None] = mapped_column(String(200))
    # Personal data: shown only to the borough's staff.
    access_needs: Mapped[str | None] = mapped_column(Text)
    # Invited because they asked for news of the borough: their emails carry its unsubscribe.
    news_subscription_id: Mapped[int | None] = mapped_column(
        ForeignKey("news_subscriptions.id", ondelete="SET NULL"))
    # When they registered on the meeting's page.
    registered_at: Mapped[datetime | None]
    reply: Mapped[Reply | None] = mapped_column(_enum(Reply, 20))
    replied_at: Mapped[datetime | None]
    # When a full meeting put them on the waiting list: the earliest is offered the next place.
    waiting_since: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    meeting: Mapped[Meeting] = relationship()
    user: Mapped[User | None] = relationship()
    news_subscription: Mapped[NewsSubscription | None] = relationship()

    @property
    def recipient(self) -> str:
        return self.user.email if self.user is not None else self.email

    @property
    def recipient_name(self) -> str:
        return self.user.name if self.user is not None else (self.name or "")

    @property
    def may_see_link(self) -> bool:
        """Members invited see the online link; people without an account once they have a
        place."""
        return self.user_id is not None or self.reply == Reply.ATTENDING


class MailingKind(LabelledEnum):
    INVITATION = "invitation", "Invitation"
    UPDATE = "update", "Update"
    CANCELLATION = "cancellation", "Cancellation"
    REMINDER = "reminder", "Reminder"


class Mailing(db.Model):
    """One email to everyone invited to a meeting: the invitation, an update after a change of
    time or place (one per SEQUENCE), the cancellation, the reminder. The unique key makes a
    second mailing of the same kind and SEQUENCE impossible."""

    __tablename__ = "meeting_mailings"
    __table_args__ = (UniqueConstraint("meeting_id", "kind", "sequence"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id", ondelete="CASCADE"))
    kind: Mapped[MailingKind] = mapped_column(_enum(MailingKind, 20))
    sequence: Mapped[int]
    recipients: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None]

    meeting: Mapped[Meeting] = relationship()


class MailingDelivery(db.Model):
    """That one mailing has been queued for one invitation: the unique key is what makes
    "nobody receives the same email twice" hold, whatever the workers do."""

    __tablename__ = "meeting_mailing_deliveries"
    __table_args__ = (UniqueConstraint("mailing_id", "invitation_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    mailing_id: Mapped[int] = mapped_column(ForeignKey("meeting_mailings.id", ondelete="CASCADE"))
    invitation_id: Mapped[int] = mapped_column(
        ForeignKey("meeting_invitations.id", ondelete="CASCADE"), index=True)
    outbox_message_id: Mapped[int | None] = mapped_column(
        ForeignKey("outbox_messages.id", ondelete="SET NULL"))
