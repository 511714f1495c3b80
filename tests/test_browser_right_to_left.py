"""The questionnaire's pages written right to left (Arabic, Urdu, Persian, Pashto, Central
Kurdish) in a real headless Chromium. GOV.UK Frontend places much by physical left and right;
engage/assets/_right-to-left.scss mirrors it under [dir="rtl"]. The checks measure where the
browser drew things (a radio's ring, the back link's arrow, an error's red bar): most fail
without that stylesheet; the rest hold what the browser mirrors by itself (legends, flex rows,
table cells). axe checks every page.

ENGAGE_TEST_SCREENSHOTS=<folder> saves a screenshot of each page there, to look at."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.browser import ERROR_TITLE, axe_violations

pytestmark = pytest.mark.browser

# Layout lands on fractions of a pixel.
NEAR = 1.5

# The left and right of the words in an element, not of its box: its visible text nodes'
# rectangles (text for screen readers only, clipped to a pixel, is left out).
TEXT_BOX = """el => {
  const walker = document.createTreeWalker(el, NodeFilter.SHOW_TEXT);
  let left = Infinity, right = -Infinity;
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    if (!node.textContent.trim() || node.parentElement.closest(".govuk-visually-hidden")) continue;
    const range = document.createRange();
    range.selectNodeContents(node);
    for (const rect of range.getClientRects()) {
      if (rect.width) { left = Math.min(left, rect.left); right = Math.max(right, rect.right); }
    }
  }
  return {left, right};
}"""

# Where an absolutely placed ::before or ::after is drawn (before any transform): its computed
# left and its width with its borders, from the padding box of what it is placed in (the element
# itself when that is positioned, else its offsetParent). `transform` is its matrix, or "none".
PSEUDO_BOX = """(el, pseudo) => {
  const style = getComputedStyle(el, pseudo);
  const placed = getComputedStyle(el).position !== "static" ? el : el.offsetParent;
  const left = placed.getBoundingClientRect().left + placed.clientLeft + parseFloat(style.left);
  const sides = ["borderLeftWidth", "paddingLeft", "paddingRight", "borderRightWidth"];
  const width = parseFloat(style.width) + (style.boxSizing === "border-box" ? 0
    : sides.reduce((sum, side) => sum + parseFloat(style[side]), 0));
  return {left, right: left + width, centre: left + width / 2, transform: style.transform};
}"""


@pytest.fixture
def app(fresh_app):
    """Every page in Arabic: the words stay English (no phrases are given), as only the direction
    matters here. An app of this module's own, as Flask takes no more hooks once an app has
    served a request, and the shared one has."""
    from engage.translations.languages import language
    from engage.translations.phrases import activate

    fresh_app.before_request(lambda: activate(language("ar"), {}))
    return fresh_app


# Whether `text` (words with spaces between, in one text node of the element) is drawn with its
# first word left of its last, as a phone number or an English street is read.
LEFT_TO_RIGHT = """(el, text) => {
  const walker = document.createTreeWalker(el, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const at = node.textContent.indexOf(text);
    if (at < 0) continue;
    const range = document.createRange();
    const left = (start, end) => {
      range.setStart(node, start);
      range.setEnd(node, end);
      return range.getBoundingClientRect().left;
    };
    const words = text.split(" ");
    const end = at + text.length;
    return left(at, at + words[0].length) < left(end - words.at(-1).length, end);
  }
  return null;
}"""


def box(locator) -> dict:
    rect = locator.bounding_box()
    return rect | {"right": rect["x"] + rect["width"]}


def text_box(locator) -> dict:
    return locator.evaluate(TEXT_BOX)


def pseudo_box(locator, pseudo: str) -> dict:
    return locator.evaluate(PSEUDO_BOX, pseudo)


def css(locator, prop: str) -> str:
    return locator.evaluate("(el, prop) => getComputedStyle(el)[prop]", prop)


def px(locator, prop: str) -> float:
    return float(css(locator, prop).removesuffix("px"))


def content_right(locator) -> float:
    """The right edge of an element's content box."""
    return box(locator)["right"] - px(locator, "borderRightWidth") - px(locator, "paddingRight")


def matrix(transform: str) -> list[float]:
    assert transform.startswith("matrix("), transform
    return [float(n) for n in transform[len("matrix("):-1].split(",")]


def near(a: float, b: float) -> bool:
    return abs(a - b) <= NEAR


