"""The service's phrases (engage.translations): the catalogue in the repository is what the code
marks, and a person answering a questionnaire in another language reads none of the service's
words in English.

The second is checked with a pseudo-translation: every phrase in the catalogue is "translated"
to itself between ⟪ and ⟫. A resident walks through a questionnaire over HTTP, every kind of
question and a mistake on each page first; on every page, once those spans are gone, and the
questionnaire's own words (here between ‹ and ›, as its content translation would stand in
for them), borough names and what the person typed, no English word may be left. A phrase
left unmarked stays English, and fails it.
"""

from __future__ import annotations

import re
from datetime import timedelta
from html import unescape

import pytest
from sqlalchemy import select

from engage.boroughs.models import Borough
from engage.clock import utcnow
from engage.extensions import db
from engage.surveys.models import Consultation, ResponseDraft
from engage.translations import catalogue
from engage.translations.languages import language
from engage.translations.phrases import activate
from tests.helpers import Browser
from tests.surveys.answering_support import (
    ANSWERS,
    begin,
    check_answers,
    make_every_kind,
    page,
    post,
    start_url,
    step,
)


def test_the_phrases_file_holds_what_the_code_marks(tmp_path):
    gathered = tmp_path / "phrases.pot"
    catalogue.write(gathered)
    assert gathered.read_bytes() == catalogue.POT.read_bytes(), (
        "engage/translations/phrases.pot is not what the code and templates mark: run "
        "`flask --app engage engage phrases` and commit the file")


def test_every_source_of_phrases_is_there():
    for patterns in catalogue.SOURCES.values():
        for pattern in patterns:
            assert list(catalogue.PROJECT_ROOT.glob(pattern)), f"{pattern} does not exist"


def test_the_phrases_have_no_markup_and_name_their_values():
    for message in catalogue.phrases():
        if not message.id:
            continue  # the header
        assert "<" not in message.id and ">" not in message.id, message.id
        # Values are named, so a translation may put them in its own order.
        assert not re.search(r"%[sd]|\{\w*\}", message.id), message.id


# The pseudo-translated walk -------------------------------------------------------------------

PSEUDO = re.compile(r"⟪[^⟪⟫]*⟫")  # innermost first: a translated message may hold another
OWN_WORDS = re.compile(r"‹[^‹›]*›")
REFERENCE = re.compile(r"\b[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]\b")
EMAIL = re.compile(r"[\w.+-]+@[\w.-]+")  # the service's, and the one typed
# An answer's date as the page's language writes it (Polish: "3 lutego 2027").
POLISH_DATE = re.compile(r"\b\d{1,2} (stycznia|lutego|marca|kwietnia|maja|czerwca|lipca|sierpnia"
                         r"|września|października|listopada|grudnia) \d{4}\b")
ENGLISH_MONTHS = re.compile(r"\b(January|February|March|April|May|June|July|August|September"
                            r"|October|November|December)\b")
# Names, which stay as they are in every language.
NAMES = {"engage"}
# What the resident types, shown back to them.
TYPED = ["Ada Lovelace", "020 7946 0000", "Near the station", "Bike theft",
         "Acacia Avenue", "SW1A 2AA"]


@pytest.fixture
def polish_app(fresh_app):
    """The app showing every request in Polish, each phrase pseudo-translated."""
    pseudo = {message.id: f"⟪{message.id}⟫" for message in catalogue.phrases() if message.id}

    @fresh_app.before_request
    def _in_polish():
        activate(language("pl"), pseudo)

    # A walk with a mistake on each page makes more than the public's allowance of POSTs.
    fresh_app.config["ENGAGE_SURVEY_PAGE_LIMIT"] = "1000 per minute"
    return fresh_app


