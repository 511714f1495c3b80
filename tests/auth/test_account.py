"""Forgotten passwords, changing email or password, deleting the account."""

from __future__ import annotations

from sqlalchemy import select

from engage.auth.models import User, UserSession
from engage.extensions import db
from tests.factories import PASSWORD, create_user
from tests.helpers import Browser, form_keys, inserts, page_text
from tests.mailbox import body, links

NEW_PASSWORD = "a completely different passphrase"


def _link(message, fragment: str) -> str:
    return next(link for link in links(message) if fragment in link)


def test_reset_a_forgotten_password_by_email(client, mailbox, run_tasks, app):
    with app.app_context():
        create_user(email="ada@example.org")
    response = client.submit("/forgotten-password", {"email": "ada@example.org"})
    assert "If ada@example.org has an engage account" in page_text(response)
    run_tasks()
    [message] = mailbox.to("ada@example.org")
    reset = _link(message, "/reset-password/")

    done = client.submit(reset, {"password": NEW_PASSWORD})
    assert done.status_code == 302
    run_tasks()
    assert mailbox.to("ada@example.org")[-1]["Subject"] == "Your engage password has changed"

    # The link works once; the old password no longer does, the new one does.
    assert client.get(reset).status_code == 400
    failed = client.submit("/sign-in", {"email": "ada@example.org", "password": PASSWORD})
    assert failed.status_code == 200
    client.sign_in("ada@example.org", NEW_PASSWORD)


def test_reset_for_an_unknown_address_says_the_same_and_sends_nothing(client, mailbox,
                                                                      run_tasks):
    response = client.submit("/forgotten-password", {"email": "nobody@example.org"})
    assert "If nobody@example.org has an engage account" in page_text(response)
    assert run_tasks() == []
    assert mailbox.messages == []


def test_a_password_reset_signs_out_every_session(client, other_client, mailbox, run_tasks,
                                                  app):
    with app.app_context():
        create_user(email="ada@example.org")
    other_client.sign_in("ada@example.org", PASSWORD)
    client.submit("/forgotten-password", {"email": "ada@example.org"})
    run_tasks()
    client.submit(_link(mailbox.to("ada@example.org")[0], "/reset-password/"),
                  {"password": NEW_PASSWORD})
    assert other_client.get("/account").status_code == 302


def test_change_password_needs_the_current_one_and_signs_out_other_devices(
        client, other_client, app):
    with app.app_context():
        create_user(email="ada@example.org")
    client.sign_in("ada@example.org", PASSWORD)
    other_client.sign_in("ada@example.org", PASSWORD)

    wrong = client.submit("/account/password", {"current_password": "not my password",
                                                "password": NEW_PASSWORD})
    assert "Your current password is not correct" in page_text(wrong)
    # A new password that is common or guessable is refused like a short one.
    common = client.submit("/account/password", {"current_password": PASSWORD,
                                                 "password": "iloveyou2024"})
    assert "This is similar to a commonly used password. Choose one that is harder to guess" \
        in page_text(common)
    assert other_client.get("/account").status_code == 200  # nothing changed

    done = client.submit("/account/password", {"current_password": PASSWORD,
                                               "password": NEW_PASSWORD})
    assert done.status_code == 302
    assert client.get("/account").status_code == 200  # this device stays signed in
    assert other_client.get("/account").status_code == 302  # the other is signed out
    Browser(app, address="192.0.2.1").sign_in("ada@example.org", NEW_PASSWORD)


def test_change_email_takes_effect_when_the_new_address_confirms(client, other_client, mailbox,
                                                                 run_tasks, app):
    with app.app_context():
        create_user(email="ada@example.org")
    client.sign_in("ada@example.org", PASSWORD)
    other_client.sign_in("ada@example.org", PASSWORD)
    response = client.submit("/account/email", {"email": "ada@new.example.org",
                                                "current_password": PASSWORD},
                             follow_redirects=True)
    assert "Check your email" in page_text(response)
    assert "Follow the link in it to change your email address" in page_text(response)
    run_tasks()
    [message] = mailbox.to("ada@new.example.org")
    assert message["Subject"] == "Confirm your new email address for engage"
    with app.app_context():
        assert db.session.scalar(select(User.email)) == "ada@example.org"  # not yet

    assert other_client.get("/account").status_code == 200  # nothing changed yet
    client.submit(_link(message, "/confirm-email/"), {})
    run_tasks()
    with app.app_context():
        assert db.session.scalar(select(User.email)) == "ada@new.example.org"
    assert client.get("/account").status_code == 200  # this device stays signed in
    assert other_client.get("/account").status_code == 302  # the other is signed out
    [notice] = mailbox.to("ada@example.org")
    assert "ada@new.example.org" in body(notice)
    # Camden, Ada's home borough, has no contact details: the service's stand in.
    assert ("If you did not make this change, contact the engage team straight away: email "
            f"{app.config['ENGAGE_CONTACT_EMAIL']} or call {app.config['ENGAGE_CONTACT_PHONE']}."
            ) in " ".join(body(notice).split())


