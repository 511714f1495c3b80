"""The warning before a sign-in ends (WCAG 2.2 SC 2.2.1, Timing Adjustable), over HTTP: the
keep-alive behind "Stay signed in", the page the browser goes to when the time is up, and which
pages carry the warning. tests/test_browser_session_timeout.py runs the script in Chromium."""

from __future__ import annotations

import re
from datetime import timedelta
from html import unescape

from sqlalchemy import select, update

from engage.auth.models import UserSession
from engage.clock import utcnow
from engage.extensions import db
from engage.templating import duration_in_words, london_clock
from tests.factories import PASSWORD, create_admin, create_user
from tests.helpers import csrf_token, page_text, title
from tests.surveys.answering_support import begin, start_url
from tests.surveys.support import make_consultation

KEEP_ALIVE = "/account/keep-alive"
WARNING = 'id="engage-timeout"'
SCRIPT = "/static/session-timeout.js"


def data(html: str, name: str) -> str:
    match = re.search(rf'data-{name}="([^"]*)"', html)
    assert match, f"no data-{name} on the page"
    return unescape(match.group(1))


def sign_in(client, app, factory=create_user) -> None:
    with app.app_context():
        email = factory(email="ada@example.org").email
    client.sign_in(email, PASSWORD)


def last_seen(app):
    with app.app_context():
        return db.session.scalar(select(UserSession.last_seen_at))


def age_session(app, by: timedelta) -> None:
    """As if the session had last been used `by` ago."""
    with app.app_context():
        db.session.execute(update(UserSession).values(last_seen_at=utcnow() - by))
        db.session.commit()


def token_of(client, url: str = "/account") -> str:
    return csrf_token(client.get(url).get_data(as_text=True))


# The keep-alive ------------------------------------------------------------------------------

def test_staying_signed_in_starts_the_idle_time_again(client, app):
    sign_in(client, app)
    token = token_of(client)
    age_session(app, timedelta(minutes=100))
    before = last_seen(app)

    response = client.post(KEEP_ALIVE, headers={"X-CSRFToken": token})

    assert response.status_code == 204
    assert response.get_data() == b""
    assert last_seen(app) - before > timedelta(minutes=99)
    assert utcnow() - last_seen(app) < timedelta(seconds=5)


def test_staying_signed_in_needs_the_pages_csrf_token(client, app):
    sign_in(client, app)
    token = token_of(client)
    # Used 30 seconds ago: too recently for any request to record a use again on its own (at
    # most once a minute), so only the keep-alive moves it.
    age_session(app, timedelta(seconds=30))
    before = last_seen(app)

    assert client.post(KEEP_ALIVE).status_code == 400
    assert client.post(KEEP_ALIVE, headers={"X-CSRFToken": "made-up"}).status_code == 400
    assert last_seen(app) == before
    assert client.post(KEEP_ALIVE, headers={"X-CSRFToken": token}).status_code == 204
    assert last_seen(app) - before >= timedelta(seconds=30)


def test_a_form_post_with_the_token_also_keeps_the_session(client, app):
    sign_in(client, app)
    token = token_of(client)
    age_session(app, timedelta(minutes=100))
    assert client.post(KEEP_ALIVE, {"csrf_token": token}).status_code == 204
    assert utcnow() - last_seen(app) < timedelta(seconds=5)


def test_staying_signed_in_is_refused_once_the_session_has_ended(client, app):
    sign_in(client, app)
    token = token_of(client)
    idle = app.config["ENGAGE_SESSION_IDLE_MINUTES"]
    age_session(app, timedelta(minutes=idle + 1))

    response = client.post(KEEP_ALIVE, headers={"X-CSRFToken": token})

    assert response.status_code == 401  # not a redirect a script would follow to a 200
    assert response.get_data(as_text=True) == "You have been signed out. Sign in again."
    with app.app_context():
        assert db.session.scalars(select(UserSession)).all() == []
    assert client.get("/account").status_code == 302


