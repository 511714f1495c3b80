"""Which language a person reads a questionnaire in.

A questionnaire's first page lists the languages it is translated into, each a link in its own
language (`?language=pl`); the choice is kept in the session for every later page, and each
translated page links back to English the same way. A language is shown only where the
questionnaire's version is translated in full: anywhere else the page is in English, and one
whose choice was not available says so. English pages pay nothing for this: without a choice
in the session, nothing is looked up.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import urlencode

from flask import g, request, session
from sqlalchemy import select

from engage.extensions import db
from engage.surveys.models import Questionnaire, QuestionnaireVersion
from engage.translations.content import texts_of, translated_version, untranslated
from engage.translations.languages import ENGLISH, Language, language
from engage.translations.models import ContentTranslation
from engage.translations.phrases import N_, activate, translated_into

SESSION_KEY = "language"
_CHOSEN = "engage_content"


@dataclass
class Chosen:
    """The language of this page, and the questionnaire's words in it."""

    language: Language
    texts: dict[str, str] = field(default_factory=dict)

    def said(self, english: str | None) -> str:
        return self.texts.get((english or "").strip()) or (english or "")


def asked_for() -> str | None:
    """The language this person chose (a link's `?language=`, kept in the session), None for
    English."""
    asked = request.args.get("language")
    if asked is not None:
        if language(asked) is not None:
            session[SESSION_KEY] = asked
        elif SESSION_KEY in session:
            session.pop(SESSION_KEY)  # English, or a language not offered here
    return session.get(SESSION_KEY)


def offered(questionnaire: Questionnaire, version: QuestionnaireVersion) -> list[Language]:
    """The languages `version` is fully translated into, by their own names."""
    texts = texts_of(questionnaire, version)
    found = [language(row.language) for row in db.session.scalars(
        select(ContentTranslation).where(ContentTranslation.questionnaire_id == questionnaire.id))
        if language(row.language) is not None and not untranslated(texts, row.texts)]
    return sorted(found, key=lambda each: each.own_name)


def use_language(questionnaire: Questionnaire, version: QuestionnaireVersion, *,
                 partial: bool = False) -> QuestionnaireVersion:
    """Show this request in the language chosen, when `version` is translated into it: the
    service's phrases are activated and the version returned is a translated copy. Otherwise
    English, and `version` itself. `partial` (a staff preview) shows a translation not yet
    finished, with its untranslated texts in English."""
    code = asked_for()
    if code is None or code == ENGLISH:
        return version
    translation = db.session.scalar(select(ContentTranslation).where(
        ContentTranslation.questionnaire_id == questionnaire.id,
        ContentTranslation.language == code))
    chosen_language = language(code)
    if (translation is None or chosen_language is None
            or (not partial and untranslated(texts_of(questionnaire, version),
                                             translation.texts))):
        g.engage_language_missing = chosen_language
        return version
    activate(chosen_language)
    setattr(g, _CHOSEN, Chosen(chosen_language, translation.texts))
    return translated_version(version, translation.texts)


def chosen() -> Chosen | None:
    return g.get(_CHOSEN)


def said(english: str | None) -> str:
    """A questionnaire's own words (its title, introduction, the consultation's title and
    purpose) in the page's language: the `content` filter."""
    found = chosen()
    return found.said(english) if found is not None else (english or "")


def language_missing() -> Language | None:
    """The language this person chose, when this questionnaire is not (or not fully)
    translated into it: the page says so, in English."""
    return g.get("engage_language_missing")


# Translators: On a questionnaire not translated into this language, the page being in English.
NOT_IN_IT = N_("This questionnaire is not in your language yet. You can answer it in English.")


def language_missing_said() -> str | None:
    """That the questionnaire is not in the language chosen, said in that language too, where
    an administrator has translated the service's phrases into it: the person who chose it
    may read no English."""
    missing = language_missing()
    return translated_into(missing, NOT_IN_IT) if missing is not None else None


def language_url(code: str) -> str:
    """This page again, in the language `code` ("en" for English)."""
    return request.path + "?" + urlencode({**request.args, "language": code})


def init_app(app) -> None:
    app.add_template_global(language_url)
    app.add_template_filter(said, "content")
    app.add_template_global(language_missing)
    app.add_template_global(language_missing_said)
    app.add_template_global(chosen, "chosen_language")
