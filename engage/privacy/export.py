"""A copy of everything engage holds about one account holder, as one JSON document.

Two kinds of record are in it. Records tied to the account (memberships, staff roles, equality
answers, meeting invitations and attendance, sessions) are theirs, in full. Records kept
against their email address without an account (news of a borough's meetings, meetings they
registered for as a guest, consultation invitations, an opt-out) are theirs too, since the
account's address is confirmed; but anyone can type an address into a public form, so from
those only what our emails to that address have already said is given: never a name, access
needs or an organisation someone else may have typed with it.

Answers to consultations are anonymous unless given through a personal link we emailed (the
link keeps the response, so that it works once): those responses are here, with the
invitation; no other answers can be, since nothing links them to anyone. Dates and times are
ISO 8601 in UTC.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from engage.auth.models import KnownDevice, User, UserSession
from engage.clock import utcnow
from engage.extensions import db
from engage.groups.models import EqualityAnswers, Group, Membership
from engage.meetings.minutes import Attendance
from engage.meetings.models import Invitation, Meeting
from engage.news.models import NewsSubscription, ResultsRequest
from engage.surveys.invitation_models import SurveyOptOut
from engage.surveys.models import (
    Answer,
    Invitee,
    InviteeList,
    Option,
    Question,
    Questionnaire,
    Response,
    Section,
)

ABOUT = ("Everything engage holds about you. Answers you gave to a consultation through a "
         "personal link we emailed you are here, with the invitation. Other answers to "
         "consultations are anonymous: nothing links them to you, so they cannot be here. "
         "Dates and times are in UTC.")


def _when(value: datetime | date | None) -> str | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.replace(microsecond=0).isoformat() + "Z"
    return value.isoformat()


def _label(value: Any) -> str | None:
    return None if value is None else getattr(value, "label", str(value))


def personal_data(user: User) -> dict[str, Any]:
    return {
        "about": ABOUT,
        "made_at": _when(utcnow()),
        "account": _account(user),
        "equality_monitoring": _equality(user),
        "group_memberships": _memberships(user),
        "meeting_invitations": _meetings(user),
        "meeting_attendance": _attendance(user),
        "meetings_registered_for_without_an_account": _guest_meetings(user),
        "meeting_news": _news(user),
        "results_emails_asked_for": _results_requests(user),
        "consultation_invitations": _consultation_invitations(user),
        "consultation_emails_stopped_at": _opted_out(user),
        "signed_in_devices": _sessions(user),
        # Kept to tell them of a sign-in on a device their account has not been used on.
        "devices_signed_in_on": _known_devices(user),
    }


def _account(user: User) -> dict[str, Any]:
    return {
        "name": user.name,
        "email": user.email,
        "home_borough": user.home_borough.name if user.home_borough else None,
        "created_at": _when(user.created_at),
        "email_confirmed_at": _when(user.email_confirmed_at),
        "password_changed_at": _when(user.password_changed_at),
        # When it was turned on; never the secret or the recovery codes, which would let
        # whoever holds the file past it.
        "two_step_verification_on_since": _when(user.two_step_enabled_at),
        "administrator": user.is_admin,
        "staff_roles": [{"role": grant.role.label, "borough": grant.borough.name,
                         "granted_at": _when(grant.granted_at)}
                        for grant in user.staff_roles],
    }


def _equality(user: User) -> dict[str, Any] | None:
    answers = db.session.get(EqualityAnswers, user.id)
    if answers is None:
        return None
    return {"consented_at": _when(answers.consented_at),
            "age_band": _label(answers.age_band),
            "ethnic_group": _label(answers.ethnic_group),
            "disability": _label(answers.disability),
            "updated_at": _when(answers.updated_at)}


def _memberships(user: User) -> list[dict[str, Any]]:
    memberships = db.session.scalars(
        select(Membership).options(joinedload(Membership.group).joinedload(Group.borough),
                                   selectinload(Membership.events))
        .where(Membership.user_id == user.id).order_by(Membership.id))
    return [{
        "group": membership.group.name,
        "borough": membership.group.borough.name,
        "status": membership.status.label,
        "represents": membership.represents.label,
        "organisation": membership.organisation,
        "role": membership.role.label,
        "role_starts_on": _when(membership.role_starts_on),
        "role_ends_on": _when(membership.role_ends_on),
        "requested_at": _when(membership.requested_at),
        "decided_at": _when(membership.decided_at),
        "reason_declined": membership.decline_reason,
        "joined_at": _when(membership.joined_at),
        "left_at": _when(membership.left_at),
        "meeting_emails": membership.meeting_emails,
        "history": [{"at": _when(event.at), "what": event.kind, "detail": event.detail}
                    for event in membership.events],
    } for membership in memberships]


def _meeting(meeting: Meeting) -> dict[str, Any]:
    return {"meeting": meeting.title, "group": meeting.group.name,
            "borough": meeting.group.borough.name, "starts_at": _when(meeting.starts_at)}


def _meetings(user: User) -> list[dict[str, Any]]:
    invitations = db.session.scalars(
        select(Invitation).options(joinedload(Invitation.meeting).joinedload(Meeting.group)
                 .joinedload(Group.borough))
        .where(Invitation.user_id == user.id).order_by(Invitation.id))
    return [{**_meeting(invitation.meeting),
             "reply": _label(invitation.reply),
             "replied_at": _when(invitation.replied_at),
             "access_needs": invitation.access_needs,
             "invited_at": _when(invitation.created_at)} for invitation in invitations]


def _attendance(user: User) -> list[dict[str, Any]]:
    """What the meetings' registers say of them (present, apologies, absent): kept against
    the account, so theirs to see, whoever recorded it."""
    records = db.session.scalars(
        select(Attendance).options(joinedload(Attendance.meeting).joinedload(Meeting.group)
                 .joinedload(Group.borough))
        .where(Attendance.user_id == user.id).order_by(Attendance.id))
    return [{**_meeting(record.meeting), "recorded_as": _label(record.status),
             "recorded_at": _when(record.recorded_at)} for record in records]


def _guest_meetings(user: User) -> list[dict[str, Any]]:
    invitations = db.session.scalars(
        select(Invitation).options(joinedload(Invitation.meeting).joinedload(Meeting.group)
                 .joinedload(Group.borough))
        .where(Invitation.email == user.email).order_by(Invitation.id))
    return [{**_meeting(invitation.meeting),
             "reply": _label(invitation.reply),
             "registered_at": _when(invitation.registered_at),
             "replied_at": _when(invitation.replied_at),
             # What was typed with the address may be someone else's words (module docstring).
             "access_needs_given": bool(invitation.access_needs)}
            for invitation in invitations]


def _news(user: User) -> list[dict[str, Any]]:
    subscriptions = db.session.scalars(
        select(NewsSubscription).options(joinedload(NewsSubscription.borough))
        .where(NewsSubscription.email == user.email).order_by(NewsSubscription.id))
    return [{"borough": subscription.borough.name,
             "asked_at": _when(subscription.created_at),
             "confirmed_at": _when(subscription.confirmed_at),
             "stopped_at": _when(subscription.unsubscribed_at)}
            for subscription in subscriptions]


def _results_requests(user: User) -> list[dict[str, Any]]:
    """Emails asked for when a borough's results are published, not yet sent (a request is
    deleted when its email goes)."""
    requests = db.session.scalars(
        select(ResultsRequest).options(joinedload(ResultsRequest.borough),
                                       joinedload(ResultsRequest.consultation))
        .where(ResultsRequest.email == user.email).order_by(ResultsRequest.id))
    return [{"consultation": request.consultation.title, "borough": request.borough.name,
             "asked_at": _when(request.created_at),
             "confirmed_at": _when(request.confirmed_at)} for request in requests]


def _consultation_invitations(user: User) -> list[dict[str, Any]]:
    invitees = db.session.scalars(
        select(Invitee).options(joinedload(Invitee.invitee_list).joinedload(InviteeList.borough),
                                joinedload(Invitee.invitee_list)
                                .joinedload(InviteeList.questionnaire)
                                .joinedload(Questionnaire.consultation))
        .where(Invitee.email == user.email).order_by(Invitee.id))
    invitees = list(invitees)
    responses = {response.invitee_id: response for response in db.session.scalars(
        select(Response).where(Response.invitee_id.in_([i.id for i in invitees])))}
    answers = _answers_in_words([response.id for response in responses.values()])
    return [{"consultation": invitee.invitee_list.questionnaire.consultation.title,
             "questionnaire": invitee.invitee_list.questionnaire.title,
             "borough": invitee.invitee_list.borough.name,
             "added_at": _when(invitee.created_at),
             "response": _response(responses.get(invitee.id), answers)} for invitee in invitees]


def _answers_in_words(response_ids: list[int]) -> dict[int, dict[str, list[str]]]:
    """Per response, each question as it was asked and the answers as chosen or typed (a
    ranking in its order): one query for all of them."""
    rows = db.session.execute(
        select(Answer.response_id, Question.text, Option.label, Answer.rank, Answer.text,
               Answer.number, Answer.date)
        .join(Question, Question.id == Answer.question_id)
        .join(Section, Section.id == Question.section_id)
        .outerjoin(Option, Option.id == Answer.option_id)
        .where(Answer.response_id.in_(response_ids))
        .order_by(Answer.response_id, Section.position, Question.position, Answer.rank,
                  Option.position, Answer.id)) if response_ids else ()
    answers: dict[int, dict[str, list[str]]] = {}
    for response_id, question, label, rank, text, number, day in rows:
        words = label if label is not None else (text if text is not None else (
            f"{number}" if number is not None else _when(day)))
        if rank is not None:
            words = f"{rank}. {words}"
        elif label is not None and text:
            words = f"{label}: {text}"  # "other, please say"
        answers.setdefault(response_id, {}).setdefault(question, []).append(words)
    return answers


def _response(response: Response | None,
              answers: dict[int, dict[str, list[str]]]) -> dict[str, Any] | None:
    if response is None:
        return None
    return {"reference": response.reference, "submitted_at": _when(response.submitted_at),
            "answers": [{"question": question, "answer": given}
                        for question, given in answers.get(response.id, {}).items()]}


def _opted_out(user: User) -> str | None:
    return _when(db.session.scalar(select(SurveyOptOut.created_at)
                                   .where(SurveyOptOut.email == user.email)))


def _known_devices(user: User) -> list[dict[str, Any]]:
    devices = db.session.scalars(select(KnownDevice).where(KnownDevice.user_id == user.id)
                                 .order_by(KnownDevice.first_seen_at, KnownDevice.id))
    return [{"device": device.device, "first_signed_in_at": _when(device.first_seen_at),
             "last_signed_in_at": _when(device.last_seen_at)} for device in devices]


def _sessions(user: User) -> list[dict[str, Any]]:
    sessions = db.session.scalars(select(UserSession).where(UserSession.user_id == user.id)
                                  .order_by(UserSession.created_at))
    return [{"signed_in_at": _when(session.created_at),
             "last_seen_at": _when(session.last_seen_at),
             "browser": session.user_agent} for session in sessions]