def test_staying_signed_in_is_refused_to_someone_never_signed_in(client):
    token = token_of(client, "/sign-in")
    assert client.post(KEEP_ALIVE, headers={"X-CSRFToken": token}).status_code == 401


def test_staying_signed_in_is_refused_after_signing_out(client, app):
    sign_in(client, app)
    client.sign_out()
    token = token_of(client, "/sign-in")
    assert client.post(KEEP_ALIVE, headers={"X-CSRFToken": token}).status_code == 401


def test_staying_signed_in_does_not_outlast_the_whole_lifetime(client, app):
    sign_in(client, app)
    token = token_of(client)
    lifetime = app.config["PERMANENT_SESSION_LIFETIME"]
    with app.app_context():
        db.session.execute(update(UserSession).values(
            created_at=utcnow() - lifetime - timedelta(minutes=1)))
        db.session.commit()
    assert client.post(KEEP_ALIVE, headers={"X-CSRFToken": token}).status_code == 401


def test_a_fraction_of_a_minute_is_an_idle_limit_in_seconds(client, app):
    """The tests shorten the idle limit to seconds (ENGAGE_SESSION_IDLE_MINUTES = 0.25)."""
    app.config["ENGAGE_SESSION_IDLE_MINUTES"] = 0.25
    sign_in(client, app)
    html = client.get("/account").get_data(as_text=True)
    assert data(html, "idle-seconds") == "15"
    age_session(app, timedelta(seconds=20))
    assert client.get("/account").status_code == 302


def test_with_a_short_idle_limit_pages_still_keep_the_session(client, app):
    """Pages record a use at most once a minute, or a quarter of the idle limit if shorter:
    else a limit under a minute would end however busy the person was."""
    app.config["ENGAGE_SESSION_IDLE_MINUTES"] = 0.25
    sign_in(client, app)
    age_session(app, timedelta(seconds=10))
    assert client.get("/account").status_code == 200
    assert utcnow() - last_seen(app) < timedelta(seconds=5)


# The signed-out page -------------------------------------------------------------------------

def sign_in_link(response) -> str:
    match = re.search(r'<a class="govuk-button"[^>]*href="([^"]*)"[^>]*>Sign in again</a>',
                      response.get_data(as_text=True))
    assert match, "no Sign in again button"
    return unescape(match.group(1))


def test_the_signed_out_page_signs_in_again_to_the_page_they_were_on(client, app):
    sign_in(client, app)
    age_session(app, timedelta(minutes=app.config["ENGAGE_SESSION_IDLE_MINUTES"] + 1))

    response = client.get("/signed-out?next=/account/email%3Fx%3D1")

    assert response.status_code == 200
    assert title(response).startswith("You have been signed out")
    text = page_text(response)
    assert "we sign you out of engage when you have not used it for 2 hours, and 12 hours " \
        "after you signed in" in text
    assert "Anything you had not saved or sent has not been kept." in text
    assert sign_in_link(response) == "/sign-in?next=/account/email?x%3D1"
    # ... and signing in there goes back to it.
    signed_in = client.submit(sign_in_link(response),
                              {"email": "ada@example.org", "password": PASSWORD})
    assert signed_in.location == "/account/email?x=1"


def test_the_signed_out_page_keeps_only_a_path_on_this_site(client):
    for elsewhere in ("https://evil.example/", "//evil.example/", "/\\evil.example",
                      "javascript:alert(1)", "/a b"):
        response = client.get("/signed-out", query_string={"next": elsewhere})
        assert response.status_code == 200
        assert sign_in_link(response) == "/sign-in", elsewhere
    assert sign_in_link(client.get("/signed-out")) == "/sign-in"


def test_the_signed_out_page_sends_someone_still_signed_in_back(client, app):
    """Another tab kept the session going after this one's timer started."""
    sign_in(client, app)
    back = client.get("/signed-out?next=/account/email")
    assert back.status_code == 302
    assert back.location == "/account/email"
    assert client.get("/signed-out?next=https://evil.example/").location == "/account"
    assert client.get("/account").status_code == 200  # still signed in


