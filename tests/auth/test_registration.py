"""Registering, confirming the address by the emailed link, and signing in."""

from __future__ import annotations

import re
from html import unescape
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
from sqlalchemy import select

from engage.auth.models import User
from engage.extensions import db
from tests.factories import PASSWORD, create_user
from tests.helpers import Browser, csrf_token, page_text, title
from tests.mailbox import body, links

NEW = {"name": "Grace Hopper", "email": "Grace@Example.org", "password": PASSWORD,
       "home_borough": "lambeth"}


def test_register_confirm_by_email_then_sign_in(client, mailbox, run_tasks, app):
    response = client.submit("/register", NEW)
    assert response.status_code == 302
    page = client.get(response.location)
    assert "We have sent an email to grace@example.org" in page_text(page)

    # Nothing has been emailed until the task runs: the row was committed first.
    assert mailbox.to("grace@example.org") == []
    run_tasks()
    [message] = mailbox.to("grace@example.org")
    assert message["Subject"] == "Confirm your email address for engage"
    confirm_link = next(link for link in links(message) if "/confirm-email/" in link)

    # Not confirmed yet: the right password gets a fresh link, not a session.
    unconfirmed = client.submit("/sign-in", {"email": "grace@example.org", "password": PASSWORD})
    assert "Confirm your email address first" in page_text(unconfirmed)

    # Opening the link only shows a button; pressing it confirms.
    assert client.get(confirm_link).status_code == 200
    with app.app_context():
        assert db.session.scalar(select(User.email_confirmed_at)) is None
    confirmed = client.submit(confirm_link, {})
    assert confirmed.status_code == 302

    client.sign_in("grace@example.org", PASSWORD)
    account = client.get("/account")
    assert account.status_code == 200
    text = page_text(account)
    assert "Grace Hopper" in text and "grace@example.org" in text and "Lambeth" in text


def test_the_confirmation_email_says_how_long_the_link_lasts_as_set(client, mailbox, run_tasks,
                                                                    app, monkeypatch):
    """The link lasts ENGAGE_TOKEN_MAX_AGE_HOURS, and the email says so, not a fixed 48."""
    monkeypatch.setitem(app.config, "ENGAGE_TOKEN_MAX_AGE_HOURS", 24)
    assert client.submit("/register", NEW).status_code == 302
    run_tasks()
    [message] = mailbox.to("grace@example.org")
    assert "The link works for 24 hours." in body(message)
    assert "48" not in body(message)


def test_password_is_stored_as_argon2id(client, app):
    client.submit("/register", NEW)
    with app.app_context():
        stored = db.session.scalar(select(User.password_hash))
    assert stored.startswith("$argon2id$")
    assert PASSWORD not in stored


def test_errors_are_listed_and_linked_to_their_fields(client):
    response = client.submit("/register", {"name": "", "email": "not-an-email",
                                           "password": "short", "home_borough": ""})
    assert response.status_code == 200
    assert title(response).startswith("Error: ")
    html = response.get_data(as_text=True)
    assert 'class="govuk-error-summary"' in html
    for field, message in [
        ("name", "Enter your full name"),
        ("email", "Enter an email address in the correct format"),
        ("password", "Password must be 12 characters or more"),
        ("home_borough", "Select your borough"),
    ]:
        assert f'href="#{field}"' in html
        assert message in html
    too_long = client.submit("/register", {**NEW, "password": "x" * 129})
    assert "Password must be 128 characters or fewer" in page_text(too_long)


def test_a_registered_address_gets_the_same_page_and_an_email_instead(client, mailbox,
                                                                     run_tasks, app):
    with app.app_context():
        create_user(email="grace@example.org", name="Existing Grace")
    response = client.submit("/register", NEW, follow_redirects=True)
    assert "We have sent an email to grace@example.org" in page_text(response)
    run_tasks()
    [message] = mailbox.to("grace@example.org")
    assert "already has one" in message.get_body(("plain",)).get_content()
    with app.app_context():
        assert db.session.scalar(select(db.func.count(User.id))) == 1


def test_a_form_without_its_csrf_token_is_refused(client, app):
    response = client.post("/register", dict(NEW))
    assert response.status_code == 400
    assert "The form had expired" in page_text(response)
    assert "nothing you entered in it has been saved" in page_text(response)
    with app.app_context():
        assert db.session.scalar(select(db.func.count(User.id))) == 0


