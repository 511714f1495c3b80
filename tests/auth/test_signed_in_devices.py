"""Where an account is signed in: the person sees each device and signs any other out, or all
the others; an administrator signs a staff member out everywhere; staff sign-ins are audited
with how they proved who they are and from what device, members' are not; a sign-in on a device
the account has not been used on is told by email."""

from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import select, update

from engage.audit.models import AuditEvent
from engage.auth.models import KnownDevice, User, UserSession
from engage.clock import utcnow
from engage.extensions import db
from tests.factories import PASSWORD, create_admin, create_officer, create_user
from tests.helpers import Browser, csrf_token, page_text, path_of
from tests.mailbox import body, links

WINDOWS_FIREFOX = ("Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 "
                   "Firefox/133.0")
IPHONE_SAFARI = ("Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 "
                 "(KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1")
MAC_CHROME = ("Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like "
              "Gecko) Chrome/131.0.0.0 Safari/537.36")
SIGN_OUT_ONE = re.compile(r'action="(/account/signed-in/(\d+)/sign-out)"')


def _signed_in(app, email: str, user_agent: str) -> Browser:
    browser = Browser(app, user_agent=user_agent)
    browser.sign_in(email, PASSWORD)
    return browser


def _is_signed_in(browser: Browser) -> bool:
    return browser.get("/account").status_code == 200


def _sign_out_buttons(browser: Browser) -> list[str]:
    return [action for action, _ in SIGN_OUT_ONE.findall(
        browser.get("/account/signed-in").get_data(as_text=True))]


def test_someone_sees_where_they_are_signed_in_and_signs_another_device_out(app):
    with app.app_context():
        create_user(email="ada@example.org")
    laptop = _signed_in(app, "ada@example.org", WINDOWS_FIREFOX)
    phone = _signed_in(app, "ada@example.org", IPHONE_SAFARI)

    assert "Signed in On this device and 1 other See where you are signed in" in page_text(
        laptop.get("/account"))
    page = page_text(laptop.get("/account/signed-in"))
    assert "2 devices signed in" in page
    assert "Firefox on Windows This device" in page
    assert "Safari on an iPhone" in page
    # One button, for the phone: this device signs out with the usual Sign out.
    [phone_button] = _sign_out_buttons(laptop)

    signed_out = laptop.submit(phone_button, form_page="/account/signed-in",
                               follow_redirects=True)
    assert "That device has been signed out." in page_text(signed_out)
    assert not _is_signed_in(phone)
    assert _is_signed_in(laptop)
    assert "1 device signed in" in page_text(laptop.get("/account/signed-in"))
    assert "On this device only" in page_text(laptop.get("/account"))

    # The same button again (a second press, or a page left open): nothing more happens.
    again = laptop.submit(phone_button, form_page="/account/signed-in", follow_redirects=True)
    assert "That device was signed out already." in page_text(again)
    assert _is_signed_in(laptop)


def test_every_other_device_is_signed_out_at_once(app):
    with app.app_context():
        create_user(email="ada@example.org")
    laptop = _signed_in(app, "ada@example.org", WINDOWS_FIREFOX)
    phone = _signed_in(app, "ada@example.org", IPHONE_SAFARI)
    library = _signed_in(app, "ada@example.org", MAC_CHROME)
    assert "Chrome on a Mac" in page_text(laptop.get("/account/signed-in"))

    done = laptop.submit("/account/signed-in/sign-out-others", form_page="/account/signed-in",
                         follow_redirects=True)
    assert "Every other device has been signed out. This one is still signed in." in page_text(
        done)
    assert [_is_signed_in(b) for b in (laptop, phone, library)] == [True, False, False]
    assert "Sign out every other device" not in page_text(laptop.get("/account/signed-in"))

    alone = laptop.submit("/account/signed-in/sign-out-others", form_page="/account/signed-in",
                          follow_redirects=True)
    assert "You were not signed in anywhere else." in page_text(alone)
    assert _is_signed_in(laptop)


def test_nobody_can_sign_out_another_persons_device_or_their_own_by_number(app):
    with app.app_context():
        create_user(email="ada@example.org")
        create_user(email="bob@example.org")
    ada = _signed_in(app, "ada@example.org", WINDOWS_FIREFOX)
    bob = _signed_in(app, "bob@example.org", IPHONE_SAFARI)
    with app.app_context():
        bob_id = db.session.scalar(select(User.id).where(User.email == "bob@example.org"))
        bob_session, ada_session = (db.session.scalar(
            select(UserSession.id).where(UserSession.user_id == user_id))
            for user_id in (bob_id, bob_id - 1))

    refused = ada.submit(f"/account/signed-in/{bob_session}/sign-out",
                         form_page="/account/signed-in", follow_redirects=True)
    assert "That device was signed out already." in page_text(refused)
    assert _is_signed_in(bob)
    # Bob's device is not listed on Ada's page, by name or by number.
    assert "iPhone" not in page_text(ada.get("/account/signed-in"))
    assert _sign_out_buttons(ada) == []

    own = ada.submit(f"/account/signed-in/{ada_session}/sign-out",
                     form_page="/account/signed-in", follow_redirects=True)
    assert "To sign out of this device, use Sign out at the top of the page." in page_text(own)
    assert _is_signed_in(ada)


