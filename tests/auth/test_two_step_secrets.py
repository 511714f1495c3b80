"""Two-step secrets are stored encrypted with a key derived from SECRET_KEY: a copy of the
database does not give them away, and the secret key can be rotated (the old one kept in
SECRET_KEY_FALLBACKS) without locking anyone out."""

from __future__ import annotations

import base64
import logging

import pyotp
import pytest
from cryptography.fernet import InvalidToken
from sqlalchemy import select, update

from engage.auth import two_step
from engage.auth.models import User
from engage.auth.secrets_at_rest import fernet_for
from engage.config import DEV_SECRET_KEY, ConfigError, build_config
from engage.extensions import db
from tests.auth.test_two_step import (
    SECRET,
    WRONG,
    _give_code,
    _sign_in_with_code,
    _with_two_step,
    _wrong_code,
)
from tests.conftest import SECRET_KEY as OLD_KEY
from tests.factories import PASSWORD, create_officer, create_user
from tests.helpers import Browser, page_text
from tests.mailbox import links

NEW_KEY = "a-new-secret-key-also-long-enough-9876543210-abcdef"


def _stored(app, email: str = "ada@example.org") -> str | None:
    with app.app_context():
        return db.session.scalar(select(User.two_step_secret).where(User.email == email))


def _opens_with(key: str, stored: str) -> str | None:
    try:
        return fernet_for(key).decrypt(stored.encode()).decode()
    except InvalidToken:
        return None


def _rotate(app, keep_old: bool) -> None:
    app.config["SECRET_KEY"] = NEW_KEY
    app.config["SECRET_KEY_FALLBACKS"] = [OLD_KEY] if keep_old else []


def test_the_stored_secret_is_encrypted_and_set_up_and_sign_in_still_work(client, app):
    with app.app_context():
        create_officer("camden", email="ada@example.org")
    client.sign_in("ada@example.org", PASSWORD)
    page = client.get("/account/two-step").get_data(as_text=True)
    secret = SECRET.search(page).group(1).replace(" ", "")
    stored = _stored(app)
    assert stored != secret
    raw = base64.urlsafe_b64decode(stored)
    for shown in (secret, secret.lower()):
        assert shown not in stored and shown.encode() not in raw
    assert base64.b32decode(secret) not in raw
    # A Fernet token under the key derived from SECRET_KEY, and it fits its column.
    assert _opens_with(OLD_KEY, stored) == secret
    assert len(stored) <= User.__table__.c.two_step_secret.type.length
    # Shown again, the page opens the same secret (a new token is not needed).
    assert SECRET.search(client.get("/account/two-step").get_data(as_text=True)).group(1) \
        .replace(" ", "") == secret
    assert _stored(app) == stored

    done = _give_code(client, pyotp.TOTP(secret).now(), "/account/two-step")
    assert "Two-step verification is on" in page_text(done)
    client.sign_out()
    step = two_step.current_step() + 1  # a later code than the one used to turn it on
    _sign_in_with_code(client, "ada@example.org", pyotp.TOTP(secret).generate_otp(step))
    assert client.get("/account").status_code == 200


def test_after_rotating_the_key_sign_in_works_and_the_secret_is_sealed_with_the_new_key(
        client, other_client, app, monkeypatch):
    with app.app_context():
        create_user(email="ada@example.org")
    secret, _ = _with_two_step(app, "ada@example.org")
    step = two_step.current_step()
    monkeypatch.setattr(two_step, "current_step", lambda: step)
    _sign_in_with_code(other_client, "ada@example.org", pyotp.TOTP(secret).generate_otp(step))
    before = _stored(app)

    _rotate(app, keep_old=True)
    # A browser signed in before stays signed in (its cookie was signed with the old key).
    assert other_client.get("/account").status_code == 200
    # A wrong code changes nothing.
    client.sign_in("ada@example.org", PASSWORD)
    assert WRONG in page_text(_give_code(client, _wrong_code(secret)))
    assert _stored(app) == before
    monkeypatch.setattr(two_step, "current_step", lambda: step + 1)
    signed_in = _give_code(client, pyotp.TOTP(secret).generate_otp(step + 1))
    assert signed_in.status_code == 302
    after = _stored(app)
    assert after != before
    assert _opens_with(NEW_KEY, after) == secret
    assert _opens_with(OLD_KEY, after) is None

    # Sealed with the new key, it needs the old one no more.
    app.config["SECRET_KEY_FALLBACKS"] = []
    monkeypatch.setattr(two_step, "current_step", lambda: step + 2)
    _sign_in_with_code(Browser(app), "ada@example.org", pyotp.TOTP(secret).generate_otp(step + 2))
    assert _stored(app) == after  # already current: not sealed again


