"""A questionnaire answered in another language, in a real headless Chromium: chosen by its own
name on the first page, every page in that language (its lang attribute, right to left where
the language is), accessible on every page (axe, WCAG 2.2 AA), and the answers stored as the
same codes with the language recorded."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from engage.translations import catalogue
from tests.browser import axe_violations
from tests.helpers import Browser
from tests.surveys.answering_support import make_every_kind, responses
from tests.surveys.support import sign_in_staff
from tests.translations.support import filled, translate_questionnaire, upload

pytestmark = pytest.mark.browser


def _translate_everything(app, slug: str, code: str) -> None:
    """As staff do: the questionnaire's words and the service's phrases, each marked with the
    language's code so that anything left in English shows."""
    staff = Browser(app)
    sign_in_staff(staff, app)

    def said(english):
        return f"[{code}] {english}"

    translate_questionnaire(staff, slug, code, translate=said)
    words = staff.get(f"/admin/languages/words?language={code}&format=xlsx")
    assert upload(staff, "/admin/languages", code, filled(words.data, said)).status_code == 302


@pytest.mark.parametrize(("code", "own_name", "direction"),
                         # Bengali: a script of its own (and, in Debian's Chromium here,
                         # no font for it: axe checks the markup, not the glyphs).
                         [("pl", "Polski", "ltr"), ("ar", "العربية", "rtl"),
                          ("bn", "বাংলা", "ltr")])
def test_a_resident_answers_in_their_language_and_every_page_is_accessible(
        page, live_server, app, code, own_name, direction):
    made = make_every_kind(app, title="Have your say 2027/28")
    _translate_everything(app, made.slug, code)
    assert len([m for m in catalogue.phrases() if m.id]) > 100
    mark = f"[{code}] "
    seen: list[str] = []

    def check(heading: str) -> None:
        expect(page.locator("h1")).to_contain_text(mark + heading)
        expect(page.locator("html")).to_have_attribute("lang", code)
        expect(page.locator("body")).to_have_attribute("dir", direction)
        expect(page.get_by_text(mark + "This is not the way to report a crime.")).to_be_visible()
        assert axe_violations(page) == [], page.url
        seen.append(page.url)

    def carry_on() -> None:
        page.get_by_role("button", name=mark + "Continue", exact=True).click()

    page.goto(f"{live_server}/have-your-say/{made.questionnaire_id}")
    # The English page offers the language by its own name, marked as that language.
    link = page.get_by_role("link", name=own_name)
    expect(link).to_have_attribute("lang", code)
    assert axe_violations(page) == []
    link.click()
    check("Have your say: residents")
    page.get_by_role("button", name=mark + "Start now").click()
    check("What is your postcode?")
    page.get_by_label(mark + "What is your postcode?").fill("w10 4aa")
    carry_on()
    check("Which borough do you live in?")
    page.get_by_label("Kensington and Chelsea").check()
    carry_on()
    check("Which crimes should the police in your area focus on?")
    page.get_by_label(mark + "First choice").select_option(label=mark + "Knife crime")
    page.get_by_label(mark + "Second choice").select_option(label=mark + "Burglary")
    page.get_by_label(mark + "Third choice").select_option(label=mark + "Drugs")
    carry_on()
    check("Policing")
    carry_on()  # nothing answered: the errors, in the language too
    expect(page.locator(".govuk-error-summary")).to_contain_text(mark)
    check("Policing")
    page.get_by_label(mark + "Good", exact=True).check()
    page.get_by_label(mark + "I feel safe everywhere", exact=True).check()
    page.get_by_label(mark + "No", exact=True).check()
    carry_on()
    check("A little more")
    page.get_by_label(mark + "How many years have you lived here?").fill("12")
    carry_on()
    check("Would you like to answer some optional questions about yourself?")
    page.get_by_label(mark + "No", exact=True).check()
    carry_on()
    check("Would you like a reply?")
    carry_on()
    check("Check your answers before sending them")
    expect(page.locator("main")).to_contain_text(mark + "Knife crime")
    page.get_by_role("button", name=mark + "Send my answers").click()
    check("Your answers have been sent")
    # Back to English in one click.
    page.get_by_role("link", name="English").click()
    expect(page.locator("html")).to_have_attribute("lang", "en-GB")
    expect(page.locator("h1")).to_have_text("Your answers have been sent")

    [response] = responses(app)
    assert response.language == code
    assert response.borough.name == "Kensington and Chelsea"
    assert len(seen) == 11