def test_change_email_to_a_taken_address_reveals_nothing_and_changes_nothing(
        client, mailbox, run_tasks, app):
    with app.app_context():
        create_user(email="ada@example.org")
        create_user(email="grace@example.org")
    client.sign_in("ada@example.org", PASSWORD)
    response = client.submit("/account/email", {"email": "grace@example.org",
                                                "current_password": PASSWORD},
                             follow_redirects=True)
    assert "Check your email" in page_text(response)
    run_tasks()
    assert mailbox.to("grace@example.org") == []


def test_change_email_sent_twice_sends_one_email(client, mailbox, run_tasks, app):
    with app.app_context():
        create_user(email="ada@example.org")
    client.sign_in("ada@example.org", PASSWORD)
    data = {**form_keys(client.get("/account/email").get_data(as_text=True)),
            "email": "ada@new.example.org", "current_password": PASSWORD}
    first = client.post("/account/email", data)
    with inserts(app) as inserted:
        second = client.post("/account/email", data)
    assert inserted == []  # no second email in the outbox
    assert first.status_code == second.status_code == 302
    assert second.location == first.location == "/register/check-your-email?changing=yes"
    page = page_text(client.get(second.location))
    assert "We have sent an email to ada@new.example.org" in page
    assert "Follow the link in it to change your email address" in page
    run_tasks()
    assert len(mailbox.to("ada@new.example.org")) == 1


def test_delete_account(client, other_client, mailbox, run_tasks, app):
    with app.app_context():
        create_user(email="ada@example.org")
    client.sign_in("ada@example.org", PASSWORD)
    other_client.sign_in("ada@example.org", PASSWORD)

    unconfirmed = client.submit("/account/delete", {"current_password": PASSWORD})
    assert "Confirm that you want to delete your account" in page_text(unconfirmed)

    response = client.submit("/account/delete", {"current_password": PASSWORD, "confirm": "y"})
    assert response.status_code == 302
    run_tasks()
    assert mailbox.to("ada@example.org")[0]["Subject"] == "Your engage account has been deleted"
    with app.app_context():
        assert db.session.scalars(select(User)).all() == []
        assert db.session.scalars(select(UserSession)).all() == []
    assert other_client.get("/account").status_code == 302
    failed = client.submit("/sign-in", {"email": "ada@example.org", "password": PASSWORD})
    assert failed.status_code == 200


def test_an_email_change_link_stops_working_once_the_password_is_reset(
        client, other_client, mailbox, run_tasks, app):
    """Someone who knew the password asks to move the account to their own address; the owner
    resets the password before they follow the link. The link must die with the old password,
    or it hands them the account a day later."""
    with app.app_context():
        create_user(email="ada@example.org")
    other_client.sign_in("ada@example.org", PASSWORD)
    other_client.submit("/account/email", {"email": "intruder@example.net",
                                           "current_password": PASSWORD})
    run_tasks()
    stolen = _link(mailbox.to("intruder@example.net")[0], "/confirm-email/")

    client.submit("/forgotten-password", {"email": "ada@example.org"})
    run_tasks()
    client.submit(_link(mailbox.to("ada@example.org")[-1], "/reset-password/"),
                  {"password": NEW_PASSWORD})

    response = Browser(app, address="203.0.113.5").submit(stolen, {})
    assert response.status_code == 400
    assert "This link does not work" in page_text(response)
    with app.app_context():
        assert db.session.scalar(select(User.email)) == "ada@example.org"