def test_with_the_old_key_gone_a_code_is_refused_safely_and_recovery_codes_work(
        client, app, caplog):
    with app.app_context():
        ada = create_user(email="ada@example.org").id
    secret, codes = _with_two_step(app, "ada@example.org")
    before = _stored(app)
    _rotate(app, keep_old=False)
    caplog.set_level(logging.WARNING, logger="engage.auth.two_step")

    client.sign_in("ada@example.org", PASSWORD)
    refused = _give_code(client, pyotp.TOTP(secret).now())
    assert refused.status_code == 200
    assert WRONG in page_text(refused)
    assert client.get("/account").status_code == 302
    [record] = [r for r in caplog.records if r.name == "engage.auth.two_step"]
    assert record.levelno == logging.WARNING
    assert f"user {ada}" in record.getMessage()
    assert "cannot be decrypted" in record.getMessage()
    assert _stored(app) == before

    assert _give_code(client, codes[0]).status_code == 302
    assert client.get("/account").status_code == 200


def test_a_set_up_begun_under_a_lost_key_starts_again_with_a_new_secret(client, app):
    with app.app_context():
        create_user(email="ada@example.org")
    client.sign_in("ada@example.org", PASSWORD)
    first = SECRET.search(client.get("/account/two-step").get_data(as_text=True)).group(1)
    _rotate(app, keep_old=False)
    client.sign_in("ada@example.org", PASSWORD)  # the old key's session cookie is gone too
    page = client.get("/account/two-step")
    assert page.status_code == 200
    second = SECRET.search(page.get_data(as_text=True)).group(1).replace(" ", "")
    assert second != first.replace(" ", "")
    assert _opens_with(NEW_KEY, _stored(app)) == second
    done = _give_code(client, pyotp.TOTP(second).now(), "/account/two-step")
    assert "Two-step verification is on" in page_text(done)


def test_an_emailed_link_made_before_rotating_opens_while_the_old_key_is_kept(
        client, mailbox, run_tasks, app):
    with app.app_context():
        create_user(email="ada@example.org")
    client.submit("/forgotten-password", {"email": "ada@example.org"})
    run_tasks()
    reset = next(link for link in links(mailbox.to("ada@example.org")[0])
                 if "/reset-password/" in link)
    _rotate(app, keep_old=False)
    assert client.get(reset).status_code == 400
    _rotate(app, keep_old=True)
    assert client.get(reset).status_code == 200
    assert client.submit(reset, {"password": "a completely different passphrase"}) \
        .status_code == 302


def test_fallback_keys_are_read_from_the_environment(monkeypatch):
    monkeypatch.setenv("ENGAGE_SECRET_KEY_FALLBACKS", " first-old-key, second-old-key  third ")
    assert build_config({"ENGAGE_ENV": "test"})["SECRET_KEY_FALLBACKS"] == [
        "first-old-key", "second-old-key", "third"]
    monkeypatch.delenv("ENGAGE_SECRET_KEY_FALLBACKS")
    assert build_config({"ENGAGE_ENV": "test"})["SECRET_KEY_FALLBACKS"] == []

    monkeypatch.setenv("ENGAGE_SECRET_KEY", "x" * 48)
    monkeypatch.setenv("ENGAGE_CONTACT_EMAIL", "engage@police.example.org")
    monkeypatch.setenv("ENGAGE_RATELIMIT_STORAGE_URL", "redis://127.0.0.1:6379/1")
    monkeypatch.setenv("ENGAGE_DATABASE_URL", "postgresql+psycopg://engage@db/engage")
    monkeypatch.setenv("ENGAGE_BROKER_URL", "redis://127.0.0.1:6379/0")
    monkeypatch.setenv("ENGAGE_BASE_URL", "https://engage.police.example.org")
    monkeypatch.setenv("ENGAGE_SECRET_KEY_FALLBACKS", f"y{'y' * 47},{DEV_SECRET_KEY}")
    with pytest.raises(ConfigError, match="ENGAGE_SECRET_KEY_FALLBACKS"):
        build_config({"ENGAGE_ENV": "production"})



def test_after_rotating_one_command_seals_every_secret_with_the_new_key(runner, app):
    with app.app_context():
        create_user(email="ada@example.org")
        create_user(email="grace@example.org")
        lost = create_user(email="lost@example.org").id
        create_user(email="none@example.org")
    ada, _ = _with_two_step(app, "ada@example.org")
    grace, _ = _with_two_step(app, "grace@example.org")
    app.config["SECRET_KEY"] = "a-key-since-lost-0123456789-0123456789-abcdef"
    _with_two_step(app, "lost@example.org")
    _rotate(app, keep_old=True)

    result = runner.invoke(args=["engage", "reseal-two-step"])
    assert result.exit_code == 1
    assert "2 encrypted again with the current secret key, 0 were already" in result.output
    assert "1 cannot be decrypted" in result.output and f"user ids {lost})" in result.output
    assert _opens_with(NEW_KEY, _stored(app, "ada@example.org")) == ada
    assert _opens_with(NEW_KEY, _stored(app, "grace@example.org")) == grace
    assert _stored(app, "none@example.org") is None

    with app.app_context():
        db.session.execute(update(User).where(User.id == lost).values(
            two_step_secret=None, two_step_enabled_at=None))  # as an administrator's reset does
        db.session.commit()
    again = runner.invoke(args=["engage", "reseal-two-step"])
    assert again.exit_code == 0
    assert "0 encrypted again with the current secret key, 2 were already" in again.output