def test_signing_a_device_out_needs_the_pages_csrf_token(app):
    with app.app_context():
        create_user(email="ada@example.org")
    laptop = _signed_in(app, "ada@example.org", WINDOWS_FIREFOX)
    phone = _signed_in(app, "ada@example.org", IPHONE_SAFARI)
    [phone_button] = _sign_out_buttons(laptop)
    assert laptop.post(phone_button).status_code == 400
    assert laptop.post("/account/signed-in/sign-out-others").status_code == 400
    assert _is_signed_in(phone)


def test_sessions_that_have_timed_out_are_not_listed_and_are_pruned(app):
    with app.app_context():
        create_user(email="ada@example.org")
    laptop = _signed_in(app, "ada@example.org", WINDOWS_FIREFOX)
    _signed_in(app, "ada@example.org", IPHONE_SAFARI)
    _signed_in(app, "ada@example.org", MAC_CHROME)
    with app.app_context():
        idle = timedelta(minutes=app.config["ENGAGE_SESSION_IDLE_MINUTES"])
        lifetime = app.config["PERMANENT_SESSION_LIFETIME"]
        # The phone unused for longer than the idle limit; the Mac used a minute ago, but
        # signed in longer ago than the lifetime allows.
        db.session.execute(update(UserSession).where(UserSession.user_agent == IPHONE_SAFARI)
                           .values(last_seen_at=utcnow() - idle - timedelta(minutes=1)))
        db.session.execute(update(UserSession).where(UserSession.user_agent == MAC_CHROME)
                           .values(created_at=utcnow() - lifetime - timedelta(minutes=1),
                                   last_seen_at=utcnow() - timedelta(minutes=1)))
        db.session.commit()
    page = page_text(laptop.get("/account/signed-in"))
    assert "1 device signed in" in page
    assert "iPhone" not in page and "Mac" not in page
    with app.app_context():
        assert app.extensions["celery"].tasks["engage.periodic.prune_sessions"].apply().get() == 2
        assert db.session.scalars(select(UserSession.user_agent)).all() == [WINDOWS_FIREFOX]


def _audited_sign_ins(app) -> list[tuple[str, dict]]:
    with app.app_context():
        return [(event.actor_label, event.details) for event in db.session.scalars(
            select(AuditEvent).where(AuditEvent.action == "account.signed_in")
            .order_by(AuditEvent.id))]


def test_staff_sign_ins_are_audited_with_how_and_where_and_members_are_not(app):
    with app.app_context():
        create_user(email="ada@example.org", name="Ada Member")
        create_officer("camden", email="olu@example.org", name="Olu Officer")
    _signed_in(app, "ada@example.org", WINDOWS_FIREFOX)
    _signed_in(app, "olu@example.org", IPHONE_SAFARI)
    assert _audited_sign_ins(app) == [
        ("Olu Officer <olu@example.org>",
         {"method": "password", "device": "Safari on an iPhone"})]

    admin = _signed_in(app, create_admin_email(app), MAC_CHROME)
    audit = page_text(admin.get("/admin/audit?action=account.signed_in"))
    assert ("Olu Officer <olu@example.org> Signed in account.signed_in, user:"
            in audit)
    assert "method: password device: Safari on an iPhone" in audit
    assert "Ada Member" not in audit


def create_admin_email(app) -> str:
    with app.app_context():
        return create_admin(email="alex@example.org", name="Alex Admin").email


def test_an_administrator_signs_a_staff_member_out_everywhere(app):
    with app.app_context():
        olu_id = create_officer("camden", email="olu@example.org", name="Olu Officer").id
    laptop = _signed_in(app, "olu@example.org", WINDOWS_FIREFOX)
    phone = _signed_in(app, "olu@example.org", IPHONE_SAFARI)
    admin = _signed_in(app, create_admin_email(app), MAC_CHROME)

    member_page = page_text(admin.get(f"/admin/staff/{olu_id}"))
    assert "Signed in Where Olu Officer is signed in Device Signed in Last used" in member_page
    assert "Firefox on Windows" in member_page and "Safari on an iPhone" in member_page
    check = page_text(admin.get(f"/admin/staff/{olu_id}/sign-out"))
    assert "Sign Olu Officer out everywhere" in check
    assert "their password, two-step verification and roles do not change" in check

    done = admin.submit(f"/admin/staff/{olu_id}/sign-out", follow_redirects=True)
    assert "Olu Officer is signed out of 2 devices." in page_text(done)
    assert not _is_signed_in(laptop) and not _is_signed_in(phone)
    assert _is_signed_in(admin)
    assert "Olu Officer is not signed in anywhere." in page_text(
        admin.get(f"/admin/staff/{olu_id}"))
    with app.app_context():
        event = db.session.scalar(select(AuditEvent).where(
            AuditEvent.action == "staff.signed_out_everywhere"))
        assert (event.actor_label, event.target, event.details) == (
            "Alex Admin <alex@example.org>", f"user:{olu_id}", {"devices": 2})

    # Pressed again from a page left open: nothing to do, and nothing more audited.
    again = admin.post(f"/admin/staff/{olu_id}/sign-out",
                       {"csrf_token": _token(admin, f"/admin/staff/{olu_id}/sign-out")},
                       follow_redirects=True)
    assert "Olu Officer is not signed in anywhere: nothing has changed." in page_text(again)
    with app.app_context():
        assert len(db.session.scalars(select(AuditEvent).where(
            AuditEvent.action == "staff.signed_out_everywhere")).all()) == 1
    # Olu signs in again as usual: their password is unchanged.
    assert _is_signed_in(_signed_in(app, "olu@example.org", WINDOWS_FIREFOX))


