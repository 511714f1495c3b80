"""Two-step verification: setting it up with an authenticator app, signing in with its codes
or a recovery code, staff required to have it, turning it off and an administrator's reset."""

from __future__ import annotations

import re

import pyotp
from sqlalchemy import select

from engage.audit.models import AuditEvent
from engage.auth import two_step
from engage.auth.models import RecoveryCode, User
from engage.extensions import db
from tests.factories import PASSWORD, create_admin, create_officer, create_user
from tests.helpers import Browser, page_text
from tests.mailbox import body

CODE_PAGE = "/sign-in/two-step"
SECRET = re.compile(r"<code>([A-Z2-7 ]{39})</code>")
RECOVERY = re.compile(r"<code>([a-z2-9]{4}-[a-z2-9]{4}-[a-z2-9]{4}-[a-z2-9]{4})</code>")
WRONG = "The code is not correct"
USED = "That code has been used already"


def _with_two_step(app, email: str) -> tuple[str, list[str]]:
    """Turn two-step verification on for the account at `email` as setting it up does; returns
    its secret and recovery codes."""
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == email))
        secret = two_step.secret_for_set_up(user)
        codes = two_step.turn_on(user)
        db.session.commit()
    return secret, codes


def _wrong_code(secret: str) -> str:
    """Six digits no step near now makes."""
    totp, step = pyotp.TOTP(secret), two_step.current_step()
    near = {totp.generate_otp(s) for s in range(step - 2, step + 3)}
    return next(code for code in (f"{n:06d}" for n in range(10**6)) if code not in near)


def _give_code(browser: Browser, code: str, page: str = CODE_PAGE):
    return browser.submit(page, {"code": code})


def _sign_in_with_code(browser: Browser, email: str, code: str):
    browser.sign_in(email, PASSWORD)
    response = _give_code(browser, code)
    assert response.status_code == 302, page_text(response)[:500]
    return response


def _events(app, action: str) -> list[AuditEvent]:
    with app.app_context():
        return list(db.session.scalars(select(AuditEvent).where(AuditEvent.action == action)))


# Setting up ----------------------------------------------------------------------------------

def test_setting_up_needs_a_right_code_then_shows_recovery_codes_once(client, app):
    with app.app_context():
        create_officer("camden", email="ada@example.org")
    client.sign_in("ada@example.org", PASSWORD)
    assert "Two-step verification Off Set up" in page_text(client.get("/account"))
    page = client.get("/account/two-step")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert re.search(r'<img src="data:image/png;base64,[A-Za-z0-9+/=]+" alt="QR code', html)
    secret = SECRET.search(html).group(1)
    assert all(len(group) == 4 for group in secret.split())
    secret = secret.replace(" ", "")
    # Shown again, the page keeps the secret the app may have scanned already.
    assert SECRET.search(client.get("/account/two-step").get_data(as_text=True)).group(1) \
        .replace(" ", "") == secret

    wrong = _give_code(client, _wrong_code(secret), "/account/two-step")
    assert wrong.status_code == 200
    assert WRONG in page_text(wrong)
    with app.app_context():
        assert db.session.scalar(select(User.two_step_enabled_at)) is None

    done = _give_code(client, pyotp.TOTP(secret).now(), "/account/two-step")
    assert done.status_code == 200
    assert "Two-step verification is on" in page_text(done)
    assert "You will not be shown these codes again" in page_text(done)
    codes = RECOVERY.findall(done.get_data(as_text=True))
    assert len(set(codes)) == 10
    assert done.headers["Cache-Control"] == "no-store"
    with app.app_context():
        hashes = set(db.session.scalars(select(RecoveryCode.code_hash)))
    assert len(hashes) == 10 and not hashes & {c.replace("-", "") for c in codes}
    # Afterwards the page says it is on, and never shows the codes again.
    on = client.get("/account/two-step")
    assert "Two-step verification has been on since" in page_text(on)
    assert "You have 10 recovery codes left" in page_text(on)
    assert not RECOVERY.search(on.get_data(as_text=True))
    assert [e.target for e in _events(app, "account.two_step_on")] == [
        f"user:{_user_id(app, 'ada@example.org')}"]


def _user_id(app, email: str) -> int:
    with app.app_context():
        return db.session.scalar(select(User.id).where(User.email == email))


# Signing in ----------------------------------------------------------------------------------

