"""Storing a response exactly once, whatever the channel.

Every channel (online pages, paper keyed by a clerk, a telephone interview) ends here. The
response carries an idempotency key that is unique in the database: a double click, a browser
retry or a replayed POST arrives with the same key and gets back the response already stored,
never a second one. A personal invitation link is unique on the response too, so it is used once.
Answers are checked again here (not only on the pages), so nothing that skipped a page, or was
tampered with, is stored.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from datetime import datetime

from sqlalchemy import delete, insert, select
from sqlalchemy.exc import IntegrityError

from engage.boroughs.models import Borough
from engage.clock import utcnow
from engage.extensions import db
from engage.surveys.models import (
    Answer,
    Channel,
    DraftReply,
    QuestionKind,
    Questionnaire,
    QuestionnaireVersion,
    ReportingTag,
    Response,
    ResponseContact,
    ResponseDraft,
)
from engage.surveys.questions import answer_rows, check_all
from engage.surveys.references import new_reference
from engage.translations.phrases import gettext


class ResponseRefused(Exception):
    """Why a response cannot be stored, in words for the person."""

    def __init__(self, message: str, errors: dict[str, str] | None = None):
        super().__init__(message)
        self.message = message
        self.errors = errors or {}


class LinkAlreadyUsed(ResponseRefused):
    def __init__(self):
        super().__init__("This personal link has already been used to send a response.")


def invitation_answered(invitee_id: int) -> bool:
    """A personal invitation link has its one response already."""
    return db.session.scalar(
        select(Response.id).where(Response.invitee_id == invitee_id).limit(1)) is not None


def new_key() -> str:
    return secrets.token_urlsafe(32)


def applicable_questions(version: QuestionnaireVersion, equality_consent: bool) -> list:
    """The questions whose answers may be stored: equality questions only with consent. Those
    are the equality section's, and any question with an equality tag wherever it is (the
    builder and templates keep them in that section, but an older version may not have)."""
    if equality_consent:
        return [q for s in version.sections for q in s.questions]
    return [q for s in version.sections if not s.is_equality for q in s.questions
            if q.tag is None or not q.tag.is_equality]


def store_response(version: QuestionnaireVersion, answers: Mapping[str, object], *,
                   idempotency_key: str, borough: Borough | None, channel: Channel,
                   reference: str | None = None, invitee_id: int | None = None,
                   equality_consent: bool = False, entered_by_id: int | None = None,
                   started_at: datetime | None = None, duration_seconds: int | None = None,
                   contact: Mapping[str, str] | None = None,
                   relax_required: bool = False, language: str = "en") -> Response:
    """Store one response with its answers, or return the one already stored under this key.

    Adds and flushes in a savepoint; the caller commits. Raises ResponseRefused (with an error
    per question key) when an answer is missing or wrong, LinkAlreadyUsed when the invitation
    link has a response already. `relax_required` (paper keyed in) stores a form with
    questions left blank; wrong answers are still refused."""
    earlier = response_for_key(idempotency_key)
    if earlier is not None:
        return earlier
    # From the session, not the version: the public pages pass a detached, shared version.
    questionnaire = db.session.get(Questionnaire, version.questionnaire_id)
    consultation = questionnaire.consultation
    if borough is not None and not consultation.covers(borough):
        # Shown on "Check your answers" when the consultation's boroughs changed meanwhile.
        raise ResponseRefused(gettext("This consultation does not cover %(borough)s.",
                                      borough=borough.name))
    checked, errors = check_all(applicable_questions(version, equality_consent), answers,
                                relax_required=relax_required)
    if errors:
        raise ResponseRefused("Some answers are missing or need correcting.", errors)
    by_key = {q.key: q for q in version.ordered_questions()}

    for _attempt in range(3):
        response = Response(
            consultation_id=consultation.id, questionnaire_id=questionnaire.id,
            version_id=version.id, borough_id=borough.id if borough else None, channel=channel,
            reference=reference or new_reference(), idempotency_key=idempotency_key,
            invitee_id=invitee_id, equality_consent=equality_consent,
            entered_by_id=entered_by_id, started_at=started_at,
            duration_seconds=duration_seconds, submitted_at=utcnow(), language=language)
        try:
            with db.session.begin_nested():
                db.session.add(response)
                db.session.flush()
                # The response's facts go on each answer too: reports count from answers alone.
                rows = [row for key, value in checked.items()
                        for row in answer_rows(by_key[key], value)]
                facts = {"response_id": response.id, "consultation_id": consultation.id,
                         "borough_id": response.borough_id,
                         "equality_consent": equality_consent,
                         **cell_of(version, rows, equality_consent)}
                rows = [{**row, **facts} for row in rows]
                if rows:
                    # Every row names every column, NULLs too (none has a default): one
                    # INSERT for them all, not one for each set of columns left NULL.
                    db.session.execute(insert(Answer).execution_options(render_nulls=True),
                                       rows)
                if contact:
                    db.session.add(ResponseContact(response_id=response.id, **contact))
                    db.session.flush()
            return response
        except IntegrityError:
            # Someone stored this key first (two requests at once), the link was used, or
            # (once in a trillion) the random reference was taken: find out which.
            earlier = response_for_key(idempotency_key)
            if earlier is not None:
                return earlier
            if invitee_id is not None and invitation_answered(invitee_id):
                raise LinkAlreadyUsed() from None
            if reference is not None:
                raise ResponseRefused(f"Reference {reference} has a response already.") from None
    raise RuntimeError("could not find a free response reference")


# The equality tags a respondent's weighting cell is made of, and the answer column of each.
CELL_COLUMNS = {ReportingTag.ETHNIC_GROUP: "cell_ethnic_group_id",
                ReportingTag.AGE_BAND: "cell_age_band_id",
                ReportingTag.DISABILITY: "cell_disability_id"}


def cell_of(version: QuestionnaireVersion, rows: list[dict], equality_consent: bool) -> dict:
    """The response's weighting cell: for each equality tag, the option chosen in the version's
    single-choice question with that tag, given with consent; None where not given."""
    cell = dict.fromkeys(CELL_COLUMNS.values())
    if not equality_consent:
        return cell
    tagged = {q.id: CELL_COLUMNS[q.tag] for q in version.ordered_questions()
              if q.tag in CELL_COLUMNS and q.kind != QuestionKind.MULTIPLE_CHOICE}
    for row in rows:
        column = tagged.get(row["question_id"])
        if column is not None and row.get("option_id") is not None:
            cell[column] = row["option_id"]
    return cell


def response_for_key(idempotency_key: str) -> Response | None:
    return db.session.scalar(select(Response).where(Response.idempotency_key == idempotency_key))


def start_draft(version: QuestionnaireVersion, *, borough: Borough | None = None,
                invitee_id: int | None = None, language: str = "en") -> ResponseDraft:
    """A new, empty set of answers for someone starting the questionnaire (added, flushed)."""
    draft = ResponseDraft(token=new_key(), submission_key=new_key(),
                          questionnaire_id=version.questionnaire_id, version_id=version.id,
                          borough_id=borough.id if borough else None, invitee_id=invitee_id,
                          answers={}, language=language)
    db.session.add(draft)
    db.session.flush()
    return draft


def submit_draft(draft: ResponseDraft, contact: Mapping[str, str] | None = None, *,
                 language: str = "en") -> Response:
    """Store a draft's answers as an online response (once: see store_response), with
    `contact` (the reply details this browser gave) as its ResponseContact. The draft's reply
    details go in the same transaction: they are the response's now, or were not this
    browser's to send. `language` is the one its questions were read in."""
    response = store_response(
        draft.version, draft.answers, idempotency_key=draft.submission_key,
        borough=draft.borough, channel=Channel.ONLINE, invitee_id=draft.invitee_id,
        equality_consent=bool(draft.equality_consent), started_at=draft.created_at,
        contact=contact, language=language)
    db.session.execute(delete(DraftReply).where(DraftReply.draft_id == draft.id),
                       execution_options={"synchronize_session": False})
    draft.response_id = response.id
    return response
