"""A questionnaire in another language: staff translate its words through a workbook or a PO
file, the public choose the language on its first page, and answers are stored as codes with
the language recorded."""

from __future__ import annotations

import io

from babel.messages.pofile import read_po, write_po
from sqlalchemy import select

from engage.audit.models import AuditEvent
from engage.extensions import db
from engage.surveys.models import Question, Questionnaire, Response
from engage.translations.models import ContentTranslation
from tests.factories import create_officer, create_user
from tests.helpers import Browser, page_text
from tests.surveys.answering_support import (
    begin,
    check_answers,
    complete,
    make_every_kind,
    page,
    start_url,
)
from tests.surveys.support import make_consultation, sign_in_staff
from tests.translations.support import (
    download_words,
    filled,
    languages_url,
    pseudo,
    rows_of,
    translate_questionnaire,
    upload,
)


def _translation(app, questionnaire_id: int, code: str = "pl") -> dict:
    with app.app_context():
        row = db.session.scalar(select(ContentTranslation).where(
            ContentTranslation.questionnaire_id == questionnaire_id,
            ContentTranslation.language == code))
        return dict(row.texts) if row is not None else {}


def test_the_words_to_translate_are_every_text_a_respondent_reads(app, client):
    made = make_every_kind(app)
    sign_in_staff(client, app)
    words = download_words(client, made.slug, "pl")
    assert words.status_code == 200
    assert words.headers["Content-Disposition"].endswith('-residents-pl.xlsx"')
    rows = rows_of(words.data)
    assert rows[0] == ("Where it appears", "English", "Polish (pl)")
    english = [row[1] for row in rows[1:]]
    with app.app_context():
        questionnaire = db.session.get(Questionnaire, made.questionnaire_id)
        version = questionnaire.current_version
        expected = {questionnaire.title, questionnaire.consultation.title}
        for section in version.sections:
            expected.add(section.title)
            for question in section.questions:
                expected.add(question.text)
                expected.update(option.label for option in question.options)
    assert expected <= set(english)
    assert len(english) == len(set(english))  # each text once
    assert all(row[2] in (None, "") for row in rows[1:])  # nothing translated yet


def test_a_translated_questionnaire_is_offered_and_answered_in_its_language(app, client,
                                                                            other_client):
    made = make_every_kind(app)
    sign_in_staff(client, app)
    translate_questionnaire(client, made.slug, "pl")
    with app.app_context():
        assert db.session.scalar(select(AuditEvent.action).where(
            AuditEvent.action == "questionnaire.translation_uploaded")) is not None

    person = other_client
    first = page_text(person.get(start_url(made.questionnaire_id)))
    assert "This questionnaire is also in:" in first
    html = person.get(start_url(made.questionnaire_id)).get_data(as_text=True)
    assert 'lang="pl" hreflang="pl"' in html and ">Polski</a>" in html

    polish = person.get(start_url(made.questionnaire_id) + "?language=pl")
    html = polish.get_data(as_text=True)
    assert '<html lang="pl"' in html
    assert "PL Have your say" in page_text(polish)  # the questionnaire's own title
    assert f'href="/have-your-say/{made.questionnaire_id}?language=en"' in html

    check = complete(person, made.questionnaire_id)
    assert check.status_code == 200
    assert "PL Knife crime" in page_text(check)  # answers described in Polish
    question_page = person.get(page(made.questionnaire_id, 2)).get_data(as_text=True)
    assert "PL Very poor" in question_page or "PL Good" in question_page
    sent = check_answers(person, made.questionnaire_id)
    assert sent.status_code == 302
    with app.app_context():
        response = db.session.scalar(select(Response))
        assert response.language == "pl"
        # Stored as codes, exactly as an answer given in English.
        chosen = {answer.option.value for answer in response.answers
                  if answer.question.key == "priorities"}
        assert chosen == {"knife-crime", "burglary", "drugs"}
    # Staff see that the translation is used.
    staff_page = page_text(client.get(languages_url(made.slug)))
    assert "Polish ( Polski ) 43 of 43 Yes" in staff_page
    # Without the service's phrases translated, staff are told what shows in English; then
    # the count of responses given in Polish.
    assert "not translated into Polish yet, so they show in English: ask an administrator. 1 " \
        in staff_page
    assert "0 of 1 responses were given in English." in staff_page


