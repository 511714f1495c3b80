"""Keying in returned paper: finding the form by its printed reference, storing what the
respondent wrote as a paper response, and, when the consultation asks for it, double keying.

A reference is keyed once: the response carries the printed reference, which is unique in
`responses`, and its idempotency key is made from it, so a replayed POST or two clerks at once
can never store a second response. Blank answers are stored as blank (people skip questions on
paper), through store_response's `relax_required`; a wrong answer is still refused.

With double keying no response exists until two clerks' keyings agree or a supervisor settles
their differences, so reports (which count `responses`) count only verified paper for free.
Words are compared as the same words, whatever the spacing, letter case, quote marks or dashes
(`comparable_text`); what is stored is the first keying, as the clerk typed it.

Operations add and flush; the view commits once.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import Enum

from flask import current_app
from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload, selectinload

from engage.auth.models import User
from engage.boroughs.models import Borough
from engage.clock import LONDON, to_london, utcnow
from engage.extensions import db
from engage.mailouts.keying_models import KeyedEntry
from engage.mailouts.models import PaperRequest, RequestStatus
from engage.mailouts.operations import mark_returned
from engage.surveys.models import (
    Channel,
    Consultation,
    Question,
    QuestionnaireVersion,
    Response,
    load_version,
)
from engage.surveys.questions import check_all, describe
from engage.surveys.references import normalise_reference
from engage.surveys.responses import ResponseRefused, applicable_questions, store_response
from engage.templating import london_time


class KeyingRefused(Exception):
    """Why this paper cannot be keyed now, in words for the clerk. `status` is the HTTP status
    a page refusing it answers with."""

    def __init__(self, message: str, status: int = 409):
        super().__init__(message)
        self.message = message
        self.status = status


class Outcome(Enum):
    STORED = "stored"  # single keying: the response is stored
    FIRST = "first"  # double keying: waiting for a second clerk
    VERIFIED = "verified"  # double keying: the two agreed, the response is stored
    MISMATCH = "mismatch"  # double keying: waiting for a supervisor


def paper_deadline(consultation: Consultation) -> datetime:
    """The last moment paper is keyed in for this consultation (naive UTC): its own grace date,
    or ENGAGE_PAPER_GRACE_DAYS after closing counted in London days, so closing at 23:59 in
    summer gives 23:59 London time in winter too, not 22:59."""
    if consultation.paper_grace_until is not None:
        return consultation.paper_grace_until
    return london_days_after(consultation.closes_at,
                             current_app.config["ENGAGE_PAPER_GRACE_DAYS"])


def london_days_after(value: datetime, days: int) -> datetime:
    """`days` calendar days after `value` (naive UTC) at the same London wall-clock time, as
    naive UTC. A time the spring change skips comes out an hour later (fold=0 reads it with
    the offset before the change), and the autumn's repeated hour as its first occurrence."""
    local = to_london(value).replace(tzinfo=None) + timedelta(days=days)
    return local.replace(tzinfo=LONDON, fold=0).astimezone(UTC).replace(tzinfo=None)


def accepting_paper(borough: Borough, now: datetime) -> list[tuple[Consultation, datetime]]:
    """The consultations covering `borough` whose paper is keyed in now, each with the last
    moment it is, soonest first: what the keying pages tell clerks."""
    found = db.session.scalars(select(Consultation).options(selectinload(Consultation.boroughs))
                               .where(Consultation.opens_at <= now))
    accepting = [(c, paper_deadline(c)) for c in found if c.covers(borough)]
    return sorted(((c, until) for c, until in accepting if until > now), key=lambda p: p[1])


def reference_from(typed: str) -> str:
    """The reference typed by a clerk or by a scanner reading the QR code (which holds the
    reference as printed), or KeyingRefused saying what is wrong with it."""
    compact = re.sub(r"[\s-]", "", typed or "")
    if not compact:
        raise KeyingRefused("Enter the reference printed at the top of each page", 400)
    reference = normalise_reference(typed)
    if reference is not None:
        return reference
    if len(compact) != 9:
        raise KeyingRefused("A reference has 9 letters and numbers, like K7M3-9QX2-T: check it "
                            "against the paper", 400)
    raise KeyingRefused(f"{typed.strip()} is not a reference we made: a character is probably "
                        "mistyped. Check it against the paper", 400)


