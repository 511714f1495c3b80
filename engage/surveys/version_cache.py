"""Locked questionnaire versions, loaded once per process for the public pages.

Every page of the public questionnaire walks the whole version (which pages apply, what was
answered, what to show), and building those sections, questions and options as ORM objects was
about a third of each page's time (bench/submit.py). A version with a response never changes
(engage.surveys.versions: editing it makes the next version, and no response is ever deleted
without its consultation), so once locked it is loaded once and kept.

The kept tree is loaded in a session of its own and closed, so it is *detached*: every
attribute the pages read is loaded (show-if conditions included), nothing on it can lazy-load,
and no request's session ever holds it. That is what makes sharing it between threads safe: a
request's commit cannot expire it, and `ResponseDraft.version` does not cascade saves, so
adding a draft never pulls it into a session. Pages only read it; answers are stored by ids.

A version not yet locked is loaded in the request's session every time, so staff edits show at
once. "Locked" cannot be undone by a late edit: `editable_version` locks the version's row
before it looks for responses, and storing a response holds a key-share lock on the same row
(its foreign key) until it commits, so an edit and a first response never cross.

The cache lives on the app (tests make an app per database, where ids repeat) and holds at
most MAX_VERSIONS, the oldest dropped first.
"""

from __future__ import annotations

import threading

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload
from sqlalchemy.orm.attributes import set_committed_value

from engage.extensions import db
from engage.surveys.models import (
    Question,
    QuestionnaireVersion,
    Response,
    Section,
    load_version,
)

MAX_VERSIONS = 64
_KEY = "engage.locked_versions"
_lock = threading.Lock()


def _cache() -> dict[int, QuestionnaireVersion]:
    return current_app.extensions.setdefault(_KEY, {})


def _is_locked(version_id: int) -> bool:
    return db.session.scalar(
        select(Response.id).where(Response.version_id == version_id).limit(1)) is not None


def _load_detached(version_id: int) -> QuestionnaireVersion | None:
    """The whole tree, loaded in a session of its own and closed: detached, nothing left to
    load. That session borrows the request's connection, so a cold cache never needs a second
    connection from the pool."""
    with Session(bind=db.session.connection()) as session:
        version = session.scalar(
            select(QuestionnaireVersion).where(QuestionnaireVersion.id == version_id).options(
                selectinload(QuestionnaireVersion.sections).selectinload(Section.questions)
                .selectinload(Question.options)))
        if version is None:
            return None
        questions = {q.id: q for q in version.ordered_questions()}
        for question in questions.values():
            # Conditions point at earlier questions of the same version: join them up now, as
            # a detached question cannot load its condition later.
            set_committed_value(question, "show_if_question",
                                questions.get(question.show_if_question_id))
    return version


def version_for_pages(version_id: int) -> QuestionnaireVersion | None:
    """The version with all its sections, questions and options, for reading only."""
    cache = _cache()
    found = cache.get(version_id)
    if found is not None:
        return found
    if not _is_locked(version_id):
        return load_version(version_id)
    version = _load_detached(version_id)
    if version is not None:
        with _lock:  # threads of one process share the cache
            while len(cache) >= MAX_VERSIONS:
                cache.pop(next(iter(cache)), None)
            cache[version_id] = version
    return version
