"""The rules every channel shares: what each kind of question accepts, and the words it uses
when it refuses. (The pages that show these messages are tested through HTTP elsewhere.)"""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from engage.surveys.models import Option, Question, QuestionKind
from engage.surveys.questions import (
    AnswerError,
    answer_rows,
    check,
    check_all,
    describe,
    is_shown,
    normalise_postcode,
)


def question(kind: QuestionKind, key: str = "q", options: tuple[str, ...] = (), **settings):
    q = Question(key=key, kind=kind, text="Question?", required=settings.pop("required", True),
                 show_if_values=[], **settings)
    q.id = abs(hash(key)) % 10_000
    for position, value in enumerate(options, start=1):
        q.options.append(Option(id=q.id * 100 + position, position=position, value=value,
                                label=value.replace("-", " ").capitalize(),
                                asks_other=value == "other", exclusive=value == "none"))
    return q


PRIORITIES = ("burglary", "robbery", "knife-crime", "drugs", "other", "none")


def refused(q: Question, value) -> str:
    with pytest.raises(AnswerError) as error:
        check(q, value)
    return error.value.message


def test_single_choice_accepts_an_option_and_asks_what_other_means():
    q = question(QuestionKind.SINGLE_CHOICE, options=PRIORITIES)
    assert check(q, {"option": "robbery"}) == {"option": "robbery"}
    assert refused(q, {"option": "arson"}) == "Select one of the options shown"
    assert refused(q, {"option": "other"}) == "Say what you mean by \u201cOther\u201d"
    assert check(q, {"option": "other", "other": "  Fly-tipping "}) == {
        "option": "other", "other": "Fly-tipping"}
    # "please say" text for an option that does not ask for it is dropped, not stored.
    assert check(q, {"option": "drugs", "other": "ignored"}) == {"option": "drugs"}


def test_required_and_optional_questions():
    required = question(QuestionKind.RATING, options=("good", "poor"))
    optional = question(QuestionKind.RATING, options=("good", "poor"), required=False)
    assert refused(required, None) == "Select an answer to \u201cQuestion?\u201d"
    assert refused(required, {"option": ""}) == "Select an answer to \u201cQuestion?\u201d"
    assert check(optional, None) is None
    assert check(optional, {"option": ""}) is None


def test_multiple_choice_keeps_to_its_maximum_and_exclusive_options():
    q = question(QuestionKind.MULTIPLE_CHOICE, options=PRIORITIES, max_choices=3)
    assert check(q, {"options": ["drugs", "burglary", "drugs"]}) == {
        "options": ["burglary", "drugs"]}  # in the questionnaire's order, each once
    assert refused(q, {"options": ["burglary", "robbery", "knife-crime", "drugs"]}) == (
        "Select no more than 3 options")
    assert refused(q, {"options": ["none", "drugs"]}) == (
        "Select \u201cNone\u201d on its own, or other options")
    assert refused(q, {"options": []}) == "Select at least one answer to \u201cQuestion?\u201d"
    assert refused(q, {"options": "burglary"}) == "Select one or more of the options shown"


def test_ranking_takes_the_top_n_in_order_without_gaps_or_repeats():
    q = question(QuestionKind.RANKING, options=PRIORITIES, rank_count=3)
    assert check(q, {"ranked": ["drugs", "burglary", "robbery"]}) == {
        "ranked": ["drugs", "burglary", "robbery"]}
    # Each message names the question, and says which place is wrong.
    for value, message, place in (
            (["drugs", "", "robbery"], "Fill your choices for \u201cQuestion?\u201d in order, "
                                       "without gaps", 2),
            (["", "drugs", ""], "Fill your choices for \u201cQuestion?\u201d in order, "
                                "without gaps", 1),
            (["drugs", "robbery", "drugs"], "Choose each option only once for \u201cQuestion?"
                                            "\u201d", 3),
            (["drugs", "arson", "robbery"], "Select one of the options shown for \u201cQuestion?"
                                            "\u201d", 2),
            (["drugs", "robbery", ""], "Choose 3 options in order for \u201cQuestion?\u201d", 3),
            (["a", "b", "c", "d"], "Choose no more than 3 for \u201cQuestion?\u201d", None),
            (["", "", ""], "Choose 3 options in order for \u201cQuestion?\u201d", None)):
        with pytest.raises(AnswerError) as error:
            check(q, {"ranked": value})
        assert (error.value.message, error.value.rank) == (message, place), value


