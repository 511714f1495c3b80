"""Every kind of question answered through the public pages: what is stored, and each message
a wrong or missing answer gets, in the error summary linked to its field."""

from __future__ import annotations

import re
from datetime import date
from html import unescape

import pytest

from tests.helpers import page_text, title
from tests.surveys.answering_support import (
    ANSWERS,
    answers_by_key,
    check_answers,
    complete,
    make_every_kind,
    page,
    post,
    reach,
    responses,
)

VICTIM = {2: {"q_confidence": "fair", "q_safe": "streets", "q_victim": "yes"}}


@pytest.fixture
def made(app):
    return make_every_kind(app)


def _error(response, message: str, href: str) -> None:
    """The page says `message` next to the field and in the summary, linking to `href`."""
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert title(response).startswith("Error: ")
    summary = html.split('class="govuk-error-summary"', 1)[1].split("</ul>", 1)[0]
    assert f'<a href="#{href}">{message}</a>' in summary.replace("&#34;", '"'), summary
    assert re.search(rf'id="{re.escape(href)}"', html), f"nothing on the page has id {href}"
    assert page_text(response).count(message.replace("&#34;", '"')) >= 2


def test_every_kind_is_stored_as_answered(client, app, made):
    qid = made.questionnaire_id
    complete(client, qid, answers={
        **VICTIM,
        3: {"q_crimes": ["burglary", "other"], "q_crimes_other": "Fly-tipping",
            "q_when": ["03", "2", "2027"]},
        4: {"q_years": " 12 ", "q_street": "  Acre\x00 Lane ", "q_postcode": "sw2 1aa",
            "q_comments": "More patrols, please.\nThank you."}})
    assert check_answers(client, qid).status_code == 302
    [response] = responses(app)
    stored = answers_by_key(response)
    ranked = sorted(stored["priorities"], key=lambda a: a.rank)
    assert [(a.rank, a.option.value) for a in ranked] == [(1, "knife-crime"), (2, "burglary"),
                                                          (3, "drugs")]
    assert [a.option.value for a in stored["confidence"]] == ["fair"]
    assert [a.option.value for a in stored["victim"]] == ["yes"]
    assert {(a.option.value, a.text) for a in stored["crimes"]} == {
        ("burglary", None), ("other", "Fly-tipping")}
    assert stored["when"][0].date == date(2027, 2, 3)
    assert stored["years"][0].number == 12
    assert stored["street"][0].text == "Acre Lane"
    assert stored["postcode"][0].text == "SW2 1AA"
    assert stored["comments"][0].text == "More patrols, please.\nThank you."
    assert response.borough.name == "Lambeth"


RANKED = "\u201cWhich crimes should the police in your area focus on?\u201d"


@pytest.mark.parametrize(("data", "message", "href"), [
    ({}, f"Choose 3 options in order for {RANKED}", "q_priorities_1"),
    ({"q_priorities_1": "burglary", "q_priorities_3": "drugs"},
     f"Fill your choices for {RANKED} in order, without gaps", "q_priorities_2"),
    ({"q_priorities_1": "burglary", "q_priorities_2": "drugs", "q_priorities_3": "burglary"},
     f"Choose each option only once for {RANKED}", "q_priorities_3"),
    ({"q_priorities_1": "burglary", "q_priorities_2": "drugs"},
     f"Choose 3 options in order for {RANKED}", "q_priorities_3"),
    ({"q_priorities_1": "drugs", "q_priorities_2": "arson", "q_priorities_3": "robbery"},
     f"Select one of the options shown for {RANKED}", "q_priorities_2"),
])
def test_ranking_messages_name_the_question_and_point_at_the_place_that_is_wrong(
        client, made, data, message, href):
    url = reach(client, made.questionnaire_id, 1)
    response = post(client, url, data)
    _error(response, message, href)
    # The message is beside that place's box, not the first one's.
    html = response.get_data(as_text=True)
    assert re.search(rf'<p id="{href}-error" class="govuk-error-message">', html), html


@pytest.mark.parametrize(("data", "message", "href"), [
    ({**ANSWERS[2], "q_confidence": ""},
     "Select an answer to \u201cHow good a job are the police doing in this area?\u201d",
     "q_confidence"),
    ({**ANSWERS[2], "q_confidence": "brilliant"}, "Select one of the options shown",
     "q_confidence"),
    ({**ANSWERS[2], "q_safe": "somewhere-else"}, "Say what you mean by \u201cSomewhere else\u201d",
     "q_safe_other"),
    ({**ANSWERS[2], "q_victim": ""},
     "Select yes or no for \u201cIn the last 12 months, have you been a victim of crime?\u201d",
     "q_victim"),
])
def test_single_choice_rating_and_yes_no_messages(client, made, data, message, href):
    url = reach(client, made.questionnaire_id, 2)
    _error(post(client, url, data), message, href)