def _own_words(app, **kwargs):
    """A questionnaire asking every kind of question whose own words (translated separately,
    as content) are each between ‹ and ›."""
    made = make_every_kind(app, **kwargs)
    with app.app_context():
        consultation = db.session.get(Consultation, made.consultation_id)
        consultation.title = f"‹{consultation.title}›"
        consultation.purpose = f"‹{consultation.purpose}›"
        for questionnaire in consultation.questionnaires:
            questionnaire.title = f"‹{questionnaire.title}›"
            # Without "minutes" in it, so the start page says how long it takes.
            questionnaire.introduction = "‹Tell us what you think.›"
            for version in questionnaire.versions:
                for section in version.sections:
                    section.title = f"‹{section.title}›"
                    if section.introduction:
                        section.introduction = f"‹{section.introduction}›"
                    for question in section.questions:
                        question.text = f"‹{question.text}›"
                        if question.key in ("priorities", "crimes"):
                            question.help_text = "‹Think of the last year.›"
                        for option in question.options:
                            option.label = f"‹{option.label}›"
        db.session.commit()
    return made


def _borough_names(app) -> list[str]:
    with app.app_context():
        return list(db.session.scalars(select(Borough.name)))


def _read(response) -> tuple[str, str]:
    """What the page says, as a person and a screen reader meet it: its title, its body's text
    (hidden text too, scripts not) and its aria-labels. And the raw HTML."""
    html = response.get_data(as_text=True)
    title = re.search(r"<title[^>]*>(.*?)</title>", html, re.S).group(1)
    body = html[html.index("<body"):]
    body = re.sub(r"<(script|style)\b.*?</\1>", " ", body, flags=re.S)
    labels = " ".join(re.findall(r'aria-label="([^"]*)"', body))
    text = " ".join((title, labels, re.sub(r"<[^>]+>", " ", body)))
    return re.sub(r"\s+", " ", unescape(text)).strip(), html


def _english_left(text: str, names: list[str]) -> list[str]:
    """The words left once the translated phrases, the questionnaire's own words, `names` and
    what the person typed are taken out (and any bracket of theirs left unmatched)."""
    previous = None
    while previous != text:  # a translated message may hold another
        previous, text = text, PSEUDO.sub(" ", text)
    text = OWN_WORDS.sub(" ", text)
    for known in sorted(names + TYPED, key=len, reverse=True):
        text = text.replace(known, " ")
    text = POLISH_DATE.sub(" ", REFERENCE.sub(" ", EMAIL.sub(" ", text)))
    return [word for word in re.findall(r"[A-Za-z]+|[⟪⟫‹›]", text) if word not in NAMES]


class Walk:
    """A resident's browser, checking each page it is shown."""

    def __init__(self, app):
        self.client = Browser(app)
        self.names = _borough_names(app)
        self.pages = 0

    def check(self, response, status: int = 200):
        assert response.status_code == status, (response.request.path, response.status_code)
        text, html = _read(response)
        where = f"{response.request.method} {response.request.full_path}"
        assert '<html lang="pl"' in html, where
        assert not ENGLISH_MONTHS.search(text), f"{where}: a date in English: {text}"
        left = _english_left(text, self.names)
        assert not left, f"{where} shows English: {left}\n\n{text}"
        self.pages += 1
        return response

    def get(self, url: str, status: int = 200):
        return self.check(self.client.get(url), status)

    def post(self, url: str, data: dict, status: int = 200):
        """Post the page with a mistake: it comes back with its errors."""
        response = post(self.client, url, data)
        assert "⟪There is a problem⟫" in response.get_data(as_text=True), url
        return self.check(response, status)