def test_an_earlier_email_change_link_stops_working_after_another_change(
        client, mailbox, run_tasks, app):
    with app.app_context():
        create_user(email="ada@example.org")
    client.sign_in("ada@example.org", PASSWORD)
    for address in ("ada@first.example.org", "ada@second.example.org"):
        client.submit("/account/email", {"email": address, "current_password": PASSWORD})
    run_tasks()
    first = _link(mailbox.to("ada@first.example.org")[0], "/confirm-email/")
    second = _link(mailbox.to("ada@second.example.org")[0], "/confirm-email/")
    assert client.submit(second, {}).status_code == 302

    assert client.submit(first, {}).status_code == 400
    with app.app_context():
        assert db.session.scalar(select(User.email)) == "ada@second.example.org"


def test_a_reset_link_sent_to_an_old_address_stops_working_after_an_email_change(
        client, mailbox, run_tasks, app):
    with app.app_context():
        create_user(email="ada@example.org")
    Browser(app, address="203.0.113.6").submit("/forgotten-password",
                                               {"email": "ada@example.org"})
    client.sign_in("ada@example.org", PASSWORD)
    client.submit("/account/email", {"email": "ada@new.example.org",
                                     "current_password": PASSWORD})
    run_tasks()
    reset = _link(mailbox.to("ada@example.org")[0], "/reset-password/")
    client.submit(_link(mailbox.to("ada@new.example.org")[0], "/confirm-email/"), {})

    assert Browser(app, address="203.0.113.7").get(reset).status_code == 400


def test_guessing_the_password_on_the_account_pages_is_limited_like_signing_in(client, app):
    """A session left open on a shared computer must not let someone guess the password (which
    would let them change the address and keep the account): wrong passwords there count
    against the account's sign-in allowance."""
    with app.app_context():
        create_user(email="ada@example.org")
    client.sign_in("ada@example.org", PASSWORD)
    pages = ["/account/password", "/account/email", "/account/delete"]
    for n in range(5):
        wrong = client.submit(pages[n % 3], {"current_password": f"guess {n}",
                                             "password": NEW_PASSWORD,
                                             "email": "someone@example.net"})
        assert wrong.status_code == 200
    blocked = client.submit("/account/password", {"current_password": PASSWORD,
                                                   "password": NEW_PASSWORD})
    assert blocked.status_code == 429
    assert "Too many attempts" in page_text(blocked)
    client.sign_out()
    client.sign_in("ada@example.org", PASSWORD)  # the password is still the old one


def _password_inputs(html: str) -> dict[str, list[str]]:
    """{input name: every autocomplete value on it}, for each password input on the page."""
    import re

    found = {}
    for tag in re.findall(r"<input[^>]*type=\"password\"[^>]*>", html):
        name = re.search(r'name="([^"]+)"', tag).group(1)
        found[name] = re.findall(r'autocomplete="([^"]*)"', tag)
    return found


def test_password_inputs_say_which_password_they_want(client, app):
    """One autocomplete on each: a new password's says so (WCAG 1.3.5: its purpose, and a
    password manager offers to make one); GOV.UK's macro would otherwise put its own
    "current-password" first, which browsers follow."""
    assert _password_inputs(client.get("/register").get_data(as_text=True)) == {
        "password": ["new-password"]}
    assert _password_inputs(client.get("/sign-in").get_data(as_text=True)) == {
        "password": ["current-password"]}
    with app.app_context():
        create_user(email="ada@example.org")
    client.sign_in("ada@example.org", PASSWORD)
    assert _password_inputs(client.get("/account/password").get_data(as_text=True)) == {
        "current_password": ["current-password"], "password": ["new-password"]}


def test_someone_who_moves_changes_their_home_borough(client, app):
    with app.app_context():
        create_user(email="ada@example.org", home="camden")
    client.sign_in("ada@example.org", PASSWORD)
    account = client.get("/account")
    assert 'href="/account/home-borough"' in account.get_data(as_text=True)
    page = client.get("/account/home-borough")
    assert 'value="camden" selected' in page.get_data(as_text=True)
    refused = client.submit("/account/home-borough", {"home_borough": "atlantis"})
    assert refused.status_code == 200
    assert "Select one of the options shown" in page_text(refused)
    done = client.submit("/account/home-borough", {"home_borough": "lambeth"},
                         follow_redirects=True)
    assert "Your home borough is now Lambeth." in page_text(done)
    assert "Home borough Lambeth" in page_text(client.get("/account"))
    gone = client.submit("/account/home-borough", {"home_borough": "not-in-london"},
                         follow_redirects=True)
    assert "you do not live in a London borough" in page_text(gone)
    with app.app_context():
        assert db.session.scalar(select(User).where(User.email == "ada@example.org")
                                 ).home_borough is None
    assert Browser(app).get("/account/home-borough").status_code == 302  # signed out


