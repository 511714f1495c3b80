"""Arbitrary values posted to every page of questions, and to the postcode, borough, "about
you" and reply pages, get form errors or move on: never a server error, and never an answer
that breaks the draft for the next page."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.helpers import csrf_token, page_text
from tests.surveys.answering_support import make_every_kind, page, reach, step

# Each page's fields, and a few of the values they expect, so that some examples pass.
FIELDS = {
    1: {"q_priorities_1": ["burglary", "drugs"], "q_priorities_2": ["robbery"],
        "q_priorities_3": ["knife-crime"]},
    2: {"q_confidence": ["good"], "q_safe": ["somewhere-else", "streets"],
        "q_safe_other": ["A park"], "q_victim": ["yes", "no"]},
    3: {"q_crimes": ["theft", "other", "prefer-not-to-say"], "q_crimes_other": ["Fraud"],
        "q_when": ["1", "12", "2027"]},
    4: {"q_years": ["7", "100", "-3"], "q_street": ["Acre Lane"], "q_postcode": ["SW9 6AA"],
        "q_comments": ["Thanks"]},
    5: {"q_age_band": ["under-25", "prefer-not-to-say"]},
}
TEXT = st.text(alphabet=st.characters(exclude_categories=("Cs",)), max_size=40)
VALUE = st.one_of(
    TEXT,
    st.sampled_from(["", " ", "0", "-1", "1e9", "99999999999999999", "2027-02-30", "\x00",
                     "\u202e\u0645\u0631\u062d\u0628\u0627", "\U0001f46e", "x" * 6000]),
    st.lists(TEXT, max_size=4),
)


def _form(where, fields: dict = FIELDS):
    """Forms for a page: its own fields (`fields[where]`) and a few others, with values it
    expects and values it does not."""
    known = fields[where]
    field = st.sampled_from(list(known))
    value = st.one_of(VALUE, field.flatmap(lambda name: st.sampled_from(known[name])))
    return st.dictionaries(st.one_of(field, st.sampled_from(["q_unknown", "action", "x"])),
                           st.one_of(value, st.lists(value, max_size=3)), max_size=6)


@pytest.fixture
def walk(app, client):
    """A person halfway through, at a page chosen per test; the rate limit out of the way."""
    app.config["ENGAGE_SURVEY_PAGE_LIMIT"] = "100000 per minute"
    made = make_every_kind(app)
    qid = made.questionnaire_id
    reach(client, qid, 3, answers={2: {"q_confidence": "good", "q_safe": "streets",
                                       "q_victim": "yes"}})
    token = csrf_token(client.get(page(qid, 3)).get_data(as_text=True))
    return qid, token


def _never_breaks(client, qid: int, token: str, url: str, forms, ready: tuple[int, ...]):
    """Post every example of `forms` to `url`: a page of errors or a move on, never a 500; and
    whatever was kept, the next page and "Check your answers" (`ready`: its allowed statuses)
    still work."""

    @settings(max_examples=25, deadline=None, database=None,
              suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
    @given(data=forms)
    def post_anything(data):
        response = client.post(url, {**data, "csrf_token": token})
        assert response.status_code in (200, 302), response.status_code
        if response.status_code == 200:
            assert "There is a problem" in page_text(response)
        following = client.get(response.headers.get("Location", url))
        assert following.status_code in (200, 302)
        assert client.get(step(qid, "check-answers")).status_code in ready

    post_anything()


@pytest.mark.parametrize("position", sorted(FIELDS))
def test_arbitrary_answers_never_break_a_page(client, walk, position):
    qid, token = walk
    _never_breaks(client, qid, token, page(qid, position), _form(position), ready=(302,))


# The steps around the questions: their fields, and values they expect.
STEPS = {
    "postcode": {"postcode": ["SW9 6AA", "SW9", "EC1A 1BB", "ZZ99 9ZZ", "TW6"]},
    "borough": {"borough": ["lambeth", "camden", "another", "city-of-london"]},
    "about-you": {"consent": ["yes", "no", "maybe"]},
    "reply": {"wants": ["y", "yes", ""], "name": ["Ada"], "email": ["ada@example.org", "ada@"],
              "phone": ["020 7946 0000", "call me"], "agree": ["y", ""]},
}


@pytest.mark.parametrize("name", sorted(STEPS))
def test_arbitrary_values_never_break_the_steps_around_the_questions(client, walk, name):
    qid, token = walk
    _never_breaks(client, qid, token, step(qid, name), _form(name, STEPS),
                  ready=(200, 302))
