"""Emailing a list its invitations and reminders, each person exactly once.

The pattern of engage.meetings.mailings: a SurveyMailing row is committed first; the fan-out
task then works in batches, each picking people owed the mailing and, in ONE transaction,
adding their outbox messages and delivery rows. A worker killed mid-batch loses only an
uncommitted transaction, so running the task again picks the same people up; the unique
(invitee, kind) key on deliveries stops a second copy even if two fan-outs ran at once; the task
loops until nobody is owed, and beat re-queues any mailing left unfinished.

Who is owed a mailing is decided when each batch is built, so an address that opted out a
moment ago, or someone who has just answered, is skipped.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from celery import shared_task
from flask import current_app
from sqlalchemy import exists, func, insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import aliased

from engage.auth.models import User
from engage.auth.operations import external_url
from engage.boroughs.contact import contact_for
from engage.clock import utcnow
from engage.extensions import db
from engage.groups.models import Group, Membership, MembershipStatus
from engage.locks import held
from engage.outbox.operations import queue_emails
from engage.surveys.invitation_models import (
    SurveyAutoReminder,
    SurveyMailing,
    SurveyMailingDelivery,
    SurveyMailingKind,
    SurveyOptOut,
)
from engage.surveys.invitations import unsubscribe_url
from engage.surveys.models import (
    Consultation,
    Invitee,
    InviteeList,
    InviteeListSource,
    Questionnaire,
    Response,
)
from engage.tasks import dispatch, send_after_commit
from engage.templating import london_time

BATCH_SIZE = 500
INVITATION = SurveyMailingKind.INVITATION
REMINDER = SurveyMailingKind.REMINDER
TEMPLATES = {INVITATION: "survey_invitation", REMINDER: "survey_reminder"}


class MailingRefused(Exception):
    """Why a mailing cannot start now, in words for the officer."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def _owed(invitee_list: InviteeList, kind: SurveyMailingKind,
          invited_before: datetime | None) -> list:
    """Conditions on Invitee for the people of this list still owed a mailing of this kind:
    not opted out, not answered, still an active member for a list made from a group, and,
    for an invitation, not invited yet from any list of the same questionnaire and borough
    (one invitation per address); for a reminder, invited by `invited_before` and not reminded
    yet."""
    delivery = SurveyMailingDelivery
    conditions = [Invitee.list_id == invitee_list.id,
                  ~exists().where(SurveyOptOut.email == Invitee.email),
                  ~exists().where(Response.invitee_id == Invitee.id)]
    if invitee_list.source == InviteeListSource.GROUP:
        # Its emails say "because you are a member of" the group: only while they still are
        # (someone who left, was removed or deleted their account is not written to).
        conditions.append(exists().where(
            Membership.group_id == invitee_list.group_id,
            Membership.status == MembershipStatus.ACTIVE, Membership.user_id == User.id,
            User.email == Invitee.email))
    if kind == INVITATION:
        other, other_list = aliased(Invitee), aliased(InviteeList)
        conditions.append(~exists().where(
            delivery.kind == INVITATION, delivery.invitee_id == other.id,
            other.email == Invitee.email, other.list_id == other_list.id,
            other_list.questionnaire_id == invitee_list.questionnaire_id,
            other_list.borough_id == invitee_list.borough_id))
    else:
        conditions.append(exists().where(delivery.invitee_id == Invitee.id,
                                         delivery.kind == INVITATION,
                                         delivery.created_at <= invited_before))
        conditions.append(~exists().where(delivery.invitee_id == Invitee.id,
                                          delivery.kind == REMINDER))
    return conditions


def count_owed(invitee_list: InviteeList, kind: SurveyMailingKind,
               invited_before: datetime | None = None) -> int:
    return db.session.scalar(select(func.count(Invitee.id))
                             .where(*_owed(invitee_list, kind, invited_before)))


def reminder_cutoff(days: int) -> datetime:
    return utcnow() - timedelta(days=days)