def test_the_delete_page_says_what_goes_with_the_account_and_what_does_not(client, app):
    """Someone deleting their account should know before they press the button that their
    groups and meeting places go with it, and that emails they asked for without an account
    (news of meetings, a meeting they registered for) stop only through those emails' links."""
    with app.app_context():
        create_user(email="ada@example.org")
    client.sign_in("ada@example.org", PASSWORD)
    text = page_text(client.get("/account/delete"))
    assert ("You leave every group you belong to or asked to join, and come off the lists made "
            "from a group's members to invite them to answer a consultation") in text
    assert "a place you have at a meeting goes to the next person on its waiting list" in text
    assert "Your equality monitoring answers are deleted" in text
    assert ("Emails you asked for without an account, such as news of meetings in a borough, "
            "keep coming until you use the link to stop them in one of those emails") in text


def test_a_name_typed_wrongly_can_be_put_right(client, app):
    """UK GDPR article 16: the account page offers to change the name, as it does the address
    and the home borough; a blank name is refused; the new name is the one kept."""
    with app.app_context():
        create_user(email="ada@example.org", name="Ada Lovelcae")
    client.sign_in("ada@example.org", PASSWORD)
    assert 'href="/account/name"' in client.get("/account").get_data(as_text=True)
    assert 'value="Ada Lovelcae"' in client.get("/account/name").get_data(as_text=True)
    blank = client.submit("/account/name", {"name": "   "})
    assert blank.status_code == 200 and "Enter your full name" in page_text(blank)
    saved = client.submit("/account/name", {"name": "Ada Lovelace"}, follow_redirects=True)
    assert "Your name is now Ada Lovelace." in page_text(saved)
    with app.app_context():
        assert db.session.scalar(select(User.name)) == "Ada Lovelace"


def test_asking_to_change_to_an_address_is_limited_per_address(app, mailbox, run_tasks):
    """Anyone can make an account, and the form sends a link to whatever address is typed:
    without a limit, it would mail someone else's inbox without end (one email a press, in the
    service's name, with the account's name in it). Three an hour reach an address, whoever
    asks for them and from wherever; the fourth is turned away and sends nothing."""
    with app.app_context():
        for n in range(4):
            create_user(email=f"asker{n}@example.org")
    for n in range(3):
        asker = Browser(app, address=f"203.0.113.{n + 1}")
        asker.sign_in(f"asker{n}@example.org", PASSWORD)
        sent = asker.submit("/account/email", {"email": "victim@example.net",
                                               "current_password": PASSWORD})
        assert sent.status_code == 302
    asker = Browser(app, address="198.51.100.7")
    asker.sign_in("asker3@example.org", PASSWORD)
    blocked = asker.submit("/account/email", {"email": "victim@example.net",
                                              "current_password": PASSWORD})
    assert blocked.status_code == 429
    # Another address still goes through from there.
    assert asker.submit("/account/email", {"email": "mine@example.net",
                                           "current_password": PASSWORD}).status_code == 302
    run_tasks()
    assert len(mailbox.to("victim@example.net")) == 3


def test_asking_to_change_address_is_limited_per_account(client, mailbox, run_tasks, app):
    """One account cannot spray links over many addresses either: ten an hour."""
    with app.app_context():
        create_user(email="ada@example.org")
    client.sign_in("ada@example.org", PASSWORD)
    for n in range(10):
        sent = client.submit("/account/email", {"email": f"someone{n}@example.net",
                                                "current_password": PASSWORD})
        assert sent.status_code == 302
    blocked = Browser(app, address="198.51.100.9")
    blocked.sign_in("ada@example.org", PASSWORD)
    refused = blocked.submit("/account/email", {"email": "someone10@example.net",
                                                "current_password": PASSWORD})
    assert refused.status_code == 429
    run_tasks()
    assert mailbox.to("someone10@example.net") == []
