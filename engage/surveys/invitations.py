"""Lists of people invited to answer a questionnaire by email, opting out, and response rates.

A list is made from a group's active members or from a CSV file of businesses. A file is
checked line by line before anything is written: one wrong line and nobody is added. Everyone
on a list gets a personal link token; the response it leads to is unique per invitee, so each
link is used once. These functions add and flush; the view commits.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from email_validator import EmailNotValidError, validate_email
from flask import current_app
from sqlalchemy import and_, case, delete, distinct, func, insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import contains_eager

from engage.auth.models import User
from engage.auth.operations import external_url
from engage.auth.tokens import make_token, read_token
from engage.boroughs.models import Borough
from engage.clock import utcnow
from engage.extensions import db
from engage.groups.models import Group, Membership, MembershipStatus
from engage.outbox.models import OutboxMessage, OutboxStatus
from engage.surveys.invitation_models import (
    SurveyAutoReminder,
    SurveyMailing,
    SurveyMailingDelivery,
    SurveyMailingKind,
    SurveyOptOut,
)
from engage.surveys.models import (
    Audience,
    Consultation,
    Invitee,
    InviteeList,
    InviteeListSource,
    Questionnaire,
    Response,
)
from engage.uploads import LineError, open_csv

COLUMNS = ["email", "name", "organisation"]
REQUIRED = ["email"]
MAX_LINES = 10_000
UNSUBSCRIBE = "survey-unsubscribe"
# An unsubscribe link keeps working for as long as anyone might read the email that carried it.
UNSUBSCRIBE_DAYS = 400


@dataclass(frozen=True)
class UploadRow:
    line: int
    email: str
    name: str
    organisation: str


@dataclass(frozen=True)
class Added:
    added: int
    already_on_list: list[int]  # line numbers
    opted_out: int


def new_token() -> str:
    return secrets.token_urlsafe(32)


def lists_of(consultation: Consultation, borough: Borough) -> list[InviteeList]:
    return list(db.session.scalars(
        select(InviteeList).join(Questionnaire)
        .options(contains_eager(InviteeList.questionnaire))  # the page shows each's audience
        .where(Questionnaire.consultation_id == consultation.id,
               InviteeList.borough_id == borough.id)
        .order_by(InviteeList.created_at, InviteeList.id)))


def list_or_none(consultation: Consultation, borough: Borough, list_id: int) -> InviteeList | None:
    """A list of this consultation and borough: another borough's list is not found at all."""
    return db.session.scalar(
        select(InviteeList).join(Questionnaire)
        .where(InviteeList.id == list_id, InviteeList.borough_id == borough.id,
               Questionnaire.consultation_id == consultation.id))


def _opted_out(emails: list[str]) -> set[str]:
    if not emails:
        return set()
    return set(db.session.scalars(select(SurveyOptOut.email)
                                  .where(SurveyOptOut.email.in_(emails))))


class NobodyToInvite(Exception):
    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def list_from_group(questionnaire: Questionnaire, borough: Borough, group: Group, name: str,
                    actor: User) -> tuple[InviteeList, Added]:
    """A list of the group's active members now, each with a personal link. Members who opted
    out of consultation emails are on it (and counted) but never emailed."""
    members = db.session.execute(
        select(User.email, User.name, Membership.organisation)
        .join(Membership, Membership.user_id == User.id)
        .where(Membership.group_id == group.id, Membership.status == MembershipStatus.ACTIVE)
        .order_by(Membership.id)).all()
    if not members:
        raise NobodyToInvite(f"{group.name_to_start} has no active members, so there is nobody to "
                             "invite")
    invitee_list = InviteeList(questionnaire_id=questionnaire.id, borough_id=borough.id,
                               name=name, source=InviteeListSource.GROUP, group_id=group.id,
                               created_by_id=actor.id)
    db.session.add(invitee_list)
    db.session.flush()
    emails = [m.email.lower() for m in members]
    db.session.execute(insert(Invitee), [
        {"list_id": invitee_list.id, "email": email, "name": m.name or "",
         "organisation": m.organisation or "", "token": new_token()}
        for email, m in zip(emails, members, strict=True)])
    return invitee_list, Added(len(members), [], len(_opted_out(emails)))


