"""GOV.UK components are rendered once a process for the same parameters (engage.components):
the page a person gets from kept HTML is the page rendered afresh, with their own answers, and
nothing they typed, nor any page sent back with its errors, is kept."""

from __future__ import annotations

import re

from markupsafe import Markup

from engage import components
from engage.components import render_component
from tests.helpers import Browser, csrf_token
from tests.surveys.answering_support import ANSWERS, make_every_kind, post, reach, start_url
from tests.surveys.support import sign_in_staff

KEPT = "engage.components"


def _kept(app) -> dict:
    kept = app.extensions.get(KEPT)
    return kept.html if kept is not None else {}


def _same_page(html: str) -> str:
    """The page without what differs on every request: the CSRF token and the script nonce."""
    html = re.sub(r'(name="csrf_token" type="hidden" value=")[^"]*', r"\1", html)
    return re.sub(r'nonce="[^"]*"', "", html)


def test_the_next_person_gets_the_same_page_from_kept_html(app):
    made = make_every_kind(app)
    first, second = Browser(app), Browser(app)
    url = reach(first, made.questionnaire_id, 2)
    reach(second, made.questionnaire_id, 2)

    app.extensions.pop(KEPT, None)
    fresh = first.get(url).get_data(as_text=True)  # every component rendered
    kept = len(_kept(app))
    assert kept >= 4  # three questions' radios and the "other" box at least
    from_kept = second.get(url).get_data(as_text=True)
    assert len(_kept(app)) == kept  # nothing rendered anew
    assert _same_page(from_kept) == _same_page(fresh)
    assert 'name="q_confidence" type="radio" value="good"' in from_kept


def test_answers_given_are_each_persons_own(app):
    made = make_every_kind(app)
    answered, other = Browser(app), Browser(app)
    url = reach(answered, made.questionnaire_id, 2)
    post(answered, url, {**ANSWERS[2], "q_confidence": "excellent"})
    reach(other, made.questionnaire_id, 2)

    for _ in range(2):  # the second time from kept HTML
        mine = answered.get(f"{url}?change=1").get_data(as_text=True)
        theirs = other.get(url).get_data(as_text=True)
        assert re.search(r'value="excellent" checked', mine)
        assert "checked" not in theirs


def test_what_a_person_typed_is_shown_to_them_and_never_kept(app):
    made = make_every_kind(app)
    typing, other = Browser(app), Browser(app)
    url = reach(typing, made.questionnaire_id, 4)
    post(typing, url, {**ANSWERS[4], "q_street": "12 Acacia Avenue",
                       "q_comments": "Speeding on Acacia Avenue"})

    shown = typing.get(f"{url}?change=1").get_data(as_text=True)
    assert 'value="12 Acacia Avenue"' in shown
    assert "Speeding on Acacia Avenue</textarea>" in shown
    reach(other, made.questionnaire_id, 4)
    assert "Acacia" not in other.get(url).get_data(as_text=True)
    assert not any("Acacia" in html for html in _kept(app).values())
    assert not any("Acacia" in key for _template, key in _kept(app))


def test_what_a_person_typed_beside_a_checkbox_is_never_kept(app):
    made = make_every_kind(app)
    victim = {2: {**ANSWERS[2], "q_victim": "yes"}}
    typing, other = Browser(app), Browser(app)
    url = reach(typing, made.questionnaire_id, 3, victim)
    post(typing, url, {"q_crimes": ["other"], "q_crimes_other": "Graffiti on Acacia Avenue",
                       "q_when": ["3", "2", "2027"]})

    shown = typing.get(f"{url}?change=1").get_data(as_text=True)
    assert 'value="Graffiti on Acacia Avenue"' in shown
    assert re.search(r'value="other" checked', shown)
    reach(other, made.questionnaire_id, 3, victim)
    assert "Acacia" not in other.get(url).get_data(as_text=True)
    assert not any("Acacia" in html for html in _kept(app).values())
    assert not any("Acacia" in key for _template, key in _kept(app))


def test_a_page_sent_back_with_its_errors_keeps_nothing(app):
    made = make_every_kind(app)
    person = Browser(app)
    url = reach(person, made.questionnaire_id, 2)
    token = csrf_token(person.get(url).get_data(as_text=True))
    app.extensions.pop(KEPT, None)

    refused = person.post(url, {"csrf_token": token, "q_confidence": "<b>made up</b>"})
    assert refused.status_code == 200
    assert "There is a problem" in refused.get_data(as_text=True)
    assert _kept(app) == {}


def test_markup_and_text_of_the_same_words_are_kept_apart(app):
    with app.test_request_context():
        as_text = render_component("govuk_frontend_wtf/button.html", {"text": "<b>Go</b>"})
        as_markup = render_component("govuk_frontend_wtf/button.html",
                                     {"text": Markup("<b>Go</b>")})
        assert "&lt;b&gt;Go&lt;/b&gt;" in as_text
        assert "<b>Go</b>" in as_markup
        assert len(_kept(app)) == 2


def test_parameters_that_are_not_plain_values_are_rendered_every_time(app):
    class Words:
        def __str__(self) -> str:
            return "Continue"

    with app.test_request_context():
        html = render_component("govuk_frontend_wtf/button.html", {"text": Words()})
        assert "Continue" in html
        assert _kept(app) == {}


def test_at_most_max_chars_kept_the_oldest_dropped_first(app, monkeypatch):
    with app.test_request_context():
        one = render_component("govuk_frontend_wtf/button.html", {"text": "Button 0"})
        size = len(repr({"text": "Button 0"})) + len(one)
        monkeypatch.setattr(components, "MAX_CHARS", 3 * size + 1)
        monkeypatch.setattr(components, "MAX_ONE", size + 20)
        for n in range(1, 5):
            render_component("govuk_frontend_wtf/button.html", {"text": f"Button {n}"})
        assert [key for _template, key in _kept(app)] == [
            repr({"text": f"Button {n}"}) for n in (2, 3, 4)]
        assert app.extensions[KEPT].chars == 3 * size

        # One bigger than MAX_ONE is rendered, and not kept.
        html = render_component("govuk_frontend_wtf/button.html", {"text": "x" * 20})
        assert "x" * 20 in html
        assert len(_kept(app)) == 3


def test_a_signed_in_persons_header_is_never_kept(app):
    made = make_every_kind(app)
    staff, person = Browser(app), Browser(app)
    sign_in_staff(staff, app)
    app.extensions.pop(KEPT, None)

    signed_in = staff.get(start_url(made.questionnaire_id)).get_data(as_text=True)
    assert "Sign out" in signed_in
    assert not any("Sign out" in html or "csrf_token" in html for html in _kept(app).values())
    # Signed out, the same page's header is kept, and shown as rendered.
    signed_out = person.get(start_url(made.questionnaire_id)).get_data(as_text=True)
    header = signed_out[signed_out.index("<header"):signed_out.index("</header>")]
    assert "Sign in" in header
    assert any(html in header for html in _kept(app).values())
    again = person.get(start_url(made.questionnaire_id)).get_data(as_text=True)
    assert again[again.index("<header"):again.index("</header>")] == header