def test_the_password_alone_does_not_sign_in_the_code_does(client, app):
    with app.app_context():
        create_officer("camden", email="ada@example.org")
    secret, _ = _with_two_step(app, "ada@example.org")
    response = client.submit("/sign-in?next=/staff/boroughs/camden",
                             {"email": "ada@example.org", "password": PASSWORD})
    assert response.location == CODE_PAGE + "?next=/staff/boroughs/camden"
    for page in ("/account", "/staff/", "/staff/boroughs/camden"):
        assert client.get(page).location.startswith("/sign-in"), page
    code_page = client.get(response.location)
    assert "Enter the code from your authenticator app" in page_text(code_page)
    signed_in = _give_code(client, pyotp.TOTP(secret).now(),
                           CODE_PAGE + "?next=/staff/boroughs/camden")
    assert signed_in.location == "/staff/boroughs/camden"
    assert client.get("/staff/boroughs/camden").status_code == 200
    assert client.get("/account").status_code == 200


def test_only_local_paths_are_followed_after_the_code(client, app):
    with app.app_context():
        create_user(email="ada@example.org")
    secret, _ = _with_two_step(app, "ada@example.org")
    client.submit("/sign-in?next=https://evil.example.com/",
                  {"email": "ada@example.org", "password": PASSWORD})
    response = _give_code(client, pyotp.TOTP(secret).now(),
                          CODE_PAGE + "?next=https://evil.example.com/")
    assert response.location == "/account"


def test_a_wrong_code_is_a_form_error(client, app):
    with app.app_context():
        create_user(email="ada@example.org")
    secret, _ = _with_two_step(app, "ada@example.org")
    client.sign_in("ada@example.org", PASSWORD)
    wrong = _give_code(client, _wrong_code(secret))
    assert wrong.status_code == 200
    assert page_text(wrong).startswith("Error:")
    assert WRONG in page_text(wrong)
    empty = _give_code(client, "")
    assert "Enter the 6-digit code from your authenticator app, or a recovery code" in \
        page_text(empty)
    assert client.get("/account").status_code == 302


def test_a_code_once_used_is_refused(client, app):
    with app.app_context():
        create_user(email="ada@example.org")
    secret, _ = _with_two_step(app, "ada@example.org")
    code = pyotp.TOTP(secret).now()
    _sign_in_with_code(client, "ada@example.org", code)
    client.sign_out()
    client.sign_in("ada@example.org", PASSWORD)
    again = _give_code(client, code)
    assert again.status_code == 200
    assert USED in page_text(again)
    assert client.get("/account").status_code == 302


def test_the_code_page_says_how_to_reach_someone_who_can_reset_it(client, app):
    # Someone without their phone or recovery codes is told to ask for a reset: the page
    # gives the contact details to ask with, not a dead end.
    app.config.update(ENGAGE_CONTACT_EMAIL="access@police.example.org",
                      ENGAGE_CONTACT_PHONE="020 7946 0123")
    with app.app_context():
        create_user(email="ada@example.org")
    _with_two_step(app, "ada@example.org")
    client.sign_in("ada@example.org", PASSWORD)
    page = client.get(CODE_PAGE)
    text = page_text(page)
    assert ("If you have lost your phone and your recovery codes, contact your borough's "
            "engagement team ( find your borough's contact details ) or the engage team: "
            "Email: access@police.example.org Telephone: 020 7946 0123") in text
    html = page.get_data(as_text=True)
    assert 'href="/boroughs">find your borough\'s contact details</a>' in html
    assert 'href="mailto:access@police.example.org"' in html


def test_codes_a_step_either_side_are_accepted_not_further_nor_earlier_than_one_used(
        client, app, monkeypatch):
    with app.app_context():
        create_user(email="ada@example.org")
    secret, _ = _with_two_step(app, "ada@example.org")
    step = two_step.current_step()
    monkeypatch.setattr(two_step, "current_step", lambda: step)
    totp = pyotp.TOTP(secret)
    code_at = lambda n: totp.generate_otp(step + n)  # noqa: E731
    client.sign_in("ada@example.org", PASSWORD)
    for too_far in (-2, 2):
        assert WRONG in page_text(_give_code(client, code_at(too_far)))
    assert _give_code(client, code_at(1)).status_code == 302  # a phone running fast
    client.sign_out()
    client.sign_in("ada@example.org", PASSWORD)
    # Now a code of this step, or the one before, would be older than the one used.
    assert USED in page_text(_give_code(client, code_at(0)))
    assert USED in page_text(_give_code(client, code_at(-1)))
    monkeypatch.setattr(two_step, "current_step", lambda: step + 2)
    assert _give_code(client, code_at(2)).status_code == 302


