"""Signing in and out: generic messages, shared rate limits, sessions that really end."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import urlencode

import pytest
from sqlalchemy import select, update

from engage.auth.models import UserSession
from engage.clock import utcnow
from engage.extensions import db
from tests.factories import PASSWORD, create_officer, create_user
from tests.helpers import Browser, page_text

GENERIC = "Enter the email address and password of your account. Both must be correct"


def test_sign_in_and_out(client, app):
    with app.app_context():
        create_user(email="ada@example.org", name="Ada Lovelace")
    response = client.sign_in("ADA@example.org ", PASSWORD)
    assert response.location == "/account"
    assert "Ada Lovelace" in page_text(client.get("/account"))
    assert "Sign out" in page_text(client.get("/"))

    signed_out = client.sign_out()
    assert signed_out.status_code == 302
    assert client.get("/account").status_code == 302  # back to sign-in


def test_staff_land_on_their_dashboard(client, app):
    with app.app_context():
        create_officer("camden", email="officer@example.org")
    assert client.sign_in("officer@example.org", PASSWORD).location == "/staff/"


def test_wrong_password_and_unknown_address_read_the_same(client, app):
    with app.app_context():
        create_user(email="ada@example.org")
    wrong = client.submit("/sign-in", {"email": "ada@example.org", "password": "nope nope nope"})
    unknown = client.submit("/sign-in", {"email": "nobody@example.org",
                                         "password": "nope nope nope"})
    assert wrong.status_code == unknown.status_code == 200
    assert GENERIC in page_text(wrong)
    assert GENERIC in page_text(unknown)
    strip = lambda r: page_text(r).replace("ada@example.org", "X").replace(  # noqa: E731
        "nobody@example.org", "X")
    assert strip(wrong) == strip(unknown)


def test_only_local_paths_are_followed_after_sign_in(client, app):
    with app.app_context():
        create_user(email="ada@example.org")
    page = client.get("/sign-in?next=https://evil.example.com/")
    assert page.status_code == 200
    response = client.submit("/sign-in?next=https://evil.example.com/",
                             {"email": "ada@example.org", "password": PASSWORD})
    assert response.location == "/account"


def test_attempts_on_one_account_are_limited_from_any_address(app):
    with app.app_context():
        create_user(email="ada@example.org")
    # Five failures from five different addresses use up the account's allowance...
    for n in range(5):
        attacker = Browser(app, address=f"203.0.113.{n + 1}")
        response = attacker.submit("/sign-in", {"email": "ada@example.org",
                                                "password": f"guess number {n}"})
        assert response.status_code == 200
    # ...so a sixth, even with the right password and from a new address, is turned away.
    late = Browser(app, address="198.51.100.7")
    blocked = late.submit("/sign-in", {"email": "ada@example.org", "password": PASSWORD})
    assert blocked.status_code == 429
    assert "Too many attempts" in page_text(blocked)
    assert "Wait 15 minutes, then try again" in page_text(blocked)
    # The limit is per account: someone else can still sign in from that address.
    with app.app_context():
        create_user(email="grace@example.org")
    assert late.sign_in("grace@example.org", PASSWORD).status_code == 302


def test_attempts_from_one_address_are_limited_across_accounts(app):
    with app.app_context():
        create_user(email="ada@example.org")
    attacker = Browser(app, address="203.0.113.9")
    for n in range(20):
        response = attacker.submit("/sign-in", {"email": f"victim{n}@example.org",
                                                "password": "password guess"})
        assert response.status_code == 200
    blocked = attacker.submit("/sign-in", {"email": "ada@example.org", "password": PASSWORD})
    assert blocked.status_code == 429
    # Another address is not affected.
    assert Browser(app, address="198.51.100.8").sign_in("ada@example.org", PASSWORD)


def test_successful_sign_ins_do_not_use_up_the_allowance(client, app):
    with app.app_context():
        create_user(email="ada@example.org")
    for _ in range(8):
        client.sign_in("ada@example.org", PASSWORD)
        client.sign_out()


def test_a_copied_session_cookie_stops_working_after_sign_out(client, other_client, app):
    with app.app_context():
        create_user(email="ada@example.org", name="Ada Lovelace")
    client.sign_in("ada@example.org", PASSWORD)
    stolen = client.session_cookie
    other_client.set_session_cookie(stolen)
    assert "Ada Lovelace" in page_text(other_client.get("/account"))  # the copy works for now

    client.sign_out()
    replay = other_client.get("/account")
    assert replay.status_code == 302
    assert replay.location.startswith("/sign-in")


def test_a_session_ends_after_being_idle(client, app):
    with app.app_context():
        create_user(email="ada@example.org")
    client.sign_in("ada@example.org", PASSWORD)
    assert client.get("/account").status_code == 200
    idle = app.config["ENGAGE_SESSION_IDLE_MINUTES"]
    with app.app_context():
        db.session.execute(update(UserSession).values(
            last_seen_at=utcnow() - timedelta(minutes=idle + 1)))
        db.session.commit()
    assert client.get("/account").status_code == 302
    with app.app_context():
        assert db.session.scalars(select(UserSession)).all() == []


def test_signing_in_again_starts_a_new_session(client, app):
    with app.app_context():
        create_user(email="ada@example.org")
    client.sign_in("ada@example.org", PASSWORD)
    first = client.session_cookie
    client.sign_out()
    client.sign_in("ada@example.org", PASSWORD)
    assert client.session_cookie != first
    with app.app_context():
        assert len(db.session.scalars(select(UserSession)).all()) == 1


def test_sign_out_needs_a_post_with_a_csrf_token(client, app):
    with app.app_context():
        create_user(email="ada@example.org")
    client.sign_in("ada@example.org", PASSWORD)
    assert client.get("/sign-out").status_code == 405
    assert client.post("/sign-out", {}).status_code == 400  # no token: refused
    assert client.get("/account").status_code == 200  # still signed in


@pytest.mark.parametrize("target", ["//evil.example.com/", "/\\evil.example.com",
                                    "/\\/evil.example.com", "https:/evil.example.com",
                                    "javascript:alert(1)", "/account\r\nLocation: x"])
def test_no_other_site_is_followed_after_sign_in(client, app, target):
    with app.app_context():
        create_user(email="ada@example.org")
    url = "/sign-in?" + urlencode({"next": target})
    response = client.submit(url, {"email": "ada@example.org", "password": PASSWORD})
    assert response.location == "/account"


def test_a_path_on_this_site_is_followed_after_sign_in(client, app):
    with app.app_context():
        create_user(email="ada@example.org")
    target = "/boroughs/camden/groups/cpeg/meetings/1?from=email"
    response = client.submit("/sign-in?" + urlencode({"next": target}),
                             {"email": "ada@example.org", "password": PASSWORD})
    assert response.location == target


def test_an_ipv6_network_counts_as_one_address(app):
    """One home or server on IPv6 is given a whole /64 network: 18 billion billion addresses,
    each of which used to have an allowance of its own, so the limits per IP address limited
    nothing. The /64 counts as one address; another network is not affected."""
    with app.app_context():
        create_user(email="ada@example.org")
    for n in range(20):
        attacker = Browser(app, address=f"2001:db8:1:2::{n + 1:x}")
        response = attacker.submit("/sign-in", {"email": f"victim{n}@example.org",
                                                "password": "password guess"})
        assert response.status_code == 200
    blocked = Browser(app, address="2001:db8:1:2:ffff::1").submit(
        "/sign-in", {"email": "ada@example.org", "password": PASSWORD})
    assert blocked.status_code == 429
    assert Browser(app, address="2001:db8:1:3::1").sign_in("ada@example.org", PASSWORD)
