"""The public pages in a real headless Chromium: accessible, usable by keyboard and without
JavaScript, and fit for a phone."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from playwright.sync_api import expect

from tests.browser import ERROR_TITLE, axe_violations
from tests.factories import PASSWORD

pytestmark = pytest.mark.browser

PUBLIC_PAGES = ["/", "/boroughs", "/boroughs/kensington-and-chelsea",
                "/boroughs/kensington-and-chelsea/groups/cpeg", "/register", "/sign-in",
                "/forgotten-password", "/accessibility", "/privacy", "/no-such-page",
                "/boroughs/kensington-and-chelsea/meeting-news",
                # Finding a borough by postcode: an error, and a district that spans boroughs.
                "/boroughs?postcode=M1+1AA", "/boroughs?postcode=", "/boroughs?postcode=W10+4AA"]


@pytest.mark.parametrize("path", PUBLIC_PAGES)
def test_public_pages_have_no_wcag_22_aa_failures(page, live_server, path):
    page.goto(live_server + path)
    assert page.locator("h1").count() == 1
    assert axe_violations(page) == []


def test_form_errors_are_accessible_and_the_summary_takes_focus(page, live_server):
    page.goto(live_server + "/register")
    page.get_by_role("button", name="Create account").click()
    expect(page).to_have_title(ERROR_TITLE)
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_be_visible()
    # GOV.UK Frontend moves focus to the summary so screen readers announce it, once its
    # script has run: expect() waits for that, a single evaluate() could look too early.
    expect(summary).to_be_focused()
    # Each error links to its field.
    summary.get_by_role("link", name="Enter your full name").click()
    expect(page.locator("#name")).to_be_focused()
    assert axe_violations(page) == []


def test_finding_a_borough_by_postcode_is_accessible_by_keyboard(page, live_server):
    page.goto(live_server + "/boroughs")
    page.get_by_label("Postcode").fill("M1 1AA")
    page.keyboard.press("Enter")
    expect(page).to_have_title(ERROR_TITLE)
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_be_focused()
    assert axe_violations(page) == []
    summary.get_by_role("link", name=re.compile("We could not find a London borough")).click()
    expect(page.get_by_label("Postcode")).to_be_focused()
    page.keyboard.press("ControlOrMeta+a")
    page.keyboard.type("W10 4AA")
    page.keyboard.press("Enter")
    expect(page.get_by_text("Postcodes starting W10 are in more than one borough")).to_be_visible()
    assert axe_violations(page) == []
    page.get_by_role("link", name="Westminster").first.click()
    expect(page.get_by_role("heading", name="Westminster", level=1)).to_be_visible()


def test_finding_a_borough_by_postcode_works_without_javascript(page_without_js, live_server):
    page = page_without_js
    page.goto(live_server + "/boroughs")
    page.get_by_label("Postcode").fill("sw9 6aa")
    page.get_by_role("button", name="Find borough").click()
    expect(page.get_by_role("heading", name="Lambeth", level=1)).to_be_visible()
    page.goto(live_server + "/boroughs")
    page.get_by_role("button", name="Find borough").click()
    expect(page).to_have_title(ERROR_TITLE)
    expect(page.locator(".govuk-error-summary")).to_contain_text("Enter a postcode")


def test_the_first_tab_reaches_the_skip_link(page, live_server):
    page.goto(live_server + "/")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent.trim()") == "Skip to main content"
    page.keyboard.press("Enter")
    assert page.evaluate("location.hash") == "#main-content"


def test_registering_and_signing_in_work_without_javascript(page_without_js, live_server, app):
    page = page_without_js
    page.goto(live_server + "/register")
    page.get_by_label("Full name").fill("Grace Hopper")
    page.get_by_label("Email address").fill("grace@example.org")
    page.get_by_label("Create a password").fill(PASSWORD)
    page.get_by_label("Which London borough do you live in?").select_option("lambeth")
    page.get_by_role("button", name="Create account").click()
    expect(page.get_by_role("heading", name="Check your email")).to_be_visible()

    from tests.factories import create_user

    with app.app_context():
        create_user(email="ada@example.org", name="Ada Lovelace")
    page.goto(live_server + "/sign-in")
    page.get_by_label("Email address").fill("ada@example.org")
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Your account", exact=True)).to_be_visible()
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_text("You have signed out.")).to_be_visible()


def test_pages_fit_a_small_phone_screen(chromium, live_server):
    context = chromium.new_context(viewport={"width": 320, "height": 640})
    page = context.new_page()
    for path in ["/", "/register", "/boroughs"]:
        page.goto(live_server + path)
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, f"{path} scrolls sideways by {overflow}px at 320px wide"
    context.close()


def test_where_you_are_signed_in_fits_a_phone_and_signs_another_device_out(chromium,
                                                                          live_server, app):
    from engage.auth.models import UserSession
    from engage.clock import utcnow
    from engage.extensions import db
    from tests.factories import create_user

    with app.app_context():
        user = create_user(email="ada@example.org")
        # Signed in on a laptop too, an hour ago.
        db.session.add(UserSession(
            token_hash="1" * 64, user_id=user.id, created_at=utcnow() - timedelta(hours=1),
            last_seen_at=utcnow() - timedelta(minutes=5),
            user_agent="Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 "
                       "Firefox/133.0"))
        db.session.commit()
    context = chromium.new_context(viewport={"width": 320, "height": 640})
    page = context.new_page()
    page.goto(live_server + "/sign-in")
    page.get_by_label("Email address").fill("ada@example.org")
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("link", name="See where you are signed in").click()
    expect(page.locator("h1")).to_have_text("Where you are signed in")
    assert page.evaluate("document.documentElement.scrollWidth - window.innerWidth") <= 0
    assert axe_violations(page) == []
    laptop = page.get_by_role("heading", name="Firefox on Windows")
    expect(laptop).to_be_visible()
    page.get_by_role("button", name=re.compile(r"^Sign out Firefox on Windows")).click()
    expect(page.get_by_text("That device has been signed out.")).to_be_visible()
    expect(laptop).to_have_count(0)
    context.close()


def test_the_page_is_styled_by_engage_not_gov_uk(page, live_server):
    page.goto(live_server + "/")
    heading = page.locator("h1")
    assert "GDS Transport" not in heading.evaluate("e => getComputedStyle(e).fontFamily")
    # The stylesheet loaded: GOV.UK Frontend's extra-large heading size and text colour apply.
    assert float(heading.evaluate("e => getComputedStyle(e).fontSize")[:-2]) >= 32
    assert heading.evaluate("e => getComputedStyle(e).color") == "rgb(11, 12, 12)"


def test_asking_to_join_a_group_is_accessible_with_and_without_errors(page, live_server, app):
    from tests.factories import create_user

    with app.app_context():
        create_user(email="ada@example.org")
    page.goto(live_server + "/sign-in")
    page.get_by_label("Email address").fill("ada@example.org")
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.goto(live_server + "/boroughs/camden/groups/cpeg")
    page.get_by_role("button", name="Ask to join").click()
    heading = "Ask to join the Community Police Engagement Group"
    expect(page.get_by_role("heading", name=heading)).to_be_visible()
    assert axe_violations(page) == []

    # An equality answer without consent: the error is announced and linked.
    page.get_by_label("25 to 34").check()
    page.get_by_role("button", name="Ask to join").click()
    expect(page).to_have_title(ERROR_TITLE)
    assert axe_violations(page) == []
    page.get_by_label("Myself, as a resident").check()
    page.get_by_label(re.compile("I agree that engage may keep these answers")).check()
    page.get_by_role("button", name="Ask to join").click()
    expect(page.get_by_text("Your request to join")).to_be_visible()


def test_a_public_meeting_page_is_accessible(page, live_server, app):
    from tests.dates import at, with_weekday
    from tests.meetings.support import SPRING_DAY, create_meeting

    meeting_id = create_meeting(app, at(SPRING_DAY, 17, 30), at(SPRING_DAY, 19),
                                agenda=["Welcome", "Neighbourhood priorities"],
                                access_notes="Step-free entrance. Hearing loop.")
    page.goto(f"{live_server}/boroughs/camden/groups/cpeg/meetings/{meeting_id}")
    expect(page.get_by_text(with_weekday(SPRING_DAY)).first).to_be_visible()
    assert axe_violations(page) == []
    page.goto(live_server + "/boroughs/camden/groups/cpeg")
    expect(page.get_by_role("link", name="Quarterly meeting")).to_be_visible()


def test_registering_for_a_public_meeting_is_accessible_with_and_without_errors(
        page, live_server, app):
    from tests.dates import at
    from tests.meetings.support import LATER_DAY, create_meeting

    meeting_id = create_meeting(app, at(LATER_DAY, 17, 30), at(LATER_DAY, 19))
    page.goto(f"{live_server}/boroughs/camden/groups/cpeg/meetings/{meeting_id}")
    expect(page.get_by_role("heading", name="Register to attend")).to_be_visible()
    page.get_by_role("button", name="Register to attend").click()
    expect(page).to_have_title(ERROR_TITLE)
    assert axe_violations(page) == []
    page.get_by_role("link", name="Enter your full name").click()
    expect(page.locator("#name")).to_be_focused()
    page.get_by_label("Full name").fill("Grace Hopper")
    page.get_by_label("Email address").fill("grace@example.org")
    page.get_by_label("Access needs (optional)").fill("A hearing loop")
    page.get_by_role("button", name="Register to attend").click()
    expect(page.get_by_role("heading", name="Check your email")).to_be_visible()
    assert axe_violations(page) == []


def test_asking_for_meeting_news_is_accessible_with_and_without_errors(page, live_server):
    page.goto(live_server + "/boroughs/camden/groups/cpeg")
    page.get_by_role("link", name="Get emails about public meetings in Camden").click()
    page.get_by_role("button", name="Get emails about meetings").click()
    expect(page).to_have_title(ERROR_TITLE)
    assert axe_violations(page) == []
    page.get_by_label("Email address").fill("grace@example.org")
    page.get_by_role("button", name="Get emails about meetings").click()
    expect(page.get_by_role("heading", name="Check your email")).to_be_visible()
    assert axe_violations(page) == []


def test_replying_to_an_invitation_is_accessible(page, live_server, app):
    from engage.auth.tokens import make_token
    from engage.extensions import db
    from engage.meetings.mailings import REPLY
    from engage.meetings.models import Invitation, MeetingStatus
    from tests.dates import at
    from tests.factories import create_user
    from tests.meetings.support import LATER_DAY, create_meeting

    meeting_id = create_meeting(app, at(LATER_DAY, 17, 30), at(LATER_DAY, 19),
                                status=MeetingStatus.PUBLISHED)
    with app.app_context():
        invitation = Invitation(meeting_id=meeting_id, user_id=create_user().id)
        db.session.add(invitation)
        db.session.commit()
        token = make_token(REPLY, {"i": invitation.id})
    page.goto(f"{live_server}/meetings/reply/{token}")
    assert axe_violations(page) == []
    page.get_by_role("button", name="Send reply").click()
    expect(page).to_have_title(ERROR_TITLE)
    assert axe_violations(page) == []
    page.get_by_label("Maybe: I do not know yet").check()
    page.get_by_role("button", name="Send reply").click()
    expect(page.get_by_text("Your reply is saved: maybe")).to_be_visible()


def test_a_resident_answers_a_questionnaire_and_every_page_is_accessible(page, live_server, app):
    from tests.surveys.answering_support import make_every_kind, responses

    make_every_kind(app, title="Have your say 2027/28")
    seen: list[str] = []

    def check(expected_heading: str) -> None:
        # expect() waits for the navigation a click starts; a bare read could see the old page.
        expect(page.locator("h1")).to_contain_text(expected_heading)
        assert page.locator("h1").count() == 1, page.url
        expect(page.get_by_text("This is not the way to report a crime.")).to_be_visible()
        assert axe_violations(page) == [], page.url
        seen.append(page.url)

    def carry_on() -> None:
        page.get_by_role("button", name="Continue", exact=True).click()

    page.goto(live_server + "/have-your-say/")
    check("Have your say on policing in your area")
    page.get_by_role("link", name="Have your say: residents").click()
    check("Have your say: residents")
    page.get_by_role("button", name="Start now").click()
    check("What is your postcode?")
    page.get_by_label("What is your postcode?").fill("w10 4aa")
    carry_on()
    check("Which borough do you live in?")
    page.get_by_label("Kensington and Chelsea").check()
    carry_on()
    check("Which crimes should the police in your area focus on?")
    page.get_by_label("First choice").select_option(label="Knife crime")
    page.get_by_label("Second choice").select_option(label="Burglary")
    page.get_by_label("Third choice").select_option(label="Drugs")
    carry_on()
    check("Policing")
    carry_on()  # nothing answered: the errors are announced, linked and accessible
    expect(page).to_have_title(ERROR_TITLE)
    check("Policing")
    # Each error says which question it is about.
    summary = page.locator(".govuk-error-summary")
    for message in ("Select an answer to \u201cHow good a job are the police doing in this "
                    "area?\u201d", "Select yes or no for \u201cIn the last 12 months, have you "
                    "been a victim of crime?\u201d"):
        expect(summary.get_by_role("link", name=message)).to_be_visible()
    page.get_by_label("Good", exact=True).check()
    page.get_by_label("Somewhere else", exact=True).check()
    page.get_by_label("If you chose \u201cSomewhere else\u201d, say what you mean").fill(
        "On the bus")
    page.get_by_label("Yes", exact=True).check()
    carry_on()
    check("What happened")
    page.get_by_label("Theft").check()
    page.get_by_label("Day").fill("3")
    page.get_by_label("Month").fill("2")
    page.get_by_label("Year").fill("2027")
    carry_on()
    check("A little more")
    page.get_by_label("How many years have you lived here?").fill("12")
    carry_on()
    check("Would you like to answer some optional questions about yourself?")
    page.get_by_label("Yes", exact=True).check()
    carry_on()
    check("What is your age?")
    page.get_by_label("25 to 64").check()
    carry_on()
    check("Would you like a reply?")
    page.get_by_label("Yes, I would like a reply").check()
    page.get_by_label("Email address").fill("ada@example.org")
    page.get_by_label("I agree that engage may keep these details to reply to me").check()
    carry_on()
    check("Check your answers before sending them")
    page.get_by_role("button", name="Send my answers").click()
    check("Your answers have been sent")
    expect(page.get_by_text("You asked for a reply. The Kensington and Chelsea police engagement "
                            "team will contact you.")).to_be_visible()
    expect(page.get_by_role("link", name="Find out about policing meetings in Kensington and "
                                         "Chelsea")).to_have_attribute(
        "href", "/boroughs/kensington-and-chelsea")

    [response] = responses(app)
    expect(page.get_by_text(response.reference)).to_be_visible()
    assert response.borough.name == "Kensington and Chelsea"
    assert len(seen) == 14


def test_a_resident_completes_the_ready_template_and_every_page_is_accessible(
        page, live_server, app):
    """The residents' questionnaire the demo loads (engage.surveys.template), answered page by
    page as a resident would: the first answer of each question, a different crime in each
    ranking place, yes to the questions about themselves, no reply."""
    from engage.clock import utcnow
    from engage.extensions import db
    from engage.surveys.models import Consultation
    from engage.surveys.template import add_template_questionnaires
    from tests.surveys.answering_support import responses

    with app.app_context():
        consultation = Consultation(slug="have-your-say-2027-28", title="Have your say 2027/28",
                                    opens_at=utcnow() - timedelta(days=1),
                                    closes_at=utcnow() + timedelta(days=30))
        db.session.add(consultation)
        add_template_questionnaires(consultation)
        db.session.commit()

    def check() -> str:
        heading = page.locator("h1")
        expect(heading).to_have_count(1)  # waits for a page a link click is still loading
        expect(page.get_by_text("This is not the way to report a crime.").first).to_be_visible()
        assert page.locator(".govuk-error-summary").count() == 0, page.locator(
            ".govuk-error-summary").inner_text()
        assert axe_violations(page) == [], page.url
        return heading.inner_text()

    def press(name: str) -> None:
        # A new document has no marker: waiting for it to go waits for the next page.
        page.evaluate("window.engageOldPage = true")
        page.get_by_role("button", name=name, exact=True).click()
        page.wait_for_function("() => window.engageOldPage === undefined")

    page.goto(live_server + "/have-your-say/")
    page.get_by_role("link", name="Have your say on policing in your area").first.click()
    check()
    press("Start now")
    headings = [check()]
    page.get_by_label("What is your postcode?").fill("SW3 4AB")  # all in Kensington and Chelsea
    press("Continue")
    while (heading := check()) != "Check your answers before sending them":
        headings.append(heading)
        assert len(headings) < 20, headings
        if heading == "Would you like a reply?":
            expect(page.get_by_label("Yes, I would like a reply")).not_to_be_checked()
        else:
            radios = page.eval_on_selector_all(
                "input[type=radio]", "els => [...new Set(els.map(e => e.name))]")
            for name in radios:
                page.locator(f'input[type=radio][name="{name}"]').first.check()
            boxes = page.eval_on_selector_all(
                "input[type=checkbox]", "els => [...new Set(els.map(e => e.name))]")
            for name in boxes:
                page.locator(f'input[type=checkbox][name="{name}"]').first.check()
            places = page.locator("select")
            for place in range(places.count()):
                values = [v for v in places.nth(place).locator("option").evaluate_all(
                    "options => options.map(o => o.value)") if v]
                places.nth(place).select_option(values[place])
        press("Continue")
    press("Send my answers")
    assert check() == "Your answers have been sent"

    [response] = responses(app)
    expect(page.get_by_text(response.reference)).to_be_visible()
    assert response.borough.name == "Kensington and Chelsea"
    assert "Would you like to answer some optional questions about yourself?" in headings
    with app.app_context():
        stored = {a.question.key for a in db.session.merge(response).answers}
    assert {"priorities", "confidence", "safe-after-dark", "safe-daytime", "victim",
            "victim-crimes", "reported", "age-band", "ethnic-group", "disability"} <= stored


def test_answering_works_without_javascript_on_a_small_phone(chromium, live_server, app):
    from tests.surveys.answering_support import make_every_kind

    made = make_every_kind(app)
    context = chromium.new_context(java_script_enabled=False,
                                   viewport={"width": 320, "height": 640})
    page = context.new_page()
    page.goto(f"{live_server}/have-your-say/{made.questionnaire_id}")
    page.get_by_role("button", name="Start now").click()
    page.get_by_label("What is your postcode?").fill("SW9 6AA")
    page.get_by_role("button", name="Continue", exact=True).click()
    page.get_by_label("First choice").select_option(label="Knife crime")
    page.get_by_role("button", name="Continue", exact=True).click()
    expect(page.get_by_text("Choose 3 options in order").first).to_be_visible()
    page.get_by_label("Second choice").select_option(label="Burglary")
    page.get_by_label("Third choice").select_option(label="Drugs")
    page.get_by_role("button", name="Continue", exact=True).click()
    # Without JavaScript the boxes a ticked choice would reveal are simply shown.
    page.get_by_label("Good", exact=True).check()
    page.get_by_label("In the street").check()
    page.get_by_label("Yes", exact=True).check()
    page.get_by_role("button", name="Continue", exact=True).click()
    expect(page.get_by_label("Say what you mean by \u201cSomething else\u201d")).to_be_visible()
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"the question page scrolls sideways by {overflow}px"
    context.close()


REPORT = "/boroughs/camden/have-your-say/have-your-say-2027/report"


def _publish_camden_report(app) -> None:
    """Camden's report of a hand-worked consultation, published with targets, a planned
    priority and crime figures."""
    from decimal import Decimal

    from engage.extensions import db
    from engage.reports.collation import collate_area, save_snapshot
    from engage.reports.operations import latest_snapshot
    from engage.reports.targets import (
        add_planned,
        check_crime_figures,
        publish,
        replace_crime_figures,
        set_targets,
    )
    from engage.surveys.models import Consultation
    from tests.factories import borough, create_officer
    from tests.reports.support import hand_worked

    made = hand_worked(app)
    with app.app_context():
        consultation = db.session.get(Consultation, made.consultation_id)
        camden = borough("camden")
        save_snapshot(consultation, camden, collate_area(consultation, camden))
        officer = create_officer("camden")
        set_targets(consultation, camden, officer, confidence=Decimal("51.4"),
                    gap=Decimal("3.8"), feeling_safe=Decimal("80"))
        add_planned(consultation, camden, "burglary", "Burglary", "A 1.2% reduction")
        rows, _ = check_crime_figures(
            "crime type,change in offences,percentage change,target,result\n"
            "Theft or taking of vehicles,35,+7.3%,,missed\n"
            "Serious youth violence,2,-2.7%,reduce by 4.7%,missed\n")
        replace_crime_figures(consultation, camden, rows, "2026/27", "figures.csv", officer)
        publish(consultation, camden, latest_snapshot(consultation, camden), officer)
        db.session.commit()


def test_a_published_borough_report_is_accessible_and_fits_a_phone(chromium, page, live_server,
                                                                   app):
    _publish_camden_report(app)
    path = REPORT
    page.goto(live_server + path)
    assert page.locator("h1").count() == 1
    expect(page.get_by_role("img", name="Priorities: share of respondents choosing each")
           ).to_be_visible()
    expect(page.get_by_role("cell", name="reduce by 4.7%: target missed")).to_be_visible()
    assert axe_violations(page) == []
    context = chromium.new_context(viewport={"width": 320, "height": 640})
    phone = context.new_page()
    phone.goto(live_server + path)
    overflow = phone.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    # The charts' words, as drawn: no smaller than 12 CSS pixels on the phone (a 640-unit
    # chart made them 8), and in the page's own typeface, not the browser's serif.
    chart_text = phone.evaluate("""() => [...document.querySelectorAll('svg.engage-chart')]
        .map(svg => [svg.getBoundingClientRect().width / svg.viewBox.baseVal.width
                     * Number(svg.querySelector('text').getAttribute('font-size')),
                     getComputedStyle(svg.querySelector('text')).fontFamily])""")
    # ... and at a desktop's width they stop growing.
    desktop_size = page.evaluate("""() => { const svg = document.querySelector('svg.engage-chart');
        return svg.getBoundingClientRect().width / svg.viewBox.baseVal.width * 15; }""")
    context.close()
    assert overflow <= 0, f"the report scrolls sideways by {overflow}px at 320px wide"
    assert chart_text and all(size >= 12 and family.startswith("system-ui")
                              for size, family in chart_text), chart_text
    assert desktop_size <= 20

    # The borough's page lists the consultation (open now) and links to its published report.
    page.goto(live_server + "/boroughs/camden")
    expect(page.get_by_role("link", name="Residents", exact=True)).to_be_visible()
    expect(page.get_by_text("If you live in London")).to_be_visible()
    report_link = page.get_by_role("link", name="Have your say (have-your-say-2027): report "
                                                "for Camden")
    expect(report_link).to_be_visible()
    assert page.locator("h1").count() == 1
    assert axe_violations(page) == []
    report_link.click()
    expect(page).to_have_url(live_server + path)


def test_a_reports_charts_keep_the_users_colours_in_a_high_contrast_mode(chromium, live_server,
                                                                        app):
    """Windows' contrast themes (forced colours) recolour HTML text but not an SVG's own
    fill: the charts' words, zero lines and interval marks stayed near-black on a black page.
    They take the theme's text colour, and the bars are outlined in it."""
    _publish_camden_report(app)
    context = chromium.new_context(forced_colors="active", color_scheme="dark")
    page = context.new_page()
    page.goto(live_server + REPORT)
    expect(page.get_by_role("img", name="Priorities: share of respondents choosing each")
           ).to_be_visible()
    colours = page.evaluate("""() => {
        const svg = document.querySelector('svg.engage-chart');
        const fill = selector => getComputedStyle(svg.querySelector(selector)).fill;
        const stroke = selector => getComputedStyle(svg.querySelector(selector)).stroke;
        return {text: getComputedStyle(document.body).color,
                page: getComputedStyle(document.body).backgroundColor,
                words: fill('text'), zero: stroke('line'), interval: stroke('path'),
                bar: stroke('rect'), inside: fill('rect')}; }""")
    context.close()
    assert colours["text"] != colours["page"], colours
    assert colours["words"] == colours["zero"] == colours["interval"] == colours["text"], colours
    assert colours["bar"] == colours["text"] and colours["inside"] == colours["page"], colours