class Walk:
    """The pages one person sees, each checked as it comes."""

    def __init__(self, page, name: str):
        self.page, self.name = page, name
        self.shots = os.environ.get("ENGAGE_TEST_SCREENSHOTS")
        self.seen: list[str] = []

    def check(self, heading: str) -> None:
        page = self.page
        # expect() waits for the navigation a click starts; a bare read could see the old page.
        expect(page.locator("h1")).to_contain_text(heading)
        assert page.locator("h1").count() == 1, page.url
        assert page.evaluate("getComputedStyle(document.body).direction") == "rtl"
        assert axe_violations(page) == [], page.url
        check_layout(page)
        self.seen.append(page.url)
        if self.shots:
            Path(self.shots).mkdir(parents=True, exist_ok=True)
            name = re.sub(r"[^a-z0-9]+", "-", heading.lower()).strip("-")
            page.screenshot(path=f"{self.shots}/{self.name}-{len(self.seen):02d}-{name}.png",
                            full_page=True)

    def carry_on(self) -> None:
        self.page.get_by_role("button", name="Continue", exact=True).click()


def check_layout(page) -> None:
    """What every questionnaire page has (base.html, surveys/public/layout.html)."""
    container = page.locator("main").locator("xpath=..")  # the govuk-width-container
    right = content_right(container)

    # The page's column starts at the right.
    column = page.locator("main .govuk-grid-column-two-thirds").first
    assert near(content_right(column), right), "the column is not at the right"

    # The header's product name at the right, and the first navigation link (on a phone, once
    # the menu is open); the footer's first link at the right.
    name = page.locator(".govuk-generic-header__homepage-link")
    header = page.locator(".govuk-generic-header .govuk-width-container")
    assert near(box(name)["right"], content_right(header)), "the header's name is inset"
    navigation = page.locator(".govuk-service-navigation__item")
    if navigation.first.is_visible():
        menu = page.locator(".govuk-service-navigation .govuk-width-container")
        assert near(box(navigation.first)["right"], content_right(menu))
        assert box(navigation.nth(1))["right"] <= box(navigation.first)["x"] or (
            box(navigation.nth(1))["y"] > box(navigation.first)["y"])
    footer_links = page.locator(".govuk-footer__inline-list-item")
    assert near(box(footer_links.first)["right"], content_right(footer_links.locator("xpath=..")))
    assert box(footer_links.nth(1))["right"] < box(footer_links.first)["x"]

    # Warning text: the sign at the right, the words to its left.
    warning = page.locator(".govuk-warning-text")
    icon = warning.locator(".govuk-warning-text__icon")
    assert near(box(icon)["right"], content_right(warning)), "the warning sign is not at the right"
    assert text_box(warning.locator(".govuk-warning-text__text"))["right"] <= box(icon)["x"], (
        "the warning's words run under its sign")

    # The back link at the right, its arrow to the right of "Back", pointing right.
    back = page.locator(".govuk-back-link")
    if back.count():
        assert near(box(back)["right"], right), "the back link is not at the right"
        arrow = pseudo_box(back, "::before")
        assert arrow["left"] >= text_box(back)["right"] - NEAR, "the arrow is not right of Back"
        a, b, *_ = matrix(arrow["transform"])
        assert a + b > 0, f"the back arrow points left ({arrow['transform']})"


def check_choices(page, kind: str) -> None:
    """Each radio's ring or checkbox's box is drawn over its (invisible) input, at the right of
    its label's words; a chosen one's dot or tick sits inside it."""
    items = page.locator(f".govuk-{kind}__item")
    assert items.count() > 0
    for n in range(items.count()):
        item = items.nth(n)
        field, label = item.locator("input"), item.locator("label")
        target, drawn = box(field), pseudo_box(label, "::before")
        assert target["x"] - NEAR <= drawn["left"] and drawn["right"] <= target["right"] + NEAR, (
            f"{kind} {n}: drawn at {drawn['left']:.0f}-{drawn['right']:.0f}, its input at "
            f"{target['x']:.0f}-{target['right']:.0f}")
        assert drawn["left"] >= text_box(label)["right"] - NEAR, f"{kind} {n} is left of its words"
        if field.is_checked():
            mark = pseudo_box(label, "::after")
            assert abs(mark["centre"] - drawn["centre"]) <= 1, f"{kind} {n}'s mark is off centre"