def test_back_to_english_is_one_link_and_english_pages_are_untouched(app, client, other_client):
    made = make_every_kind(app)
    sign_in_staff(client, app)
    translate_questionnaire(client, made.slug, "pl")
    person = other_client
    person.get(start_url(made.questionnaire_id) + "?language=pl")
    begin(person, made.questionnaire_id)
    assert "PL " in page_text(person.get(page(made.questionnaire_id, 1)))
    english = person.get(page(made.questionnaire_id, 1) + "?language=en")
    assert "PL " not in page_text(english)
    assert '<html lang="en-GB"' in english.get_data(as_text=True)
    # And it stays English on the next page.
    assert "PL " not in page_text(person.get(page(made.questionnaire_id, 2)))


def test_a_language_not_fully_translated_is_not_offered(app, client, other_client):
    made = make_every_kind(app)
    sign_in_staff(client, app)
    # Everything but one option.
    translate_questionnaire(client, made.slug, "pl",
                            translate=lambda english: None if english == "Drugs"
                            else pseudo(english))
    staff_page = page_text(client.get(languages_url(made.slug)))
    assert "No: 1 still to translate" in staff_page
    person = other_client
    first = person.get(start_url(made.questionnaire_id))
    assert "Polski" not in page_text(first)
    asked = person.get(start_url(made.questionnaire_id) + "?language=pl")
    text = page_text(asked)
    assert "This questionnaire is not in Polish" in text
    assert "You can answer it in English." in text
    assert "PL " not in text
    assert '<html lang="en-GB"' in asked.get_data(as_text=True)


def test_a_changed_question_needs_translating_again(app, client, other_client):
    made = make_every_kind(app)
    sign_in_staff(client, app)
    translate_questionnaire(client, made.slug, "pl")
    with app.app_context():
        question = db.session.scalar(select(Question).where(
            Question.version_id == made.version_id, Question.key == "years"))
        question.text = "How many years have you lived in this borough?"
        db.session.commit()
    assert "Polski" not in page_text(other_client.get(start_url(made.questionnaire_id)))
    # The new words come in the next workbook, the others already filled in.
    rows = rows_of(download_words(client, made.slug, "pl").data)
    left = [row[1] for row in rows[1:] if not row[2]]
    assert left == ["How many years have you lived in this borough?"]


def test_a_staff_preview_shows_a_translation_not_yet_finished(app, client):
    made = make_every_kind(app)
    sign_in_staff(client, app)
    translate_questionnaire(client, made.slug, "pl",
                            translate=lambda english: None if english == "Drugs"
                            else pseudo(english))
    preview = client.get(f"/have-your-say/preview/{made.questionnaire_id}?language=pl")
    assert preview.status_code == 200
    assert "PL Have your say" in page_text(preview)


def test_a_file_with_problems_keeps_nothing_and_lists_them_by_row(app, client):
    made = make_every_kind(app)
    sign_in_staff(client, app)
    words = download_words(client, made.slug, "pl").data

    def broken(english):
        if english == "Burglary":
            return "=HYPERLINK(\"http://example.com\")"
        if english == "Drugs":
            return "Narkotyki " * 600
        return pseudo(english)

    response = upload(client, languages_url(made.slug), "pl", filled(words, broken))
    assert response.status_code == 400
    text = page_text(response)
    assert "There is a problem" in text
    assert "The file has 2 problems: no translation was saved" in text
    assert "Excel read this cell as a formula" in text
    assert "The translation is longer than 5,000 characters" in text
    assert _translation(app, made.questionnaire_id) == {}


