"""The service's own words in another language: an administrator translates them once, through
a workbook or PO file, for every translated questionnaire."""

from __future__ import annotations

from sqlalchemy import select

from engage.extensions import db
from engage.translations import catalogue
from engage.translations.models import PhraseTranslation
from tests.factories import create_officer
from tests.helpers import page_text
from tests.surveys.answering_support import begin, make_every_kind, page, start_url
from tests.surveys.support import sign_in_staff
from tests.translations.support import filled, pseudo, rows_of, translate_questionnaire, upload

PHRASES = "/admin/languages"


def _phrases(app, code: str = "pl") -> dict:
    with app.app_context():
        row = db.session.scalar(select(PhraseTranslation).where(
            PhraseTranslation.language == code))
        return dict(row.texts) if row is not None else {}


def _translate_phrases(client, code: str = "pl", translate=pseudo):
    words = client.get(f"{PHRASES}/words?language={code}&format=xlsx")
    assert words.status_code == 200
    return upload(client, PHRASES, code, filled(words.data, translate))


def test_the_phrases_to_translate_are_every_phrase_the_code_marks(app, client):
    sign_in_staff(client, app)
    words = client.get(f"{PHRASES}/words?language=ar&format=xlsx")
    assert words.status_code == 200
    rows = rows_of(words.data)
    assert rows[0] == ("Where it appears", "English", "Arabic (ar)")
    marked = {message.id for message in catalogue.phrases() if message.id}
    assert {row[1] for row in rows[1:]} == marked
    # Where each is used, and the note for translators, beside it.
    where = {row[1]: row[0] for row in rows[1:]}
    assert "templates/surveys/public/check_answers.html" in where["Send my answers"]


def test_translated_phrases_are_what_a_translated_questionnaire_shows(app, client,
                                                                     other_client):
    made = make_every_kind(app)
    sign_in_staff(client, app)
    translate_questionnaire(client, made.slug, "pl")
    assert _translate_phrases(client).status_code == 302
    assert "Every text is translated." in page_text(client.get(PHRASES))
    assert len(_phrases(app)) == len([m for m in catalogue.phrases() if m.id])

    other_client.get(start_url(made.questionnaire_id) + "?language=pl")
    first = page_text(other_client.get(start_url(made.questionnaire_id)))
    assert "PL Your answers are anonymous" in first
    assert "PL This is not the way to report a crime." in first
    begin(other_client, made.questionnaire_id)
    postcode = page_text(other_client.get(f"/have-your-say/{made.questionnaire_id}/postcode"))
    assert "PL What is your postcode?" in postcode
    assert "PL Continue" in postcode
    # A form's own messages, translated as it is checked.
    empty = other_client.submit(f"/have-your-say/{made.questionnaire_id}/postcode",
                                {"postcode": ""})
    assert "PL Enter your postcode" in page_text(empty)
    # English pages are untouched.
    assert "PL " not in page_text(client.get("/boroughs"))


def test_a_phrase_must_keep_its_placeholders(app, client):
    sign_in_staff(client, app)
    with_placeholder = next(message.id for message in catalogue.phrases()
                            if message.id and "%(" in message.id)

    def careless(english):
        return "Bez miejsca" if english == with_placeholder else pseudo(english)

    response = _translate_phrases(client, translate=careless)
    assert response.status_code == 400
    text = page_text(response)
    assert "The file has 1 problem: no translation was saved" in text
    assert "The translation must have the same words in %(...)s as the English: keep" in text
    assert _phrases(app) == {}


def test_a_percent_sign_is_written_twice(app, client):
    sign_in_staff(client, app)
    response = _translate_phrases(client, translate=lambda english: "50% " + english
                                  if english == "Continue" else None)
    assert response.status_code == 400
    assert "Write a percent sign as %%" in page_text(response)


def test_a_translated_phrase_is_text_never_markup(app, client, other_client):
    made = make_every_kind(app)
    sign_in_staff(client, app)
    translate_questionnaire(client, made.slug, "pl")
    _translate_phrases(client, translate=lambda english: "<b>Dalej</b>"
                       if english == "Continue" else pseudo(english))
    other_client.get(start_url(made.questionnaire_id) + "?language=pl")
    begin(other_client, made.questionnaire_id)
    other_client.submit(f"/have-your-say/{made.questionnaire_id}/postcode",
                        {"postcode": "SW9 6AA"})
    html = other_client.get(page(made.questionnaire_id, 1)).get_data(as_text=True)
    assert "<b>Dalej</b>" not in html
    assert "&lt;b&gt;Dalej&lt;/b&gt;" in html


def test_only_administrators_translate_the_phrases(app, client, other_client):
    sign_in_staff(client, app, create_officer, "camden")
    assert client.get(PHRASES).status_code == 403
    assert client.get(f"{PHRASES}/words?language=pl&format=po").status_code == 403
    sign_in_staff(other_client, app)
    assert other_client.get(PHRASES).status_code == 200


def test_deleting_the_phrases_asks_first(app, client):
    sign_in_staff(client, app)
    _translate_phrases(client)
    assert "Delete the Polish translation of the service's phrases" in page_text(
        client.get(f"{PHRASES}/pl/delete"))
    assert _phrases(app)
    assert client.submit(f"{PHRASES}/pl/delete").status_code == 302
    assert _phrases(app) == {}
    assert client.get(f"{PHRASES}/pl/delete").status_code == 404


def test_a_percent_sign_shows_once_wherever_the_phrase_is_used(app, client, other_client):
    """A translator writes a percent sign as %% (templates fill in every phrase); a form's
    label, translated in code and never filled in, shows it once too."""
    made = make_every_kind(app)
    sign_in_staff(client, app)
    translate_questionnaire(client, made.slug, "pl")
    assert _translate_phrases(client, translate=lambda english: "100%% kod pocztowy?"
                              if english == "What is your postcode?"
                              else pseudo(english)).status_code == 302
    other_client.get(start_url(made.questionnaire_id) + "?language=pl")
    begin(other_client, made.questionnaire_id)
    postcode = page_text(other_client.get(f"/have-your-say/{made.questionnaire_id}/postcode"))
    assert "100% kod pocztowy?" in postcode
    assert "%%" not in postcode


def test_administrators_are_told_when_phrases_lag_an_open_questionnaires_language(
        app, client, other_client):
    made = make_every_kind(app)
    sign_in_staff(client, app)
    translate_questionnaire(client, made.slug, "pl")
    total = len([m for m in catalogue.phrases() if m.id])
    home = page_text(client.get("/staff/"))
    # (page_text leaves a space where the link ends.)
    assert (f"{total} of the service's phrases are not translated into Polish : "
            "questionnaires open in Polish show them in English.") in home
    # All but one translated: the warning counts the one.
    _translate_phrases(client, translate=lambda english: None if english == "Continue"
                       else pseudo(english))
    home = page_text(client.get("/staff/"))
    assert ("1 of the service's phrases is not translated into Polish : questionnaires open "
            "in Polish show it in English.") in home
    _translate_phrases(client)
    assert "not translated into Polish" not in page_text(client.get("/staff/"))
    # Officers are not told: the phrases are administrators' to translate.
    sign_in_staff(other_client, app, create_officer, "camden")
    assert "phrases" not in page_text(other_client.get("/staff/"))
