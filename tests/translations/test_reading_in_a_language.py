"""A person reading a questionnaire in another language, over HTTP: every page they can reach
on the way is in it (or says why not, in words they can read), and what the pages write for
them (numbers) is written as their language writes it."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from engage.clock import utcnow
from engage.extensions import db
from engage.surveys.models import Consultation, Question, ResponseDraft
from engage.translations.formats import number, read_number
from engage.translations.languages import language
from engage.translations.phrases import activate
from tests.helpers import Browser, page_text
from tests.surveys.answering_support import (
    ANSWERS,
    begin,
    check_answers,
    complete,
    make_every_kind,
    page,
    post,
    start_url,
    step,
)
from tests.surveys.support import sign_in_staff
from tests.translations.support import filled, pseudo, translate_questionnaire, upload


def _reading_polish(app, client, person):
    """A questionnaire translated into Polish, and `person` answering it in Polish."""
    made = make_every_kind(app)
    sign_in_staff(client, app)
    translate_questionnaire(client, made.slug, "pl")
    person.get(start_url(made.questionnaire_id) + "?language=pl")
    return made


def _close(app, consultation_id: int) -> None:
    with app.app_context():
        db.session.get(Consultation, consultation_id).closes_at = utcnow() - timedelta(minutes=1)
        db.session.commit()


def test_a_consultation_that_closes_halfway_says_so_in_the_language_read(app, client,
                                                                        other_client):
    made = _reading_polish(app, client, other_client)
    begin(other_client, made.questionnaire_id)
    _close(app, made.consultation_id)
    for url in (page(made.questionnaire_id, 1), start_url(made.questionnaire_id)):
        closed = other_client.get(url)
        assert closed.status_code == 410
        assert '<html lang="pl"' in closed.get_data(as_text=True), url
        # The consultation's title is its translation, like every page before it.
        assert "PL Have your say" in page_text(closed)
        assert "Polski" in page_text(closed)  # and the way back to English, beside it
        assert "English" in page_text(closed)


def test_answers_sent_from_another_device_are_said_to_be_in_the_language_read(app, client,
                                                                             other_client):
    made = _reading_polish(app, client, other_client)
    qid = made.questionnaire_id
    begin(other_client, qid)
    with app.app_context():
        token = db.session.scalar(select(ResponseDraft.token).where(
            ResponseDraft.questionnaire_id == qid))
    # The emailed link, in Polish, finished on a phone.
    phone = Browser(app)
    phone.get(f"/have-your-say/resume/{token}?language=pl")
    complete(phone, qid)
    assert check_answers(phone, qid).status_code == 302
    # The first device, carrying on, and the link opened again, are told so in Polish.
    for browser, url in ((other_client, page(qid, 2)),
                         (Browser(app), f"/have-your-say/resume/{token}?language=pl")):
        sent = browser.get(url)
        assert sent.status_code == 409, url
        assert '<html lang="pl"' in sent.get_data(as_text=True), url


def _reading(app, client, person, code: str, low: int = 0, high: int = 100):
    """A questionnaire, its years question between `low` and `high`, translated (its words and
    the service's phrases) into `code`, and `person` through it in that language."""
    made = make_every_kind(app)
    with app.app_context():
        years = db.session.scalar(select(Question).where(Question.version_id == made.version_id,
                                                         Question.key == "years"))
        years.min_value, years.max_value = low, high
        db.session.commit()
    sign_in_staff(client, app)
    translate_questionnaire(client, made.slug, code)
    words = client.get(f"/admin/languages/words?language={code}&format=xlsx")
    assert upload(client, "/admin/languages", code, filled(words.data, pseudo)).status_code == 302
    person.get(start_url(made.questionnaire_id) + f"?language={code}")
    complete(person, made.questionnaire_id, answers={4: {**ANSWERS[4], "q_years": str(low)}})
    return made


def _years(person, made, typed: str):
    return post(person, page(made.questionnaire_id, 4), {**ANSWERS[4], "q_years": typed})


def test_numbers_are_written_as_the_language_writes_them(app, client, other_client):
    made = _reading(app, client, other_client, "es", low=1000, high=5000)
    # Spanish groups thousands with a full stop: "1,000" would read as one.
    number_page = page_text(other_client.get(page(made.questionnaire_id, 4)))
    assert "PL Enter a whole number between 1.000 and 5.000." in number_page
    refused = page_text(_years(other_client, made, "500"))
    assert "PL Enter a number between 1.000 and 5.000" in refused
    assert "1,000" not in refused
    # A number typed as Spanish writes it is read; a comma, Spanish's decimal mark, is not
    # taken for thousands.
    assert _years(other_client, made, "2.500").status_code == 302
    assert "2.500" in page_text(other_client.get(step(made.questionnaire_id, "check-answers")))
    assert "PL Enter a whole number, like 12" in page_text(_years(other_client, made, "2,500"))
    for typed in ("2500", "2 500", "2\u00a0500"):
        assert _years(other_client, made, typed).status_code == 302, typed


def test_a_number_on_an_english_page_is_read_as_before(app, client, other_client):
    made = _reading(app, client, other_client, "pl", low=1000, high=5000)
    # Polish groups with a space, one that never breaks the number across two lines.
    polish = other_client.get(page(made.questionnaire_id, 4)).get_data(as_text=True)
    assert "PL Enter a whole number between 1\u00a0000 and 5\u00a0000." in polish
    other_client.get(page(made.questionnaire_id, 4) + "?language=en")
    assert "Enter a whole number between 1,000 and 5,000." in page_text(
        other_client.get(page(made.questionnaire_id, 4)))
    assert _years(other_client, made, "2,500").status_code == 302
    assert "Enter a whole number, like 12" in page_text(_years(other_client, made, "2.500"))


def test_a_number_is_read_back_as_the_page_writes_it(app):
    with app.test_request_context():
        for code, written in (("hi", "12,34,567"), ("es", "1.234.567"), ("ar", "1,234,567"),
                              ("fr", "1\u202f234\u202f567"), ("pl", "1\u00a0234\u00a0567")):
            activate(language(code), {})
            assert number(1234567) == written, code
            assert read_number(written) == read_number("1234567") == 1234567, code
            assert read_number("1 234 567") == 1234567, code  # typed with spaces
            assert read_number("\u0661\u0662") == 12, code  # Arabic-Indic digits
            for slip in ("1.5", "12,3", "1_0", "\u06612", "\u00b2", "1,2,3", "", "+"):
                with pytest.raises(ValueError):
                    read_number(slip)
        activate(None)
        assert number(1234567) == "1,234,567" and read_number("1,234,567") == 1234567
        for english_slip in ("12,34,567", "\u0661\u0662"):
            with pytest.raises(ValueError):
                read_number(english_slip)


def test_a_language_the_questionnaire_is_not_in_is_told_so_in_that_language(app, client,
                                                                             other_client):
    made = make_every_kind(app)
    sign_in_staff(client, app)
    # The service's phrases are in Arabic; this questionnaire is not.
    words = client.get("/admin/languages/words?language=ar&format=xlsx")
    assert upload(client, "/admin/languages", "ar", filled(words.data, pseudo)).status_code == 302
    asked = other_client.get(start_url(made.questionnaire_id) + "?language=ar")
    html = asked.get_data(as_text=True)
    assert '<html lang="en-GB"' in html and "PL Start now" not in html  # the page: English
    # Said in English, and in Arabic for the person who asked for it, marked as Arabic.
    assert "This questionnaire is not in Arabic" in page_text(asked)
    assert ('<p class="govuk-body" lang="ar" dir="rtl">PL This questionnaire is not in your '
            "language yet. You can answer it in English.</p>") in html
    # Polish has no phrases translated: English alone.
    polish = other_client.get(start_url(made.questionnaire_id) + "?language=pl")
    assert "This questionnaire is not in Polish" in page_text(polish)
    assert 'lang="pl" dir=' not in polish.get_data(as_text=True)


def test_the_first_page_in_one_language_offers_the_others(app, client, other_client):
    made = make_every_kind(app)
    sign_in_staff(client, app)
    for code in ("pl", "ar"):
        translate_questionnaire(client, made.slug, code)
    first = other_client.get(start_url(made.questionnaire_id) + "?language=pl")
    html = first.get_data(as_text=True)
    # Chosen by mistake, another is one click away, not two through English.
    assert (f'<a class="govuk-link" href="/have-your-say/{made.questionnaire_id}?language=ar" '
            'lang="ar" hreflang="ar">العربية</a>') in html
    assert '<li class="engage-languages__item" aria-current="true"><span lang="pl">Polski' in html
    assert 'hreflang="en">English</a>' in html
    # Later pages keep to the way back to English.
    begin(other_client, made.questionnaire_id)
    later = other_client.get(step(made.questionnaire_id, "postcode")).get_data(as_text=True)
    assert 'hreflang="en">English</a>' in later and 'hreflang="ar"' not in later


def test_digits_are_read_in_the_script_a_keyboard_types_them(app, client, other_client):
    """A Persian keyboard types ۱۲ for 12 (and a translator's "like 12" may well say ۱۲): on a
    page in another language, digits of one script are read as the number they are."""
    made = _reading(app, client, other_client, "fa")
    qid = made.questionnaire_id
    assert _years(other_client, made, "\u06f1\u06f2").status_code == 302
    assert "12" in page_text(other_client.get(step(qid, "check-answers")))
    answered = post(other_client, page(qid, 2), {**ANSWERS[2], "q_victim": "yes"})
    assert answered.status_code == 302
    when = {"q_crimes": ["theft"], "q_when": ["\u06f3", "\u06f2", "\u06f2\u06f0\u06f2\u06f7"]}
    assert post(other_client, page(qid, 3), when).status_code == 302
    # A mix of scripts in one number is a slip, refused as before.
    assert "PL Enter a whole number, like 12" in page_text(
        _years(other_client, made, "\u06f12"))
    # An English page reads 0 to 9 only.
    other_client.get(page(qid, 4) + "?language=en")
    assert "Enter a whole number, like 12" in page_text(_years(other_client, made, "\u06f1\u06f2"))
