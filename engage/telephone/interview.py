"""The interview: one question a screen, the answers kept in the case's ResponseDraft, and the
finished interview stored as a telephone response, exactly once.

The screens, in order, are every question that applies given the answers so far (show-if
conditions), with the consent question ("would they like to answer questions about
themselves?") just before the equality section, whose questions are asked only after a yes;
then "Check the answers", which finishes. Pausing is a call outcome (partial or appointment):
the draft stays on the case, and the next call resumes it where it stopped.
"""

from __future__ import annotations

from datetime import datetime
from typing import NamedTuple

from sqlalchemy.orm.attributes import set_committed_value

from engage.auth.models import User
from engage.extensions import db
from engage.surveys.flow import save_answers, set_equality_consent
from engage.surveys.models import Channel, Question, ResponseDraft, load_version
from engage.surveys.pages import visible_questions
from engage.surveys.responses import start_draft, store_response
from engage.telephone.models import Call, CallCase, CaseStatus, Outcome
from engage.telephone.operations import NotAllowed, end_call
from engage.translations.content import translated_version, translation_of
from engage.translations.languages import ENGLISH, Language
from engage.translations.public import offered


class Screen(NamedTuple):
    """One screen: a question (by key), the equality consent ("about-you") or "finish"."""

    kind: str
    key: str = ""


ABOUT_YOU = Screen("about-you")
FINISH = Screen("finish")


def loaded_draft(call_case: CallCase) -> ResponseDraft | None:
    """The case's draft with its whole version loaded at once (every screen walks it), in the
    interview's language: what the interviewer reads out."""
    draft = call_case.draft
    if draft is not None:
        version = load_version(draft.version_id)
        if draft.language != ENGLISH:
            translation = translation_of(draft.questionnaire_id, draft.language)
            if translation is not None:
                version = translated_version(version, translation.texts)
        set_committed_value(draft, "version", version)
    return draft


def interview_languages(call_case: CallCase) -> list[Language]:
    """The languages an interview on this case can be asked in: those the questionnaire is
    fully translated into, as online."""
    questionnaire = call_case.questionnaire
    return offered(questionnaire, questionnaire.current_version)


def screens(draft: ResponseDraft, *, if_they_agree: bool = False) -> list[Screen]:
    """The interview's screens given the answers so far. `if_they_agree`: as if the person
    will agree to the equality questions while they have not been asked, so a count of the
    screens ("7 of 11") does not grow when they say yes."""
    answers = draft.answers or {}
    result: list[Screen] = []
    asked = False
    consent = draft.equality_consent
    if consent is None and if_they_agree:
        consent = True
    for section in draft.version.sections:
        shown = visible_questions(section, answers)
        if section.is_equality and shown and not asked:
            result.append(ABOUT_YOU)
            asked = True
        if section.is_equality and not consent:
            continue
        result.extend(Screen("question", q.key) for q in shown)
    return result + [FINISH]


def first_to_do(draft: ResponseDraft) -> Screen:
    """Where a resumed interview picks up: the first screen not yet answered."""
    answers = draft.answers or {}
    for screen in screens(draft):
        if screen.kind == "question" and screen.key not in answers:
            return screen
        if screen == ABOUT_YOU and draft.equality_consent is None:
            return screen
    return FINISH


def neighbours(draft: ResponseDraft, screen: Screen) -> tuple[Screen | None, Screen]:
    """The screen before (None at the first) and the one after this one."""
    order = screens(draft)
    if screen not in order:
        return None, first_to_do(draft)
    at = order.index(screen)
    return (order[at - 1] if at else None), order[min(at + 1, len(order) - 1)]


def question(draft: ResponseDraft, key: str) -> Question | None:
    return next((q for q in draft.version.ordered_questions() if q.key == key), None)


def _open_call(call_case: CallCase) -> Call:
    call = call_case.open_call
    if call is None:
        raise NotAllowed("Start a call before the interview.")
    return call


def check_interviewer(call_case: CallCase, by: User) -> None:
    """Only the interviewer on the call asks the questions: a second interviewer saving
    screens of the same interview would overwrite the answers being given on the phone (each
    save writes the draft's answers whole). Anyone may still end an abandoned call."""
    call = _open_call(call_case)
    if call.caller_id != by.id:
        who = call.caller.name if call.caller else "Someone else"
        raise NotAllowed(f"{who} is on this call and asks the questions. If the call has "
                         "ended without its outcome, record how it ended, then start a new "
                         "call.")


def begin(call_case: CallCase, now: datetime, language_code: str = ENGLISH) -> ResponseDraft:
    """Start the interview on the open call, or resume the case's draft. The questionnaire's
    current version is asked, in `language_code` (English, or a language it is fully
    translated into); a resumed interview keeps the version and language it started with."""
    call = _open_call(call_case)
    if call_case.status != CaseStatus.OPEN:
        raise NotAllowed("This case is closed.")
    consultation = call_case.questionnaire.consultation
    if not consultation.is_open(now):
        raise NotAllowed(f"{consultation.title} is not open for answers.")
    if call_case.draft is None:
        if language_code != ENGLISH and language_code not in {
                found.code for found in interview_languages(call_case)}:
            raise NotAllowed("The questionnaire is not translated in full into that language: "
                             "choose another, or English.")
        draft = start_draft(call_case.questionnaire.current_version, borough=call_case.borough,
                            language=language_code)
        call_case.draft_id = draft.id
        db.session.flush()
        db.session.refresh(call_case, ["draft"])
    if call.interview_started_at is None:
        call.interview_started_at = now
    db.session.flush()
    return call_case.draft


def answer(draft: ResponseDraft, checked: dict) -> None:
    save_answers(draft, checked)


def consent(draft: ResponseDraft, given: bool) -> None:
    set_equality_consent(draft, given)


def seconds_so_far(call_case: CallCase, now: datetime) -> int:
    call = call_case.open_call
    running = 0
    if call is not None and call.interview_started_at is not None:
        running = max(0, int((now - call.interview_started_at).total_seconds()))
    return call_case.interview_seconds + running


def finish(call_case: CallCase, by: User, now: datetime):
    """Store the answers as a telephone response and close the case as complete. A second
    finish (a double click, a replayed POST) finds the response already stored."""
    draft = loaded_draft(call_case)
    if draft is None:
        raise NotAllowed("This interview has not started.")
    if call_case.status == CaseStatus.COMPLETE and call_case.response_id is not None:
        return call_case.response
    call = _open_call(call_case)
    check_interviewer(call_case, by)
    if not call_case.questionnaire.consultation.is_open(now):
        raise NotAllowed(f"{call_case.questionnaire.consultation.title} has closed: the "
                         "answers cannot be stored.")
    response = store_response(
        draft.version, draft.answers or {}, idempotency_key=draft.submission_key,
        borough=call_case.borough, channel=Channel.TELEPHONE, entered_by_id=by.id,
        started_at=draft.created_at, duration_seconds=seconds_so_far(call_case, now),
        equality_consent=bool(draft.equality_consent), language=draft.language)
    draft.response_id = response.id
    call_case.response_id = response.id
    db.session.flush()
    end_call(call_case, call, Outcome.COMPLETE, now)
    return response
