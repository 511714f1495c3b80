"""The borough step: a postcode finds it, or the person chooses it, and only among the boroughs
the consultation covers."""

from __future__ import annotations

import re

import pytest

from tests.helpers import page_text
from tests.surveys.answering_support import begin, drafts, make_every_kind, page, post, step


@pytest.fixture
def made(app):
    return make_every_kind(app)


def _postcode(client, qid: int, postcode: str):
    begin(client, qid)
    return post(client, step(qid, "postcode"), {"postcode": postcode})


def _borough_id(app) -> int | None:
    [draft] = drafts(app)
    return draft.borough_id


def _slug_of(app, borough_id):
    from engage.boroughs.models import Borough
    from engage.extensions import db

    with app.app_context():
        return db.session.get(Borough, borough_id).slug


def test_a_postcode_in_one_borough_goes_straight_on(client, app, made):
    qid = made.questionnaire_id
    response = _postcode(client, qid, "sw9 6aa")
    assert response.headers["Location"] == page(qid, 1)
    assert _slug_of(app, _borough_id(app)) == "lambeth"


def test_only_the_first_part_of_the_postcode_is_enough(client, app, made):
    response = _postcode(client, made.questionnaire_id, "SW9")
    assert response.headers["Location"] == page(made.questionnaire_id, 1)


@pytest.mark.parametrize(("typed", "message"), [
    ("", "Enter your postcode"),
    ("not a postcode", "Enter a postcode, like SW1A 2AA, or its first part, like SW1A"),
    ("SW9 6A", "Enter a postcode, like SW1A 2AA, or its first part, like SW1A"),
])
def test_a_postcode_that_is_not_one(client, app, made, typed, message):
    response = _postcode(client, made.questionnaire_id, typed)
    assert response.status_code == 200
    assert f'<a href="#postcode">{message}</a>' in response.get_data(as_text=True)
    assert _borough_id(app) is None


def test_a_district_spanning_boroughs_suggests_the_largest_and_lets_people_choose(
        client, app, made):
    qid = made.questionnaire_id
    response = _postcode(client, qid, "W10 4AA")
    assert response.headers["Location"] == step(qid, "borough") + "?district=W10"
    shown = client.get(response.headers["Location"])
    text = page_text(shown)
    assert "Postcodes starting W10 are in more than one area. Most of them are in Kensington " \
           "and Chelsea." in text
    html = shown.get_data(as_text=True)
    # Largest share first, then the others, then a way out to every borough.
    order = [html.index(f'value="{slug}"') for slug in (
        "kensington-and-chelsea", "westminster", "brent", "hammersmith-and-fulham", "another")]
    assert order == sorted(order)
    assert _borough_id(app) is None  # nothing decided until they confirm

    refused = post(client, response.headers["Location"], {"borough": "camden"})
    assert '<a href="#borough">Select a borough</a>' in refused.get_data(as_text=True)
    chosen = post(client, response.headers["Location"], {"borough": "westminster"})
    assert chosen.headers["Location"] == page(qid, 1)
    assert _slug_of(app, _borough_id(app)) == "westminster"


def test_a_parent_district_suggests_the_boroughs_of_its_sub_districts(client, app, made):
    # The data knows SW1A...SW1Y; people say SW1.
    qid = made.questionnaire_id
    response = _postcode(client, qid, "sw1")
    assert response.headers["Location"] == step(qid, "borough") + "?district=SW1"
    shown = client.get(response.headers["Location"])
    assert "Postcodes starting SW1 are in more than one area. Most of them are in " \
           "Westminster." in page_text(shown)
    html = shown.get_data(as_text=True)
    order = [html.index(f'value="{slug}"') for slug in (
        "westminster", "kensington-and-chelsea", "another")]
    assert order == sorted(order) and "<option" not in html
    chosen = post(client, response.headers["Location"], {"borough": "kensington-and-chelsea"})
    assert chosen.headers["Location"] == page(qid, 1)
    assert _slug_of(app, _borough_id(app)) == "kensington-and-chelsea"


def test_another_borough_leads_to_the_full_list(client, app, made):
    qid = made.questionnaire_id
    url = _postcode(client, qid, "W10 4AA").headers["Location"]
    listing = post(client, url, {"borough": "another"})
    assert listing.headers["Location"] == step(qid, "borough")
    html = client.get(listing.headers["Location"]).get_data(as_text=True)
    assert html.count("<option") == 33  # "Choose a borough" and the 32 boroughs
    empty = post(client, step(qid, "borough"), {"borough": ""})
    assert '<a href="#borough">Choose your borough</a>' in empty.get_data(as_text=True)
    assert post(client, step(qid, "borough"), {"borough": "sutton"}).status_code == 302
    assert _slug_of(app, _borough_id(app)) == "sutton"


