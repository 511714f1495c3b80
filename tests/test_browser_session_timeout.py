"""The timeout warning (engage/assets/session-timeout.js) in a real headless Chromium, with idle
limits of seconds: the dialog opens before the sign-in ends, takes focus and passes axe (WCAG
2.2 AA); "Stay signed in" and Escape keep the person signed in; left alone it lands on "You have
been signed out" with the session really over; near the end of the whole lifetime a notice says
when. The browser's clock is Playwright's, moved on by hand where the wait would be long; the
last part runs on real time (3 seconds). tests/auth/test_session_timeout.py covers the server's
side over HTTP."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from playwright.sync_api import expect

from tests.browser import axe_violations
from tests.factories import PASSWORD

pytestmark = pytest.mark.browser

IDLE_HEADING = "You are about to be signed out"


def _sign_in_as_staff(page, live_server, app) -> None:
    from tests.factories import create_admin

    with app.app_context():
        email = create_admin(name="Alex Administrator").email
    page.set_default_timeout(10_000)
    page.clock.install()  # before any page's script reads the time
    page.goto(live_server + "/sign-in")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Sign in", exact=True).click()
    expect(page.locator("h1")).to_have_text("Staff")
    # The warning's script is a module, run only once the page is parsed: the heading can show
    # before it has read the clock, and the clock moved on before then would not count.
    page.wait_for_load_state("load")


def _last_seen(app):
    from sqlalchemy import select

    from engage.auth.models import UserSession
    from engage.extensions import db

    with app.app_context():
        db.session.expire_all()
        return db.session.scalar(select(UserSession.last_seen_at))


def test_the_idle_warning_keeps_someone_signed_in_or_signs_them_out(page, live_server, app):
    app.config["ENGAGE_SESSION_IDLE_MINUTES"] = 0.5  # 30 seconds: the warning 15 seconds before
    _sign_in_as_staff(page, live_server, app)
    dialog = page.get_by_role("dialog", name=IDLE_HEADING)
    stay = dialog.get_by_role("button", name="Stay signed in")
    expect(dialog).to_be_hidden()

    page.clock.run_for(16_000)
    expect(dialog).to_be_visible()
    expect(stay).to_be_focused()
    expect(dialog).to_contain_text(re.compile(r"You will be signed out in \d+ seconds\."))
    expect(dialog.get_by_role("button", name="Sign out")).to_be_visible()
    assert axe_violations(page) == []

    # Not reaching the server says so, and the dialog stays for another try.
    problem = dialog.get_by_text("We could not reach engage.")
    expect(problem).to_be_hidden()
    page.route("**/account/keep-alive", lambda route: route.abort())
    stay.click()
    expect(problem).to_be_visible()
    expect(dialog).to_be_visible()
    page.unroute("**/account/keep-alive")

    before = _last_seen(app)
    with page.expect_response("**/account/keep-alive") as keep_alive:
        stay.click()
    assert keep_alive.value.status == 204
    expect(dialog).to_be_hidden()
    assert _last_seen(app) > before
    # The clock started again: 10 seconds on is not yet the warning...
    page.clock.run_for(10_000)
    expect(dialog).to_be_hidden()
    # ... and a staff page still loads.
    page.goto(live_server + "/staff/")
    expect(page.locator("h1")).to_have_text("Staff")

    # Escape also means "stay signed in".
    page.clock.run_for(16_000)
    expect(dialog).to_be_visible()
    with page.expect_response("**/account/keep-alive") as keep_alive:
        page.keyboard.press("Escape")
    assert keep_alive.value.status == 204
    expect(dialog).to_be_hidden()

    # Left alone, on real time: a 3-second limit, the warning after 1.5 seconds.
    app.config["ENGAGE_SESSION_IDLE_MINUTES"] = 0.05
    page.goto(live_server + "/staff/boroughs/camden?status=open")
    expect(page.locator("h1")).to_have_text(re.compile(r"Camden\s*$"))
    expect(dialog).to_be_visible()
    page.wait_for_url(re.compile(r"/signed-out\?"), timeout=10_000)
    expect(page.locator("h1")).to_have_text("You have been signed out")
    assert axe_violations(page) == []
    again = page.get_by_role("link", name="Sign in again")
    assert again.get_attribute("href") == "/sign-in?next=/staff/boroughs/camden?status%3Dopen"
    # The session is over on the server too, not just in this tab.
    assert _last_seen(app) is None
    page.goto(live_server + "/staff/")
    expect(page.locator("h1")).to_have_text("Sign in")


def test_near_the_end_of_the_lifetime_a_notice_says_when(page, live_server, app):
    app.config["PERMANENT_SESSION_LIFETIME"] = timedelta(minutes=15)
    _sign_in_as_staff(page, live_server, app)
    notice = page.get_by_role("dialog", name="You will be signed out soon")
    idle = page.get_by_role("dialog", name=IDLE_HEADING)

    page.clock.run_for(4 * 60_000)
    expect(notice).to_be_hidden()
    page.clock.run_for(60_000 + 2_000)
    expect(notice).to_be_visible()
    expect(notice).to_contain_text(re.compile(
        r"You will be signed out at (\d{1,2}(:\d\d)?[ap]m|midday|midnight) to keep your "
        r"account safe\. "
        r"Save your work before then\."))
    expect(notice.get_by_role("button", name="Continue")).to_be_focused()
    assert axe_violations(page) == []
    # Nothing here extends it: no "Stay signed in", and the idle warning does not come instead.
    expect(notice.get_by_role("button", name="Stay signed in")).to_have_count(0)
    notice.get_by_role("button", name="Continue").click()
    expect(notice).to_be_hidden()
    expect(idle).to_be_hidden()
