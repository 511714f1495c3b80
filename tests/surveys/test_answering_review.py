"""Check your answers with its change links, show-if conditions, the equality consent, contact
details for a reply, back links, and the warning every page carries."""

from __future__ import annotations

import re

import pytest

from tests.helpers import page_text
from tests.surveys.answering_support import (
    ANSWERS,
    answers_by_key,
    begin,
    check_answers,
    complete,
    contacts,
    drafts,
    make_every_kind,
    page,
    post,
    responses,
    start_url,
    step,
)

VICTIM = {**ANSWERS[2], "q_victim": "yes"}
HAPPENED = {"q_crimes": ["assault"], "q_when": ["1", "2", "2027"]}


@pytest.fixture
def made(app):
    return make_every_kind(app)


def _change_links(html: str) -> list[str]:
    return re.findall(r'<a class="govuk-link" href="([^"]+)">\s*Change', html)


def test_check_answers_lists_every_answer_with_a_change_link(client, made):
    qid = made.questionnaire_id
    html = complete(client, qid).get_data(as_text=True)
    text = page_text(complete(client, qid))
    for expected in ("Your borough Lambeth", "1. Knife crime 2. Burglary 3. Drugs",
                     "How good a job are the police doing in this area? Good",
                     "Which street do you live on? Not answered",
                     "Answer questions about yourself Yes", "What is your age? 25 to 64",
                     "Would you like a reply? No"):
        assert expected in text
    links = _change_links(html)
    assert step(qid, "postcode") + "?change=1" in links
    assert page(qid, 2) + "?change=1" in links
    assert step(qid, "about-you") + "?change=1" in links
    assert step(qid, "reply") + "?change=1" in links
    # Each Change link says what it changes, for screen readers.
    assert '<span class="govuk-visually-hidden"> How good a job are the police doing in this ' \
           'area?</span>' in html


def test_a_change_returns_to_check_answers(client, made):
    qid = made.questionnaire_id
    complete(client, qid)
    url = page(qid, 4) + "?change=1"
    assert f'href="{step(qid, "check-answers")}"' in client.get(url).get_data(as_text=True)
    changed = post(client, url, {**ANSWERS[4], "q_years": "40"})
    assert changed.headers["Location"] == step(qid, "check-answers")
    assert "How many years have you lived here? 40" in page_text(
        client.get(step(qid, "check-answers")))


def test_a_change_that_reveals_questions_asks_them_then_returns(client, app, made):
    """A victim after all: the page of questions that brings is asked, still as part of the
    change, and then "Check your answers" again, not every page after it."""
    qid = made.questionnaire_id
    complete(client, qid)
    changed = post(client, page(qid, 2) + "?change=1", VICTIM)
    assert changed.headers["Location"] == page(qid, 3) + "?change=1"
    # Leaving for "Check your answers" comes back to the questions still to answer.
    assert client.get(step(qid, "check-answers")).headers["Location"] == \
        page(qid, 3) + "?change=1"
    # Back goes to the change just made, and from there to "Check your answers".
    back = re.compile(r'<a href="([^"]+)" class="govuk-back-link">')
    assert back.search(client.get(page(qid, 3) + "?change=1").get_data(as_text=True))[1] == \
        page(qid, 2) + "?change=1"
    assert back.search(client.get(page(qid, 2) + "?change=1").get_data(as_text=True))[1] == \
        step(qid, "check-answers")
    answered = post(client, page(qid, 3) + "?change=1", HAPPENED)
    assert answered.headers["Location"] == step(qid, "check-answers")
    text = page_text(client.get(step(qid, "check-answers")))
    assert "What happened? Assault" in text
    assert "How many years have you lived here? 12" in text  # page 4 was not asked again
    check_answers(client, qid)
    assert answers_by_key(responses(app)[0])["crimes"][0].option.value == "assault"