def test_the_staff_pages_behind_a_public_report_are_accessible(page, live_server, app):
    from tests.factories import create_officer
    from tests.reports.support import make_consultation

    make_consultation(app)
    with app.app_context():
        create_officer("camden", email="officer@example.org")
    page.goto(live_server + "/sign-in")
    page.get_by_label("Email address").fill("officer@example.org")
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    report = live_server + "/staff/boroughs/camden/reports/have-your-say-2027"
    page.goto(report + "/crime-figures")
    page.get_by_label("Which year are the figures for?").fill("2026/27")
    page.get_by_label("CSV file").set_input_files(files=[{
        "name": "figures.csv", "mimeType": "text/csv",
        "buffer": b"crime type,change in offences,percentage change,target,result\n"
                  b"Burglary,lots,-8.8%,,maybe\n"}])
    page.get_by_role("button", name="Upload crime figures").click()
    expect(page).to_have_title(ERROR_TITLE)
    expect(page.get_by_role("cell", name="'maybe' must be achieved or missed")).to_be_visible()
    assert axe_violations(page) == []
    page.goto(report + "/targets")
    page.get_by_label("Public confidence target (%)").fill("five")
    page.get_by_role("button", name="Save targets").click()
    assert axe_violations(page) == []
    page.get_by_label("Public confidence target (%)").fill("51.4")
    page.get_by_role("button", name="Save targets").click()
    page.goto(report + "/you-said-we-did")
    page.get_by_label("Burglary").check()
    page.get_by_label("What will the police do, and what is the target?").fill("Fewer burglaries")
    page.get_by_role("button", name="Add priority").click()
    page.get_by_label("Something else", exact=True).check()
    page.get_by_label("What will the police do, and what is the target?").fill("More patrols")
    page.get_by_role("button", name="Add priority").click()
    expect(page).to_have_title(ERROR_TITLE)
    assert axe_violations(page) == []
    page.get_by_role("link", name="Enter the priority").click()
    expect(page.locator("#other")).to_be_focused()
    page.goto(report + "/publish")
    assert axe_violations(page) == []
    page.goto(report)
    expect(page.get_by_text("against a target of 51.4%")).to_be_visible()
    assert axe_violations(page) == []