def test_a_workbook_for_another_language_or_no_workbook_is_refused(app, client):
    made = make_every_kind(app)
    sign_in_staff(client, app)
    words = filled(download_words(client, made.slug, "pl").data, pseudo)
    wrong = upload(client, languages_url(made.slug), "ro", words)
    assert wrong.status_code == 400
    assert 'This workbook is for "Polish (pl)", not Romanian (ro)' in page_text(wrong)
    garbage = upload(client, languages_url(made.slug), "pl", b"PK\x03\x04 not a zip")
    assert garbage.status_code == 400
    assert "This is not an Excel workbook (.xlsx) or a PO file (.po)" in page_text(garbage)
    other = upload(client, languages_url(made.slug), "pl", b"a,b", filename="words.csv")
    assert other.status_code == 400
    assert "The file must be the workbook (.xlsx) or the PO file (.po)" in page_text(other)
    no_language = upload(client, languages_url(made.slug), "", words)
    assert no_language.status_code == 400
    assert "Choose the language the file is in" in page_text(no_language)
    assert _translation(app, made.questionnaire_id, "pl") == {}
    assert _translation(app, made.questionnaire_id, "ro") == {}


def test_a_po_file_round_trips_through_a_translators_tool(app, client, other_client):
    made = make_every_kind(app)
    sign_in_staff(client, app)
    words = download_words(client, made.slug, "pl", kind="po")
    assert words.status_code == 200
    assert words.mimetype == "text/x-gettext-translation"
    catalog = read_po(io.BytesIO(words.data))
    assert str(catalog.locale) == "pl"
    for message in catalog:
        if message.id:
            message.string = pseudo(message.id)
    out = io.BytesIO()
    write_po(out, catalog)
    response = upload(client, languages_url(made.slug), "pl", out.getvalue(), "words.po")
    assert response.status_code == 302
    assert "Every text is translated." in page_text(client.get(languages_url(made.slug)))
    assert "Polski" in page_text(other_client.get(start_url(made.questionnaire_id)))


def test_what_was_translated_before_is_filled_in_for_the_next_questionnaire(app, client):
    first = make_consultation(app)
    second = make_consultation(app)
    sign_in_staff(client, app)
    translate_questionnaire(client, first.slug, "pl")
    rows = rows_of(download_words(client, second.slug, "pl").data)
    by_english = {row[1]: row[2] for row in rows[1:]}
    # The same questions, so the same words: known already. The titles differ.
    assert by_english["What is your age?"] == "PL What is your age?"
    with app.app_context():
        title = db.session.get(Questionnaire, second.questionnaire_id).consultation.title
    assert not by_english[title]


def test_a_translation_is_text_never_markup(app, client, other_client):
    made = make_every_kind(app)
    sign_in_staff(client, app)
    translate_questionnaire(client, made.slug, "pl",
                            translate=lambda english: "<script>alert(1)</script>"
                            if english == "Burglary" else pseudo(english))
    other_client.get(start_url(made.questionnaire_id) + "?language=pl")
    begin(other_client, made.questionnaire_id)
    other_client.submit(f"/have-your-say/{made.questionnaire_id}/postcode",
                        {"postcode": "SW9 6AA"})
    html = other_client.get(page(made.questionnaire_id, 1)).get_data(as_text=True)
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_who_may_translate(app, client, other_client):
    made = make_consultation(app, boroughs=["camden"])
    everywhere = make_consultation(app)
    # An officer of the borough may: the questionnaire is theirs to change.
    sign_in_staff(client, app, create_officer, "camden")
    translate_questionnaire(client, made.slug, "pl")
    # Not an all-London questionnaire, which is administrators'; they may still read and
    # download it.
    assert client.get(languages_url(everywhere.slug)).status_code == 200
    assert download_words(client, everywhere.slug, "pl").status_code == 200
    words = download_words(client, everywhere.slug, "pl").data
    assert upload(client, languages_url(everywhere.slug), "pl",
                  filled(words, pseudo)).status_code == 403
    # Someone without a staff role, and nobody signed in.
    sign_in_staff(other_client, app, create_user)
    assert other_client.get(languages_url(made.slug)).status_code == 403
    assert Browser(app).get(languages_url(made.slug)).status_code == 302