def test_saying_yes_to_questions_about_yourself_asks_them_then_returns(client, app, made):
    qid = made.questionnaire_id
    complete(client, qid, consent="no")
    changed = post(client, step(qid, "about-you") + "?change=1", {"consent": "yes"})
    assert changed.headers["Location"] == page(qid, 5) + "?change=1"
    answered = post(client, page(qid, 5) + "?change=1", ANSWERS[5])
    assert answered.headers["Location"] == step(qid, "check-answers")
    assert "What is your age? 25 to 64" in page_text(client.get(step(qid, "check-answers")))


def test_a_change_that_reveals_nothing_new_returns_at_once(client, app, made):
    qid = made.questionnaire_id
    complete(client, qid, answers={2: VICTIM, 3: HAPPENED})
    # No longer a victim: "What happened" goes, with its answers, and nothing is asked.
    changed = post(client, page(qid, 2) + "?change=1", ANSWERS[2])
    assert changed.headers["Location"] == step(qid, "check-answers")
    assert "What happened?" not in page_text(client.get(step(qid, "check-answers")))


def test_hidden_questions_are_skipped_and_their_answers_dropped(client, app, made):
    qid = made.questionnaire_id
    begin(client, qid)
    post(client, step(qid, "postcode"), {"postcode": "SW9 6AA"})
    post(client, page(qid, 1), ANSWERS[1])
    # Not a victim: "What happened" is skipped.
    assert post(client, page(qid, 2), ANSWERS[2]).headers["Location"] == page(qid, 4)
    assert client.get(page(qid, 3)).status_code == 302
    # A victim after all: it is asked, then taken back, and its answers go with it.
    assert post(client, page(qid, 2), VICTIM).headers["Location"] == page(qid, 3)
    post(client, page(qid, 3), HAPPENED)
    assert {"crimes", "when"} <= set(drafts(app)[0].answers)
    post(client, page(qid, 2), ANSWERS[2])
    assert not {"crimes", "when"} & set(drafts(app)[0].answers)
    post(client, page(qid, 4), ANSWERS[4])
    post(client, step(qid, "about-you"), {"consent": "no"})
    post(client, step(qid, "reply"), {})
    assert "What happened?" not in page_text(client.get(step(qid, "check-answers")))
    check_answers(client, qid)
    [response] = responses(app)
    assert not {"crimes", "when"} & set(answers_by_key(response))


def test_without_consent_the_equality_section_is_not_shown_or_stored(client, app, made):
    qid = made.questionnaire_id
    consent_page = client.get(step(qid, "about-you"))  # nobody has started yet
    assert consent_page.status_code == 302
    complete(client, qid)  # consents and gives an age band
    assert drafts(app)[0].answers["age-band"] == {"option": "25-to-64"}
    asked = page_text(client.get(step(qid, "about-you") + "?change=1"))
    assert "Would you like to answer some optional questions about yourself?" in asked
    assert "only ever see counts of people, never one person's answers" in asked
    missing = post(client, step(qid, "about-you"), {})
    assert "Select yes if you would like to answer questions about yourself" in page_text(missing)
    assert post(client, step(qid, "about-you") + "?change=1",
                {"consent": "no"}).headers["Location"] == step(qid, "check-answers")
    assert "age-band" not in drafts(app)[0].answers
    text = page_text(client.get(step(qid, "check-answers")))
    assert "What is your age?" not in text
    assert "Answer questions about yourself No" in text
    assert client.get(page(qid, 5)).status_code == 302  # the section is not there to answer
    check_answers(client, qid)
    [response] = responses(app)
    assert response.equality_consent is False
    assert "age-band" not in answers_by_key(response)


