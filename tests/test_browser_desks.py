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