def check_upload(text: str, audience: Audience, ignore_unknown: bool = False
                 ) -> tuple[list[UploadRow], list[LineError], tuple[str, ...]]:
    """Read and check every line of a CSV of people to invite; the rows, or every problem, and
    the columns left out (only when `ignore_unknown`: see engage.uploads.open_csv)."""
    reader, errors = open_csv(text, REQUIRED, COLUMNS, ignore_unknown)
    if reader is None:
        return [], errors, ()
    rows: list[UploadRow] = []
    seen: dict[str, int] = {}
    for line, raw in reader:
        if line > MAX_LINES + 1:
            errors.append(LineError(line, "file", f"More than {MAX_LINES:,} lines"))
            break
        value = {c: (raw.get(c) or "").strip() for c in COLUMNS}
        if not any(value.values()):
            continue
        problems = len(errors)
        email = value["email"].lower()
        if not email:
            errors.append(LineError(line, "email", "Enter an email address"))
        else:
            try:
                validate_email(email, check_deliverability=False)
            except EmailNotValidError:
                errors.append(LineError(line, "email",
                                        f"{value['email']!r} is not an email address"))
            if email in seen:
                errors.append(LineError(line, "email", f"{email} is also on line {seen[email]}"))
            seen.setdefault(email, line)
        if audience == Audience.BUSINESSES and not value["organisation"]:
            errors.append(LineError(line, "organisation", "Enter the name of the business"))
        for column in ("name", "organisation"):
            if len(value[column]) > 200:
                errors.append(LineError(line, column, f"The {column} must be 200 characters "
                                                      "or fewer"))
        if len(errors) == problems:
            rows.append(UploadRow(line, email, value["name"], value["organisation"]))
    if not rows and not errors:
        errors.append(LineError(2, "file", "The file has nobody in it"))
    return rows, errors, reader.ignored


def new_upload_list(questionnaire: Questionnaire, borough: Borough, name: str,
                    actor: User) -> InviteeList:
    invitee_list = InviteeList(questionnaire_id=questionnaire.id, borough_id=borough.id,
                               name=name, source=InviteeListSource.UPLOAD,
                               created_by_id=actor.id)
    db.session.add(invitee_list)
    db.session.flush()
    return invitee_list


def add_rows(invitee_list: InviteeList, rows: list[UploadRow]) -> Added:
    """Add checked rows; people already on the list are left as they were (and reported)."""
    emails = [r.email for r in rows]
    present = set(db.session.scalars(select(Invitee.email).where(
        Invitee.list_id == invitee_list.id, Invitee.email.in_(emails))))
    new = [r for r in rows if r.email not in present]
    if new:
        db.session.execute(insert(Invitee), [
            {"list_id": invitee_list.id, "email": r.email, "name": r.name,
             "organisation": r.organisation, "token": new_token()} for r in new])
    return Added(len(new), [r.line for r in rows if r.email in present],
                 len(_opted_out([r.email for r in new])))


# Opting out ------------------------------------------------------------------------------------

def unsubscribe_url(invitee_id: int) -> str:
    return external_url("surveys_invited.unsubscribe",
                        token=make_token(UNSUBSCRIBE, {"i": invitee_id}))


def invitee_for_unsubscribe(token: str) -> Invitee | None:
    payload = read_token(UNSUBSCRIBE, token, max_age_hours=24 * UNSUBSCRIBE_DAYS)
    return db.session.get(Invitee, payload.get("i")) if payload else None


def forgotten(token: str) -> bool:
    """Whether `token` is a real unsubscribe link whose list is no longer kept (deleted by
    `purge` after its consultation closed), so nothing more is sent from it."""
    return read_token(UNSUBSCRIBE, token, max_age_hours=24 * UNSUBSCRIBE_DAYS) is not None


def is_opted_out(email: str) -> bool:
    return bool(_opted_out([email]))


def opt_out(email: str) -> None:
    """No more consultation emails to this address, from any list (twice is the same as once)."""
    try:
        with db.session.begin_nested():
            db.session.add(SurveyOptOut(email=email.lower()))
    except IntegrityError:
        pass  # already opted out, perhaps a moment ago from another email


# Response rates ------------------------------------------------------------------------------

@dataclass(frozen=True)
class Rates:
    people: int
    invited: int
    answered: int
    opted_out: int

    @property
    def rate(self) -> int | None:
        """Answered as a whole percentage of those invited; None before anyone is invited."""
        return round(100 * self.answered / self.invited) if self.invited else None


