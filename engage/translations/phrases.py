"""The service's own words in the language a person chose: `_()` in templates and code.

A request shows a language other than English only after `activate` (the public questionnaire's
pages call it); everywhere else, and for any phrase not yet translated, `gettext` gives the
English it was called with, at the cost of one attribute lookup. The translations are an
administrator's upload (PhraseTranslation), read once a request.

Marking a phrase:
- in a template, `{{ _("Check your answers") }}`, with named values for anything that varies:
  `{{ _("Choose up to %(count)s", count=limit) }}`. Never HTML in a phrase: a translation is
  text, escaped like any other (a translator's "<b>" shows as typed), so markup stays in the
  template around it;
- in code that runs during a request, `gettext("...", name=value)`;
- where a form's class is defined (its labels and messages are made once, at import), `N_()`:
  it only marks the words for the catalogue, and engage.forms.FlaskForm translates them when
  the form is made or checked.
"""

from __future__ import annotations

from contextlib import contextmanager

from flask import g, has_app_context
from jinja2 import pass_eval_context
from markupsafe import escape
from sqlalchemy import select

from engage.extensions import db
from engage.translations.languages import Language

_LANGUAGE = "engage_language"
_PHRASES = "engage_phrases"


def N_(message: str) -> str:  # noqa: N802 - gettext's own name for it
    """Marks a phrase for the catalogue without translating it (gettext_noop)."""
    return message


def current_language() -> Language | None:
    """The language this request (or email being written) is in, or None for English."""
    return g.get(_LANGUAGE) if has_app_context() else None


def activate(found: Language | None, phrases: dict[str, str] | None = None) -> None:
    """Show this request in `found` (None: English). `phrases` are its translations; by
    default they are read from the database."""
    from engage.translations.models import PhraseTranslation

    if found is None:
        g.pop(_LANGUAGE, None)
        g.pop(_PHRASES, None)
        return
    if phrases is None:
        phrases = db.session.scalar(select(PhraseTranslation.texts)
                                    .where(PhraseTranslation.language == found.code)) or {}
    setattr(g, _LANGUAGE, found)
    setattr(g, _PHRASES, phrases)


@contextmanager
def speaking(found: Language | None):
    """Words in `found` for a while, then as they were: a worker writes a batch of emails in
    one app context, each in its own reader's language."""
    before = (g.get(_LANGUAGE), g.get(_PHRASES))
    activate(found)
    try:
        yield
    finally:
        if before[0] is None:
            activate(None)
        else:
            activate(*before)


def translated_into(found: Language, message: str) -> str | None:
    """`message` in `found`, on a page not shown in it; None where it is not translated."""
    from engage.translations.models import PhraseTranslation

    texts = db.session.scalar(select(PhraseTranslation.texts)
                              .where(PhraseTranslation.language == found.code)) or {}
    return texts.get(message) or None


def translate(message: str) -> str:
    """`message` in the active language, or as it is when there is none or it has no
    translation."""
    if not has_app_context():
        return message
    phrases = g.get(_PHRASES)
    if not phrases:
        return message
    return phrases.get(message) or message


def gettext(message: str, **variables) -> str:
    translated = translate(message)
    return translated % variables if variables else translated


def ngettext(singular: str, plural: str, n: int, **variables) -> str:
    """English's two forms. Phrases with counts on the translated pages are worded so one form
    serves every number ("Choose up to %(count)s"): a language's own plural forms (Polish has
    three, Arabic six) cannot come from an English pair."""
    return gettext(singular if n == 1 else plural, n=n, **variables)


@pass_eval_context
def _template_gettext(eval_context, message: str) -> str:
    # Jinja's "newstyle" gettext marks what this returns as safe HTML, where the template
    # escapes (a page, not a plain-text email), and then fills in the (escaped) values. The
    # English is the template's own text; a translation is an upload, so it is escaped first.
    translated = translate(message)
    if translated is message or not eval_context.autoescape:
        return translated
    return str(escape(translated))


@pass_eval_context
def _template_ngettext(eval_context, singular: str, plural: str, n: int) -> str:
    return _template_gettext(eval_context, singular if n == 1 else plural)


def init_app(app) -> None:
    app.jinja_env.add_extension("jinja2.ext.i18n")
    app.jinja_env.install_gettext_callables(_template_gettext, _template_ngettext,
                                            newstyle=True)
    app.add_template_global(current_language)

