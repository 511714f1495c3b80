"""When an account's sign-in allowance runs out, its owner is told by email, once a window:
wrong passwords (someone may be guessing) or wrong two-step codes after the right password
(someone knows it). Staff accounts' are in the audit log too."""

from __future__ import annotations

import pyotp
from sqlalchemy import select

from engage.audit.models import AuditEvent
from engage.extensions import db
from tests.auth.test_two_step import _give_code, _with_two_step, _wrong_code
from tests.factories import PASSWORD, create_officer, create_user
from tests.helpers import Browser, page_text, path_of
from tests.mailbox import body, links


def _guess(app, email: str, attempts: int) -> list[int]:
    codes = []
    for n in range(attempts):
        attacker = Browser(app, address=f"203.0.113.{n + 1}")
        codes.append(attacker.submit("/sign-in", {"email": email,
                                                  "password": f"guess number {n}"}).status_code)
    return codes


def test_the_owner_is_told_once_when_wrong_passwords_stop_sign_ins(app, mailbox, run_tasks):
    with app.app_context():
        create_user(email="ada@example.org", name="Ada Lovelace")
    assert _guess(app, "ada@example.org", 5) == [200] * 5
    run_tasks()
    assert mailbox.to("ada@example.org") == []  # wrong passwords alone: no email yet

    assert _guess(app, "ada@example.org", 3) == [429] * 3  # turned away, three times
    run_tasks()
    [message] = mailbox.to("ada@example.org")  # one email, not three
    assert message["Subject"] == "Someone tried to sign in to your engage account"
    text = body(message)
    assert "Hello Ada Lovelace," in text
    assert "with the wrong password too many times" in text
    assert "nobody can sign in to it for the next 15 minutes" in text
    assert "If it was not you, they have not signed in." in text
    assert [path_of(link) for link in links(message)] == ["/forgotten-password",
                                                           "/account/two-step"]
    with app.app_context():  # a member's: not in the staff audit log
        assert db.session.scalar(select(AuditEvent).where(
            AuditEvent.action == "account.sign_in_blocked")) is None


def test_an_address_with_no_account_sends_nothing(app, mailbox, run_tasks):
    assert _guess(app, "nobody@example.org", 7)[-1] == 429
    run_tasks()
    assert mailbox.messages == []


def test_wrong_codes_after_the_right_password_tell_the_owner_to_change_it(
        app, mailbox, run_tasks):
    with app.app_context():
        officer_id = create_officer("camden", email="olu@example.org", name="Olu Officer").id
    secret, _ = _with_two_step(app, "olu@example.org")
    for n in range(5):
        attacker = Browser(app, address=f"203.0.113.{n + 1}")
        attacker.sign_in("olu@example.org", PASSWORD)
        _give_code(attacker, _wrong_code(secret))
    late = Browser(app, address="198.51.100.7")
    late.sign_in("olu@example.org", PASSWORD)
    assert _give_code(late, pyotp.TOTP(secret).now()).status_code == 429
    run_tasks()
    [message] = mailbox.to("olu@example.org")
    assert message["Subject"] == "Someone entered your engage password: change it now"
    text = body(message)
    assert "entered the right password for your engage account, then the wrong two-step" in text
    assert "If it was not you, someone knows your password. Reset it now:" in text
    assert [path_of(link) for link in links(message)] == ["/forgotten-password"]
    with app.app_context():
        [event] = db.session.scalars(select(AuditEvent).where(
            AuditEvent.action == "account.sign_in_blocked")).all()
        assert (event.target, event.details) == (f"user:{officer_id}",
                                                 {"stage": "two-step code"})
    assert "Too many attempts" in page_text(_give_code(late, pyotp.TOTP(secret).now()))
    run_tasks()
    assert len(mailbox.to("olu@example.org")) == 1