def test_coming_back_to_the_borough_shows_the_one_chosen(client, app, made):
    # WCAG 3.3.7 (Redundant entry): back at the borough step (the Back link, or "Change" from
    # "Check your answers") the borough already given is chosen, not to be found again among 32.
    qid = made.questionnaire_id
    _postcode(client, qid, "SW9 6AA")
    html = client.get(step(qid, "borough")).get_data(as_text=True)
    assert html.count("selected") == 1
    assert re.search(r'<option value="lambeth" selected', html)
    html = client.get(step(qid, "borough") + "?change=1").get_data(as_text=True)
    assert re.search(r'<option value="lambeth" selected', html)

    # Chosen among a postcode's suggestions: the same suggestion is ticked.
    post(client, step(qid, "borough") + "?district=W10", {"borough": "westminster"})
    html = client.get(step(qid, "borough") + "?district=W10").get_data(as_text=True)
    assert re.findall(r'value="([a-z-]+)" checked', html) == ["westminster"]
    # A borough that is not among the suggestions ticks nothing.
    html = client.get(step(qid, "borough") + "?district=SW9").get_data(as_text=True)
    assert "checked" not in html and "selected" not in html
    assert _slug_of(app, _borough_id(app)) == "westminster"


def test_a_district_mostly_outside_london_asks(client, app, made):
    qid = made.questionnaire_id
    url = _postcode(client, qid, "WD6 1AA").headers["Location"]
    text = page_text(client.get(url))
    assert "Most postcodes starting WD6 are outside London." in text
    assert "If you live or work in a London borough, choose it here." in text
    assert post(client, url, {"borough": "barnet"}).headers["Location"] == page(qid, 1)


def test_the_city_of_london_has_its_own_police(client, app, made):
    qid = made.questionnaire_id
    url = _postcode(client, qid, "EC2V 7HH").headers["Location"]
    text = page_text(client.get(url))
    assert "The City has its own police force, the City of London Police, so this " \
           "consultation does not cover it." in text
    html = client.get(url).get_data(as_text=True)
    assert "city-of-london" not in html
    assert html.count("<option") == 33  # choose any covered borough instead
    # A district mostly in the City but partly in Islington offers Islington.
    url = _postcode(client, qid, "EC1A 1BB").headers["Location"]
    html = client.get(url).get_data(as_text=True)
    assert 'value="islington"' in html
    assert "mostly in the City of London" in page_text(client.get(url))


def test_an_unknown_district_asks(client, app, made):
    url = _postcode(client, made.questionnaire_id, "M1 1AE").headers["Location"]
    assert "We could not find a London borough for postcodes starting M1." in page_text(
        client.get(url))


def test_only_boroughs_the_consultation_covers_can_be_chosen(client, app):
    made = make_every_kind(app, boroughs=["camden", "islington"])
    qid = made.questionnaire_id
    # Lambeth's postcode: not covered, so not set; the list holds only what is covered.
    url = _postcode(client, qid, "SW9 6AA").headers["Location"]
    assert url == step(qid, "borough") + "?district=SW9"
    page_html = client.get(url).get_data(as_text=True)
    assert "which Have your say" in page_text(client.get(url))
    assert page_html.count("<option") == 3
    refused = post(client, url, {"borough": "lambeth"})
    assert "Choose your borough" in page_text(refused)
    assert _borough_id(app) is None
    # Of EC1A's boroughs, only Islington is covered: it is the one suggestion.
    url = _postcode(client, qid, "EC1A 1BB").headers["Location"]
    html = client.get(url).get_data(as_text=True)
    assert 'value="islington"' in html and 'value="camden"' not in html


def test_the_postcode_box_has_one_class_attribute_with_its_width(client, app, made):
    """A second class attribute is ignored by browsers: the box would be full width."""
    import re

    begin(client, made.questionnaire_id)
    html = client.get(step(made.questionnaire_id, "postcode")).get_data(as_text=True)
    [tag] = re.findall(r'<input[^>]*name="postcode"[^>]*>', html)
    assert len(re.findall(r"\bclass=", tag)) == 1
    assert "govuk-input--width-10" in tag and 'autocomplete="postal-code"' in tag