def test_a_tampered_confirmation_link_does_not_work(client, mailbox, run_tasks):
    client.submit("/register", NEW)
    run_tasks()
    link = next(x for x in links(mailbox.to("grace@example.org")[0]) if "/confirm-email/" in x)
    response = client.submit(link[:-3] + "abc", {}, form_page=link)
    assert response.status_code == 400
    assert "This link does not work" in page_text(response)


def test_a_name_of_only_spaces_is_refused(client, app):
    response = client.submit("/register", dict(NEW, name="   "))
    assert response.status_code == 200
    assert "Enter your full name" in page_text(response)
    with app.app_context():
        assert db.session.scalar(select(db.func.count(User.id))) == 0


def test_the_form_sent_twice_makes_one_account_and_sends_one_email(client, mailbox, run_tasks,
                                                                   app):
    """A double click without JavaScript, or a browser retry: the second finds the account the
    first made, and neither "you already have an account" nor a second link goes out. So does
    asking for a password reset twice."""
    token = csrf_token(client.get("/register").get_data(as_text=True))
    for _ in range(2):
        assert client.post("/register", {**NEW, "csrf_token": token}).status_code == 302
    run_tasks()
    [message] = mailbox.to("grace@example.org")
    assert message["Subject"] == "Confirm your email address for engage"
    with app.app_context():
        assert len(db.session.scalars(select(User)).all()) == 1

    token = csrf_token(client.get("/forgotten-password").get_data(as_text=True))
    for _ in range(2):
        client.post("/forgotten-password", {"email": "grace@example.org", "csrf_token": token})
    run_tasks()
    assert [m["Subject"] for m in mailbox.to("grace@example.org")][1:] == [
        "Reset your engage password"]


def test_registering_a_taken_address_hashes_a_password_too(client, app, monkeypatch):
    """Argon2 takes a noticeable time on purpose: were it skipped for a taken address, the
    answer's speed would tell anyone which addresses have accounts."""
    from engage.auth import operations

    with app.app_context():
        create_user(email="grace@example.org")
    hashed = []
    real = operations.hash_password
    monkeypatch.setattr(operations, "hash_password",
                        lambda password: hashed.append(password) or real(password))
    client.submit("/register", NEW)
    client.submit("/register", {**NEW, "email": "someone.new@example.org"})
    assert hashed == [PASSWORD, PASSWORD]


def test_the_check_your_email_page_keeps_the_address_out_of_its_own(client, app):
    """The page names the address given, but its address does not carry it (server logs,
    browser history), and no link to it can put words on it ("call 0800 ... to unlock")."""
    response = client.submit("/register", NEW)
    assert response.location == "/register/check-your-email"
    assert "We have sent an email to grace@example.org" in page_text(client.get(response.location))
    spoofed = Browser(app).get("/register/check-your-email?to=Call+0800+000+000+to+unlock")
    assert spoofed.status_code == 200
    assert "We have sent you an email." in page_text(spoofed)
    assert "0800" not in page_text(spoofed)


def test_create_an_account_from_a_group_page_comes_back_to_it(client, mailbox, run_tasks, app):
    group = "/boroughs/camden/groups/cpeg"
    hrefs = re.findall(r'href="([^"]+)">create an account<',
                       client.get(group).get_data(as_text=True))
    [register] = [unescape(h) for h in hrefs]
    assert urlsplit(register).path == "/register"
    assert parse_qs(urlsplit(register).query)["next"] == [group]
    # The register page keeps it: its "Sign in" link too, and the form posts back to it.
    page = client.get(register).get_data(as_text=True)
    [sign_in] = re.findall(r'href="([^"]+)">Sign in<', page)
    assert parse_qs(urlsplit(unescape(sign_in)).query)["next"] == [group]
    assert '<form method="post" novalidate>' in page  # no action: the address, with `next`

    response = client.submit(register, NEW)
    assert response.status_code == 302
    run_tasks()
    [message] = mailbox.to("grace@example.org")
    confirm_link = next(link for link in links(message) if "/confirm-email/" in link)
    confirmed = client.submit(confirm_link, {})
    assert urlsplit(confirmed.location).path == "/sign-in"
    assert parse_qs(urlsplit(confirmed.location).query)["next"] == [group]
    assert "Your email address is confirmed" in page_text(client.get(confirmed.location))

    signed_in = client.submit(confirmed.location, {"email": "grace@example.org",
                                                   "password": PASSWORD})
    assert signed_in.location == group
    assert "Ask to join" in page_text(client.get(group))


