"""The rules for meetings. These add and flush; the caller commits (and audits)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time

from flask import abort
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from engage.auth.models import User
from engage.clock import LONDON, to_london, utcnow
from engage.extensions import db
from engage.groups.models import Group, Membership, MembershipStatus
from engage.meetings import papers
from engage.meetings.models import (
    AgendaItem,
    Meeting,
    MeetingMode,
    MeetingStatus,
    MeetingVisibility,
    Paper,
)

# A change to any of these is a change people's calendars need: SEQUENCE goes up.
TIME_AND_PLACE = ("starts_at", "ends_at", "mode", "venue", "address", "online_link")


# London wall-clock time -----------------------------------------------------------------------

class NonExistentTime(ValueError):
    """A London time skipped when the clocks go forward (01:00 to 01:59 on the last Sunday of
    March)."""


def from_london(day: date, at: time) -> datetime:
    """A London wall-clock time as naive UTC.

    A time in the spring-forward gap does not exist and raises NonExistentTime. A time in the
    autumn's repeated hour (01:00 to 01:59 on the last Sunday of October) is taken as its first
    occurrence, still British Summer Time (fold=0), so the same input always gives the same
    instant.
    """
    local = datetime.combine(day, at).replace(tzinfo=LONDON, fold=0)
    utc = local.astimezone(UTC)
    if utc.astimezone(LONDON).replace(tzinfo=None) != local.replace(tzinfo=None):
        raise NonExistentTime(f"{at:%H:%M} on {day.day} {day:%B %Y} does not exist in London")
    return utc.replace(tzinfo=None)


def _clock(value: datetime) -> str:
    if value.hour == 12 and value.minute == 0:
        return "midday"
    if value.hour == 0 and value.minute == 0:
        return "midnight"
    hour = value.strftime("%I").lstrip("0")
    suffix = value.strftime("%p").lower()
    return f"{hour}{suffix}" if value.minute == 0 else f"{hour}:{value:%M}{suffix}"


def _day(value: datetime) -> str:
    return f"{value:%A} {value.day} {value:%B %Y}"


def when(meeting: Meeting) -> str:
    """`Tuesday 14 March 2027, 6:30pm to 8pm`, in London time."""
    start, end = to_london(meeting.starts_at), to_london(meeting.ends_at)
    if start.date() == end.date():
        return f"{_day(start)}, {_clock(start)} to {_clock(end)}"
    return f"{_day(start)}, {_clock(start)} to {_day(end)}, {_clock(end)}"


# Who may see what -----------------------------------------------------------------------------

def is_active_member(group: Group, user) -> bool:
    if not getattr(user, "is_authenticated", False):
        return False
    return db.session.scalar(
        select(Membership.id).where(Membership.group_id == group.id,
                                    Membership.user_id == user.id,
                                    Membership.status == MembershipStatus.ACTIVE)
    ) is not None


def is_borough_staff(group: Group, user) -> bool:
    return bool(getattr(user, "is_authenticated", False) and user.is_staff
                and user.has_role(group.borough))


def may_see(meeting: Meeting, user) -> bool:
    """Staff of the borough see every meeting (they arrange them). Anyone else sees published
    and cancelled ones; members-only ones only if they are an active member of the group."""
    if is_borough_staff(meeting.group, user):
        return True
    if meeting.status == MeetingStatus.DRAFT:
        return False
    if meeting.visibility == MeetingVisibility.MEMBERS_ONLY:
        return is_active_member(meeting.group, user)
    return True


def may_see_link(meeting: Meeting, user) -> bool:
    """Who is shown the online link on the meeting's page: signed-in active members of the
    group and the borough's staff. People who register without an account are sent it by
    email, and see it on the reply page their link opens (Invitation.may_see_link)."""
    if not meeting.mode.has_link or meeting.is_cancelled:
        return False
    return is_borough_staff(meeting.group, user) or is_active_member(meeting.group, user)


def meeting_or_404(group: Group, meeting_id: int) -> Meeting:
    """The group's meeting, with its agenda and papers loaded in two queries (not one per item)."""
    meeting = db.get_or_404(Meeting, meeting_id, options=[
        selectinload(Meeting.agenda).selectinload(AgendaItem.papers)])
    if meeting.group_id != group.id:
        abort(404)
    return meeting


def upcoming_for(group: Group, user) -> list[Meeting]:
    """Published meetings of the group that have not ended, which `user` may see, soonest first."""
    query = (select(Meeting)
             .where(Meeting.group_id == group.id, Meeting.status == MeetingStatus.PUBLISHED,
                    Meeting.ends_at > utcnow())
             .order_by(Meeting.starts_at, Meeting.id))
    if not (is_borough_staff(group, user) or is_active_member(group, user)):
        query = query.where(Meeting.visibility == MeetingVisibility.PUBLIC)
    return list(db.session.scalars(query))


def meetings_of(group: Group) -> list[Meeting]:
    return list(db.session.scalars(select(Meeting).where(Meeting.group_id == group.id)
                                   .order_by(Meeting.starts_at.desc(), Meeting.id.desc())))


# Scheduling -----------------------------------------------------------------------------------

