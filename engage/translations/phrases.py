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
from markupsafe import Markup, escape
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
    if found is None:
        g.pop(_LANGUAGE, None)
        g.pop(_PHRASES, None)
        return
    if phrases is None:
        phrases = phrases_in(found)
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


def phrases_in(found: Language) -> dict[str, str]:
    """The service's phrases in `found`, as an administrator uploaded them."""
    from engage.translations.models import PhraseTranslation

    return db.session.scalar(select(PhraseTranslation.texts)
                             .where(PhraseTranslation.language == found.code)) or {}


def read_aloud_in(found: Language | None):
    """`read_aloud(...)` for a template whose page is in English but some of whose words are
    said to someone in `found`: a telephone interviewer's screen, where what they read out is in
    the interview's language and the rest is theirs. Marks what it returns as in `found`."""
    phrases = phrases_in(found) if found is not None else {}

    def read_aloud(message: str, **variables) -> Markup:
        said = phrases.get(message) or message
        text = said % variables if variables else said
        if found is None:
            return escape(text)
        # Inside a part in `found`: a phrase not translated yet is said to be English.
        code, direction = (found.code, found.direction) if said is not message else ("en", "ltr")
        return Markup('<span lang="{}" dir="{}">{}</span>').format(code, direction, text)

    return read_aloud


def translated_into(found: Language, message: str) -> str | None:
    """`message` in `found`, on a page not shown in it; None where it is not translated."""
    return phrases_in(found).get(message) or None


def translate(message: str) -> str:
    """`message` in the active language, or as it is when there is none or it has no
    translation."""
    if not has_app_context():
        return message
    phrases = g.get(_PHRASES)
    if not phrases:
        return message
    return phrases.get(message) or message


def translate_text(message: str) -> str:
    """`translate`, for words shown as they are, never filled in (a form's label, a message
    already made): a translation writes a percent sign as %%, since templates fill in every
    phrase, so here it is made one again. English is returned untouched."""
    translated = translate(message)
    return translated if translated is message else translated.replace("%%", "%")


def gettext(message: str, **variables) -> str:
    if not variables:
        return translate_text(message)
    return translate(message) % variables


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
    # Jinja's i18n wants one; the marked pages use none. Phrases with counts are worded so one
    # form serves every number ("Choose up to %(count)s"): a language's own plural forms
    # (Polish has three, Arabic six) cannot come from an English pair.
    return _template_gettext(eval_context, singular if n == 1 else plural)


def init_app(app) -> None:
    app.jinja_env.add_extension("jinja2.ext.i18n")
    app.jinja_env.install_gettext_callables(_template_gettext, _template_ngettext,
                                            newstyle=True)
    app.add_template_global(current_language)