@pytest.mark.parametrize(("data", "message", "href"), [
    ({"q_when": ["1", "1", "2027"]}, "Select at least one answer to \u201cWhat happened?\u201d",
     "q_crimes"),
    ({"q_crimes": ["theft", "burglary", "assault"], "q_when": ["1", "1", "2027"]},
     "Select no more than 2 options", "q_crimes"),
    ({"q_crimes": ["theft", "prefer-not-to-say"], "q_when": ["1", "1", "2027"]},
     "Select \u201cPrefer not to say\u201d on its own, or other options", "q_crimes"),
    ({"q_crimes": ["other"], "q_when": ["1", "1", "2027"]},
     "Say what you mean by \u201cSomething else\u201d", "q_crimes_other"),
    ({"q_crimes": ["theft"]}, "Enter a date for \u201cWhen did it last happen?\u201d",
     "q_when-day"),
    ({"q_crimes": ["theft"], "q_when": ["31", "2", "2027"]}, "Enter a real date, like 27 3 2027",
     "q_when-day"),
    ({"q_crimes": ["theft"], "q_when": ["1", "", "2027"]}, "Enter a real date, like 27 3 2027",
     "q_when-day"),
    ({"q_crimes": ["theft"], "q_when": ["1", "1", "27"]}, "Enter a real date, like 27 3 2027",
     "q_when-day"),
    # Digits 0-9 only: int() read these as 12 March, 1 March and 1 March 2027.
    ({"q_crimes": ["theft"], "q_when": ["1_2", "3", "2027"]}, "Enter a real date, like 27 3 2027",
     "q_when-day"),
    ({"q_crimes": ["theft"], "q_when": ["\uff11", "3", "2027"]},
     "Enter a real date, like 27 3 2027", "q_when-day"),
    ({"q_crimes": ["theft"], "q_when": ["1", "+3", "2027"]}, "Enter a real date, like 27 3 2027",
     "q_when-day"),
])
def test_multiple_choice_and_date_messages(client, made, data, message, href):
    url = reach(client, made.questionnaire_id, 3, answers=VICTIM)
    _error(post(client, url, data), message, href)


@pytest.mark.parametrize(("data", "message", "href"), [
    ({"q_years": ""}, "Enter a number for \u201cHow many years have you lived here?\u201d",
     "q_years"),
    ({"q_years": "twelve"}, "Enter a whole number, like 12", "q_years"),
    ({"q_years": "1.5"}, "Enter a whole number, like 12", "q_years"),
    # A comma only ever separates thousands: "1,2" is not read as 12.
    ({"q_years": "1,2"}, "Enter a whole number, like 12", "q_years"),
    ({"q_years": "101"}, "Enter a number between 0 and 100", "q_years"),
    ({"q_years": "-1"}, "Enter a number between 0 and 100", "q_years"),
    ({"q_years": "3", "q_street": "x" * 501}, "Your answer must be 500 characters or fewer",
     "q_street"),
    ({"q_years": "3", "q_postcode": "SW1"}, "Enter a full UK postcode, like SW1A 2AA",
     "q_postcode"),
    ({"q_years": "3", "q_comments": "x" * 5001},
     "Your answer must be 5,000 characters or fewer", "q_comments"),
])
def test_number_text_and_postcode_messages(client, made, data, message, href):
    url = reach(client, made.questionnaire_id, 4)
    _error(post(client, url, data), message, href)


def test_a_page_with_errors_keeps_what_was_typed(client, made):
    url = reach(client, made.questionnaire_id, 4)
    html = post(client, url, {"q_years": "lots", "q_street": "Acre Lane"}).get_data(as_text=True)
    assert 'value="lots"' in html
    assert 'value="Acre Lane"' in html


def test_a_lone_question_is_the_page_heading_and_several_sit_under_the_section(client, made):
    qid = made.questionnaire_id
    lone = client.get(reach(client, qid, 1)).get_data(as_text=True)
    assert re.search(r'<h1 class="govuk-fieldset__heading">\s*Which crimes should the police '
                     r'in your area focus on\?\s*</h1>', lone)
    assert lone.count("<h1") == 1
    several = client.get(reach(client, qid, 4)).get_data(as_text=True)
    assert '<h1 class="govuk-heading-l">A little more</h1>' in several
    assert several.count("<h1") == 1
    assert "How many years have you lived here?" in several
    # Optional questions say so; a question without help text has no empty hint.
    assert "Which street do you live on? (optional)" in several
    assert not re.search(r'<div[^>]*class="govuk-hint"[^>]*>\s*</div>', several)
    assert 'id="q_street-hint"' not in several