def check_error_bars(page) -> None:
    """An answer with an error has its red bar on the right, the error's words beside it."""
    groups = page.locator(".govuk-form-group--error")
    assert groups.count() > 0
    for n in range(groups.count()):
        group = groups.nth(n)
        assert px(group, "borderRightWidth") > 0 and px(group, "borderLeftWidth") == 0
        assert px(group, "paddingRight") > 0 and px(group, "paddingLeft") == 0
        message = group.locator(".govuk-error-message").first
        assert near(text_box(message)["right"], content_right(group))


def test_a_resident_answers_a_questionnaire_written_right_to_left(page, live_server, app):
    from tests.surveys.answering_support import make_every_kind

    made = make_every_kind(app, title="Have your say 2027/28")
    walk = Walk(page, "desktop")
    page.goto(f"{live_server}/have-your-say/{made.questionnaire_id}")
    walk.check("Have your say: residents")
    # The start button's arrow is before its words' end: on their left, pointing left.
    start = page.get_by_role("button", name="Start now")
    icon = start.locator(".govuk-button__start-icon")
    assert box(icon)["right"] <= text_box(start)["left"] + NEAR
    assert matrix(css(icon, "transform"))[0] < 0, "the start arrow points right"
    # The contact details' list keeps no indent on the right.
    contact = page.locator("main .govuk-list").first
    assert px(contact, "paddingRight") == 0

    start.click()
    walk.check("What is your postcode?")
    field = page.get_by_label("What is your postcode?")
    assert near(box(field)["right"], content_right(page.locator(".govuk-form-group").first))
    field.fill("SW9 6AA")
    walk.carry_on()

    # A ranking question: its legend, hint and choices from the right.
    walk.check("Which crimes should the police in your area focus on?")
    fieldset = page.locator("main fieldset").first
    legend = fieldset.locator("legend")
    assert near(text_box(legend)["right"], box(fieldset)["right"])
    assert near(text_box(fieldset.locator(".govuk-hint"))["right"], box(fieldset)["right"])
    first = page.get_by_label("First choice")
    label = page.locator(f"label[for='{first.get_attribute('id')}']")
    assert near(text_box(label)["right"], box(first)["right"])
    first.select_option(label="Knife crime")
    page.get_by_label("Second choice").select_option(label="Burglary")
    page.get_by_label("Third choice").select_option(label="Drugs")
    walk.carry_on()

    # Radios, sent empty: the error summary and each question's red bar.
    walk.check("Policing")
    check_choices(page, "radios")
    walk.carry_on()
    expect(page).to_have_title(ERROR_TITLE)
    walk.check("Policing")
    summary = page.locator(".govuk-error-summary")
    errors = summary.locator(".govuk-error-summary__list")
    assert near(text_box(errors.locator("li").first)["right"], content_right(summary)), (
        "the errors are indented")
    check_error_bars(page)
    page.get_by_label("Good", exact=True).check()
    page.get_by_label("Somewhere else", exact=True).check()
    page.get_by_label("If you chose \u201cSomewhere else\u201d, say what you mean").fill(
        "On the bus")
    page.get_by_label("Yes", exact=True).check()
    check_choices(page, "radios")
    # Yes and No side by side: Yes at the right edge, No to its left.
    inline = page.locator(".govuk-radios--inline .govuk-radios__item")
    assert near(box(inline.first)["right"], content_right(inline.locator("xpath=..").first))
    assert box(inline.nth(1))["right"] < box(inline.first)["x"]
    walk.carry_on()

    # Checkboxes, one revealing a box whose grey bar runs down from the middle of its checkbox,
    # and a date, day at the right.
    walk.check("What happened")
    page.get_by_label("Theft").check()
    something_else = page.get_by_label("Something else", exact=True)
    something_else.check()
    check_choices(page, "checkboxes")
    revealed = page.locator(".govuk-checkboxes__conditional").filter(visible=True)
    expect(revealed).to_be_visible()
    assert px(revealed, "borderRightWidth") > 0 and px(revealed, "borderLeftWidth") == 0
    ticked = page.locator(".govuk-checkboxes__item").filter(has=something_else)
    bar = box(revealed)["right"] - px(revealed, "borderRightWidth") / 2
    assert near(bar, pseudo_box(ticked.locator("label"), "::before")["centre"])
    page.get_by_label("Say what you mean by \u201cSomething else\u201d").fill("Fraud")
    day, month = page.get_by_label("Day"), page.get_by_label("Month")
    date_input = page.locator(".govuk-date-input")
    assert near(box(day)["right"], box(date_input)["right"]), "the day is inset"
    assert box(month)["right"] < box(day)["x"]
    day.fill("3")
    month.fill("2")
    page.get_by_label("Year").fill("2027")
    walk.check("What happened")  # the boxes revealed and filled in
    walk.carry_on()

    walk.check("A little more")
    page.get_by_label("How many years have you lived here?").fill("12")
    # Words typed in English read left to right in their box (and on Check your answers).
    street = page.get_by_label("Which street do you live on?")
    street.fill("12 Acacia Avenue")
    assert css(street, "direction") == "ltr", "an English street is typed right to left"
    walk.carry_on()
    walk.check("Would you like to answer some optional questions about yourself?")
    check_choices(page, "radios")
    page.get_by_label("Yes", exact=True).check()
    walk.carry_on()
    walk.check("What is your age?")
    page.get_by_label("25 to 64").check()
    check_choices(page, "radios")
    walk.carry_on()
    walk.check("Would you like a reply?")
    page.get_by_label("Yes, I would like a reply").check()
    check_choices(page, "checkboxes")
    page.get_by_label("Your name (optional)").fill("Ada Lovelace")
    page.get_by_label("Phone number").fill("020 7946 0000")
    # An email address is written left to right whatever the page: "123@example.org" right to
    # left shows as "example.org@123".
    email = page.get_by_label("Email address")
    email.fill("123@example.org")
    assert css(email, "direction") == "ltr", "an email address is typed right to left"
    page.get_by_label("I agree that engage may keep these details to reply to me").check()
    walk.carry_on()

    # Check your answers: each question at the right, its answer to its left, Change at the left.
    walk.check("Check your answers before sending them")
    lists = page.locator(".govuk-summary-list")
    row = lists.first.locator(".govuk-summary-list__row").first
    key, value = row.locator(".govuk-summary-list__key"), row.locator(".govuk-summary-list__value")
    actions = row.locator(".govuk-summary-list__actions")
    assert box(key)["x"] >= box(value)["right"] - NEAR, "the question is not right of its answer"
    assert near(text_box(key)["right"], box(lists.first)["right"]), "the question is inset"
    assert near(text_box(actions)["left"], box(lists.first)["x"]), "Change is not at the left"
    assert near(text_box(value)["right"], content_right(value))
    # What the person typed reads as they typed it: a phone number's groups and an English
    # street are not reversed by the page's direction.
    for typed in ("020 7946 0000", "12 Acacia Avenue"):
        answer = page.locator(".govuk-summary-list__value").filter(has_text=typed)
        assert answer.evaluate(LEFT_TO_RIGHT, typed), f"{typed} reads right to left"
    page.get_by_role("button", name="Send my answers").click()

    walk.check("Your answers have been sent")
    assert len(walk.seen) == 13, walk.seen