def open_mailing(invitee_list: InviteeList, kind: SurveyMailingKind, *,
                 actor: User | None = None, invited_before: datetime | None = None,
                 follows: SurveyMailing | None = None) -> SurveyMailing | None:
    """Add the mailing; its fan-out is sent once the caller commits. None when another request
    took the same number, or the invitation's automatic reminder exists already."""
    number = 1 + (db.session.scalar(
        select(func.max(SurveyMailing.number))
        .where(SurveyMailing.list_id == invitee_list.id, SurveyMailing.kind == kind)) or 0)
    mailing = SurveyMailing(list_id=invitee_list.id, kind=kind, number=number,
                            invited_before=invited_before,
                            follows_id=follows.id if follows else None,
                            created_by_id=actor.id if actor else None)
    try:
        with db.session.begin_nested():
            db.session.add(mailing)
    except IntegrityError:
        return None
    send_after_commit(fan_out, mailing.id)
    return mailing


def start(invitee_list: InviteeList, kind: SurveyMailingKind, actor: User,
          invited_before: datetime | None = None) -> SurveyMailing:
    """An officer's invitation or reminder: refused (MailingRefused) while the consultation is
    not open, while the last one of its kind is still being sent, or when nobody is owed it."""
    consultation = invitee_list.questionnaire.consultation
    now = utcnow()
    if consultation.opens_at > now:
        raise MailingRefused(f"{consultation.title} opens on "
                             f"{london_time(consultation.opens_at)}. Send emails once it is "
                             "open, so the links in them work.")
    if consultation.has_closed(now):
        raise MailingRefused(f"{consultation.title} closed on "
                             f"{london_time(consultation.closes_at)}, so no more emails can be "
                             "sent about it.")
    if db.session.scalar(select(SurveyMailing.id).where(
            SurveyMailing.list_id == invitee_list.id, SurveyMailing.kind == kind,
            SurveyMailing.finished_at.is_(None)).limit(1)):
        raise MailingRefused(f"The last {kind.label.lower()} to this list is still being "
                             "sent. Wait a few minutes and try again.")
    if not count_owed(invitee_list, kind, invited_before):
        raise MailingRefused("Nobody on the list is waiting for an invitation."
                             if kind == INVITATION else
                             "Nobody on the list is waiting for a reminder.")
    mailing = open_mailing(invitee_list, kind, actor=actor, invited_before=invited_before)
    if mailing is None:
        raise MailingRefused(f"Another {kind.label.lower()} to this list was started at the "
                             "same moment. Check the list's page before trying again.")
    return mailing


def _context(invitee_list: InviteeList) -> dict:
    """What every email of this list's mailings says: who is asking, why, and until when."""
    questionnaire = invitee_list.questionnaire
    consultation = questionnaire.consultation
    borough = invitee_list.borough
    group = db.session.get(Group, invitee_list.group_id) if invitee_list.group_id else None
    contact = contact_for(borough)
    # The subject names whom the questionnaire is for, not its title: titles such as "Have
    # your say on policing: businesses" would say "have your say on policing" twice.
    return {"consultation": consultation.title, "questionnaire": questionnaire.title,
            "audience": questionnaire.audience.label.lower(),
            "purpose": consultation.purpose, "borough": borough.name,
            "group": group.name_in_text if group else None,
            "closes": london_time(consultation.closes_at),
            "contact_email": contact.email, "contact_phone": contact.phone}


