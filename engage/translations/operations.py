"""Keeping translations: what each holds, what is left to translate, and saving an upload."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select

from engage.audit.operations import record
from engage.clock import utcnow
from engage.extensions import db
from engage.surveys.models import Consultation, Questionnaire, Response
from engage.translations import catalogue
from engage.translations.content import Text, texts_of, translation_memory, untranslated
from engage.translations.files import MAX_NOT_KNOWN, Read, Row
from engage.translations.languages import Language, language
from engage.translations.models import ContentTranslation, PhraseTranslation
from engage.translations.public import offered


@dataclass(frozen=True)
class Progress:
    """How far one language has got: `done` of `total` texts translated."""

    language: Language
    done: int
    total: int
    row: ContentTranslation | PhraseTranslation | None

    @property
    def complete(self) -> bool:
        return self.done == self.total


def _kept(held: dict | None, read: Read, known: set[str]) -> dict[str, str]:
    """What a translation holds after an upload: the file's translations over what it held.
    Of translations whose English engage does not have (shown to nobody, but there should the
    words come back) only the newest MAX_NOT_KNOWN: every page in the language reads them all,
    and uploads one after another would otherwise pile them up without end."""
    kept = {english: said for english, said in (held or {}).items()
            if english not in read.translations}
    kept.update(read.translations)  # the newest last
    for english in [english for english in kept if english not in known][:-MAX_NOT_KNOWN]:
        del kept[english]
    return kept


# A questionnaire's own words ---------------------------------------------------------------------

def content_texts(questionnaire: Questionnaire) -> list[Text]:
    return texts_of(questionnaire, questionnaire.current_version)


def content_progress(questionnaire: Questionnaire) -> list[Progress]:
    """Each language the questionnaire has a translation into, by English name."""
    texts = content_texts(questionnaire)
    found = []
    for row in db.session.scalars(select(ContentTranslation).where(
            ContentTranslation.questionnaire_id == questionnaire.id)):
        known = language(row.language)
        if known is not None:
            found.append(Progress(known, len(texts) - len(untranslated(texts, row.texts)),
                                  len(texts), row))
    return sorted(found, key=lambda progress: progress.language.name)


def content_rows(questionnaire: Questionnaire, found: Language) -> list[Row]:
    """The rows of the file for a translator, with what is already known filled in."""
    memory = translation_memory(found.code, questionnaire.id)
    return [Row(text.where, text.english, memory.get(text.english, ""))
            for text in content_texts(questionnaire)]


def save_content(questionnaire: Questionnaire, found: Language, read: Read, filename: str,
                 user) -> ContentTranslation:
    """Add the file's translations to what the questionnaire holds (a text the file leaves
    empty keeps the translation it had). Audited; the caller commits."""
    row = db.session.scalar(select(ContentTranslation).where(
        ContentTranslation.questionnaire_id == questionnaire.id,
        ContentTranslation.language == found.code).with_for_update())
    if row is None:
        row = ContentTranslation(questionnaire_id=questionnaire.id, language=found.code,
                                 texts={})
        db.session.add(row)
    # A new dict, not the old one changed: the JSON column notices only an assignment.
    row.texts = _kept(row.texts, read, {text.english for text in content_texts(questionnaire)})
    row.updated_by_id = user.id
    _audit("questionnaire.translation_uploaded", questionnaire, language=found.code,
           file=filename, translations=len(read.translations))
    db.session.flush()
    return row


def delete_content(questionnaire: Questionnaire, row: ContentTranslation) -> None:
    _audit("questionnaire.translation_deleted", questionnaire, language=row.language)
    db.session.delete(row)


def _audit(action: str, questionnaire: Questionnaire, **details) -> None:
    """Recorded against the borough when the consultation covers exactly one, as the
    questionnaire's other changes are (engage.surveys.staff_views.audit)."""
    consultation = questionnaire.consultation
    only = (consultation.boroughs[0]
            if not consultation.all_boroughs and len(consultation.boroughs) == 1 else None)
    record(action, borough=only, target=f"consultation:{consultation.id}",
           consultation=consultation.slug, audience=questionnaire.audience.value, **details)


def responses_by_language(questionnaire: Questionnaire) -> dict[str, int]:
    """How many responses were given in each language (one GROUP BY): whether a translation
    is used, and worth keeping up."""
    return dict(db.session.execute(
        select(Response.language, func.count()).where(
            Response.questionnaire_id == questionnaire.id).group_by(Response.language)).all())


def public_languages(questionnaire: Questionnaire) -> list[Language]:
    return offered(questionnaire, questionnaire.current_version)


# The service's phrases --------------------------------------------------------------------------

def phrase_texts() -> list[Text]:
    texts = []
    for message in catalogue.phrases():
        if not message.id:
            continue
        places = ", ".join(path for path, _line in message.locations)
        notes = " ".join(message.auto_comments)
        texts.append(Text(message.id, f"{notes} ({places})" if notes else places))
    return texts


def phrase_progress() -> list[Progress]:
    texts = phrase_texts()
    found = []
    for row in db.session.scalars(select(PhraseTranslation)):
        known = language(row.language)
        if known is not None:
            found.append(Progress(known, len(texts) - len(untranslated(texts, row.texts)),
                                  len(texts), row))
    return sorted(found, key=lambda progress: progress.language.name)


def phrase_rows(found: Language) -> list[Row]:
    row = db.session.get(PhraseTranslation, found.code)
    held = row.texts if row is not None else {}
    return [Row(text.where, text.english, held.get(text.english, ""))
            for text in phrase_texts()]


def save_phrases(found: Language, read: Read, filename: str, user) -> PhraseTranslation:
    row = db.session.scalar(select(PhraseTranslation).where(
        PhraseTranslation.language == found.code).with_for_update())
    if row is None:
        row = PhraseTranslation(language=found.code, texts={})
        db.session.add(row)
    row.texts = _kept(row.texts, read, {text.english for text in phrase_texts()})
    row.updated_by_id = user.id
    record("phrases.translation_uploaded", language=found.code, file=filename,
           translations=len(read.translations))
    db.session.flush()
    return row


def delete_phrases(row: PhraseTranslation) -> None:
    record("phrases.translation_deleted", language=row.language)
    db.session.delete(row)


def phrases_behind(now: datetime | None = None) -> list[Progress]:
    """Languages a questionnaire still open (or not yet open) is translated into, whose service
    phrases are not all translated: their pages show those in English, on a page marked as the
    language (a new release's phrases, most often). For administrators' staff home."""
    now = now or utcnow()
    wanted = set(db.session.scalars(
        select(ContentTranslation.language).distinct()
        .join(Questionnaire, Questionnaire.id == ContentTranslation.questionnaire_id)
        .join(Consultation, Consultation.id == Questionnaire.consultation_id)
        .where(Consultation.closes_at > now)))
    if not wanted:
        return []
    done = {progress.language.code: progress for progress in phrase_progress()}
    total = len(phrase_texts())
    behind = []
    for code in sorted(wanted):
        found = language(code)
        if found is None:
            continue
        progress = done.get(code) or Progress(found, 0, total, None)
        if not progress.complete:
            behind.append(progress)
    return sorted(behind, key=lambda progress: progress.language.name)