def keyed_response(reference: str) -> Response | None:
    return db.session.scalar(select(Response).where(Response.reference == reference))


def _already_keyed(response: Response) -> KeyingRefused:
    who = db.session.get(User, response.entered_by_id) if response.entered_by_id else None
    by = f" by {who.name}" if who else ""
    return KeyingRefused(f"Reference {response.reference} was already keyed on "
                         f"{london_time(response.submitted_at)}{by}. A form is keyed once")


def _find(borough: Borough, typed: str) -> PaperRequest:
    """The borough's paper request with this reference, not keyed yet."""
    reference = reference_from(typed)
    paper = db.session.scalar(select(PaperRequest).where(PaperRequest.reference == reference))
    if paper is None:
        raise KeyingRefused(f"We have no paper questionnaire with reference {reference}. Check "
                            "it against the paper", 404)
    if paper.borough_id != borough.id:
        raise KeyingRefused(f"Reference {reference} was sent out by {paper.borough.name}: "
                            f"{paper.borough.name}'s team keys it in", 404)
    earlier = keyed_response(reference)
    if earlier is not None:
        raise _already_keyed(earlier)
    return paper


def paper_for(borough: Borough, typed: str, now: datetime | None = None) -> PaperRequest:
    """The paper request a returned form belongs to, if it may be keyed in now. A form already
    keyed once under double keying came back in time: its second keying is not refused
    after the deadline (paper_to_settle does not check it either), or it could never count."""
    paper = _find(borough, typed)
    reference = paper.reference
    if paper.print_run is None or paper.status == RequestStatus.IN_PRINT_RUN:
        raise KeyingRefused(f"Reference {reference} has not been marked as posted. Mark its "
                            "print run as posted, then key it in")
    consultation = paper.questionnaire.consultation
    if not consultation.covers(paper.borough):
        # Changed since the paper was posted: store_response would refuse it after the
        # clerk had keyed the whole form.
        raise KeyingRefused(f"{consultation.title} no longer covers {paper.borough.name}, so "
                            f"reference {reference} cannot be counted. Ask an officer")
    deadline = paper_deadline(consultation)
    if (now or utcnow()) >= deadline and not entries(paper):
        raise KeyingRefused(f"Paper for {consultation.title} was accepted until "
                            f"{london_time(deadline)}. This form came back too late to be "
                            "counted, so it cannot be keyed in", 410)
    return paper


def version_of(paper: PaperRequest) -> QuestionnaireVersion:
    """The version printed on this paper: its run's, whatever the questionnaire is now."""
    return load_version(paper.print_run.version_id)


def entries(paper: PaperRequest) -> list[KeyedEntry]:
    return list(db.session.scalars(select(KeyedEntry).where(
        KeyedEntry.reference == paper.reference).order_by(KeyedEntry.round)))


def check_can_key(paper: PaperRequest, clerk: User) -> None:
    """Under double keying: a clerk keys a form once, and a form is keyed twice at most."""
    if not paper.questionnaire.consultation.double_keying:
        return
    keyed = entries(paper)
    if any(e.clerk_id == clerk.id for e in keyed):
        raise KeyingRefused(f"You have already keyed reference {paper.reference}. Another "
                            "clerk must key it the second time, without seeing yours")
    if len(keyed) >= 2:
        raise KeyingRefused(f"Reference {paper.reference} has been keyed twice and the two "
                            "differ: it is waiting for a supervisor to settle them")


def _checked(version: QuestionnaireVersion, answers: Mapping[str, object],
             equality_consent: bool) -> dict[str, dict]:
    checked, errors = check_all(applicable_questions(version, equality_consent), answers,
                                relax_required=True)
    if errors:
        raise ResponseRefused("Some answers need correcting.", errors)
    return checked