# Which pages carry the warning ---------------------------------------------------------------

def test_a_signed_in_page_carries_the_warning_and_its_script(client, app):
    sign_in(client, app, factory=create_admin)
    response = client.get("/staff/")
    html = response.get_data(as_text=True)

    assert WARNING in html
    assert f'<script type="module" src="{SCRIPT}"></script>' in html
    assert data(html, "idle-seconds") == "7200"
    assert 7200 - 65 <= int(data(html, "idle-seconds-left")) <= 7200
    assert 12 * 3600 - 65 <= int(data(html, "ends-in-seconds")) <= 12 * 3600
    assert data(html, "keep-alive-url") == KEEP_ALIVE
    assert data(html, "signed-out-url") == "/signed-out"
    text = page_text(response)
    assert "You will be signed out in 2 minutes" in text
    assert "Stay signed in" in text
    with app.app_context():
        created = db.session.scalar(select(UserSession.created_at))
    ends = london_clock(created + timedelta(hours=12))
    assert f"You will be signed out at {ends} to keep your account safe. Save your work " \
        "before then." in text
    # The script needs the page's CSRF token for the keep-alive: the dialog's sign-out form has it.
    dialog = html[html.index(WARNING):]
    assert csrf_token(dialog)


def test_the_time_left_counts_from_the_sessions_last_recorded_use(client, app):
    """Pages record a use at most once a minute: the warning counts from the recorded one,
    which the server goes by, not from when the page was made."""
    sign_in(client, app)
    age_session(app, timedelta(seconds=40))
    html = client.get("/account").get_data(as_text=True)
    assert 7200 - 45 <= int(data(html, "idle-seconds-left")) <= 7200 - 40


def test_pages_for_people_not_signed_in_have_no_warning(client, app):
    for path in ("/", "/boroughs", "/sign-in", "/accessibility", "/signed-out"):
        html = client.get(path).get_data(as_text=True)
        assert WARNING not in html, path
        assert SCRIPT not in html, path
    sign_in(client, app)
    client.sign_out()
    assert WARNING not in client.get("/").get_data(as_text=True)


def test_the_questionnaire_has_no_time_limit_so_no_warning(client, app):
    """Answering needs no sign-in: a signed-in resident's answers are kept in the draft, not in
    the sign-in, so its pages give no warning (which would take them off the page). A staff
    preview does need the sign-in, and warns."""
    made = make_consultation(app)
    sign_in(client, app, factory=create_admin)
    start = client.get(start_url(made.questionnaire_id)).get_data(as_text=True)
    assert WARNING not in start and SCRIPT not in start
    page = begin(client, made.questionnaire_id)
    assert page.status_code == 302
    html = client.get(page.location).get_data(as_text=True)
    assert "postcode" in html.lower() and WARNING not in html

    preview = client.get(f"/have-your-say/preview/{made.questionnaire_id}")
    assert preview.status_code == 200
    assert WARNING in preview.get_data(as_text=True)
    assert WARNING in client.get("/account").get_data(as_text=True)


def test_an_anonymous_session_cookie_ends_with_the_browser(client, app):
    """Someone answering without signing in has a browser-session cookie (no Expires), so no
    time limit applies to them; their answers wait in a draft for 30 days."""
    made = make_consultation(app)
    begin(client, made.questionnaire_id)
    cookie = client.http.get_cookie("engage_session")
    assert cookie is not None and cookie.expires is None
    sign_in(client, app)
    assert client.http.get_cookie("engage_session").expires is not None


def test_durations_in_words():
    assert duration_in_words(7200) == "2 hours"
    assert duration_in_words(5400) == "1 hour 30 minutes"
    assert duration_in_words(60) == "1 minute"
    assert duration_in_words(15) == "15 seconds"
    assert duration_in_words(1) == "1 second"