def test_wrong_codes_for_one_account_are_limited_from_any_browser(app):
    with app.app_context():
        create_user(email="ada@example.org")
        create_user(email="grace@example.org")
    secret, _ = _with_two_step(app, "ada@example.org")
    grace_secret, _ = _with_two_step(app, "grace@example.org")
    for n in range(5):
        attacker = Browser(app, address=f"203.0.113.{n + 1}")
        attacker.sign_in("ada@example.org", PASSWORD)
        assert WRONG in page_text(_give_code(attacker, _wrong_code(secret)))
    late = Browser(app, address="198.51.100.7")
    late.sign_in("ada@example.org", PASSWORD)
    blocked = _give_code(late, pyotp.TOTP(secret).now())
    assert blocked.status_code == 429
    assert "Too many attempts" in page_text(blocked)
    assert late.get("/account").status_code == 302
    # Per account: someone else signs in from the same address.
    _sign_in_with_code(Browser(app, address="198.51.100.7"), "grace@example.org",
                       pyotp.TOTP(grace_secret).now())


def test_a_recovery_code_signs_in_once_and_says_when_few_are_left(client, app):
    with app.app_context():
        create_officer("camden", email="ada@example.org")
    _, codes = _with_two_step(app, "ada@example.org")
    # Typed in capitals, with spaces for hyphens: still the code.
    first = codes[0].upper().replace("-", " ")
    landed = _sign_in_with_code(client, "ada@example.org", first)
    assert landed.location == "/staff/"
    assert "recovery code" not in page_text(client.get("/staff/"))  # 9 left: not yet few
    client.sign_out()
    client.sign_in("ada@example.org", PASSWORD)
    spent = _give_code(client, codes[0])
    assert spent.status_code == 200
    assert "That recovery code is not correct, or has been used already" in page_text(spent)
    assert _give_code(client, codes[1]).status_code == 302
    for code in codes[2:7]:
        client.sign_out()
        _sign_in_with_code(client, "ada@example.org", code)
    assert "You have 3 recovery codes left" in page_text(client.get("/staff/"))
    [*_, last] = _events(app, "account.recovery_code_used")
    assert last.details == {"recovery_codes_left": 3}
    assert last.actor_id == _user_id(app, "ada@example.org")


def test_the_code_page_waits_ten_minutes_after_the_password(client, app):
    with app.app_context():
        create_user(email="ada@example.org")
    secret, _ = _with_two_step(app, "ada@example.org")
    assert client.get(CODE_PAGE).location == "/sign-in"  # no password given yet
    client.sign_in("ada@example.org", PASSWORD)
    with client.http.session_transaction() as session:
        note = session[two_step.PENDING_KEY]
        session[two_step.PENDING_KEY] = {**note, "at": note["at"] - 11 * 60}
    late = client.get(CODE_PAGE)
    assert late.location == "/sign-in"
    assert "More than 10 minutes passed" in page_text(client.get("/sign-in"))
    late_code = client.submit(CODE_PAGE, {"code": pyotp.TOTP(secret).now()},
                              form_page="/sign-in")
    assert late_code.location == "/sign-in"
    assert client.get("/account").status_code == 302


def test_a_password_reset_meanwhile_ends_the_wait_for_the_code(client, app):
    with app.app_context():
        create_user(email="ada@example.org")
    _with_two_step(app, "ada@example.org")
    client.sign_in("ada@example.org", PASSWORD)
    with app.app_context():
        user = db.session.scalar(select(User))
        user.password_hash = "changed"
        db.session.commit()
    assert client.get(CODE_PAGE).location == "/sign-in"


# Required for staff --------------------------------------------------------------------------