def _store(paper: PaperRequest, version: QuestionnaireVersion, answers: Mapping[str, object],
           equality_consent: bool, by: User) -> Response:
    response = store_response(
        version, answers, idempotency_key=f"paper:{paper.reference}", borough=paper.borough,
        channel=Channel.PAPER, reference=paper.reference, equality_consent=equality_consent,
        entered_by_id=by.id, relax_required=True)
    if response.entered_by_id != by.id:
        # Someone else stored this reference a moment ago (same key, found instead of stored).
        raise _already_keyed(response)
    mark_returned(paper)
    _forget(paper)
    return response


def key_in(paper: PaperRequest, answers: Mapping[str, object], equality_consent: bool,
           clerk: User) -> tuple[Outcome, Response | None]:
    """Key in one returned form. Raises ResponseRefused (errors by question key) for a wrong
    answer and KeyingRefused when the form may not be keyed by this clerk now."""
    version = version_of(paper)
    checked = _checked(version, answers, equality_consent)
    if not paper.questionnaire.consultation.double_keying:
        return Outcome.STORED, _store(paper, version, checked, equality_consent, clerk)
    for _attempt in range(2):
        check_can_key(paper, clerk)
        keyed = entries(paper)
        entry = KeyedEntry(reference=paper.reference, round=len(keyed) + 1, clerk_id=clerk.id,
                           answers=checked, equality_consent=equality_consent)
        try:
            with db.session.begin_nested():
                db.session.add(entry)
                db.session.flush()
            break
        except IntegrityError:
            # Another clerk saved the same round at the same moment. This keying was made
            # without seeing theirs, so it is still a good second one: read theirs and save
            # it as that (check_can_key refuses if the form is now keyed twice).
            db.session.expire_all()
    else:
        raise KeyingRefused(f"Another clerk saved a keying of {paper.reference} at the same "
                            "moment. Open it again to key it")
    if entry.round == 1:
        return Outcome.FIRST, None
    first = keyed[0]
    if first.equality_consent == equality_consent and not differences(version, first, entry):
        # The first keying, as its clerk typed it: where the two agree only once spacing, case
        # and quote marks are set aside, the words kept are the first's, as when a supervisor
        # settles a form (read_resolution starts from the first keying).
        return Outcome.VERIFIED, _store(paper, version, first.answers, equality_consent, clerk)
    return Outcome.MISMATCH, None


def _forget(paper: PaperRequest) -> None:
    """The response is stored: any keyings have served their purpose (the answers are kept
    once, in the response; the audit log says who keyed)."""
    db.session.execute(delete(KeyedEntry).where(KeyedEntry.reference == paper.reference))


# Settling the differences between two keyings ------------------------------------------------

CONSENT = "equality-consent"  # the key of the consent box in a list of differences


@dataclass(frozen=True)
class Difference:
    key: str  # a question key, or CONSENT
    number: int | None  # the question's number on the paper
    text: str
    first: list[str]
    second: list[str]
    question: Question | None


def _consent_words(ticked: bool) -> list[str]:
    return ["Ticked: answers to the optional questions are kept" if ticked
            else "Not ticked: answers to the optional questions are not kept"]


# Typographic quote marks and dashes, as their plain forms: one clerk's keyboard (or words
# pasted from a word processor) gives ’ where another's gives '. (NFKC has already made
# full-width and other compatibility forms plain.)
_PLAIN_MARKS = str.maketrans({
    **dict.fromkeys("\u2018\u2019\u201a\u201b\u02bc", "'"),
    **dict.fromkeys("\u201c\u201d\u201e\u201f", '"'),
    **dict.fromkeys("\u2010\u2011\u2012\u2013\u2014\u2015\u2212", "-"),
})


def comparable_text(text: str) -> str:
    """Words as two clerks reading the same handwriting may type them, made alike: the same
    Unicode form (NFKC), no letter case, plain quotes and dashes, one space for any run of
    spaces and line breaks, none at either end. Only for comparing: never stored."""
    text = unicodedata.normalize("NFKC", text).casefold().translate(_PLAIN_MARKS)
    return " ".join(text.split())