def deliver_batch(mailing: SurveyMailing, limit: int = BATCH_SIZE) -> int:
    """Queue this mailing for up to `limit` people owed it, and commit. The same number of
    queries however large the batch. Nothing more once the consultation has closed."""
    invitee_list = mailing.invitee_list
    if invitee_list.questionnaire.consultation.has_closed():
        return 0
    rows = db.session.execute(
        select(Invitee.id, Invitee.email, Invitee.name, Invitee.organisation, Invitee.token)
        .where(*_owed(invitee_list, mailing.kind, mailing.invited_before))
        .order_by(Invitee.id).limit(limit)).all()
    if not rows:
        return 0
    common = _context(invitee_list)
    messages = [(row.email, TEMPLATES[mailing.kind], dict(
        common, name=row.name, organisation=row.organisation,
        invite_url=external_url("surveys_invited.start", token=row.token),
        unsubscribe_url=unsubscribe_url(row.id))) for row in rows]
    outbox_ids = queue_emails(messages)
    now = utcnow()
    db.session.execute(insert(SurveyMailingDelivery), [
        {"mailing_id": mailing.id, "kind": mailing.kind, "invitee_id": row.id,
         "outbox_message_id": outbox_ids[row.email], "created_at": now} for row in rows])
    mailing.recipients += len(rows)
    db.session.commit()
    return len(rows)


@shared_task(name="engage.survey_mailings.fan_out", acks_late=True)
def fan_out(mailing_id: int) -> int:
    """Queue a mailing for everyone owed it, batch by batch. Safe to run twice, or again after
    being killed: see the module's docstring. Returns how many it queued this run."""
    questionnaire_id = db.session.scalar(
        select(InviteeList.questionnaire_id).join(SurveyMailing)
        .where(SurveyMailing.id == mailing_id))
    if questionnaire_id is None:
        return 0
    # One fan-out at a time per questionnaire: "one invitation per address" looks across lists.
    with held(f"survey-mailings-{questionnaire_id}", seconds=300) as mine:
        if not mine:
            return 0  # beat queues it again once the other has finished
        mailing = db.session.get(SurveyMailing, mailing_id)
        if mailing is None or mailing.finished_at is not None:
            return 0
        queued = 0
        while batch := deliver_batch(mailing):
            queued += batch
        mailing.finished_at = utcnow()
        db.session.commit()
        return queued


def open_due_reminders(now: datetime) -> int:
    """Open the automatic reminder of every invitation whose list asks for one and whose days
    have passed, while the consultation is open. Once: `follows_id` is unique."""
    followed = aliased(SurveyMailing)
    candidates = db.session.execute(
        select(SurveyMailing, SurveyAutoReminder.after_days)
        .join(SurveyAutoReminder, SurveyAutoReminder.list_id == SurveyMailing.list_id)
        .join(InviteeList, InviteeList.id == SurveyMailing.list_id)
        .join(Questionnaire, Questionnaire.id == InviteeList.questionnaire_id)
        .join(Consultation, Consultation.id == Questionnaire.consultation_id)
        .where(SurveyMailing.kind == INVITATION, SurveyMailing.finished_at.is_not(None),
               Consultation.closes_at > now,
               ~exists().where(followed.follows_id == SurveyMailing.id))
        .order_by(SurveyMailing.id)).all()
    opened = 0
    for invitation, days in candidates:
        cutoff = now - timedelta(days=days)
        if invitation.finished_at <= cutoff and open_mailing(
                invitation.invitee_list, REMINDER, invited_before=cutoff, follows=invitation):
            opened += 1
    return opened


@shared_task(name="engage.periodic.survey_mailings")
def sweep_mailings() -> int:
    """Beat: open automatic reminders that are due, and restart any fan-out a lost task left
    unfinished."""
    with held("sweep-survey-mailings", seconds=300) as mine:
        if not mine:
            return -1
        now = utcnow()
        opened = open_due_reminders(now)
        db.session.commit()
        grace = now - timedelta(seconds=current_app.config["ENGAGE_OUTBOX_GRACE_SECONDS"])
        stalled = db.session.scalars(select(SurveyMailing.id).where(
            SurveyMailing.finished_at.is_(None), SurveyMailing.created_at < grace)).all()
        for mailing_id in stalled:
            dispatch(fan_out.name, (mailing_id,))
        return opened + len(stalled)