def test_choices_show_other_boxes_and_an_exclusive_option(client, made):
    html = client.get(reach(client, made.questionnaire_id, 3, answers=VICTIM)).get_data(
        as_text=True)
    assert 'data-behaviour="exclusive"' in html
    assert '<div class="govuk-checkboxes__divider">or</div>' in html
    assert 'data-aria-controls="conditional-q_crimes-4"' in html
    assert 'id="q_crimes_other"' in html
    # A radio's "please say" box follows the radios and says which answer it is for.
    html = client.get(reach(client, made.questionnaire_id, 2)).get_data(as_text=True)
    assert "If you chose \u201cSomewhere else\u201d, say what you mean" in html


def test_how_many_to_choose_is_said_under_help_text_of_the_question_s_own(client, app, made):
    """Help text written by staff never hides the rule the page enforces: how many boxes may be
    ticked, or places filled (found in a review: "Select up to 2" went missing, and people
    learnt the limit only from an error)."""
    from sqlalchemy import select

    from engage.extensions import db
    from engage.surveys.models import Question

    with app.app_context():
        for question in db.session.scalars(select(Question).where(
                Question.key.in_(["priorities", "crimes"]))):
            question.help_text = "Think about the last 12 months."
        db.session.commit()
    ranking = page_text(client.get(reach(client, made.questionnaire_id, 1)))
    assert "Think about the last 12 months. Choose 3, starting with the most important." \
        in ranking
    crimes = page_text(client.get(reach(client, made.questionnaire_id, 3, answers=VICTIM)))
    assert "Think about the last 12 months. Select up to 2." in crimes


def test_the_numbers_a_number_question_takes_are_said_before_any_error(client, app, made,
                                                                    details):
    """WCAG 3.3.2 (Labels or instructions): what the page refuses, a number that is not whole
    or out of the question's range, is said under the question, as paper says it, and not
    learnt from an error; under help text of the question's own too."""
    from sqlalchemy import select

    from engage.extensions import db
    from engage.surveys.models import Question

    html = client.get(reach(client, made.questionnaire_id, 4)).get_data(as_text=True)
    assert re.search(r'<div id="q_years-hint" class="govuk-hint">\s*Enter a whole number '
                     r'between 0 and 100\.\s*</div>', html)
    assert re.search(r'<input[^>]*id="q_years"[^>]*aria-describedby="q_years-hint"', html)

    with app.app_context():
        question = db.session.scalar(select(Question).where(Question.key == "visits"))
        question.help_text = "Count every visit to a police station."
        db.session.commit()
    text = page_text(client.get(reach(client, details.questionnaire_id, 1)))
    assert ("How many visits? Count every visit to a police station. Enter a whole number "
            "that is 20 or less.") in text
    assert "How old are you? Enter a whole number that is 16 or more." in text


@pytest.fixture
def details(app):
    """One page of the messages the every-kind questionnaire cannot give: required text and
    postcode, numbers bounded on one side only, and "other" words on a single choice."""
    from engage.extensions import db
    from engage.surveys.models import QuestionKind, QuestionnaireVersion
    from tests.surveys.support import add_question, add_section, make_consultation

    made = make_consultation(app, questions=False)
    with app.app_context():
        version = db.session.get(QuestionnaireVersion, made.version_id)
        details = add_section(version, "Details")
        add_question(details, "street", QuestionKind.SHORT_TEXT, "Which street do you live on?")
        add_question(details, "work", QuestionKind.POSTCODE, "Where do you work?")
        add_question(details, "visits", QuestionKind.NUMBER, "How many visits?", max_value=20)
        add_question(details, "age", QuestionKind.NUMBER, "How old are you?", min_value=16)
        add_question(details, "where", QuestionKind.SINGLE_CHOICE, "Where?",
                     options=[("home", "At home"), {"value": "else", "label": "Somewhere else",
                                                    "asks_other": True}])
        db.session.commit()
    return made


FINE = {"q_street": "Acre Lane", "q_work": "SW2 1AA", "q_visits": "3", "q_age": "40",
        "q_where": "home"}


@pytest.mark.parametrize(("data", "message", "href"), [
    ({"q_street": "   "}, "Enter your answer to \u201cWhich street do you live on?\u201d",
     "q_street"),
    ({"q_work": ""}, "Enter a postcode for \u201cWhere do you work?\u201d", "q_work"),
    ({"q_visits": "21"}, "Enter a number that is 20 or less", "q_visits"),
    ({"q_age": "15"}, "Enter a number that is 16 or more", "q_age"),
    ({"q_where": "else", "q_where_other": "x" * 201},
     "Your answer must be 200 characters or fewer", "q_where_other"),
])
def test_required_text_postcode_one_sided_numbers_and_long_other_words(client, details, data,
                                                                       message, href):
    url = reach(client, details.questionnaire_id, 1)
    _error(post(client, url, {**FINE, **data}), message, href)


