"""Questionnaire versions: a version with a response or a print run is locked, and editing
makes the next.

Every response points at the version it answered (Response.version_id, RESTRICT), so the words a
person read are never changed under their answers. The builder always edits through
`editable_version`: the current version while nobody has answered it, otherwise an exact copy
(sections, questions, options, conditions re-pointed to the copies, keys and tags kept) that
becomes the new current version. Keys, tags and option values stay the same across the copy, so
reports line the versions up.
"""

from __future__ import annotations

from typing import NamedTuple

from sqlalchemy import select

from engage.extensions import db
from engage.mailouts.models import PrintRun
from engage.surveys.models import (
    Option,
    Question,
    Questionnaire,
    QuestionnaireVersion,
    Response,
    Section,
)

# What a copy takes from each question (everything but its place and its condition).
_QUESTION_FIELDS = ("key", "kind", "text", "help_text", "interviewer_note", "required", "tag",
                    "min_value", "max_value", "max_choices", "rank_count")
_OPTION_FIELDS = ("position", "value", "label", "asks_other", "exclusive")


class Lock(NamedTuple):
    """Why a version can no longer change, in words for the builder's pages."""

    why: str  # follows "Version N"
    kept: str  # what keeps its words


ANSWERED = Lock("has responses", "Responses already given keep the words they answered.")
PRINTED = Lock("has been printed for paper copies",
               "Paper copies already printed, and the answers keyed from them, keep their words.")


def lock_of(version: QuestionnaireVersion) -> Lock | None:
    """Why this version is locked, or None while it may still change: once any response (from
    any channel) answered it, or a print run printed it (the paper copies people are sent, and
    keyed back against, carry its words)."""
    if db.session.scalar(
            select(Response.id).where(Response.version_id == version.id).limit(1)) is not None:
        return ANSWERED
    if db.session.scalar(
            select(PrintRun.id).where(PrintRun.version_id == version.id).limit(1)) is not None:
        return PRINTED
    return None


def is_locked(version: QuestionnaireVersion) -> bool:
    return lock_of(version) is not None


def editable_version(questionnaire: Questionnaire, user=None) -> QuestionnaireVersion:
    """The version staff may change now: the current one, or a new copy of it if it is locked.

    Adds and flushes; the caller commits. Two editors making the next version at the same time
    meet the unique (questionnaire, number) key: the second gets IntegrityError, and its
    request is rolled back whole (a savepoint here would not do: on SQLite, releasing one
    commits)."""
    current = questionnaire.current_version
    # Wait for any response being stored against it (its foreign key holds a key-share lock on
    # this row until it commits), and keep new ones out until this edit commits: the check
    # below then cannot be overtaken by a first response (engage.surveys.version_cache).
    db.session.execute(select(QuestionnaireVersion.id)
                       .where(QuestionnaireVersion.id == current.id).with_for_update())
    if not is_locked(current):
        return current
    copy = copy_version(current, user)
    db.session.expire(questionnaire, ["versions"])
    return copy


def copy_version(version: QuestionnaireVersion, user=None) -> QuestionnaireVersion:
    """An exact copy of `version` as the next version number (added and flushed)."""
    copy = QuestionnaireVersion(questionnaire_id=version.questionnaire_id,
                                number=version.number + 1,
                                created_by_id=getattr(user, "id", None))
    db.session.add(copy)
    copies: dict[int, Question] = {}
    # Reading the original's rows must not flush the half-built copy.
    with db.session.no_autoflush:
        for section in version.sections:
            new_section = Section(version=copy, position=section.position, title=section.title,
                                  introduction=section.introduction,
                                  is_equality=section.is_equality)
            db.session.add(new_section)  # a backref alone does not add it to the session
            for question in section.questions:
                new_question = Question(version=copy, section=new_section,
                                        position=question.position,
                                        show_if_values=list(question.show_if_values or []),
                                        **{f: getattr(question, f) for f in _QUESTION_FIELDS})
                new_question.options = [Option(**{f: getattr(o, f) for f in _OPTION_FIELDS})
                                        for o in question.options]
                db.session.add(new_question)
                copies[question.id] = new_question
        # Conditions point at the copies, never back into the locked version.
        for question in version.ordered_questions():
            if question.show_if_question_id is not None:
                copies[question.id].show_if_question = copies[question.show_if_question_id]
    db.session.flush()
    return copy


# The same thing in another version ------------------------------------------------------------
# A page names a section, question or option by its id, which belongs to one version. When the
# edit lands on a fresh copy, these find the counterpart: the copy keeps every position, so the
# same places identify the same things.

def section_in(version: QuestionnaireVersion, section: Section) -> Section | None:
    if section.version_id == version.id:
        return section
    return next((s for s in version.sections if s.position == section.position), None)


def question_in(version: QuestionnaireVersion, question: Question) -> Question | None:
    if question.version_id == version.id:
        return question
    section = section_in(version, question.section)
    if section is None:
        return None
    return next((q for q in section.questions if q.position == question.position), None)


def option_in(version: QuestionnaireVersion, option: Option) -> Option | None:
    question = question_in(version, option.question)
    if question is None:
        return None
    return next((o for o in question.options if o.position == option.position), None)
