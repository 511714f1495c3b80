"""The busiest staff desks worked as their people work them, keyboard only, in a real headless
Chromium: where the focus lands after each piece of work is something only a browser shows.

A data-entry clerk keys a couple of hundred returned questionnaires a morning, scanning each
one's QR code with a desk scanner (which types the reference and presses Enter); a telephone
interviewer works through forty calls a shift with a headset, some with a screen reader."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.test_browser_staff_pages import CAMDEN, staff

pytestmark = pytest.mark.browser


def test_after_a_form_is_saved_the_next_scan_goes_into_the_reference_box(page, live_server,
                                                                          app):
    from tests.mailouts.test_keying_support import all_kinds, posted_paper

    made = all_kinds(app)
    first, second = (posted_paper(app, made.questionnaire_id) for _ in range(2))
    visit = staff(page, live_server, app, clerk="camden")
    visit.go(CAMDEN + "/paper/keying", "Key in returned paper")
    keyboard = page.keyboard
    reference = page.get_by_role("textbox", name="Reference")
    expect(reference).to_be_focused()
    keyboard.type(first)
    keyboard.press("Enter")  # as the scanner does
    visit.check(f"Key in {first}")
    # A paper left blank is keyed as blank: the button is the last thing on the page.
    page.get_by_role("button", name="Save this form").focus()
    keyboard.press("Enter")
    visit.check("Key in returned paper")
    saved = page.get_by_role("alert").filter(has_text=f"Reference {first} is saved.")
    expect(saved).to_be_visible()
    # The banner does not take the focus from the box (it did: the next scan typed into
    # nothing), and a screen reader hears what was saved as the box takes the focus.
    page.wait_for_load_state("load")
    page.wait_for_timeout(300)  # govuk-frontend starts its components once the page is read
    expect(reference).to_be_focused()
    expect(reference).to_have_accessible_description(
        f"Reference {first} is saved. Type it from the top of any page, like "
        "K7M3-9QX2-T, or scan the QR code.")
    keyboard.type(second)
    keyboard.press("Enter")
    visit.check(f"Key in {second}")
    assert visit.failures == []


def test_enter_in_an_answer_box_does_not_save_a_half_keyed_form(page, live_server, app):
    """A form is keyed once: Enter pressed for Tab after the first answer stored the paper with
    every other answer blank, and the clerk could not key it again."""
    from tests.mailouts.test_keying_support import all_kinds, posted_paper, responses

    made = all_kinds(app)
    reference = posted_paper(app, made.questionnaire_id)
    visit = staff(page, live_server, app, clerk="camden")
    visit.go(f"{CAMDEN}/paper/keying/{reference}", f"Key in {reference}")
    keyboard = page.keyboard
    page.get_by_role("textbox", name="1. Put your top 3 in order").focus()
    keyboard.type("4 1 2")
    keyboard.press("Enter")
    keyboard.press("Tab")  # still on the page: on to the next answer
    expect(page.get_by_role("textbox", name="2. What worries you?")).to_be_focused()
    keyboard.type("1")
    assert responses(app, reference) == []
    page.get_by_role("button", name="Save this form").focus()
    keyboard.press("Enter")
    visit.check("Key in returned paper")
    expect(page.get_by_role("alert")).to_contain_text(f"Reference {reference} is saved.")
    assert len(responses(app, reference)) == 1
    assert visit.failures == []