def test_the_emailed_link_brings_them_back_to_the_group_in_any_browser(client, mailbox,
                                                                      run_tasks, app):
    """Registered on a computer, confirmed on a phone: the link itself carries the page."""
    group = "/boroughs/camden/groups/cpeg"
    client.submit("/register?" + urlencode({"next": group}), NEW)
    run_tasks()
    [message] = mailbox.to("grace@example.org")
    confirm_link = next(link for link in links(message) if "/confirm-email/" in link)
    assert parse_qs(urlsplit(confirm_link).query)["next"] == [group]
    phone = Browser(app)
    confirmed = phone.submit(confirm_link, {})
    assert urlsplit(confirmed.location).path == "/sign-in"
    assert parse_qs(urlsplit(confirmed.location).query)["next"] == [group]
    signed_in = phone.submit(confirmed.location, {"email": "grace@example.org",
                                                  "password": PASSWORD})
    assert signed_in.location == group


def test_a_fresh_link_sent_at_sign_in_keeps_the_page_too(client, mailbox, run_tasks):
    group = "/boroughs/camden/groups/cpeg/join"
    client.submit("/register", NEW)
    run_tasks()
    mailbox.clear()
    client.submit("/sign-in?" + urlencode({"next": group}),
                  {"email": "grace@example.org", "password": PASSWORD})
    run_tasks()
    [message] = mailbox.to("grace@example.org")
    confirm_link = next(link for link in links(message) if "/confirm-email/" in link)
    assert parse_qs(urlsplit(confirm_link).query)["next"] == [group]


def test_a_link_whose_page_was_changed_to_another_site_goes_nowhere_else(client, mailbox,
                                                                         run_tasks):
    client.submit("/register", NEW)
    run_tasks()
    [message] = mailbox.to("grace@example.org")
    confirm_link = next(link for link in links(message) if "/confirm-email/" in link)
    assert "next=" not in confirm_link  # registered from no page: nothing to come back to
    tampered = f"{confirm_link}?{urlencode({'next': 'https://evil.example.com/'})}"
    assert client.submit(tampered, {}).location == "/sign-in"


def test_the_sign_in_page_passes_next_on_to_create_an_account(client):
    page = client.get("/sign-in?next=/boroughs/camden/groups/cpeg/join").get_data(as_text=True)
    [register] = re.findall(r'href="([^"]+)">Create an account<', page)
    assert parse_qs(urlsplit(unescape(register)).query)["next"] == [
        "/boroughs/camden/groups/cpeg/join"]
    plain = client.get("/sign-in").get_data(as_text=True)
    assert re.findall(r'href="([^"]+)">Create an account<', plain) == ["/register"]


@pytest.mark.parametrize("target", ["https://evil.example.com/", "//evil.example.com/",
                                    "/\\evil.example.com", "evil.example.com",
                                    "javascript:alert(1)"])
def test_only_a_path_on_this_site_is_kept_through_registering(client, mailbox, run_tasks,
                                                              target):
    register = "/register?" + urlencode({"next": target})
    page = client.get(register).get_data(as_text=True)
    assert "evil" not in page and "javascript" not in page
    client.submit(register, NEW)
    run_tasks()
    [message] = mailbox.to("grace@example.org")
    confirm_link = next(link for link in links(message) if "/confirm-email/" in link)
    assert client.submit(confirm_link, {}).location == "/sign-in"


def test_a_name_too_long_is_refused_in_plain_words(client, app):
    response = client.submit("/register", dict(NEW, name="G" * 201))
    assert response.status_code == 200
    text = page_text(response)
    assert "The name must be 200 characters or fewer" in text
    assert "Field cannot be longer" not in text
    with app.app_context():
        assert db.session.scalar(select(db.func.count(User.id))) == 0


def test_an_email_address_too_long_says_how_long_it_may_be(client):
    response = client.submit("/register", dict(NEW, email="a" * 250 + "@example.org"))
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    summary = html[html.index('class="govuk-error-summary"'):html.index("<h1")]
    assert 'href="#email"' in summary
    assert "Email address must be 254 characters or fewer" in summary
    assert "Field cannot be longer" not in html


