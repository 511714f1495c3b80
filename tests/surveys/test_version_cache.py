"""The public pages keep a locked version in memory: loaded once, shared, and never pulled into
a request's session, while a version still open to edits is read afresh on every page."""

from __future__ import annotations

from sqlalchemy import event, inspect, select

from engage.extensions import db
from engage.surveys.models import Option, Question, QuestionnaireVersion
from engage.surveys.version_cache import version_for_pages
from tests.helpers import Browser, page_text
from tests.surveys.answering_support import (
    ANSWERS,
    check_answers,
    complete,
    make_every_kind,
    page,
    responses,
)


def _version_id(app, made) -> int:
    with app.app_context():
        return db.session.scalar(select(QuestionnaireVersion.id).where(
            QuestionnaireVersion.questionnaire_id == made.questionnaire_id))


def _tree_is_whole_and_detached(version: QuestionnaireVersion) -> None:
    objects = [version, *version.sections]
    for section in version.sections:
        objects += section.questions
        for question in section.questions:
            objects += question.options
    assert objects and all(inspect(o).detached for o in objects)
    assert not any(inspect(o).expired_attributes for o in objects)
    crimes = next(q for q in version.ordered_questions() if q.key == "crimes")
    assert crimes.show_if_question.key == "victim"  # conditions joined up in the cache


def test_a_version_is_read_afresh_until_locked_then_once(client, app):
    made = make_every_kind(app)
    version_id = _version_id(app, made)
    with app.test_request_context():
        first = version_for_pages(version_id)
        assert version_for_pages(version_id) is first  # the same session's identity map...
        assert inspect(first).session is db.session()  # ...which the request owns
        assert app.extensions.get("engage.locked_versions", {}) == {}

    # Staff change a question before anyone has answered: the next page shows it.
    with app.app_context():
        question = db.session.scalar(select(Question).where(
            Question.version_id == version_id, Question.key == "priorities"))
        question.text = "Which crimes matter most where you live?"
        db.session.commit()
    complete(client, made.questionnaire_id)
    assert "Which crimes matter most where you live?" in page_text(
        client.get(page(made.questionnaire_id, 1)))
    check_answers(client, made.questionnaire_id)  # the first response locks the version
    assert len(responses(app)) == 1

    with app.test_request_context():
        kept = version_for_pages(version_id)
        assert app.extensions["engage.locked_versions"] == {version_id: kept}
    with app.test_request_context():
        assert version_for_pages(version_id) is kept
    _tree_is_whole_and_detached(kept)


def test_people_answering_a_locked_version_never_touch_the_kept_copy(app):
    made = make_every_kind(app)
    complete(first := Browser(app), made.questionnaire_id)
    check_answers(first, made.questionnaire_id)
    version_id = _version_id(app, made)

    statements: list[str] = []
    with app.app_context():
        engine = db.engine

    def record(conn, cursor, statement, *args):
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    try:
        person = Browser(app)
        complete(person, made.questionnaire_id)
        statements.clear()
        person.get(page(made.questionnaire_id, 2))
        one_page = list(statements)
        sent = check_answers(person, made.questionnaire_id)
    finally:
        event.remove(engine, "before_cursor_execute", record)
    assert sent.status_code == 302
    # The page read no sections, questions or options: they came from memory.
    for table in ("questionnaire_sections", "questions", "question_options"):
        assert not any(f"FROM {table}" in s for s in one_page), table
    stored = responses(app)
    assert len(stored) == 2 and {r.version_id for r in stored} == {version_id}
    # Every request committed and closed its session; the kept tree is as it was loaded.
    _tree_is_whole_and_detached(app.extensions["engage.locked_versions"][version_id])
    with app.app_context():
        options = db.session.scalars(select(Option.label).join(Question).where(
            Question.version_id == version_id, Question.key == "priorities")).all()
    assert ANSWERS[1] and len(options) == 5
