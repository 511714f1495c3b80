"""Emailing everyone invited to a meeting, each person exactly once per mailing.

A Mailing (invitation, update, cancellation, reminder) is a row, unique per meeting, kind and
SEQUENCE, committed before any worker hears of it. The fan-out task then works in batches: each
batch picks invitations that have no MailingDelivery for this mailing yet, and in ONE transaction
adds their outbox messages and delivery rows. A worker killed mid-batch loses only an uncommitted
transaction, so running the task again picks the same people up; a batch that committed is never
picked again, and the unique (mailing, invitation) key stops a second copy even if two fan-outs
ran at once. Nobody is left out: the task loops until no one is missing, and beat re-queues any
mailing left unfinished.
"""

from __future__ import annotations

from datetime import timedelta

from celery import shared_task
from flask import current_app
from sqlalchemy import case, exists, false, func, insert, literal, select
from sqlalchemy.exc import IntegrityError

from engage.auth.models import User
from engage.auth.operations import external_url
from engage.auth.tokens import make_token
from engage.clock import utcnow
from engage.email import attachment
from engage.extensions import db
from engage.groups.models import Membership, MembershipStatus
from engage.locks import held
from engage.meetings import ical
from engage.meetings.models import (
    Invitation,
    Mailing,
    MailingDelivery,
    MailingKind,
    Meeting,
    MeetingStatus,
    Reply,
)
from engage.meetings.operations import when
from engage.news import operations as news
from engage.news.models import NewsSubscription
from engage.outbox.operations import queue_emails
from engage.tasks import dispatch, send_after_commit

BATCH_SIZE = 500
REPLY = "meeting-reply"
UNSUBSCRIBE = "meeting-unsubscribe"
TEMPLATES = {
    MailingKind.INVITATION: "meeting_invitation",
    MailingKind.UPDATE: "meeting_update",
    MailingKind.CANCELLATION: "meeting_cancelled",
    MailingKind.REMINDER: "meeting_reminder",
}


def invite_members(meeting: Meeting) -> None:
    """Make an invitation for every active member of the group who has none (one INSERT).
    A member whose address is already invited without an account (they registered on the
    meeting's page before joining) keeps that one: one invitation per address."""
    already = exists().where(Invitation.meeting_id == meeting.id,
                             (Invitation.user_id == Membership.user_id)
                             | (Invitation.email == User.email))
    db.session.execute(insert(Invitation).from_select(
        ["meeting_id", "user_id", "created_at"],
        select(literal(meeting.id), Membership.user_id, literal(utcnow()))
        .join(User, User.id == Membership.user_id)
        .where(Membership.group_id == meeting.group_id,
               Membership.status == MembershipStatus.ACTIVE, ~already)))


def invite_to_coming_meetings(group_id: int) -> int:
    """Invite new active members of the group to its published meetings still to come, whose
    invitations went before they joined: they can reply from their meetings, and later mailings
    reach them. Returns how many such meetings there are."""
    coming = db.session.scalars(select(Meeting).where(
        Meeting.group_id == group_id, Meeting.status == MeetingStatus.PUBLISHED,
        Meeting.ends_at > utcnow())).all()
    for meeting in coming:
        invite_members(meeting)
    return len(coming)


def invite_subscribers(meeting: Meeting) -> None:
    """For a public meeting, make an invitation for everyone with confirmed news of the
    borough who is not invited already, by address: a member who also asked for the news is
    invited once, as a member (one INSERT)."""
    if meeting.is_members_only:
        return
    as_guest = exists().where(Invitation.meeting_id == meeting.id,
                              Invitation.email == NewsSubscription.email)
    as_member = (exists().where(Invitation.meeting_id == meeting.id,
                                Invitation.user_id == User.id,
                                User.email == NewsSubscription.email))
    db.session.execute(insert(Invitation).from_select(
        ["meeting_id", "email", "name", "news_subscription_id", "created_at"],
        select(literal(meeting.id), NewsSubscription.email, NewsSubscription.name,
               NewsSubscription.id, literal(utcnow()))
        .where(NewsSubscription.borough_id == meeting.group.borough_id,
               NewsSubscription.active(), ~as_guest, ~as_member)))