@pytest.mark.parametrize(("password", "reason"), [
    ("password1234", "This is a very common password."),
    ("qwertyuiop12", "This is similar to a commonly used password."),
    ("abcabcabcabc", 'Repeats like "abcabcabc" are only slightly harder to guess than "abc".'),
])
def test_a_common_or_easily_guessed_password_is_refused_with_the_reason(client, app, password,
                                                                        reason):
    response = client.submit("/register", {**NEW, "password": password})
    assert response.status_code == 200
    assert title(response).startswith("Error: ")
    html = unescape(response.get_data(as_text=True))
    assert 'href="#password"' in html
    assert (f"{reason} Choose one that is harder to guess: 3 or 4 words that have nothing to "
            "do with each other are a good way") in html
    with app.app_context():
        assert db.session.scalar(select(User.id)) is None


def test_a_password_made_of_the_persons_own_name_is_refused(client, app):
    # Unusual words on their own (zxcvbn rates it very strong), but this person's own name.
    person = {**NEW, "name": "Zygmunt Quattrocchi", "email": "zq@example.org"}
    refused = client.submit("/register", {**person, "password": "zygmuntquattrocchi"})
    assert "Choose one that is harder to guess" in page_text(refused)
    accepted = client.submit("/register", {**person, "password": "quattrocchi zygmunt velvet"})
    assert accepted.status_code == 302


def test_a_registration_never_confirmed_is_deleted_after_30_days(client, mailbox, run_tasks,
                                                                  app):
    """Anyone can type any address into the form: a registration nobody confirms holds a name
    and someone's address, and must not be kept for ever. Members imported by an officer (not
    confirmed until they set a password) stay."""
    from datetime import timedelta

    from sqlalchemy import update

    from engage.auth.tasks import prune_sessions
    from engage.clock import utcnow
    from engage.groups.models import Membership, MembershipStatus, Represents
    from tests.meetings.support import cpeg

    assert client.submit("/register", NEW).status_code == 302
    assert client.submit("/register", {**NEW, "email": "lately@example.org"}).status_code == 302
    run_tasks()
    with app.app_context():
        imported = create_user(email="imported@example.org", email_confirmed_at=None)
        db.session.add(Membership(group=cpeg(), user=imported, status=MembershipStatus.ACTIVE,
                                  represents=Represents.SELF, joined_at=utcnow()))
        confirmed = create_user(email="confirmed@example.org")
        db.session.execute(update(User).where(User.email != "lately@example.org")
                           .values(created_at=utcnow() - timedelta(days=31)))
        db.session.execute(update(User).where(User.email == "lately@example.org")
                           .values(created_at=utcnow() - timedelta(days=29)))
        db.session.commit()
        assert confirmed.email_confirmed_at is not None
        prune_sessions()
        assert set(db.session.scalars(select(User.email))) == {
            "lately@example.org", "imported@example.org", "confirmed@example.org"}
    # The address is free to register again, and nothing of the old registration is left.
    assert client.submit("/register", NEW).status_code == 302


def test_registering_one_address_is_limited_whoever_sends_the_form(app, mailbox, run_tasks,
                                                                    monkeypatch):
    """Registering a taken address emails its owner ("you already have an account"), again
    once a minute has passed: from many places, an inbox could be filled with them. Three an
    hour reach an address; the fourth form is turned away (as it is for a new address, so the
    refusal says nothing about which addresses have accounts)."""
    from datetime import timedelta

    import engage.outbox.operations as outbox
    from engage.clock import utcnow

    with app.app_context():
        create_user(email="ada@example.org")
    later = utcnow()
    for n in range(3):
        later += timedelta(minutes=2)  # past the double-click window each time
        monkeypatch.setattr(outbox, "utcnow", lambda at=later: at)
        sent = Browser(app, address=f"203.0.113.{n + 1}").submit(
            "/register", {**NEW, "email": "ada@example.org"})
        assert sent.status_code == 302
    monkeypatch.setattr(outbox, "utcnow", lambda: later + timedelta(minutes=2))
    browser = Browser(app, address="198.51.100.7")
    assert browser.submit("/register", {**NEW, "email": "ada@example.org"}).status_code == 429
    assert browser.submit("/register", NEW).status_code == 302  # another address goes through
    run_tasks()
    assert len(mailbox.to("ada@example.org")) == 3


def test_forms_sent_without_an_address_are_not_counted_against_one(app):
    """The limits per address count the address typed. A form sent with none (the button
    pressed on an empty form, by anyone anywhere) gives its errors every time, rather than
    sharing one allowance for "no address" across everyone."""
    for n in range(5):
        browser = Browser(app, address=f"203.0.113.{n + 1}")
        for page in ("/register", "/forgotten-password"):
            refused = browser.submit(page, {"email": ""})
            assert refused.status_code == 200, page
            assert "Enter your email address" in page_text(refused)
