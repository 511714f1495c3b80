"""The service's phrases, gathered from the code and templates by Babel into phrases.pot.

Run `flask --app engage engage phrases` after marking or changing a phrase; a test fails while
the file in the repository differs from what the code marks
(tests/test_translations_phrases.py)."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_file
from babel.messages.pofile import read_po, write_po

from engage.config import PROJECT_ROOT

POT = Path(__file__).with_name("phrases.pot")

# Only the pages a translated questionnaire shows (the public questionnaire's, from its start
# page to its confirmation): the rest of the service is in English. Exactly the files with a
# marked phrase.
SOURCES = {
    "python": ["engage/components.py", "engage/forms.py", "engage/templating.py",
               "engage/surveys/pages.py", "engage/surveys/public_flow.py",
               "engage/surveys/public_forms.py", "engage/surveys/public_review.py",
               "engage/surveys/questions.py", "engage/surveys/responses.py",
               "engage/translations/public.py"],
    "jinja2": ["templates/base.html", "templates/_contact.html", "templates/public/_emergency.html",
               *(f"templates/surveys/public/{name}.html" for name in (
                   "_borough_reports", "_invited", "_languages", "about_you", "already_sent",
                   "borough", "check_answers", "confirmation", "layout", "link_expired", "postcode",
                   "reply", "save", "saved", "section", "start", "unavailable")),
               # The emails those pages send, in the language the person was reading.
               "templates/email/survey_resume.txt",
               # What a telephone interviewer reads out, in the interview's language.
               "templates/telephone/question.html", "templates/telephone/about_them.html"],
}
KEYWORDS = {"_": None, "gettext": None, "N_": None, "read_aloud": None}
COMMENT_TAGS = ["Translators:"]


def _files() -> list[tuple[str, Path]]:
    found = []
    for method, patterns in SOURCES.items():
        for pattern in patterns:
            found += [(method, path) for path in sorted(PROJECT_ROOT.glob(pattern))]
    return found


def extract() -> Catalog:
    """Every marked phrase, with where it is used and any note for translators."""
    catalog = Catalog(project="engage", fuzzy=False)
    for method, path in _files():
        options = {"extensions": "jinja2.ext.i18n"} if method == "jinja2" else {}
        for lineno, message, comments, _context in extract_from_file(
                method, path, keywords=KEYWORDS, comment_tags=COMMENT_TAGS, options=options,
                strip_comment_tags=True):
            relative = path.relative_to(PROJECT_ROOT).as_posix()
            catalog.add(message, locations=[(relative, lineno)], auto_comments=comments)
    return catalog


def write(target: Path = POT) -> int:
    """Write the phrases to `target` (the repository's phrases.pot unless told), and return
    how many there are."""
    catalog = extract()
    with target.open("wb") as file:
        write_po(file, catalog, omit_header=True, sort_output=True, width=0)
    return len(catalog)


@cache
def phrases() -> Catalog:
    """The phrases as the repository holds them (what administrators translate)."""
    with POT.open("rb") as file:
        return read_po(file)