def open_mailing(meeting: Meeting, kind: MailingKind) -> Mailing | None:
    """Start a mailing to everyone invited; the fan-out is sent once the caller commits.
    Returns None when this mailing exists already (a double click, a second reminder run)."""
    sequence = 0 if kind == MailingKind.REMINDER else meeting.sequence
    if kind != MailingKind.CANCELLATION:
        invite_members(meeting)
    if kind == MailingKind.INVITATION:
        # The borough's news is the invitation itself; later mailings go to those invited.
        invite_subscribers(meeting)
    mailing = Mailing(meeting_id=meeting.id, kind=kind, sequence=sequence)
    try:
        with db.session.begin_nested():
            db.session.add(mailing)
    except IntegrityError:
        return None
    send_after_commit(fan_out, mailing.id)
    return mailing


def _audience(meeting: Meeting, kind: MailingKind):
    """The invitations a mailing of this kind goes to. A member must still be an active member
    who has not unsubscribed, except that someone who left the group and holds a place (or a
    turn on the waiting list) at a public meeting hears of its changes and cancellation.
    Someone without an account must have registered on the meeting's page or still get the
    borough's news, and not have said they are not coming. For a reminder, nobody who said
    they are not coming."""
    news_active = NewsSubscription.active()
    not_declined = (Invitation.reply.is_(None)) | (Invitation.reply != Reply.NOT_ATTENDING)
    member = (Invitation.user_id.is_not(None)
              & (Membership.status == MembershipStatus.ACTIVE)
              & Membership.meeting_emails.is_(True))
    # Someone who left the group keeps a place they hold at a public meeting (anyone may
    # come): its changes and its cancellation are still theirs to hear about.
    left_holding = (Invitation.user_id.is_not(None)
                    & ((Membership.status.is_(None))
                       | (Membership.status != MembershipStatus.ACTIVE))
                    & Invitation.reply.in_((Reply.ATTENDING, Reply.WAITING)))
    if not meeting.is_members_only and kind != MailingKind.INVITATION:
        member = member | left_holding
    guest = (Invitation.user_id.is_(None) & not_declined
             & (Invitation.registered_at.is_not(None) | news_active))
    if meeting.is_members_only and kind != MailingKind.CANCELLATION:
        # Made members-only after people without an account registered: it is no longer for
        # them, and its details (the online link above all) are not theirs to have. They are
        # still told if it is cancelled.
        guest = false()
    query = (select(Invitation.id.label("invitation_id"), Invitation.reply,
                    Invitation.user_id,
                    func.coalesce(User.email, Invitation.email).label("email"),
                    func.coalesce(User.name, Invitation.name).label("name"),
                    Membership.id.label("membership_id"),
                    case((news_active, NewsSubscription.id)).label("subscription_id"))
             .outerjoin(User, User.id == Invitation.user_id)
             .outerjoin(Membership, (Membership.user_id == Invitation.user_id)
                        & (Membership.group_id == meeting.group_id))
             .outerjoin(NewsSubscription,
                        NewsSubscription.id == Invitation.news_subscription_id)
             .where(Invitation.meeting_id == meeting.id, member | guest))
    if kind == MailingKind.REMINDER:
        query = query.where(not_declined)
    return query


def audience_size(meeting: Meeting, kind: MailingKind) -> int:
    """How many people a mailing of this kind reaches (or reached), counted as the fan-out
    picks them: for telling officers what a change or a cancellation sends. Members not yet
    invited are invited when an invitation, update or reminder is opened, so count after
    open_mailing for those."""
    return db.session.scalar(select(func.count()).select_from(
        _audience(meeting, kind).subquery()))


