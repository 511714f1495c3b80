"""After a meeting: who came (the attendance register), the minutes, and the action points.

Minutes are drafted, then published; published minutes can still be corrected and stay
published. An action point belongs to the meeting where it was raised and is carried onto every
later meeting of the group until it is marked done.

The operations here add and flush; the caller commits (and audits).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from flask import abort
from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, contains_eager, joinedload, mapped_column, relationship

from engage.auth.models import User
from engage.clock import utcnow
from engage.extensions import db
from engage.groups.models import Group, LabelledEnum, Membership, MembershipStatus, _enum
from engage.meetings.models import Invitation, Meeting, MeetingStatus, MeetingVisibility, Reply
from engage.meetings.operations import is_active_member, is_borough_staff


class AttendanceStatus(LabelledEnum):
    PRESENT = "present", "Present"
    APOLOGIES = "apologies", "Sent apologies"
    ABSENT = "absent", "Absent"


class MinutesStatus(LabelledEnum):
    DRAFT = "draft", "Draft"
    PUBLISHED = "published", "Published"


class ActionStatus(LabelledEnum):
    OPEN = "open", "Open"
    DONE = "done", "Done"


class Attendance(db.Model):
    """Whether one person was at one meeting."""

    __tablename__ = "meeting_attendance"
    __table_args__ = (UniqueConstraint("meeting_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    status: Mapped[AttendanceStatus] = mapped_column(_enum(AttendanceStatus, 20))
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    recorded_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"))

    meeting: Mapped[Meeting] = relationship()
    user: Mapped[User] = relationship(foreign_keys=[user_id])


class Minutes(db.Model):
    """The minutes of one meeting (one row per meeting)."""

    __tablename__ = "meeting_minutes"
    __table_args__ = (UniqueConstraint("meeting_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id", ondelete="CASCADE"))
    body: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[MinutesStatus] = mapped_column(_enum(MinutesStatus, 20),
                                                  default=MinutesStatus.DRAFT)
    published_at: Mapped[datetime | None]
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    meeting: Mapped[Meeting] = relationship()
    updated_by: Mapped[User | None] = relationship()

    @property
    def is_published(self) -> bool:
        return self.status == MinutesStatus.PUBLISHED


class ActionPoint(db.Model):
    """Something someone agreed to do at a meeting."""

    __tablename__ = "action_points"
    __table_args__ = (Index("ix_action_points_meeting_id_status", "meeting_id", "status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id", ondelete="CASCADE"))
    description: Mapped[str] = mapped_column(Text)
    owner: Mapped[str] = mapped_column(String(200))
    due_on: Mapped[date | None]
    status: Mapped[ActionStatus] = mapped_column(_enum(ActionStatus, 10),
                                                 default=ActionStatus.OPEN)
    done_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    meeting: Mapped[Meeting] = relationship()

    @property
    def is_done(self) -> bool:
        return self.status == ActionStatus.DONE


# The attendance register ----------------------------------------------------------------------

@dataclass
class RegisterLine:
    user: User
    status: AttendanceStatus | None  # as recorded, or as suggested by the reply


def register_for(meeting: Meeting) -> list[RegisterLine]:
    """Everyone invited (or, before any invitations, every active member), and anyone already
    recorded, by name. Recorded statuses come first; otherwise "not attending" suggests
    apologies."""
    invited = list(db.session.execute(
        select(User, Invitation.reply).join(Invitation, Invitation.user_id == User.id)
        .where(Invitation.meeting_id == meeting.id)))
    if invited:
        people = {user.id: (user, reply) for user, reply in invited}
    else:
        people = {user.id: (user, None) for user in db.session.scalars(
            select(User).join(Membership, Membership.user_id == User.id)
            .where(Membership.group_id == meeting.group_id,
                   Membership.status == MembershipStatus.ACTIVE))}
    # With their people: someone recorded but not invited is not loaded above.
    recorded = {row.user_id: row for row in db.session.scalars(
        select(Attendance).options(joinedload(Attendance.user))
        .where(Attendance.meeting_id == meeting.id))}
    for row in recorded.values():
        people.setdefault(row.user_id, (row.user, None))
    lines = []
    for user_id, (user, reply) in people.items():
        if user_id in recorded:
            status = recorded[user_id].status
        elif reply == Reply.NOT_ATTENDING:
            status = AttendanceStatus.APOLOGIES
        else:
            status = None
        lines.append(RegisterLine(user, status))
    return sorted(lines, key=lambda line: (line.user.name.casefold(), line.user.id))


def save_register(meeting: Meeting, chosen: dict[int, AttendanceStatus],
                  actor: User) -> dict[int, list[str | None]]:
    """Record the statuses chosen for people on the register (others are ignored). Returns
    what changed, {user_id: [before, after]}, for the audit log."""
    allowed = {line.user.id for line in register_for(meeting)}
    recorded = {row.user_id: row for row in db.session.scalars(
        select(Attendance).where(Attendance.meeting_id == meeting.id))}
    changes: dict[int, list[str | None]] = {}
    for user_id, status in chosen.items():
        if user_id not in allowed:
            continue
        row = recorded.get(user_id)
        if row is None:
            db.session.add(Attendance(meeting_id=meeting.id, user_id=user_id, status=status,
                                      recorded_by_id=actor.id))
            changes[user_id] = [None, status.value]
        elif row.status != status:
            changes[user_id] = [row.status.value, status.value]
            row.status, row.recorded_by_id = status, actor.id
    db.session.flush()
    return changes


# Minutes --------------------------------------------------------------------------------------

def minutes_of(meeting: Meeting) -> Minutes | None:
    return db.session.scalar(select(Minutes).where(Minutes.meeting_id == meeting.id))


def save_minutes(meeting: Meeting, body: str, actor: User, publish: bool = False) -> tuple[
        Minutes, bool, bool]:
    """Save the text; publish it too if asked. Published minutes stay published when corrected.
    Returns (minutes, whether the text changed, whether they were published just now)."""
    minutes = minutes_of(meeting)
    if minutes is None:
        minutes = Minutes(meeting_id=meeting.id, body="", status=MinutesStatus.DRAFT)
        try:
            with db.session.begin_nested():
                db.session.add(minutes)
        except IntegrityError:
            # The first save sent twice at the same moment: the other copy made the row (one
            # a meeting), so this one saves onto it, finding the text already there.
            minutes = minutes_of(meeting)
    changed = minutes.body != body
    published_now = publish and not minutes.is_published
    if changed or published_now:
        minutes.body = body
        minutes.updated_by_id = actor.id
    if published_now:
        minutes.status = MinutesStatus.PUBLISHED
        minutes.published_at = minutes.updated_at = utcnow()
    db.session.flush()
    return minutes, changed, published_now


def _visible_meetings(query, group: Group, user):
    """Limit a query joined to Meeting to the meetings `user` may see (see operations.may_see)."""
    if is_borough_staff(group, user):
        return query
    query = query.where(Meeting.status != MeetingStatus.DRAFT)
    if not is_active_member(group, user):
        query = query.where(Meeting.visibility == MeetingVisibility.PUBLIC)
    return query


def published_minutes_of(group: Group, user) -> list[Minutes]:
    """For the group page: published minutes of the meetings `user` may see, newest first."""
    query = (select(Minutes).join(Minutes.meeting).options(contains_eager(Minutes.meeting))
             .where(Meeting.group_id == group.id, Minutes.status == MinutesStatus.PUBLISHED)
             .order_by(Meeting.starts_at.desc(), Meeting.id.desc()))
    return list(db.session.scalars(_visible_meetings(query, group, user)))


# Action points --------------------------------------------------------------------------------

def actions_of(meeting: Meeting) -> list[ActionPoint]:
    return list(db.session.scalars(select(ActionPoint)
                                   .where(ActionPoint.meeting_id == meeting.id)
                                   .order_by(ActionPoint.id)))


def open_actions_before(meeting: Meeting, user=None) -> list[ActionPoint]:
    """Open action points raised at the group's earlier meetings, oldest first: they stay on
    every later agenda until done. With `user`, only those from meetings they may see."""
    query = (select(ActionPoint).join(ActionPoint.meeting)
             .options(contains_eager(ActionPoint.meeting))
             .where(Meeting.group_id == meeting.group_id, Meeting.id != meeting.id,
                    Meeting.starts_at < meeting.starts_at,
                    ActionPoint.status == ActionStatus.OPEN)
             .order_by(Meeting.starts_at, ActionPoint.id))
    if user is not None:
        query = _visible_meetings(query, meeting.group, user)
    return list(db.session.scalars(query))


def action_or_404(meeting: Meeting, action_id: int) -> ActionPoint:
    action = db.get_or_404(ActionPoint, action_id)
    if action.meeting_id != meeting.id:
        abort(404)
    return action


def add_action(meeting: Meeting, description: str, owner: str,
               due_on: date | None) -> ActionPoint:
    action = ActionPoint(meeting_id=meeting.id, description=description, owner=owner,
                         due_on=due_on, status=ActionStatus.OPEN)
    db.session.add(action)
    db.session.flush()
    return action


def mark_done(action: ActionPoint) -> bool:
    """False if it was already done."""
    if action.is_done:
        return False
    action.status = ActionStatus.DONE
    action.done_at = utcnow()
    db.session.flush()
    return True
