"""Replies asked for: the respondents who ticked "Would you like a reply?" and gave a way to
contact them, for the borough's engagement officers to answer.

The contact details are kept apart from the answers (ResponseContact) and the page that shows
them shows, beside them, only what the person wrote in words, since that is what the reply
is about: never their choices, their postcode or anything from the equality section. Each is
marked replied once (a second officer pressing the button at the same moment changes
nothing), and every contact of a consultation is deleted ENGAGE_REPLY_RETENTION_DAYS after it
closes, replied or not, as the questionnaire promises.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import Select, case, delete, func, select, update
from sqlalchemy.orm import contains_eager, joinedload

from engage.auth.models import User
from engage.boroughs.models import Borough
from engage.clock import utcnow
from engage.extensions import db
from engage.surveys.models import (
    Answer,
    Consultation,
    Option,
    Question,
    QuestionKind,
    Response,
    ResponseContact,
    Section,
)

NOTE_LENGTH = 2000


def _in_area(consultation: Consultation, borough: Borough):
    return (Response.consultation_id == consultation.id, Response.borough_id == borough.id)


def replies_asked_for(consultation: Consultation, borough: Borough) -> Select:
    """Everyone in the borough who asked for a reply: those waiting first, oldest first (the
    longest waiting at the top), then those replied to, latest first (a query, to be read a
    page at a time)."""
    return (
        select(ResponseContact).join(ResponseContact.response)
        .where(*_in_area(consultation, borough))
        .options(contains_eager(ResponseContact.response).joinedload(Response.questionnaire),
                 joinedload(ResponseContact.replied_by))
        .order_by(ResponseContact.replied_at.is_not(None),
                  case((ResponseContact.replied_at.is_(None), Response.submitted_at)),
                  ResponseContact.replied_at.desc(), ResponseContact.response_id))


def reply_counts(consultation: Consultation, borough: Borough) -> tuple[int, int]:
    """(waiting, replied to) in the borough, in one query."""
    waiting, replied = db.session.execute(
        select(func.count().filter(ResponseContact.replied_at.is_(None)),
               func.count(ResponseContact.replied_at))
        .select_from(ResponseContact).join(ResponseContact.response)
        .where(*_in_area(consultation, borough))).one()
    return waiting, replied


def waiting_by_consultation(consultation_ids: list[int], borough: Borough) -> dict[int, int]:
    """{consultation id: replies still waiting in the borough}, for the borough's staff page:
    one query for all its consultations."""
    return dict(db.session.execute(
        select(Response.consultation_id, func.count())
        .select_from(ResponseContact).join(ResponseContact.response)
        .where(Response.consultation_id.in_(consultation_ids), Response.borough_id == borough.id,
               ResponseContact.replied_at.is_(None))
        .group_by(Response.consultation_id)).all())


def reply_or_none(consultation: Consultation, borough: Borough,
                  response_id: int) -> ResponseContact | None:
    """One person's request for a reply, only through its own consultation and borough."""
    return db.session.scalar(
        select(ResponseContact).join(ResponseContact.response)
        .where(ResponseContact.response_id == response_id, *_in_area(consultation, borough))
        .options(contains_eager(ResponseContact.response).joinedload(Response.questionnaire),
                 joinedload(ResponseContact.replied_by)))


def what_they_wrote(response: Response) -> list[tuple[str, str]]:
    """(question, words) for each thing the person wrote in their own words: the long and
    short text questions and the "other, please say" boxes, outside the equality section."""
    rows = db.session.execute(
        select(Question.text, Option.label, Answer.text)
        .join(Question, Question.id == Answer.question_id)
        .join(Section, Section.id == Question.section_id)
        .outerjoin(Option, Option.id == Answer.option_id)
        .where(Answer.response_id == response.id, Answer.text.is_not(None),
               func.trim(Answer.text) != "", Section.is_equality.is_(False),
               Question.kind.in_((QuestionKind.SHORT_TEXT, QuestionKind.LONG_TEXT))
               | Option.asks_other.is_(True))
        .order_by(Section.position, Question.position, Answer.id))
    written: list[tuple[str, str]] = []
    for question, option, text in rows:
        entry = (f"{question} ({option})" if option else question, text)
        if entry not in written:  # the same "other" words stored on two options
            written.append(entry)
    return written


def mark_replied(contact: ResponseContact, officer: User, note: str) -> bool:
    """Mark the reply made. False when someone did already: the first mark stands."""
    done = db.session.execute(
        update(ResponseContact)
        .where(ResponseContact.response_id == contact.response_id,
               ResponseContact.replied_at.is_(None))
        .values(replied_at=utcnow(), replied_by_id=officer.id, reply_note=note)
        .execution_options(synchronize_session=False)).rowcount == 1
    db.session.refresh(contact)
    return done


# Retention -------------------------------------------------------------------------------------

def consultations_due(now: datetime | None = None) -> list[int]:
    """Consultations closed more than ENGAGE_REPLY_RETENTION_DAYS ago that still hold contact
    details."""
    cutoff = (now or utcnow()) - timedelta(days=current_app.config["ENGAGE_REPLY_RETENTION_DAYS"])
    holding = (select(ResponseContact.response_id).join(ResponseContact.response)
               .where(Response.consultation_id == Consultation.id).exists())
    return list(db.session.scalars(select(Consultation.id).where(
        Consultation.closes_at < cutoff, holding).order_by(Consultation.id)))


def purge(consultation_id: int) -> int:
    """Delete one consultation's contact details. The caller commits. Returns how many."""
    responses = select(Response.id).where(Response.consultation_id == consultation_id)
    return db.session.execute(
        delete(ResponseContact).where(ResponseContact.response_id.in_(responses))
        .execution_options(synchronize_session=False)).rowcount