def test_when_required_staff_set_it_up_before_any_staff_page_and_members_are_not_asked(
        client, other_client, app):
    app.config["ENGAGE_STAFF_TWO_STEP"] = True
    with app.app_context():
        create_officer("camden", email="officer@example.org")
        create_admin(email="admin@example.org")
        create_user(email="member@example.org")
    landed = client.sign_in("officer@example.org", PASSWORD)
    sent = client.get(landed.location)
    assert sent.location == "/account/two-step?next=/staff/"
    assert client.get("/staff/boroughs/camden?tab=groups").location == \
        "/account/two-step?next=/staff/boroughs/camden?tab%3Dgroups"
    # A questionnaire's preview is staff work too, though not under /staff.
    assert client.get("/have-your-say/preview/1").location == \
        "/account/two-step?next=/have-your-say/preview/1"
    page = client.get(sent.location)
    assert page.status_code == 200
    assert "You need two-step verification to use the staff pages" in page_text(page)
    assert client.get("/account").status_code == 200  # their own account is not staff work
    secret = SECRET.search(page.get_data(as_text=True)).group(1).replace(" ", "")
    done = _give_code(client, pyotp.TOTP(secret).now(), sent.location)
    assert 'href="/staff/"' in done.get_data(as_text=True)  # continue to where they were going
    assert client.get("/staff/").status_code == 200
    # Not allowed to turn it off while it is required.
    turned = client.submit("/account/two-step/turn-off",
                           {"current_password": PASSWORD}, form_page="/account/two-step")
    assert turned.location == "/account/two-step"
    assert "Staff accounts must have two-step verification" in page_text(
        client.get("/account/two-step"))
    with app.app_context():
        assert db.session.scalar(select(User.two_step_enabled_at).where(
            User.email == "officer@example.org")) is not None

    admin = Browser(app)
    admin.sign_in("admin@example.org", PASSWORD)
    assert admin.get("/admin/staff").location == "/account/two-step?next=/admin/staff"
    _with_two_step(app, "admin@example.org")
    with app.app_context():
        create_officer("lambeth", email="later@example.org")
    # The staff list says who has it (the officer, just now, and the administrator) and who
    # has not yet, and that it is required.
    staff = page_text(admin.get("/admin/staff"))
    assert "Staff must set up two-step verification before they can open any staff page" in staff
    assert staff.count("On since") == 2 and staff.count("Not set up") == 1

    other_client.sign_in("member@example.org", PASSWORD)
    assert other_client.get("/account").status_code == 200
    assert other_client.get("/staff/").status_code == 403  # not staff: not sent to set up
    assert "You need two-step" not in page_text(other_client.get("/account/two-step"))


def test_when_not_required_staff_reach_staff_pages_with_a_password_alone(client, app):
    with app.app_context():
        create_officer("camden", email="officer@example.org")
    client.sign_in("officer@example.org", PASSWORD)
    assert client.get("/staff/").status_code == 200


# Losing the phone ----------------------------------------------------------------------------

def test_turning_it_off_needs_the_password(client, mailbox, run_tasks, app):
    with app.app_context():
        create_officer("camden", email="ada@example.org")
    secret, _ = _with_two_step(app, "ada@example.org")
    _sign_in_with_code(client, "ada@example.org", pyotp.TOTP(secret).now())
    assert "Turn off two-step verification" in page_text(client.get("/account/two-step"))
    wrong = client.submit("/account/two-step/turn-off", {"current_password": "not my password"})
    assert "Your password is not correct" in page_text(wrong)
    with app.app_context():
        assert db.session.scalar(select(User.two_step_enabled_at)) is not None
    off = client.submit("/account/two-step/turn-off", {"current_password": PASSWORD})
    assert off.location == "/account"
    assert "Two-step verification Off" in page_text(client.get("/account"))
    with app.app_context():
        user = db.session.scalar(select(User))
        assert (user.two_step_secret, user.two_step_enabled_at) == (None, None)
        assert db.session.scalar(select(RecoveryCode.id)) is None
    run_tasks()
    [message] = mailbox.to("ada@example.org")
    assert message["Subject"] == "Two-step verification is off for your engage account"
    assert len(_events(app, "account.two_step_off")) == 1
    client.sign_out()
    assert client.sign_in("ada@example.org", PASSWORD).location == "/staff/"


def test_new_recovery_codes_replace_the_old_ones(client, app):
    with app.app_context():
        create_user(email="ada@example.org")
    secret, old = _with_two_step(app, "ada@example.org")
    _sign_in_with_code(client, "ada@example.org", pyotp.TOTP(secret).now())
    refused = client.submit("/account/two-step/recovery-codes", {"current_password": "wrong"})
    assert "Your password is not correct" in page_text(refused)
    made = client.submit("/account/two-step/recovery-codes", {"current_password": PASSWORD})
    new = RECOVERY.findall(made.get_data(as_text=True))
    assert len(new) == 10 and not set(new) & set(old)
    client.sign_out()
    client.sign_in("ada@example.org", PASSWORD)
    assert "not correct, or has been used" in page_text(_give_code(client, old[0]))
    assert _give_code(client, new[0]).status_code == 302