def test_every_questionnaire_page_fits_a_small_phone(chromium, live_server, app):
    """WCAG 1.4.10 Reflow: at 320 CSS pixels no page of the questionnaire scrolls sideways,
    with errors or without, on the way from the start page to the reference number."""
    from tests.surveys.answering_support import make_every_kind

    made = make_every_kind(app)
    context = chromium.new_context(viewport={"width": 320, "height": 640})
    page = context.new_page()
    seen: list[str] = []

    def fits() -> None:
        expect(page.locator("h1")).to_have_count(1)
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 320, f"{page.url} is {width}px wide at 320px"
        seen.append(page.url)

    def carry_on() -> None:
        page.evaluate("window.engageOldPage = true")
        page.get_by_role("button", name="Continue", exact=True).click()
        page.wait_for_function("() => window.engageOldPage === undefined")

    base = f"{live_server}/have-your-say/{made.questionnaire_id}"
    page.goto(base)
    fits()
    page.get_by_role("button", name="Start now").click()
    fits()
    carry_on()  # no postcode: an error
    fits()
    # A district in more than one borough, then the list of every borough.
    page.goto(base + "/borough?district=SW7")
    fits()
    carry_on()
    fits()
    page.goto(base + "/borough")
    fits()
    page.get_by_label("Which borough do you live in?").select_option(label="Lambeth")
    carry_on()
    fits()  # the ranking question
    page.get_by_label("First choice").select_option(label="Knife crime")
    page.get_by_label("First choice").select_option(label="Knife crime")
    page.get_by_label("Third choice").select_option(label="Knife crime")
    carry_on()
    fits()  # its errors
    page.get_by_label("Second choice").select_option(label="Burglary")
    page.get_by_label("Third choice").select_option(label="Drugs")
    carry_on()
    carry_on()  # the policing page's errors
    fits()
    page.get_by_label("Good", exact=True).check()
    page.get_by_label("In the street").check()
    page.get_by_label("No", exact=True).check()
    carry_on()
    fits()
    page.get_by_label("How many years have you lived here?").fill("12")
    carry_on()
    carry_on()  # the optional questions about yourself, not answered
    fits()
    page.get_by_label("Yes", exact=True).check()
    carry_on()
    fits()
    carry_on()
    fits()  # would you like a reply?
    page.get_by_label("Yes, I would like a reply").check()
    carry_on()
    fits()  # its errors
    page.get_by_label("Yes, I would like a reply").uncheck()
    carry_on()
    fits()  # check your answers
    page.get_by_role("button", name="Send my answers").click()
    expect(page.get_by_role("heading", name="Your answers have been sent")).to_be_visible()
    fits()
    assert len(seen) == 16, seen
    context.close()