def rates(list_ids: list[int]) -> dict[int, Rates]:
    """Per list: people on it, invited, answered and opted out, in one query."""
    if not list_ids:
        return {}
    invited = (select(SurveyMailingDelivery.invitee_id)
               .where(SurveyMailingDelivery.kind == SurveyMailingKind.INVITATION))
    rows = db.session.execute(
        select(Invitee.list_id, func.count(distinct(Invitee.id)),
               func.count(distinct(case((Invitee.id.in_(invited), Invitee.id)))),
               func.count(distinct(Response.invitee_id)),
               func.count(distinct(SurveyOptOut.id)))
        .outerjoin(Response, Response.invitee_id == Invitee.id)
        .outerjoin(SurveyOptOut, SurveyOptOut.email == Invitee.email)
        .where(Invitee.list_id.in_(list_ids))
        .group_by(Invitee.list_id)).all()
    found = {row[0]: Rates(*row[1:]) for row in rows}
    return {i: found.get(i, Rates(0, 0, 0, 0)) for i in list_ids}


@dataclass(frozen=True)
class MailingStatus:
    mailing: SurveyMailing
    queued: int
    sent: int
    failed: int


def mailings_of(invitee_list: InviteeList) -> list[MailingStatus]:
    """The list's mailings, each with its messages waiting, sent and failed in the outbox."""
    mailings = db.session.scalars(select(SurveyMailing)
                                  .where(SurveyMailing.list_id == invitee_list.id)
                                  .order_by(SurveyMailing.id)).all()
    counts = {(m, s): n for m, s, n in db.session.execute(
        select(SurveyMailingDelivery.mailing_id, OutboxMessage.status, func.count())
        .join(OutboxMessage, OutboxMessage.id == SurveyMailingDelivery.outbox_message_id)
        .join(SurveyMailing, and_(SurveyMailing.id == SurveyMailingDelivery.mailing_id,
                                  SurveyMailing.list_id == invitee_list.id))
        .group_by(SurveyMailingDelivery.mailing_id, OutboxMessage.status))}
    waiting = (OutboxStatus.PENDING, OutboxStatus.SENDING)
    return [MailingStatus(m, sum(counts.get((m.id, s), 0) for s in waiting),
                          counts.get((m.id, OutboxStatus.SENT), 0),
                          counts.get((m.id, OutboxStatus.FAILED), 0)) for m in mailings]


def auto_reminder(invitee_list: InviteeList) -> SurveyAutoReminder | None:
    return db.session.get(SurveyAutoReminder, invitee_list.id)


def set_auto_reminder(invitee_list: InviteeList, after_days: int | None) -> None:
    """Turn the automatic reminder on (after so many days) or off (None)."""
    found = auto_reminder(invitee_list)
    if after_days is None:
        if found is not None:
            db.session.delete(found)
    elif found is None:
        db.session.add(SurveyAutoReminder(list_id=invitee_list.id, after_days=after_days))
    else:
        found.after_days = after_days
    db.session.flush()


# Retention -------------------------------------------------------------------------------------

def _lists_of(consultation_id):
    return select(InviteeList.id).join(Questionnaire).where(
        Questionnaire.consultation_id == consultation_id)


def consultations_due(now: datetime | None = None) -> list[int]:
    """Consultations closed more than ENGAGE_INVITATION_RETENTION_DAYS ago that still keep a
    list of people invited by email."""
    cutoff = (now or utcnow()) - timedelta(
        days=current_app.config["ENGAGE_INVITATION_RETENTION_DAYS"])
    holding = select(InviteeList.id).join(Questionnaire).where(
        Questionnaire.consultation_id == Consultation.id).exists()
    return list(db.session.scalars(select(Consultation.id).where(
        Consultation.closes_at < cutoff, holding).order_by(Consultation.id)))


def purge(consultation_id: int) -> int:
    """Delete one consultation's lists, with everyone on them, their mailings and deliveries.
    The personal links' work is done once the consultation has closed: the database's foreign
    keys then untie each answer from the invitation it came through (responses.invitee_id SET
    NULL), and the answers stay, anonymous like any other. Adds; the caller commits. Returns
    how many people were on the lists."""
    people = db.session.scalar(select(func.count(Invitee.id))
                               .where(Invitee.list_id.in_(_lists_of(consultation_id))))
    db.session.execute(delete(InviteeList).where(InviteeList.id.in_(_lists_of(consultation_id)))
                       .execution_options(synchronize_session=False))
    return people