def invitation_size(meeting: Meeting) -> int:
    """How many people publishing this draft would email, without inviting anyone yet: the
    active members who get meeting emails, and for a public meeting the borough's news
    subscribers whose address is not an active member's (open_mailing invites those as
    members). For the check page before "Publish" (a published meeting's is audience_size);
    a test holds it to what the fan-out sends."""
    members = db.session.scalar(
        select(func.count()).select_from(Membership)
        .where(Membership.group_id == meeting.group_id,
               Membership.status == MembershipStatus.ACTIVE,
               Membership.meeting_emails.is_(True)))
    if meeting.is_members_only:
        return members
    member_addresses = (select(User.email).join(Membership, Membership.user_id == User.id)
                        .where(Membership.group_id == meeting.group_id,
                               Membership.status == MembershipStatus.ACTIVE))
    subscribers = db.session.scalar(
        select(func.count(func.distinct(NewsSubscription.email)))
        .where(NewsSubscription.borough_id == meeting.group.borough_id,
               NewsSubscription.active(), NewsSubscription.email.not_in(member_addresses)))
    return members + subscribers


def _recipients(mailing: Mailing, limit: int):
    """Invitations still owed this mailing (_audience), the next `limit` of them."""
    sent = exists().where(MailingDelivery.mailing_id == mailing.id,
                          MailingDelivery.invitation_id == Invitation.id)
    query = (_audience(mailing.meeting, mailing.kind).where(~sent)
             .order_by(Invitation.id).limit(limit))
    return db.session.execute(query).all()


def unsubscribe_link(membership_id: int | None, subscription_id: int | None) -> dict:
    """The unsubscribe line of a meeting email: a member stops the group's meeting emails, a
    news subscriber the borough's news. Someone who only registered has none to stop."""
    if membership_id is not None:
        return {"unsubscribe_url": external_url(
            "meeting_replies.unsubscribe", token=make_token(UNSUBSCRIBE, {"m": membership_id}))}
    if subscription_id is not None:
        return {"unsubscribe_url": news.unsubscribe_url(subscription_id), "news": True}
    return {}


def ics_attachment(meeting: Meeting, method: str, sequence: int, attendee: str,
                   show_link: bool, waiting: bool = False) -> dict:
    """The calendar file of a meeting email. `waiting`: the person is on the waiting list,
    and their calendar says so (see meeting_ics)."""
    return {"kind": "meeting_ics", "args": {
        "meeting_id": meeting.id, "method": method, "sequence": sequence,
        "attendee": attendee, "show_link": show_link, "waiting": waiting}}


def deliver_batch(mailing: Mailing, limit: int = BATCH_SIZE) -> int:
    """Queue this mailing for up to `limit` people who have not had it, and commit.
    A constant number of queries, however large the batch."""
    rows = _recipients(mailing, limit)
    if not rows:
        return 0
    meeting = mailing.meeting
    common = meeting_context(meeting)
    method = "CANCEL" if mailing.kind == MailingKind.CANCELLATION else "REQUEST"
    sequence = mailing.sequence if mailing.kind != MailingKind.REMINDER else meeting.sequence
    messages = []
    for row in rows:
        # Members invited see the online link; people without an account once they have a
        # place (see Invitation.may_see_link).
        show_link = bool(meeting.online_link) and (
            row.user_id is not None
            or (row.reply == Reply.ATTENDING and not meeting.is_members_only))
        context = dict(common, name=row.name or "",
                       # Waiting is where a full meeting put them, not a reply they gave.
                       reply=row.reply.label.lower() if row.reply
                       and row.reply != Reply.WAITING else None,
                       waiting=row.reply == Reply.WAITING,
                       attachments=[ics_attachment(
                           meeting, method, sequence, row.email, show_link,
                           # A cancellation takes the meeting out of every calendar alike.
                           waiting=row.reply == Reply.WAITING
                           and mailing.kind != MailingKind.CANCELLATION)],
                       **unsubscribe_link(row.membership_id, row.subscription_id))
        if mailing.kind != MailingKind.CANCELLATION:
            context["reply_url"] = external_url(
                "meeting_replies.reply", token=make_token(REPLY, {"i": row.invitation_id}))
            if show_link:
                context["online_link"] = meeting.online_link
        messages.append((row.email, TEMPLATES[mailing.kind], context))
    outbox_ids = queue_emails(messages)
    db.session.execute(insert(MailingDelivery), [
        {"mailing_id": mailing.id, "invitation_id": row.invitation_id,
         "outbox_message_id": outbox_ids[row.email]}
        for row in rows])
    mailing.recipients += len(rows)
    db.session.commit()
    return len(rows)