def test_deleting_a_translation_asks_first_and_stops_offering_it(app, client, other_client):
    made = make_every_kind(app)
    sign_in_staff(client, app)
    translate_questionnaire(client, made.slug, "pl")
    url = f"{languages_url(made.slug)}/pl/delete"
    assert "Delete the Polish translation" in page_text(client.get(url))
    assert _translation(app, made.questionnaire_id)  # asking deletes nothing
    deleted = client.submit(url)
    assert deleted.status_code == 302
    assert _translation(app, made.questionnaire_id) == {}
    assert "Polski" not in page_text(other_client.get(start_url(made.questionnaire_id)))
    assert client.get(f"{languages_url(made.slug)}/ro/delete").status_code == 404
    assert client.get(f"{languages_url(made.slug)}/xx/delete").status_code == 404


def test_downloading_without_a_language_says_so(app, client):
    made = make_every_kind(app)
    sign_in_staff(client, app)
    response = client.get(f"{languages_url(made.slug)}/words?language=&format=xlsx")
    assert response.status_code == 400
    assert "Choose the language to translate into" in page_text(response)
    response = client.get(f"{languages_url(made.slug)}/words?language=pl&format=pdf")
    assert response.status_code == 400
    assert "Choose the kind of file" in page_text(response)


def test_the_link_to_come_back_later_keeps_the_language(app, client, other_client, mailbox,
                                                         run_tasks):
    made = make_every_kind(app)
    sign_in_staff(client, app)
    translate_questionnaire(client, made.slug, "pl")
    phrases = client.get("/admin/languages/words?language=pl&format=xlsx")
    # "&" and quotes stay as typed in a plain-text email.
    upload(client, "/admin/languages", "pl", filled(
        phrases.data, lambda english: "PL Dzień dobry & witam," if english == "Hello,"
        else pseudo(english)))
    other_client.get(start_url(made.questionnaire_id) + "?language=pl")
    begin(other_client, made.questionnaire_id)
    save = f"/have-your-say/{made.questionnaire_id}/save"
    assert '<html lang="pl"' in other_client.get(save).get_data(as_text=True)
    other_client.submit(save, {"email": "ada@example.org"})
    run_tasks()
    [message] = [m for m in mailbox.messages if "ada@example.org" in m["To"]]
    # The email is in Polish too: its words, the questionnaire's title, and its dates.
    assert message["Subject"] == "PL Come back to your answers: PL Have your say: residents"
    assert message["Content-Language"] == "pl"
    body = message.get_body(("plain",)).get_content()
    assert body.splitlines()[0] == "PL Dzień dobry & witam,"
    assert "PL This is not the way to report a crime. PL In an emergency call 999." in body
    months = ("January", "February", "March", "April", "May", "June", "July", "August",
              "September", "October", "November", "December")
    assert not any(month in body for month in months), body
    assert '<html lang="pl" dir="ltr">' in message.get_body(("html",)).get_content()
    link = next(word for word in body.split() if "/have-your-say/resume/" in word)
    assert link.endswith("?language=pl")
    # Opened on another device, which has never seen the choice.
    elsewhere = Browser(app)
    opened = elsewhere.get(link.split("localhost", 1)[-1])
    assert opened.status_code == 302
    assert '<html lang="pl"' in elsewhere.get(opened.headers["Location"]).get_data(as_text=True)


def test_the_confirmation_is_in_the_language_answered_in(app, client, other_client):
    made = make_every_kind(app)
    sign_in_staff(client, app)
    translate_questionnaire(client, made.slug, "pl")
    other_client.get(start_url(made.questionnaire_id) + "?language=pl")
    complete(other_client, made.questionnaire_id)
    sent = check_answers(other_client, made.questionnaire_id)
    confirmation = other_client.get(sent.headers["Location"])
    assert confirmation.status_code == 200
    assert '<html lang="pl"' in confirmation.get_data(as_text=True)