def test_the_same_page_answered_within_its_limits_is_stored(client, app, details):
    qid = details.questionnaire_id
    given = {**FINE, "q_visits": "20", "q_age": "16", "q_where": "else",
             "q_where_other": "x" * 200}
    assert complete(client, qid, answers={1: given}).status_code == 200
    assert check_answers(client, qid).status_code == 302
    stored = answers_by_key(responses(app)[0])
    assert stored["visits"][0].number == 20 and stored["age"][0].number == 16
    assert stored["where"][0].text == "x" * 200


def _summary_items(response) -> list[str]:
    html = response.get_data(as_text=True)
    summary = html.split('class="govuk-error-summary"', 1)[1].split("</ul>", 1)[0]
    return [unescape(item) for item in re.findall(r'<a href="[^"]+">([^<]+)</a>', summary)]


def test_each_missing_answer_says_which_question_it_is(client, made):
    """Three questions left on one page: three different lines in the error summary, each
    naming its question, not "Select an answer" three times."""
    url = reach(client, made.questionnaire_id, 2)
    assert _summary_items(post(client, url, {})) == [
        "Select an answer to \u201cHow good a job are the police doing in this area?\u201d",
        "Select an answer to \u201cWhere do you feel least safe?\u201d",
        "Select yes or no for \u201cIn the last 12 months, have you been a victim of crime?\u201d"]


@pytest.fixture
def wordy(app):
    """Questions whose words make long messages: two sentences, a very long question, and a
    ranking of one."""
    from engage.extensions import db
    from engage.surveys.models import QuestionKind, QuestionnaireVersion
    from tests.surveys.answering_support import PRIORITIES
    from tests.surveys.support import add_question, add_section, make_consultation

    made = make_consultation(app, questions=False)
    with app.app_context():
        version = db.session.get(QuestionnaireVersion, made.version_id)
        wordy = add_section(version, "Wordy")
        add_question(wordy, "focus", QuestionKind.RANKING,
                     "What should the police focus on? Put your top 3 in order.", rank_count=3,
                     options=PRIORITIES)
        add_question(wordy, "first", QuestionKind.RANKING, "Which matters most to you?",
                     rank_count=1, options=PRIORITIES)
        add_question(wordy, "story", QuestionKind.LONG_TEXT, LONG_QUESTION)
        db.session.commit()
    return made


LONG_QUESTION = ("Thinking about the last time you contacted the police in your area, whether by "
                 "telephone, online or in person at a front counter, tell us how it went.")


def test_long_questions_are_named_briefly(client, wordy):
    url = reach(client, wordy.questionnaire_id, 1)
    assert _summary_items(post(client, url, {})) == [
        "Choose 3 options in order for \u201cWhat should the police focus on?\u201d",
        "Choose an option for \u201cWhich matters most to you?\u201d",
        "Enter your answer to \u201cThinking about the last time you contacted the police in "
        "your area, whether by telephone, online\u2026\u201d"]


def test_check_answers_names_each_question_once(client, app, made):
    """Answers that stopped being right after they were given (staff changed the questions of
    a version nobody had sent yet): "Check your answers" says which question each is about,
    without saying the question twice."""
    from sqlalchemy import update

    from engage.extensions import db
    from engage.surveys.models import Question

    qid = made.questionnaire_id
    complete(client, qid)  # "Which street" left blank, 12 years
    with app.app_context():
        db.session.execute(update(Question).where(Question.key == "street")
                           .values(required=True))
        db.session.execute(update(Question).where(Question.key == "years")
                           .values(max_value=10))
        db.session.commit()
    refused = check_answers(client, qid)
    assert refused.status_code == 400
    assert _summary_items(refused) == [
        "Answer \u201cHow many years have you lived here?\u201d: Enter a number between 0 and 10",
        "Enter your answer to \u201cWhich street do you live on?\u201d"]
    assert responses(app) == []


def test_a_section_title_is_said_once(client, made):
    """A page of several questions has the section's title as its heading, without the same
    words again as a caption (read twice by screen readers); a page of one question has the
    question as its heading and the section's title as its caption."""
    qid = made.questionnaire_id
    several = client.get(reach(client, qid, 2)).get_data(as_text=True)
    assert '<h1 class="govuk-heading-l">Policing</h1>' in several
    assert "govuk-caption-l" not in several
    one = client.get(page(qid, 1)).get_data(as_text=True)
    assert '<span class="govuk-caption-l">Priorities</span>' in one