def test_contact_details_are_stored_apart_and_only_with_consent(client, app, made):
    qid = made.questionnaire_id
    complete(client, qid, reply={})
    url = step(qid, "reply") + "?change=1"
    for data, message in (
            ({"wants": "y", "agree": "y"}, "Enter an email address or a phone number, so we "
                                             "can reply"),
            ({"wants": "y", "email": "not-an-address", "agree": "y"},
             "Enter an email address in the correct format, like name@example.com"),
            ({"wants": "y", "email": "a" * 250 + "@example.org", "agree": "y"},
             "Email address must be 254 characters or fewer"),
            ({"wants": "y", "phone": "call me", "agree": "y"},
             "Enter a phone number, like 020 7946 0000 or +44 20 7946 0000"),
            ({"wants": "y", "email": "ada@example.org"},
             "Tick the box to agree that we may keep your details to reply to you")):
        response = post(client, url, data)
        assert response.status_code == 200 and message in page_text(response), message
    done = post(client, url, {"wants": "y", "name": "Ada Lovelace", "email": "Ada@Example.org",
                              "phone": "020 7946 0000", "agree": "y"})
    assert done.headers["Location"] == step(qid, "check-answers")
    assert "Would you like a reply? Yes Ada Lovelace ada@example.org 020 7946 0000" in page_text(
        client.get(step(qid, "check-answers")))
    # Nothing of it is in the draft's answers.
    assert "ada@example.org" not in str(drafts(app)[0].answers)
    check_answers(client, qid)
    [response] = responses(app)
    [contact] = contacts(app)
    assert (contact.response_id, contact.name, contact.email, contact.phone) == (
        response.id, "Ada Lovelace", "ada@example.org", "020 7946 0000")
    assert "ada@example.org" not in {a.text for a in response.answers}


def test_no_reply_stores_no_contact(client, app, made):
    complete(client, made.questionnaire_id, reply={"email": "x@example.org"})
    check_answers(client, made.questionnaire_id)
    assert contacts(app) == []


def test_back_links_follow_the_steps(client, made):
    qid = made.questionnaire_id
    complete(client, qid)
    back = re.compile(r'<a href="([^"]+)" class="govuk-back-link">')
    assert back.search(client.get(step(qid, "postcode")).get_data(as_text=True))[1] == \
        start_url(qid)
    assert back.search(client.get(page(qid, 1)).get_data(as_text=True))[1] == \
        step(qid, "postcode")
    # Page 3 is hidden (not a victim), so page 4 goes back to page 2.
    assert back.search(client.get(page(qid, 4)).get_data(as_text=True))[1] == page(qid, 2)
    assert back.search(client.get(step(qid, "reply")).get_data(as_text=True))[1] == page(qid, 5)


def test_every_page_says_it_is_not_the_way_to_report_a_crime(client, made):
    qid = made.questionnaire_id
    complete(client, qid)
    # Said one way, here as on the rest of the site (public/_emergency.html) and in the emails.
    warning = ("This is not the way to report a crime. In an emergency call 999. If it is not "
               "an emergency, call 101.")
    assert warning in page_text(client.get("/"))
    for url in ("/have-your-say/", start_url(qid), step(qid, "postcode"), step(qid, "borough"),
                page(qid, 1), page(qid, 2), page(qid, 4), page(qid, 5), step(qid, "about-you"),
                step(qid, "reply"), step(qid, "check-answers"), step(qid, "save")):
        assert warning in page_text(client.get(url)), url
    check_answers(client, qid)
    assert warning in page_text(client.get(step(qid, "confirmation")))


def test_the_list_of_open_consultations_links_each_questionnaire(client, app, made):
    text = page_text(client.get("/have-your-say/"))
    assert "Have your say: residents If you live in London" in text
    html = client.get("/have-your-say/").get_data(as_text=True)
    assert f'href="{start_url(made.questionnaire_id)}"' in html
    start = page_text(client.get(start_url(made.questionnaire_id)))
    assert "Your answers are anonymous" in start
    assert "You can also answer on paper or by telephone, or ask for the questions in another " \
           "format" in start
    # Somewhere to ask even before any borough has added its contact details.
    assert f"or the engage team: Email: {app.config['ENGAGE_CONTACT_EMAIL']} Telephone: " \
           f"{app.config['ENGAGE_CONTACT_PHONE']}" in start
    assert "Start now" in start