def test_number_bounds_are_said_in_words():
    q = question(QuestionKind.NUMBER, min_value=0, max_value=500)
    assert check(q, {"number": " 200 "}) == {"number": 200}
    assert check(question(QuestionKind.NUMBER), {"number": "1,200"}) == {"number": 1200}
    assert check(question(QuestionKind.NUMBER), {"number": "-1 200 000"}) == {"number": -1200000}
    for slip in ("1,2", "12,00", "1,,200", ",200", "1 2", "1,200,"):
        assert refused(question(QuestionKind.NUMBER), {"number": slip}) == (
            "Enter a whole number, like 12"), slip
    assert check(q, {"number": 0}) == {"number": 0}
    assert refused(q, {"number": "12.5"}) == "Enter a whole number, like 12"
    assert refused(q, {"number": "twelve"}) == "Enter a whole number, like 12"
    assert refused(q, {"number": 501}) == "Enter a number between 0 and 500"
    assert refused(q, {"number": True}) == "Enter a whole number, like 12"
    at_least = question(QuestionKind.NUMBER, min_value=1)
    assert refused(at_least, {"number": "0"}) == "Enter a number that is 1 or more"


def test_text_postcode_and_date():
    short = question(QuestionKind.SHORT_TEXT)
    assert check(short, {"text": "  Noise at night "}) == {"text": "Noise at night"}
    assert refused(short, {"text": "x" * 501}) == "Your answer must be 500 characters or fewer"
    postcode = question(QuestionKind.POSTCODE)
    assert check(postcode, {"postcode": "sw34ab"}) == {"postcode": "SW3 4AB"}
    assert refused(postcode, {"postcode": "SW3"}) == "Enter a full UK postcode, like SW1A 2AA"
    when = question(QuestionKind.DATE)
    assert check(when, {"date": "2027-03-27"}) == {"date": "2027-03-27"}
    assert refused(when, {"date": "2027-02-30"}) == "Enter a real date, like 27 3 2027"
    assert refused(when, {"date": "invalid"}) == "Enter a real date, like 27 3 2027"
    # Only the date boxes' own shape: fromisoformat reads these too.
    for other in ("20270327", "2027-W13-1", "2027W131"):
        assert refused(when, {"date": other}) == "Enter a real date, like 27 3 2027", other


@pytest.mark.parametrize(("typed", "normalised"), [
    ("SW1A 2AA", "SW1A 2AA"), ("sw1a2aa", "SW1A 2AA"), ("  w10  5xl ", "W10 5XL"),
    ("EC1A 1BB", "EC1A 1BB"), ("N1 9GU", "N1 9GU"), ("GIR 0AA", "GIR 0AA"),
    ("SW1A", None), ("12345", None), ("QW1 2AA", None), ("SW1A 2AAA", None), ("", None),
])
def test_postcodes_are_normalised_or_refused(typed, normalised):
    assert normalise_postcode(typed) == normalised


def test_show_if_follows_earlier_answers_and_hidden_answers_are_dropped():
    victim = question(QuestionKind.YES_NO, key="victim", options=("yes", "no"))
    which = question(QuestionKind.MULTIPLE_CHOICE, key="which", options=PRIORITIES)
    which.show_if_question, which.show_if_values = victim, ["yes"]
    assert not is_shown(which, {})
    assert is_shown(which, {"victim": {"option": "yes"}})
    answers, errors = check_all([victim, which], {
        "victim": {"option": "no"}, "which": {"options": ["burglary"]}})
    assert answers == {"victim": {"option": "no"}} and errors == {}
    answers, errors = check_all([victim, which], {"victim": {"option": "yes"}})
    assert errors == {"which": "Select at least one answer to \u201cQuestion?\u201d"}


def test_rows_and_words_for_each_shape():
    ranking = question(QuestionKind.RANKING, key="rank", options=PRIORITIES, rank_count=2)
    rows = answer_rows(ranking, {"ranked": ["drugs", "burglary"]})
    assert [(r["option_id"], r["rank"]) for r in rows] == [
        (ranking.option("drugs").id, 1), (ranking.option("burglary").id, 2)]
    assert describe(ranking, {"ranked": ["drugs", "burglary"]}) == ["1. Drugs", "2. Burglary"]
    choice = question(QuestionKind.MULTIPLE_CHOICE, key="multi", options=PRIORITIES)
    rows = answer_rows(choice, {"options": ["robbery", "other"], "other": "Scams"})
    assert [(r["option_id"], r["text"]) for r in rows] == [
        (choice.option("robbery").id, None), (choice.option("other").id, "Scams")]
    when = question(QuestionKind.DATE, key="when")
    assert describe(when, {"date": "2027-03-07"}) == ["7 March 2027"]
    assert describe(when, None) == ["Not answered"]


ANY_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=30),
    lambda children: st.lists(children, max_size=4)
    | st.dictionaries(st.text(max_size=8), children, max_size=4), max_leaves=10)


@given(kind=st.sampled_from(list(QuestionKind)),
       value=st.dictionaries(st.sampled_from(
           ["option", "options", "ranked", "number", "text", "postcode", "date", "other"]),
           ANY_JSON, max_size=3) | ANY_JSON)
def test_any_value_is_either_accepted_in_shape_or_refused_in_words(kind, value):
    q = question(kind, options=PRIORITIES, max_choices=2, rank_count=2)
    try:
        cleaned = check(q, value)
    except AnswerError as error:
        assert error.message
        return
    # Whatever was accepted can be stored and shown back.
    assert answer_rows(q, cleaned)
    assert describe(q, cleaned)