def _token(browser: Browser, url: str) -> str:
    """A CSRF token from the page before `url`'s check page (which, with nobody signed in,
    has no form of its own)."""
    return csrf_token(browser.get(url.rsplit("/sign-out", 1)[0]).get_data(as_text=True))


def test_only_administrators_sign_others_out_and_not_themselves(app):
    with app.app_context():
        olu_id = create_officer("camden", email="olu@example.org").id
        create_officer("camden", email="sam@example.org")
    olu = _signed_in(app, "olu@example.org", WINDOWS_FIREFOX)
    sam = _signed_in(app, "sam@example.org", IPHONE_SAFARI)
    assert sam.get(f"/admin/staff/{olu_id}/sign-out").status_code == 403
    assert sam.get(f"/admin/staff/{olu_id}").status_code == 403
    assert _is_signed_in(olu)

    admin = _signed_in(app, create_admin_email(app), MAC_CHROME)
    with app.app_context():
        admin_id = db.session.scalar(select(User.id).where(User.email == "alex@example.org"))
    own = page_text(admin.get(f"/admin/staff/{admin_id}/sign-out"))
    assert "You cannot sign yourself out everywhere from here." in own
    done = admin.submit(f"/admin/staff/{admin_id}/sign-out", follow_redirects=True)
    assert "You cannot sign yourself out everywhere from here" in page_text(done)
    assert _is_signed_in(admin)


def test_a_sign_in_on_a_device_the_account_has_not_been_used_on_is_told_by_email(
        app, mailbox, run_tasks):
    with app.app_context():
        create_user(email="ada@example.org", name="Ada Lovelace")
    # An account's first device: nothing to warn about.
    laptop = _signed_in(app, "ada@example.org", WINDOWS_FIREFOX)
    run_tasks()
    assert mailbox.to("ada@example.org") == []

    _signed_in(app, "ada@example.org", IPHONE_SAFARI)
    run_tasks()
    [message] = mailbox.to("ada@example.org")
    assert message["Subject"] == "New sign-in to your engage account"
    text = body(message)
    assert "Hello Ada Lovelace," in text
    assert "on a device it has not been used on before:" in text
    assert re.search(r"Safari on an iPhone, \d{1,2} \w+ \d{4} at "
                     r"(\d{1,2}(:\d\d)?[ap]m|midday|midnight)", text)
    assert [path_of(link) for link in links(message)] == ["/forgotten-password",
                                                           "/account/signed-in"]

    # Devices it knows, and a newer version of a browser it knows, send nothing more.
    _signed_in(app, "ada@example.org", IPHONE_SAFARI)
    _signed_in(app, "ada@example.org", WINDOWS_FIREFOX.replace("133.0", "134.0"))
    laptop.sign_out()
    _signed_in(app, "ada@example.org", WINDOWS_FIREFOX)
    run_tasks()
    assert len(mailbox.to("ada@example.org")) == 1
    with app.app_context():
        assert sorted(db.session.scalars(select(KnownDevice.device))) == [
            "Firefox on Windows", "Safari on an iPhone"]


def test_devices_unused_for_a_year_are_forgotten_and_in_the_personal_data_download(
        app, mailbox, run_tasks):
    with app.app_context():
        create_user(email="ada@example.org")
    laptop = _signed_in(app, "ada@example.org", WINDOWS_FIREFOX)
    _signed_in(app, "ada@example.org", IPHONE_SAFARI)
    data = laptop.get("/account/your-data/download").get_json()
    assert [d["device"] for d in data["devices_signed_in_on"]] == [
        "Firefox on Windows", "Safari on an iPhone"]

    with app.app_context():
        db.session.execute(update(KnownDevice).where(KnownDevice.device == "Safari on an iPhone")
                           .values(last_seen_at=utcnow() - timedelta(days=367)))
        db.session.commit()
        app.extensions["celery"].tasks["engage.periodic.prune_sessions"].apply().get()
        assert db.session.scalars(select(KnownDevice.device)).all() == ["Firefox on Windows"]
    run_tasks()
    mailbox.clear()
    # Forgotten, so new again: its next sign-in is told.
    _signed_in(app, "ada@example.org", IPHONE_SAFARI)
    run_tasks()
    assert [m["Subject"] for m in mailbox.to("ada@example.org")] == [
        "New sign-in to your engage account"]