def meeting_context(meeting: Meeting) -> dict:
    """What every email about the meeting says of it."""
    group = meeting.group
    return {
        "meeting": meeting.title, "group": group.name_in_text, "borough": group.borough.name,
        "when": when(meeting), "where": ical.location(meeting),
        "access_notes": meeting.access_notes,
        "members_only": meeting.is_members_only, "online": meeting.mode.has_link,
        "meeting_url": meeting_url(meeting),
    }


def meeting_url(meeting: Meeting) -> str:
    """The meeting's public page, as emails link to it (and name it: queued_lately)."""
    group = meeting.group
    return external_url("meetings.meeting", borough_slug=group.borough.slug,
                        group_slug=group.slug, meeting_id=meeting.id)


@shared_task(name="engage.meetings.fan_out", acks_late=True)
def fan_out(mailing_id: int) -> int:
    """Queue a mailing for everyone it is owed to, batch by batch. Safe to run twice, or again
    after being killed: see the module's docstring. Returns how many it queued this run."""
    with held(f"mailing-{mailing_id}", seconds=300) as mine:
        if not mine:
            return 0
        mailing = db.session.get(Mailing, mailing_id)
        if mailing is None or mailing.finished_at is not None:
            return 0
        queued = 0
        while batch := deliver_batch(mailing):
            queued += batch
        mailing.finished_at = utcnow()
        db.session.commit()
        return queued


@shared_task(name="engage.periodic.meeting_mailings")
def sweep_mailings() -> int:
    """Beat: send reminders that are due, and restart any fan-out a lost task left unfinished."""
    with held("sweep-meeting-mailings", seconds=300) as mine:
        if not mine:
            return -1
        now = utcnow()
        hours = current_app.config["ENGAGE_MEETING_REMINDER_HOURS"]
        due = db.session.scalars(
            select(Meeting).where(
                Meeting.status == MeetingStatus.PUBLISHED,
                Meeting.starts_at > now, Meeting.starts_at <= now + timedelta(hours=hours),
                ~exists().where(Mailing.meeting_id == Meeting.id,
                                Mailing.kind == MailingKind.REMINDER))).all()
        for meeting in due:
            open_mailing(meeting, MailingKind.REMINDER)
        db.session.commit()
        grace = now - timedelta(seconds=current_app.config["ENGAGE_OUTBOX_GRACE_SECONDS"])
        stalled = db.session.scalars(select(Mailing.id).where(
            Mailing.finished_at.is_(None), Mailing.created_at < grace)).all()
        for mailing_id in stalled:
            dispatch(fan_out.name, (mailing_id,))
        return len(due) + len(stalled)


@attachment("meeting_ics")
def meeting_ics(cache: dict, meeting_id: int, method: str, sequence: int, attendee: str,
                show_link: bool = True, waiting: bool = False):
    # One calendar per meeting, method, SEQUENCE, link and waiting for a whole batch; only the
    # attendee differs. (Messages queued before show_link existed went only to members: True;
    # before waiting existed, everyone had the calendar of a place: False.)
    key = ("meeting_ics", meeting_id, method, sequence, show_link, waiting)
    if key not in cache:
        meeting = db.session.get(Meeting, meeting_id)
        group = meeting.group
        page = external_url("meetings.meeting", borough_slug=group.borough.slug,
                            group_slug=group.slug, meeting_id=meeting.id)
        cache[key] = ical.build_calendar(meeting, page, show_link=show_link, method=method,
                                         sequence=sequence, waiting=waiting)
    data = ical.with_attendee(cache[key], attendee, waiting=waiting)
    return "meeting.ics", "text/calendar", {"method": method}, data