def test_a_questionnaire_in_another_language_shows_no_english(polish_app):
    app = polish_app
    made = _own_words(app)
    qid = made.questionnaire_id
    walk = Walk(app)
    client = walk.client

    # The start page, before and after starting.
    walk.get(start_url(qid))
    assert begin(client, qid).headers["Location"] == step(qid, "postcode")
    walk.get(start_url(qid))

    # The postcode, and every way the borough page explains a postcode.
    walk.get(step(qid, "postcode"))
    walk.post(step(qid, "postcode"), {"postcode": ""})
    walk.post(step(qid, "postcode"), {"postcode": "not a postcode"})
    for district in ("EC2V", "WD6", "M1"):  # the City, outside London, unknown
        walk.get(step(qid, "borough") + f"?district={district}")
    spans = post(client, step(qid, "postcode"), {"postcode": "W10 4AA"}).headers["Location"]
    walk.get(spans)
    walk.post(spans, {"borough": "camden"})  # not one of those suggested
    assert post(client, spans, {"borough": "another"}).headers["Location"] == step(qid, "borough")
    walk.get(step(qid, "borough"))
    walk.post(step(qid, "borough"), {"borough": ""})
    assert post(client, step(qid, "borough"), {"borough": "lambeth"}).headers["Location"] == \
        page(qid, 1)

    # A ranking, with a gap; then saved to come back later.
    walk.get(page(qid, 1))
    walk.post(page(qid, 1), {"q_priorities_1": "", "q_priorities_2": "burglary"})
    saving = post(client, page(qid, 1), {**ANSWERS[1], "action": "save"}).headers["Location"]
    walk.get(saving)
    walk.post(saving, {"email": ""})
    walk.check(post(client, saving, {"email": "ada@example.com"}))

    # Choices: an answer missing, and "please say" left empty.
    walk.get(page(qid, 2))
    walk.post(page(qid, 2), {"q_safe": "somewhere-else"})
    post(client, page(qid, 2), {"q_confidence": "good", "q_safe": "somewhere-else",
                                "q_safe_other": "Near the station", "q_victim": "yes"})
    # Checkboxes with an answer that stands alone chosen with others; a date that is not one.
    walk.get(page(qid, 3))
    walk.post(page(qid, 3), {"q_crimes": ["theft", "prefer-not-to-say"],
                             "q_when": ["31", "2", "2027"]})
    walk.post(page(qid, 3), {"q_crimes": ["theft", "other"], "q_when": ["", "", ""]})
    post(client, page(qid, 3), {"q_crimes": ["theft", "other"], "q_crimes_other": "Bike theft",
                                "q_when": ["3", "2", "2027"]})
    # A number and a postcode that are not; then text left empty, which is optional.
    walk.get(page(qid, 4))
    walk.post(page(qid, 4), {"q_years": "many", "q_postcode": "zzz"})
    walk.post(page(qid, 4), {"q_years": "101"})
    post(client, page(qid, 4), {"q_years": "12", "q_street": "Acacia Avenue",
                                "q_postcode": "SW1A 2AA", "q_comments": ""})

    # About you, its questions, and a reply.
    walk.get(step(qid, "about-you"))
    walk.post(step(qid, "about-you"), {})
    post(client, step(qid, "about-you"), {"consent": "yes"})
    walk.get(page(qid, 5))
    post(client, page(qid, 5), {"q_age_band": "25-to-64"})
    walk.get(step(qid, "reply"))
    walk.post(step(qid, "reply"), {"wants": "y"})
    walk.post(step(qid, "reply"), {"wants": "y", "email": "ada", "phone": "12", "agree": "y"})
    assert post(client, step(qid, "reply"), {
        "wants": "y", "name": "Ada Lovelace", "email": "ada@example.com",
        "phone": "020 7946 0000", "agree": "y"}).headers["Location"] == step(qid, "check-answers")

    # Check your answers, sending them, and the links that come after.
    answers = walk.get(step(qid, "check-answers")).get_data(as_text=True)
    assert "lutego 2027" in answers  # the date answered, as Polish writes it
    sent = check_answers(client, qid)
    confirmation = walk.get(sent.headers["Location"])
    assert "⟪Get an email when the results for Lambeth are published⟫" in \
        confirmation.get_data(as_text=True)
    with app.app_context():
        token = db.session.scalar(select(ResponseDraft.token).where(
            ResponseDraft.questionnaire_id == qid))
    walk.get(f"/have-your-say/resume/{token}", status=409)
    walk.get("/have-your-say/resume/no-such-link", status=404)

    # A consultation that covers only some boroughs, for a postcode elsewhere.
    some = _own_words(app, boroughs=["camden", "islington"])
    begin(client, some.questionnaire_id)
    walk.get(step(some.questionnaire_id, "borough") + "?district=SW9")

    # Closed, and not open yet.
    now = utcnow()
    closed = _own_words(app, opens_at=now - timedelta(days=60), closes_at=now - timedelta(days=30))
    walk.get(start_url(closed.questionnaire_id), status=410)
    later = _own_words(app, opens_at=now + timedelta(days=30), closes_at=now + timedelta(days=60))
    walk.get(start_url(later.questionnaire_id))
    assert walk.pages == 38