def test_the_questionnaire_written_right_to_left_fits_a_small_phone(chromium, live_server, app):
    """At 320px, the navigation behind its Menu button, the pages are mirrored as on a wider
    screen and nothing scrolls sideways (overflow on the left of a right-to-left page would)."""
    from tests.surveys.answering_support import make_every_kind

    made = make_every_kind(app)
    context = chromium.new_context(viewport={"width": 320, "height": 640})
    page = context.new_page()
    walk = Walk(page, "phone")

    def fits() -> None:
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 320, f"{page.url} is {width}px wide at 320px"

    page.goto(f"{live_server}/have-your-say/{made.questionnaire_id}")
    walk.check("Have your say: residents")
    fits()
    page.get_by_role("button", name="Start now").click()
    walk.check("What is your postcode?")
    page.get_by_label("What is your postcode?").fill("SW9 6AA")
    walk.carry_on()
    walk.check("Which crimes should the police in your area focus on?")
    fits()
    page.get_by_role("button", name="Menu").click()
    expect(page.locator(".govuk-service-navigation__list")).to_be_visible()
    walk.check("Which crimes should the police in your area focus on?")  # the menu open
    page.get_by_label("First choice").select_option(label="Knife crime")
    page.get_by_label("Second choice").select_option(label="Burglary")
    page.get_by_label("Third choice").select_option(label="Drugs")
    walk.carry_on()
    walk.check("Policing")
    walk.carry_on()  # nothing answered
    expect(page).to_have_title(ERROR_TITLE)
    walk.check("Policing")
    fits()
    check_error_bars(page)
    page.get_by_label("Yes", exact=True).check()
    check_choices(page, "radios")
    context.close()
