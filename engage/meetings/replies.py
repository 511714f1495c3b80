"""Replies to invitations: attending, not attending, maybe — and the waiting list when a meeting
with a capacity is full. The earliest on the waiting list is given the next place that frees, and
told by email."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from engage.auth.operations import external_url
from engage.auth.tokens import make_token, read_token
from engage.clock import utcnow
from engage.extensions import db
from engage.groups.models import Membership, MembershipStatus
from engage.meetings.models import (
    Invitation,
    Meeting,
    MeetingStatus,
    MeetingVisibility,
    Reply,
)
from engage.outbox.operations import queue_email

# Links in meeting emails work for as long as anyone could want them; the meeting's own dates
# decide whether a reply is still useful.
LINK_DAYS = 400


def invitation_for(token: str) -> Invitation | None:
    from engage.meetings.mailings import REPLY

    payload = read_token(REPLY, token, max_age_hours=24 * LINK_DAYS)
    return db.session.get(Invitation, payload.get("i")) if payload else None


def membership_for(token: str) -> Membership | None:
    from engage.meetings.mailings import UNSUBSCRIBE

    payload = read_token(UNSUBSCRIBE, token, max_age_hours=24 * LINK_DAYS)
    return db.session.get(Membership, payload.get("m")) if payload else None


def still_invited(invitation: Invitation, active_groups: set[int] | None = None) -> bool:
    """A members-only meeting is for the group's active members: a member's invitation stops
    counting when they leave, and one without an account (from before the meeting became
    members-only) never counts. Any other invitation stands.

    `active_groups`, the ids of the groups the invitation's person is an active member of
    (`active_group_ids`), saves a query an invitation when checking many of one person's."""
    meeting = invitation.meeting
    if not meeting.is_members_only:
        return True
    if invitation.user_id is None:
        return False
    if active_groups is not None:
        return meeting.group_id in active_groups
    return db.session.scalar(
        select(Membership.id).where(Membership.group_id == meeting.group_id,
                                    Membership.user_id == invitation.user_id,
                                    Membership.status == MembershipStatus.ACTIVE)) is not None


def active_group_ids(user_id: int) -> set[int]:
    return set(db.session.scalars(select(Membership.group_id).where(
        Membership.user_id == user_id, Membership.status == MembershipStatus.ACTIVE)))


def open_for_replies(meeting: Meeting) -> bool:
    return meeting.is_published and meeting.ends_at > utcnow()


def places_taken(meeting: Meeting, besides: Invitation | None = None) -> int:
    query = select(func.count(Invitation.id)).where(Invitation.meeting_id == meeting.id,
                                                     Invitation.reply == Reply.ATTENDING)
    if besides is not None:
        query = query.where(Invitation.id != besides.id)
    return db.session.scalar(query)


def reply(invitation: Invitation, answer: Reply) -> Reply:
    """Record a reply and return what was recorded: ATTENDING becomes WAITING when the meeting is
    full. Giving up a place offers it to the earliest on the waiting list."""
    # Lock the meeting row, so two people cannot take the last place at once (PostgreSQL; SQLite
    # lets one writer in at a time anyway).
    meeting = db.session.execute(
        select(Meeting).where(Meeting.id == invitation.meeting_id).with_for_update()
    ).scalar_one()
    before = invitation.reply
    full = (meeting.capacity is not None
            and places_taken(meeting, invitation) >= meeting.capacity)
    if answer == Reply.ATTENDING and before != Reply.ATTENDING and full:
        answer = Reply.WAITING
    if answer == Reply.WAITING and before == Reply.WAITING:
        return before  # keep their place in the queue
    invitation.reply = answer
    invitation.replied_at = utcnow()
    invitation.waiting_since = utcnow() if answer == Reply.WAITING else None
    db.session.flush()
    if before == Reply.ATTENDING and answer != Reply.ATTENDING:
        promote_from_waiting_list(meeting)
    return answer


def promote_from_waiting_list(meeting: Meeting) -> Invitation | None:
    if meeting.capacity is not None and places_taken(meeting) >= meeting.capacity:
        return None
    query = (select(Invitation).where(Invitation.meeting_id == meeting.id,
                                      Invitation.reply == Reply.WAITING)
             .order_by(Invitation.waiting_since, Invitation.id).limit(1))
    if meeting.is_members_only:
        # Only someone still invited (still_invited): not a guest who joined the list while
        # the meeting was public, nor a member who has left since.
        query = query.join(Membership, (Membership.user_id == Invitation.user_id)
                           & (Membership.group_id == meeting.group_id)).where(
            Membership.status == MembershipStatus.ACTIVE)
    first = db.session.scalar(query)
    if first is None:
        return None
    first.reply = Reply.ATTENDING
    first.replied_at = utcnow()
    first.waiting_since = None
    db.session.flush()
    tell_about_place(first)
    return first


def give_up_places(user_id: int, members_only_of_group: int | None = None) -> None:
    """Someone who can no longer come gives up their place, or their turn on the waiting list,
    at every meeting still to come, as replying "not attending" would: a freed place goes to
    the next person waiting. For an account being deleted (its invitations go with it), or,
    with `members_only_of_group`, for a member leaving that group (its members-only meetings
    are no longer for them; its public ones still are)."""
    query = (select(Invitation).join(Meeting, Meeting.id == Invitation.meeting_id)
             .where(Invitation.user_id == user_id,
                    Invitation.reply.in_((Reply.ATTENDING, Reply.WAITING)),
                    Meeting.status == MeetingStatus.PUBLISHED, Meeting.ends_at > utcnow())
             .order_by(Invitation.id))
    if members_only_of_group is not None:
        query = query.where(Meeting.group_id == members_only_of_group,
                            Meeting.visibility == MeetingVisibility.MEMBERS_ONLY)
    for invitation in db.session.scalars(query).all():
        reply(invitation, Reply.NOT_ATTENDING)


def tell_about_place(invitation: Invitation) -> None:
    """Email the person given a place: now that they have one, the online link too."""
    from engage.meetings.mailings import REPLY, ics_attachment, meeting_context, unsubscribe_link

    meeting = invitation.meeting
    show_link = bool(meeting.online_link) and invitation.may_see_link
    subscription = invitation.news_subscription
    # Where and access too, as every meeting email says them: they are coming now.
    queue_email(invitation.recipient, "meeting_place_offered", **meeting_context(meeting),
                name=invitation.recipient_name,
                online_link=meeting.online_link if show_link else None,
                reply_url=external_url("meeting_replies.reply",
                                       token=make_token(REPLY, {"i": invitation.id})),
                attachments=[ics_attachment(meeting, "REQUEST", meeting.sequence,
                                            invitation.recipient, show_link)],
                **unsubscribe_link(None, subscription.id if subscription is not None
                                   and subscription.is_active else None))


def counts(meeting: Meeting) -> dict[Reply | None, int]:
    return dict(db.session.execute(
        select(Invitation.reply, func.count(Invitation.id))
        .where(Invitation.meeting_id == meeting.id).group_by(Invitation.reply)).all())


def members_access_needs(meeting: Meeting) -> list[Invitation]:
    """For engagement officers (PEOPLE_ROLES), as guests' are (registration.registrations):
    the members who gave access needs for this meeting when they replied. Personal data,
    cleared a set time after the meeting (retention)."""
    return list(db.session.scalars(
        select(Invitation).options(joinedload(Invitation.user))
        .where(Invitation.meeting_id == meeting.id, Invitation.user_id.is_not(None),
               Invitation.registered_at.is_(None), Invitation.access_needs.is_not(None))
        .order_by(Invitation.id)))
