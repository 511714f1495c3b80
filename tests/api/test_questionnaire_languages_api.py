"""A questionnaire in the API in another language: the languages it is in, and its words in one
of them with ?language=, under the public pages' rule (only where every text of the version
is translated). Translations are uploaded as staff upload them."""

from __future__ import annotations

import pytest

from engage.extensions import db
from engage.surveys.models import Consultation
from tests.api.support import add_version, make_consultation
from tests.helpers import count_queries
from tests.surveys.support import sign_in_staff
from tests.translations.support import pseudo, translate_questionnaire

SLUG = "have-your-say-2027-28"
QUESTIONNAIRE = f"/api/consultations/{SLUG}/questionnaires/residents"


def get_json(client, url: str, status: int = 200):
    response = client.get(url)
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == "application/json"
    return response.get_json()


def residents_id(app) -> int:
    with app.app_context():
        consultation = db.session.scalar(db.select(Consultation).where(Consultation.slug == SLUG))
        return next(q.id for q in consultation.questionnaires if q.audience == "residents")


def polish(app) -> dict:
    return {"code": "pl", "name": "Polish", "own_name": "Polski", "direction": "ltr",
            "answer_url": f"http://localhost/have-your-say/{residents_id(app)}?language=pl"}


def words_removed(questionnaire: dict) -> dict:
    """The questionnaire with every word people read taken out: what no language changes."""
    return {**questionnaire, "title": None, "introduction": None, "language": None,
            "consultation": {**questionnaire["consultation"], "title": None},
            "sections": [{**s, "title": None, "introduction": None, "questions": [
                {**q, "text": None, "help": None,
                 "options": [{**o, "label": None} for o in q["options"]]}
                for q in s["questions"]]} for s in questionnaire["sections"]]}


def words(questionnaire: dict) -> list[str]:
    found = [questionnaire["consultation"]["title"], questionnaire["title"],
             questionnaire["introduction"]]
    for section in questionnaire["sections"]:
        found += [section["title"], section["introduction"]]
        for question in section["questions"]:
            found += [question["text"], question["help"]]
            found += [option["label"] for option in question["options"]]
    return [said for said in found if said]


@pytest.fixture
def staff(app, client):
    """The consultation, and staff signed in to translate it (`client`; the public read the
    API with `other_client`)."""
    consultation_id = make_consultation(app, SLUG)
    sign_in_staff(client, app)
    return consultation_id


def test_a_translated_questionnaire_in_polish_with_the_same_keys_and_values(app, client, staff,
                                                                           other_client):
    english = get_json(other_client, QUESTIONNAIRE)
    assert english["language"] == "en" and english["languages"] == []

    translate_questionnaire(client, SLUG, "pl")

    english = get_json(other_client, QUESTIONNAIRE)
    assert english["language"] == "en" and english["languages"] == [polish(app)]
    assert get_json(other_client, QUESTIONNAIRE + "?language=en") == english
    translated = get_json(other_client, QUESTIONNAIRE + "?language=pl")
    assert translated["language"] == "pl" and translated["languages"] == [polish(app)]
    assert translated["title"] == "PL Have your say on policing in your area"
    assert translated["consultation"]["title"] == f"PL Consultation {SLUG}"
    # Every word people read is the translation, and nothing else has changed: keys, kinds,
    # tags, option values, show-if conditions, versions.
    assert words(translated) == [pseudo(said) for said in words(english)]
    assert words_removed(translated) == words_removed(english)
    questions = {q["key"]: q for s in translated["sections"] for q in s["questions"]}
    assert questions["priorities"]["options"][0] == {
        "value": "burglary", "label": "PL Burglary", "asks_other": False, "exclusive": False}
    assert questions["victim-crimes"]["show_if"] == {"question": "victim", "values": ["yes"]}
    # In Polish it costs one more query (the translation's row), not one per question.
    assert count_queries(other_client, QUESTIONNAIRE + "?language=pl") == count_queries(
        other_client, QUESTIONNAIRE) + 1
    # The language's link opens the public questionnaire in Polish.
    page = other_client.get(polish(app)["answer_url"])
    assert page.status_code == 200 and '<html lang="pl"' in page.get_data(as_text=True)


def test_a_language_is_listed_only_once_every_text_is_translated(app, client, staff,
                                                                 other_client):
    # The consultation's purpose is not in the questionnaire's JSON but is on its first page:
    # the public pages' rule needs it translated too.
    translate_questionnaire(client, SLUG, "pl", translate=lambda english: (
        None if english == "Set the policing priorities." else pseudo(english)))
    translate_questionnaire(client, SLUG, "cy", translate=lambda english: f"CY {english}")

    found = get_json(other_client, QUESTIONNAIRE)
    assert [each["code"] for each in found["languages"]] == ["cy"]
    assert found["languages"][0]["own_name"] == "Cymraeg"
    assert get_json(other_client, QUESTIONNAIRE + "?language=pl", 404) == {
        "error": "Version 1 of this questionnaire is not translated in full into Polish. It is "
                 "in English, and in Welsh (cy)."}
    assert get_json(other_client, QUESTIONNAIRE + "?language=cy")["title"].startswith("CY ")

    translate_questionnaire(client, SLUG, "pl")
    found = get_json(other_client, QUESTIONNAIRE)
    # By their own names, as the questionnaire's first page lists them.
    assert [each["own_name"] for each in found["languages"]] == ["Cymraeg", "Polski"]
    assert get_json(other_client, QUESTIONNAIRE + "?language=pl")["language"] == "pl"