@dataclass
class Details:
    """A meeting's editable details, already checked and in stored form (naive UTC)."""

    title: str
    description: str
    starts_at: datetime
    ends_at: datetime
    mode: MeetingMode
    venue: str | None
    address: str | None
    access_notes: str
    online_link: str | None
    capacity: int | None
    visibility: MeetingVisibility

    def __post_init__(self):
        # Only what the mode uses is kept: an online meeting has no venue, and so on.
        if not self.mode.has_venue:
            self.venue = self.address = None
        if not self.mode.has_link:
            self.online_link = None


def schedule(group: Group, details: Details, actor: User) -> Meeting:
    meeting = Meeting(group=group, status=MeetingStatus.DRAFT, sequence=0,
                      created_by_id=actor.id, **vars(details))
    db.session.add(meeting)
    db.session.flush()
    return meeting


def _plain(value):
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, MeetingMode | MeetingVisibility):
        return value.value
    return value


def change(meeting: Meeting, details: Details) -> tuple[dict, dict]:
    """Apply new details. Returns what changed (before, after) in plain values for the audit
    log. A change of time or place raises the iCalendar SEQUENCE once."""
    before, after = {}, {}
    for name, value in vars(details).items():
        if getattr(meeting, name) != value:
            before[name], after[name] = _plain(getattr(meeting, name)), _plain(value)
            setattr(meeting, name, value)
    if any(name in after for name in TIME_AND_PLACE):
        meeting.sequence += 1
        if meeting.is_published:
            _mail(meeting, "update")
    db.session.flush()
    if "capacity" in after and meeting.is_published and not meeting.has_ended:
        _fill_places(meeting)
    return before, after


def _fill_places(meeting: Meeting) -> None:
    """Places added to a meeting (or its limit taken away) go to the people waiting, in turn,
    each told by email, before anyone who registers later can take them."""
    from engage.meetings.replies import promote_from_waiting_list

    while promote_from_waiting_list(meeting) is not None:
        pass


def _mail(meeting: Meeting, kind: str) -> None:
    # Imported here: the mailings module builds on this one.
    from engage.meetings.mailings import open_mailing
    from engage.meetings.models import MailingKind

    db.session.flush()
    open_mailing(meeting, MailingKind(kind))


def publish(meeting: Meeting) -> bool:
    if meeting.status != MeetingStatus.DRAFT:
        return False
    meeting.status = MeetingStatus.PUBLISHED
    meeting.published_at = utcnow()
    _mail(meeting, "invitation")
    return True


def cancel(meeting: Meeting) -> bool:
    if meeting.status == MeetingStatus.CANCELLED:
        return False
    was_published = meeting.is_published
    meeting.status = MeetingStatus.CANCELLED
    meeting.cancelled_at = utcnow()
    meeting.sequence += 1
    if was_published:
        _mail(meeting, "cancellation")
    db.session.flush()
    return True


# The agenda -----------------------------------------------------------------------------------

def agenda_item_or_404(meeting: Meeting, item_id: int) -> AgendaItem:
    item = db.get_or_404(AgendaItem, item_id)
    if item.meeting_id != meeting.id:
        abort(404)
    return item


def add_item(meeting: Meeting, title: str, presenter: str | None,
             minutes: int | None) -> AgendaItem:
    last = db.session.scalar(select(func.max(AgendaItem.position))
                             .where(AgendaItem.meeting_id == meeting.id))
    item = AgendaItem(meeting=meeting, position=(last or 0) + 1, title=title,
                      presenter=presenter or None, minutes=minutes)
    db.session.add(item)
    db.session.flush()
    return item


def move_item(item: AgendaItem, direction: str) -> bool:
    """Swap the item with its neighbour above ("up") or below ("down"). False at either end."""
    items = list(db.session.scalars(select(AgendaItem)
                                    .where(AgendaItem.meeting_id == item.meeting_id)
                                    .order_by(AgendaItem.position)))
    index = items.index(item)
    other_index = index - 1 if direction == "up" else index + 1
    if direction not in ("up", "down") or not 0 <= other_index < len(items):
        return False
    other = items[other_index]
    mine, theirs = item.position, other.position
    # (meeting_id, position) is unique: park one item at a free position while they swap.
    item.position = 0
    db.session.flush()
    other.position = mine
    db.session.flush()
    item.position = theirs
    db.session.flush()
    db.session.expire(item.meeting, ["agenda"])
    return True


def remove_item(item: AgendaItem) -> None:
    """Delete the item, its papers and their files."""
    papers.delete([paper.stored_name for paper in item.papers])
    meeting = item.meeting
    db.session.delete(item)
    db.session.flush()
    db.session.expire(meeting, ["agenda"])


# Papers ---------------------------------------------------------------------------------------

def paper_or_404(meeting: Meeting, paper_id: int) -> Paper:
    paper = db.get_or_404(Paper, paper_id)
    if paper.agenda_item.meeting_id != meeting.id:
        abort(404)
    return paper


def add_paper(item: AgendaItem, checked: papers.CheckedFile, actor: User,
              title: str | None = None) -> Paper:
    paper = Paper(agenda_item=item, title=title or None, original_filename=checked.filename,
                  stored_name=papers.save(checked), content_type=checked.content_type,
                  size_bytes=checked.size, uploaded_by_id=actor.id)
    db.session.add(paper)
    db.session.flush()
    return paper


def remove_paper(paper: Paper) -> None:
    """Delete the paper's row and its file."""
    papers.delete([paper.stored_name])
    item = paper.agenda_item
    db.session.delete(paper)
    db.session.flush()
    db.session.expire(item, ["papers"])
