"""A questionnaire's own words, and the same questionnaire in another language.

The words are everything a respondent reads that staff wrote: the consultation's title and
purpose, the questionnaire's title and introduction, each section's title and introduction, each
question's text and help, and each option's words (not interviewer notes: those are for staff).
A translation holds {English: translation}; a version is *translated* when every one of its
words has a translation, and only then is it offered to the public (engage.translations.public).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import inspect as orm_inspect
from sqlalchemy import select
from sqlalchemy.orm.attributes import set_committed_value

from engage.extensions import db
from engage.surveys.models import Questionnaire, QuestionnaireVersion
from engage.translations.models import ContentTranslation


@dataclass(frozen=True)
class Text:
    english: str
    where: str  # for the translator: "Question 4", "Question 4, an answer to choose"


def texts_of(questionnaire: Questionnaire, version: QuestionnaireVersion) -> list[Text]:
    """Every word of `version` a respondent can read, each English text once, in the order
    they meet it."""
    found: dict[str, Text] = {}

    def add(english: str | None, where: str) -> None:
        english = (english or "").strip()
        if english and english not in found:
            found[english] = Text(english, where)

    consultation = questionnaire.consultation
    add(consultation.title, "The consultation's title")
    add(consultation.purpose, "What the consultation is for (on the first page)")
    add(questionnaire.title, "The questionnaire's title")
    add(questionnaire.introduction, "The questionnaire's introduction (on the first page)")
    number = 0
    for section in version.sections:
        add(section.title, f"Section {section.position}: its title")
        add(section.introduction, f"Section {section.position}: its introduction")
        for question in section.questions:
            number += 1
            add(question.text, f"Question {number}")
            add(question.help_text, f"Question {number}: its help")
            for option in question.options:
                add(option.label, f"Question {number}: an answer to choose")
    return list(found.values())


def untranslated(texts: list[Text], translations: dict[str, str]) -> list[Text]:
    return [text for text in texts if not (translations.get(text.english) or "").strip()]


def translation_of(questionnaire_id: int, code: str) -> ContentTranslation | None:
    return db.session.scalar(select(ContentTranslation).where(
        ContentTranslation.questionnaire_id == questionnaire_id,
        ContentTranslation.language == code))


def translation_memory(code: str, questionnaire_id: int) -> dict[str, str]:
    """What every questionnaire's translation into `code` says, this questionnaire's own last
    (so it wins): a new year's questionnaire, or the businesses' beside the residents', starts
    with the words it shares already translated."""
    memory: dict[str, str] = {}
    rows = db.session.scalars(
        select(ContentTranslation).where(ContentTranslation.language == code)
        .order_by(ContentTranslation.questionnaire_id == questionnaire_id,
                  ContentTranslation.updated_at))
    for row in rows:
        memory.update({english: said for english, said in row.texts.items() if said})
    return memory


def _copy(instance, **changed):
    """A transient copy of a loaded row's columns: read by the pages, never added to a
    session (nothing holds it that cascades saves)."""
    mapper = orm_inspect(type(instance))
    values = {attr.key: getattr(instance, attr.key) for attr in mapper.column_attrs}
    return type(instance)(**{**values, **changed})


def translated_version(version: QuestionnaireVersion,
                       translations: dict[str, str]) -> QuestionnaireVersion:
    """`version` with its words in another language: a copy, so the version itself (shared
    between requests: engage.surveys.version_cache) is never changed. Every id, key, value and
    condition is the same, so answers given on it are stored exactly as in English."""

    def said(english: str) -> str:
        return translations.get((english or "").strip()) or english

    copy = _copy(version)
    sections, questions = [], {}
    for section in version.sections:
        section_copy = _copy(section, title=said(section.title),
                             introduction=said(section.introduction))
        section_questions = []
        for question in section.questions:
            question_copy = _copy(question, text=said(question.text),
                                  help_text=said(question.help_text))
            options = [_copy(option, label=said(option.label)) for option in question.options]
            for option in options:
                set_committed_value(option, "question", question_copy)
            set_committed_value(question_copy, "options", options)
            set_committed_value(question_copy, "section", section_copy)
            set_committed_value(question_copy, "version", copy)
            questions[question.id] = question_copy
            section_questions.append(question_copy)
        set_committed_value(section_copy, "questions", section_questions)
        set_committed_value(section_copy, "version", copy)
        sections.append(section_copy)
    for question in questions.values():
        set_committed_value(question, "show_if_question",
                            questions.get(question.show_if_question_id))
    set_committed_value(copy, "sections", sections)
    set_committed_value(copy, "questionnaire", version.questionnaire
                        if "questionnaire" not in orm_inspect(version).unloaded else None)
    return copy

