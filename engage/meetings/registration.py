"""Registering for a public meeting without an account: name, email and any access needs.

A registration is an Invitation with the person's address instead of a user, replied
"attending" through the same rules as every reply (replies.reply), so a full meeting puts them on
the waiting list and a place that frees is offered to them by email like anyone else. One
invitation per address and meeting: registering again reuses it. The address of a member
already invited is theirs to answer for: nothing of their invitation changes (a form anyone can
fill in is no proof of owning the address), and they are emailed their own reply link.

For the same reason the page after the form says nothing that depends on the address: not
whether it was registered already, nor whether it has a place or is on the waiting list. The
email, which only the address's owner reads, says that. These add and flush; the view commits.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from engage.auth.models import User
from engage.auth.operations import external_url
from engage.auth.tokens import make_token
from engage.clock import utcnow
from engage.extensions import db
from engage.forms import normalise_email
from engage.meetings import replies
from engage.meetings.mailings import (
    REPLY,
    ics_attachment,
    meeting_context,
    meeting_url,
    unsubscribe_link,
)
from engage.meetings.models import Invitation, Meeting, Reply
from engage.news.models import NewsSubscription
from engage.outbox.operations import queue_email, queued_lately

# Registered already: registering again changes nothing.
HOLDING = (Reply.ATTENDING, Reply.WAITING)


def is_open(meeting: Meeting) -> bool:
    """Anyone may register for a published public meeting until it starts."""
    return (meeting.is_published and not meeting.is_members_only
            and meeting.starts_at > utcnow())


def is_full(meeting: Meeting) -> bool:
    return meeting.capacity is not None and replies.places_taken(meeting) >= meeting.capacity


def _existing(meeting: Meeting, email: str) -> Invitation | None:
    """The meeting's invitation for this address, with an account or without."""
    return db.session.scalar(
        select(Invitation).outerjoin(User, User.id == Invitation.user_id)
        .where(Invitation.meeting_id == meeting.id,
               (Invitation.email == email) | (User.email == email))
        .order_by(Invitation.id).limit(1))


def _subscription_id(meeting: Meeting, email: str) -> int | None:
    """Their news subscription, if they have one: their emails then carry its unsubscribe."""
    return db.session.scalar(select(NewsSubscription.id).where(
        NewsSubscription.borough_id == meeting.group.borough_id,
        NewsSubscription.email == email, NewsSubscription.active()))


def register(meeting: Meeting, name: str, email: str, access_needs: str | None) -> None:
    """Register someone for the meeting and email them the confirmation, which says whether
    they have a place or are on the waiting list."""
    email = normalise_email(email)
    invitation = _existing(meeting, email)
    if invitation is not None and invitation.user_id is not None:
        if not queued_lately(invitation.recipient, "meeting_register_member",
                             meeting_url=meeting_url(meeting)):
            send_member_their_link(invitation)
        return
    if invitation is None:
        invitation = Invitation(meeting_id=meeting.id, email=email, name=name,
                                news_subscription_id=_subscription_id(meeting, email))
        try:
            with db.session.begin_nested():
                db.session.add(invitation)
        except IntegrityError:  # the same address registering twice at the same moment
            invitation = _existing(meeting, email)
    if invitation.reply not in HOLDING:
        if invitation.user_id is None and not invitation.name:
            invitation.name = name
        # Access needs already given are the person's own: whoever fills in the form next
        # with the same address adds none of theirs.
        invitation.access_needs = invitation.access_needs or access_needs or None
        invitation.registered_at = invitation.registered_at or utcnow()
        replies.reply(invitation, Reply.ATTENDING)
    # The same email either way, so the page can say the same thing either way; once, when
    # the form is sent twice.
    if not queued_lately(invitation.recipient, "meeting_registered",
                         meeting_url=meeting_url(meeting)):
        send_confirmation(invitation)


def send_member_their_link(invitation: Invitation) -> None:
    """A member's address was given on the public form: tell them, with their own reply link."""
    queue_email(
        invitation.recipient, "meeting_register_member", **meeting_context(invitation.meeting),
        name=invitation.recipient_name,
        reply_url=external_url("meeting_replies.reply",
                               token=make_token(REPLY, {"i": invitation.id})))


def send_confirmation(invitation: Invitation) -> None:
    meeting = invitation.meeting
    show_link = bool(meeting.online_link) and invitation.may_see_link
    subscription = invitation.news_subscription
    waiting = invitation.reply == Reply.WAITING
    queue_email(
        invitation.recipient, "meeting_registered", **meeting_context(meeting),
        name=invitation.recipient_name, waiting=waiting,
        gave_access_needs=bool(invitation.access_needs),
        online_link=meeting.online_link if show_link else None,
        reply_url=external_url("meeting_replies.reply",
                               token=make_token(REPLY, {"i": invitation.id})),
        attachments=[ics_attachment(meeting, "REQUEST", meeting.sequence, invitation.recipient,
                                    show_link, waiting=waiting)],
        **unsubscribe_link(None, subscription.id if subscription is not None
                           and subscription.is_active else None))


def registrations(meeting: Meeting) -> list[Invitation]:
    """For engagement officers (PEOPLE_ROLES): everyone who registered on the meeting's page,
    and everyone without an account who replied, with their access needs (personal data)."""
    return list(db.session.scalars(
        select(Invitation).options(joinedload(Invitation.user))
        .where(Invitation.meeting_id == meeting.id,
               Invitation.registered_at.is_not(None)
               | (Invitation.user_id.is_(None) & Invitation.reply.is_not(None)))
        .order_by(Invitation.id)))