def _comparable(answer: dict | None) -> dict | None:
    """An answer with its words (text, "please say") as comparable_text. Options, numbers,
    dates and postcodes are canonical already (engage.surveys.questions): "12" and " 12" are
    both 12, "wc1h0ag" is "WC1H 0AG"."""
    if not answer:
        return answer
    return {part: comparable_text(value) if part in ("text", "other") else value
            for part, value in answer.items()}


def differences(version: QuestionnaireVersion, first: KeyedEntry,
                second: KeyedEntry) -> list[Difference]:
    """Where two keyings differ, in the paper's order (the consent box before the optional
    section it governs). Words differing only in spacing, case, quote marks or dashes are the
    same answer (comparable_text)."""
    found = []
    for number, question in enumerate(version.ordered_questions(), start=1):
        if (question.section.is_equality and first.equality_consent != second.equality_consent
                and not any(d.key == CONSENT for d in found)):
            found.append(Difference(CONSENT, None, "The consent box for the optional questions",
                                    _consent_words(first.equality_consent),
                                    _consent_words(second.equality_consent), None))
        one, two = first.answers.get(question.key), second.answers.get(question.key)
        if _comparable(one) != _comparable(two):
            found.append(Difference(question.key, number, question.text,
                                    describe(question, one), describe(question, two), question))
    return found


def waiting_for_supervisor(borough: Borough) -> list[PaperRequest]:
    """This borough's forms keyed twice with differences."""
    return list(db.session.scalars(
        select(PaperRequest).join(KeyedEntry, KeyedEntry.reference == PaperRequest.reference)
        .where(PaperRequest.borough_id == borough.id, KeyedEntry.round == 2)
        .order_by(KeyedEntry.created_at)))


def keyed_once():
    """The condition on a first keying (joined to its paper request) that no second one has
    followed yet."""
    second = select(KeyedEntry.reference).where(KeyedEntry.round == 2)
    return (KeyedEntry.round == 1) & KeyedEntry.reference.not_in(second)


def waiting_for_second(borough: Borough) -> list[tuple[PaperRequest, KeyedEntry]]:
    """This borough's forms keyed once under double keying, oldest first."""
    return list(db.session.execute(
        select(PaperRequest, KeyedEntry).options(joinedload(KeyedEntry.clerk))
        .join(KeyedEntry, KeyedEntry.reference == PaperRequest.reference)
        .where(PaperRequest.borough_id == borough.id, keyed_once())
        .order_by(KeyedEntry.created_at)).all())


def second_keyings_for(clerk: User, borough_ids: list[int]) -> dict[int, int]:
    """{borough id: forms keyed once that this clerk may key the second time}: keyed by
    someone else (check_can_key refuses a clerk their own). One query for all the boroughs."""
    if not borough_ids:
        return {}
    return dict(db.session.execute(
        select(PaperRequest.borough_id, func.count())
        .select_from(KeyedEntry)
        .join(PaperRequest, PaperRequest.reference == KeyedEntry.reference)
        .where(PaperRequest.borough_id.in_(borough_ids), keyed_once(),
               KeyedEntry.clerk_id != clerk.id)
        .group_by(PaperRequest.borough_id)).all())


def paper_to_settle(borough: Borough, typed: str) -> tuple[PaperRequest, list[KeyedEntry]]:
    """A form keyed twice with differences, and its two keyings. The grace date is not
    checked again: the paper came back in time to be keyed twice."""
    paper = _find(borough, typed)
    keyed = entries(paper)
    if len(keyed) != 2:
        raise KeyingRefused(f"Reference {paper.reference} is not waiting for a supervisor", 404)
    return paper, keyed


def resolve(paper: PaperRequest, answers: Mapping[str, object], equality_consent: bool,
            supervisor: User) -> Response:
    """Store the form as the supervisor settled it (every answer the keyings agreed on, and
    their choice or correction where they differed), and forget the keyings."""
    version = version_of(paper)
    return _store(paper, version, _checked(version, answers, equality_consent),
                  equality_consent, supervisor)