def test_an_administrator_resets_someones_two_step(client, mailbox, run_tasks, app):
    app.config["ENGAGE_STAFF_TWO_STEP"] = True
    with app.app_context():
        officer_id = create_officer("camden", email="officer@example.org",
                                    name="Olu Officer").id
        create_admin(email="admin@example.org")
    officer_secret, _ = _with_two_step(app, "officer@example.org")
    admin_secret, _ = _with_two_step(app, "admin@example.org")
    admin = Browser(app)
    _sign_in_with_code(admin, "admin@example.org", pyotp.TOTP(admin_secret).now())
    assert "Reset two-step verification" in page_text(admin.get(f"/admin/staff/{officer_id}"))
    check = admin.get(f"/admin/staff/{officer_id}/two-step")
    assert check.status_code == 200
    assert "Reset Olu Officer's two-step verification" in page_text(check)
    assert "they must set up two-step verification again" in page_text(check)
    done = admin.submit(f"/admin/staff/{officer_id}/two-step")
    assert done.location == f"/admin/staff/{officer_id}"
    assert "Olu Officer's two-step verification is reset" in page_text(
        admin.get(done.location))
    [event] = _events(app, "staff.two_step_reset")
    assert event.target == f"user:{officer_id}"
    assert "Reset someone's two-step verification" in page_text(admin.get("/admin/audit"))
    run_tasks()
    [message] = mailbox.to("officer@example.org")
    assert message["Subject"] == "Your engage two-step verification has been reset"
    assert "set it up again" in body(message)
    # Once reset, nothing more to reset: the button sent again changes nothing.
    again = admin.submit(f"/admin/staff/{officer_id}/two-step",
                         form_page=f"/admin/staff/{officer_id}")
    assert again.location == f"/admin/staff/{officer_id}"
    assert len(_events(app, "staff.two_step_reset")) == 1

    # The officer signs in with the password alone, then must set it up again.
    landed = client.sign_in("officer@example.org", PASSWORD)
    assert landed.location == "/staff/"
    assert client.get("/staff/").location == "/account/two-step?next=/staff/"
    new_secret = SECRET.search(client.get("/account/two-step").get_data(as_text=True))
    assert new_secret.group(1).replace(" ", "") != officer_secret


def test_an_administrator_cannot_reset_their_own_and_others_cannot_reset_at_all(client, app):
    with app.app_context():
        admin_id = create_admin(email="admin@example.org").id
        create_officer("camden", email="officer@example.org")
    admin_secret, _ = _with_two_step(app, "admin@example.org")
    admin = Browser(app)
    _sign_in_with_code(admin, "admin@example.org", pyotp.TOTP(admin_secret).now())
    own = admin.get(f"/admin/staff/{admin_id}/two-step")
    assert "You cannot reset your own two-step verification" in page_text(own)
    admin.submit(f"/admin/staff/{admin_id}/two-step", form_page=f"/admin/staff/{admin_id}")
    with app.app_context():
        assert db.session.get(User, admin_id).has_two_step
    client.sign_in("officer@example.org", PASSWORD)
    assert client.get(f"/admin/staff/{admin_id}/two-step").status_code == 403


def test_staff_two_step_is_required_by_default_in_production_only(monkeypatch):
    from engage.config import build_config

    monkeypatch.setenv("ENGAGE_SECRET_KEY", "x" * 48)
    monkeypatch.setenv("ENGAGE_CONTACT_EMAIL", "engage@police.example.org")
    monkeypatch.setenv("ENGAGE_RATELIMIT_STORAGE_URL", "redis://127.0.0.1:6379/1")
    monkeypatch.setenv("ENGAGE_DATABASE_URL", "postgresql+psycopg://engage@db/engage")
    monkeypatch.setenv("ENGAGE_BROKER_URL", "redis://127.0.0.1:6379/0")
    monkeypatch.setenv("ENGAGE_BASE_URL", "https://engage.police.example.org")
    monkeypatch.delenv("ENGAGE_STAFF_TWO_STEP", raising=False)
    defaults = {env: build_config({"ENGAGE_ENV": env})["ENGAGE_STAFF_TWO_STEP"]
                for env in ("production", "development", "test")}
    assert defaults == {"production": True, "development": False, "test": False}
    monkeypatch.setenv("ENGAGE_STAFF_TWO_STEP", "off")
    assert build_config({"ENGAGE_ENV": "production"})["ENGAGE_STAFF_TWO_STEP"] is False
    monkeypatch.setenv("ENGAGE_STAFF_TWO_STEP", "on")
    assert build_config({"ENGAGE_ENV": "development"})["ENGAGE_STAFF_TWO_STEP"] is True