def test_right_to_left_languages_say_so(app, client, staff, other_client):
    translate_questionnaire(client, SLUG, "ar", translate=lambda english: f"AR {english}")
    found = get_json(other_client, QUESTIONNAIRE)
    assert [(each["code"], each["name"], each["direction"]) for each in found["languages"]] == [
        ("ar", "Arabic", "rtl")]


NOT_A_CODE = ("language must be one of the codes listed in languages (or en for English), "
              "like ?language=pl.")


@pytest.mark.parametrize(("query", "status", "message"), [
    ("?language=xx", 400, NOT_A_CODE),
    ("?language=", 400, NOT_A_CODE),
    # Codes are written exactly as listed.
    ("?language=PL", 400, NOT_A_CODE),
    ("?language=en-GB", 400, NOT_A_CODE),
    ("?language=pl%0A", 400, NOT_A_CODE),
    # Answering the first of two would hide the mistake.
    ("?language=pl&language=cy", 400, "Ask for one language at a time, like ?language=pl."),
    ("?language=pl&language=pl", 400, "Ask for one language at a time, like ?language=pl."),
    # A real language, but this questionnaire is not in it.
    ("?language=cy", 404, "Version 1 of this questionnaire is not translated in full into "
                          "Welsh. It is in English, and in Polish (pl)."),
    ("?language=cy&version=1", 404, "Version 1 of this questionnaire is not translated in "
                                    "full into Welsh. It is in English, and in Polish (pl)."),
    # A version that is not there is said first.
    ("?language=pl&version=2", 404, "This questionnaire has no version 2. The latest is "
                                    "version 1."),
    ("?language=xx&version=x", 400, "version must be a whole number, 1 or more, like "
                                    "?version=2."),
])
def test_a_language_that_is_not_there_says_why(app, client, staff, other_client, query, status,
                                               message):
    translate_questionnaire(client, SLUG, "pl")
    response = other_client.get(QUESTIONNAIRE + query)
    assert response.status_code == status and response.get_json() == {"error": message}
    # As for every error: a 404 may be kept a minute, a bad request not at all.
    assert response.headers["Cache-Control"] == (
        "no-store" if status == 400 else "public, max-age=60")


def test_a_questionnaire_in_no_other_language_says_so(app, staff, other_client):
    assert get_json(other_client, QUESTIONNAIRE + "?language=pl", 404) == {
        "error": "Version 1 of this questionnaire is not translated in full into Polish. It is "
                 "in English only."}


def test_the_etag_changes_when_a_translation_is_uploaded_or_changed(app, client, staff,
                                                                    other_client):
    english = other_client.get(QUESTIONNAIRE)
    etag = english.headers["ETag"]

    translate_questionnaire(client, SLUG, "pl")
    # English now lists Polish: a cache holding the old answer must not be told it is current.
    again = other_client.get(QUESTIONNAIRE, headers={"If-None-Match": etag})
    assert again.status_code == 200 and again.headers["ETag"] != etag
    etag = again.headers["ETag"]
    translated = other_client.get(QUESTIONNAIRE + "?language=pl")
    polish_etag = translated.headers["ETag"]
    assert polish_etag != etag
    assert other_client.get(QUESTIONNAIRE + "?language=pl",
                            headers={"If-None-Match": polish_etag}).status_code == 304

    translate_questionnaire(client, SLUG, "pl", translate=lambda english: f"PL2 {english}")
    changed = other_client.get(QUESTIONNAIRE + "?language=pl",
                               headers={"If-None-Match": polish_etag})
    assert changed.status_code == 200 and changed.headers["ETag"] != polish_etag
    assert changed.get_json()["title"].startswith("PL2 ")
    # The English answer did not change, so neither did its ETag.
    assert other_client.get(QUESTIONNAIRE, headers={"If-None-Match": etag}).status_code == 304


def test_each_version_has_its_own_languages(app, client, staff, other_client):
    translate_questionnaire(client, SLUG, "pl")
    add_version(app, staff)  # version 2's question is new, so not translated yet

    current = get_json(other_client, QUESTIONNAIRE)
    assert (current["version"], current["languages"]) == (2, [])
    assert get_json(other_client, QUESTIONNAIRE + "?language=pl", 404) == {
        "error": "Version 2 of this questionnaire is not translated in full into Polish. It is "
                 "in English only."}
    first = get_json(other_client, QUESTIONNAIRE + "?version=1")
    # People answer version 2, which is not in Polish: nowhere to answer version 1 in it.
    assert first["languages"] == [{**polish(app), "answer_url": None}]
    first_in_polish = get_json(other_client, QUESTIONNAIRE + "?version=1&language=pl")
    assert (first_in_polish["version"], first_in_polish["language"]) == (1, "pl")
    assert first_in_polish["title"].startswith("PL ")

    # Staff translate the new words (the rest are filled in from before).
    translate_questionnaire(client, SLUG, "pl")
    current = get_json(other_client, QUESTIONNAIRE + "?language=pl")
    assert current["languages"] == [polish(app)]
    assert [q["text"] for s in current["sections"] for q in s["questions"]] == [
        "PL Do the police do a good job here?"]
    assert [o["value"] for o in current["sections"][0]["questions"][0]["options"]] == [
        "yes", "no"]
