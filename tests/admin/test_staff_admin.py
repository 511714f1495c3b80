"""Administrators: inviting staff, granting and removing roles, the audit log and its CSV."""

from __future__ import annotations

import csv
import io
import json
from datetime import timedelta

import pytest
from sqlalchemy import select

from engage.admin import views as admin_views
from engage.audit.models import AuditEvent
from engage.auth.models import StaffInvitation, StaffRole, StaffRoleName, User
from engage.clock import utcnow
from engage.exports import spreadsheet_safe
from engage.extensions import db
from engage.outbox.models import OutboxMessage, OutboxStatus
from tests.factories import PASSWORD, create_admin, create_officer, create_user
from tests.helpers import (
    Browser,
    autocomplete_of,
    csrf_token,
    form_keys,
    inserts,
    page_text,
    title,
)
from tests.mailbox import links

NEW_PASSWORD = "a brand new staff password"


def _admin(app, client, **overrides):
    with app.app_context():
        admin = create_admin(name=overrides.pop("name", "Ada Admin"), **overrides)
        admin_id, email = admin.id, admin.email
    client.sign_in(email, PASSWORD)
    return admin_id


def _invite(client, **fields):
    data = {"name": "Grace Hopper", "email": "Grace@Example.org", "role": "officer",
            "boroughs": ["camden", "lambeth"]}
    data.update(fields)
    return client.submit("/admin/staff/invite", data)


def _invitation_link(mailbox, run_tasks, address="grace@example.org"):
    run_tasks()
    [message] = mailbox.to(address)
    [link] = [x for x in links(message) if "/invitations/" in x]
    return message, link


def _roles(app, email):
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == email))
        if user is None:
            return None
        return user.is_admin, {(g.role.value, g.borough.slug) for g in user.staff_roles}


def _events(app, action=None):
    with app.app_context():
        query = select(AuditEvent).order_by(AuditEvent.id)
        if action:
            query = query.where(AuditEvent.action == action)
        return [(e.action, e.actor_id, e.borough.slug if e.borough else None, e.target,
                 e.details) for e in db.session.scalars(query)]


# Who may open the administration pages --------------------------------------------------------

def _admin_urls(app):
    """Every administration URL, with real ids so a refusal is not a 404 in disguise."""
    with app.app_context():
        admin = create_admin()
        other = create_officer("lambeth")
        grant_id = other.staff_roles[0].id
        invitation = StaffInvitation(email="x@example.org", name="X", token_hash="0" * 64,
                                     grants=[], expires_at=utcnow() + timedelta(days=1),
                                     invited_by=admin)
        message = OutboxMessage(recipient="y@example.org", template="account_deleted",
                                context={"name": "Y"}, status=OutboxStatus.FAILED,
                                due_at=utcnow(), attempts=6)
        db.session.add_all([invitation, message])
        db.session.commit()
        gets = ["/admin/staff", "/admin/staff/invite", f"/admin/staff/{other.id}", "/admin/audit",
                "/admin/audit.csv", "/admin/outbox", "/admin/outbox?status=failed"]
        posts = [
            ("/admin/staff/invite", {"name": "Z", "email": "z@example.org", "role": "officer",
                                     "boroughs": ["camden"]}),
            (f"/admin/staff/invitations/{invitation.id}/revoke", {}),
            (f"/admin/staff/{other.id}", {"role": "officer", "borough": "camden"}),
            (f"/admin/staff/{other.id}/roles/{grant_id}/remove", {}),
            (f"/admin/staff/{other.id}/administrator", {}),
            (f"/admin/outbox/{message.id}/retry", {}),
        ]
        return other.id, gets, posts


def _snapshot(app):
    with app.app_context():
        return (
            db.session.scalar(select(db.func.count(StaffRole.id))),
            db.session.scalar(select(db.func.count(StaffInvitation.id))),
            db.session.scalars(select(StaffInvitation.revoked_at)).all(),
            db.session.scalars(select(User.is_admin).order_by(User.id)).all(),
            db.session.scalars(select(OutboxMessage.status)).all(),
            db.session.scalar(select(db.func.count(AuditEvent.id))),
        )


@pytest.mark.parametrize("roles", [{"officer": "camden"},
                                   {"officer": "camden", "analyst": ["lambeth", "hackney"]},
                                   {"clerk": "camden"}])
def test_staff_who_are_not_administrators_are_refused_every_admin_page(client, app, roles):
    _, gets, posts = _admin_urls(app)
    with app.app_context():
        email = create_user(roles=roles).email
    client.sign_in(email, PASSWORD)
    before = _snapshot(app)
    for url in gets:
        response = client.get(url)
        assert response.status_code == 403, url
        assert "You do not have access to this page" in page_text(response), url
    for url, data in posts:
        # A valid CSRF token (the staff dashboard has one), so only the role check refuses.
        response = client.submit(url, data, form_page="/staff/")
        assert response.status_code == 403, url
    assert _snapshot(app) == before
    assert "Administration" not in page_text(client.get("/staff/"))


def test_anonymous_people_are_sent_to_sign_in_from_admin_pages(client, app):
    _, gets, _ = _admin_urls(app)
    for url in gets:
        response = client.get(url)
        assert response.status_code == 302, url
        assert response.location.startswith("/sign-in"), url


def test_a_member_without_roles_is_refused_admin_pages(client, app):
    _, gets, _ = _admin_urls(app)
    with app.app_context():
        email = create_user().email
    client.sign_in(email, PASSWORD)
    for url in gets:
        assert client.get(url).status_code == 403, url


# Inviting ----------------------------------------------------------------------------------

def test_the_invitation_email_says_how_long_the_link_lasts_as_set(client, app, mailbox,
                                                                  run_tasks, monkeypatch):
    """ENGAGE_INVITATION_DAYS is what the email says, in good English for one day."""
    monkeypatch.setitem(app.config, "ENGAGE_INVITATION_DAYS", 1)
    _admin(app, client)
    assert _invite(client).status_code == 302
    message, _ = _invitation_link(mailbox, run_tasks)
    assert "To accept, open this link within 1 day:" in message.get_body(("plain",)).get_content()


def test_an_invited_person_creates_an_account_and_holds_both_roles(client, other_client, app,
                                                                   mailbox, run_tasks):
    admin_id = _admin(app, client)
    form = client.get("/admin/staff/invite")
    assert form.status_code == 200
    assert title(form).startswith("Invite someone to work on engage")

    response = _invite(client)
    assert response.status_code == 302
    assert response.location == "/admin/staff"
    listing = page_text(client.get("/admin/staff"))
    assert "An invitation has been sent to grace@example.org." in listing
    assert "Invitations not yet accepted" in listing and "grace@example.org" in listing

    # Nothing leaves before the worker runs; then one email with the link.
    assert mailbox.to("grace@example.org") == []
    message, link = _invitation_link(mailbox, run_tasks)
    assert message["Subject"] == "You have been invited to work on engage"
    text = message.get_body(("plain",)).get_content()
    assert "Ada Admin has invited you" in text
    assert "Borough engagement officer, Camden" in text
    assert "Borough engagement officer, Lambeth" in text
    assert link.startswith("http://localhost/invitations/")
    invited = {(slug, target) for _a, actor, slug, target, _d in _events(app, "staff.invited")
               if actor == admin_id}
    assert {slug for slug, _ in invited} == {"camden", "lambeth"}

    # The invited person, in their own browser.
    page = other_client.get(link)
    assert page.status_code == 200
    text = page_text(page)
    assert "Ada Admin has invited grace@example.org" in text
    assert "Borough engagement officer, Camden" in text
    html = page.get_data(as_text=True)
    assert 'value="Grace Hopper"' in html  # the name the administrator typed
    assert 'value="not-in-london"' in html and 'value="camden"' in html
    assert _roles(app, "grace@example.org") is None

    created = other_client.submit(link, {"name": "Grace B. Hopper", "password": NEW_PASSWORD,
                                         "home_borough": "not-in-london"})
    assert created.status_code == 302
    assert created.location == "/staff/"
    dashboard = other_client.get("/staff/")
    assert dashboard.status_code == 200
    text = page_text(dashboard)
    assert "Your account is ready." in text
    assert "Borough engagement officer, Camden" in text
    assert "Borough engagement officer, Lambeth" in text
    assert other_client.get("/staff/boroughs/camden").status_code == 200
    assert other_client.get("/staff/boroughs/lambeth").status_code == 200
    assert other_client.get("/staff/boroughs/hackney").status_code == 403
    assert other_client.get("/admin/staff").status_code == 403

    assert _roles(app, "grace@example.org") == (False, {("officer", "camden"),
                                                        ("officer", "lambeth")})
    with app.app_context():
        grace = db.session.scalar(select(User).where(User.email == "grace@example.org"))
        assert grace.name == "Grace B. Hopper"
        assert grace.home_borough is None
        assert grace.is_confirmed
        assert grace.password_hash.startswith("$argon2id$")
        assert {g.granted_by_id for g in grace.staff_roles} == {admin_id}
        grace_id = grace.id
        invitation = db.session.scalar(select(StaffInvitation))
        assert invitation.accepted_at is not None
    [accepted] = _events(app, "staff.invitation_accepted")
    assert accepted[1] == grace_id and accepted[3] == f"user:{grace_id}"

    # The link has done its job: it no longer works, for anyone.
    for browser in (other_client, client):
        again = browser.get(link)
        assert again.status_code == 400
        assert "This link does not work" in page_text(again)
    # The same password signs in later, to the same roles.
    third = type(client)(app)
    third.sign_in("grace@example.org", NEW_PASSWORD)
    assert third.get("/staff/boroughs/lambeth").status_code == 200
    # The invitation is no longer listed as open; the person is listed as staff.
    listing = page_text(client.get("/admin/staff"))
    assert "There are no open invitations." in listing
    assert "Grace B. Hopper" in listing


def test_the_home_borough_is_a_borough_slug(other_client, client, app, mailbox, run_tasks):
    _admin(app, client)
    _invite(client, role="analyst", boroughs=["hackney"])
    _, link = _invitation_link(mailbox, run_tasks)
    bad = other_client.submit(link, {"name": "Grace", "password": NEW_PASSWORD,
                                     "home_borough": ""})
    assert bad.status_code == 200
    assert "Select your borough" in page_text(bad)
    short = other_client.submit(link, {"name": "Grace", "password": "short",
                                       "home_borough": "camden"})
    assert "Password must be 12 characters or more" in page_text(short)
    assert _roles(app, "grace@example.org") is None

    ok = other_client.submit(link, {"name": "Grace", "password": NEW_PASSWORD,
                                    "home_borough": "camden"})
    assert ok.status_code == 302
    with app.app_context():
        grace = db.session.scalar(select(User).where(User.email == "grace@example.org"))
        assert grace.home_borough.slug == "camden"
    assert _roles(app, "grace@example.org") == (False, {("analyst", "hackney")})


def test_an_administrator_invitation_makes_an_administrator(client, other_client, app, mailbox,
                                                            run_tasks):
    _admin(app, client)
    response = _invite(client, role="administrator", boroughs=[])
    assert response.status_code == 302
    message, link = _invitation_link(mailbox, run_tasks)
    assert "Administrator (all boroughs)" in message.get_body(("plain",)).get_content()
    other_client.submit(link, {"name": "Grace", "password": NEW_PASSWORD,
                               "home_borough": "lambeth"})
    assert _roles(app, "grace@example.org") == (True, set())
    assert other_client.get("/admin/staff").status_code == 200
    assert other_client.get("/staff/boroughs/bromley").status_code == 200


def test_an_existing_account_must_sign_in_then_accept(client, other_client, app, mailbox,
                                                      run_tasks):
    with app.app_context():
        grace = create_user(email="grace@example.org", name="Grace Existing",
                            roles={"analyst": "camden"})
        grace_id = grace.id
        create_user(email="someone.else@example.org")
    _admin(app, client)
    _invite(client)
    _, link = _invitation_link(mailbox, run_tasks)

    # Not signed in: told to sign in as that address; no account form, no roles.
    page = other_client.get(link)
    assert page.status_code == 200
    assert "Sign in to accept your invitation" in title(page)
    assert "already has an engage account" in page_text(page)
    html = page.get_data(as_text=True)
    path = "/invitations/" + link.rsplit("/", 1)[1]
    assert 'name="password"' not in html
    assert "/sign-in?next=" in html

    # Signed in as somebody else: still only told to sign in as Grace.
    stranger = type(client)(app)
    stranger.sign_in("someone.else@example.org", PASSWORD)
    assert "Sign in to accept your invitation" in title(stranger.get(link))
    # ... and a POST with a valid token from that page grants nothing to anybody.
    stranger.submit(link, {}, form_page="/account")
    assert _roles(app, "someone.else@example.org") == (False, set())
    assert _roles(app, "grace@example.org") == (False, {("analyst", "camden")})

    # Grace signs in and is brought back to the invitation.
    signed_in = other_client.submit(f"/sign-in?next={path}",
                                    {"email": "grace@example.org", "password": PASSWORD},
                                    form_page="/sign-in")
    assert signed_in.status_code == 302
    assert signed_in.location == path
    accept_page = other_client.get(path)
    assert accept_page.status_code == 200
    assert "Accept your invitation" in title(accept_page)
    assert "Borough engagement officer, Lambeth" in page_text(accept_page)
    # Opening the page changes nothing; pressing the button does.
    assert _roles(app, "grace@example.org") == (False, {("analyst", "camden")})
    accepted = other_client.submit(path, {})
    assert accepted.status_code == 302 and accepted.location == "/staff/"
    assert "You have accepted the invitation." in page_text(other_client.get("/staff/"))
    assert _roles(app, "grace@example.org") == (
        False, {("analyst", "camden"), ("officer", "camden"), ("officer", "lambeth")})
    assert other_client.get("/staff/boroughs/lambeth/contact").status_code == 200
    assert [e[1] for e in _events(app, "staff.invitation_accepted")] == [grace_id]
    with app.app_context():
        assert db.session.scalar(select(db.func.count(User.id))) == 3  # no new account
    assert other_client.get(path).status_code == 400


def test_an_existing_account_keeps_a_single_copy_of_roles_it_already_holds(client, other_client,
                                                                          app, mailbox,
                                                                          run_tasks):
    with app.app_context():
        create_user(email="grace@example.org", roles={"officer": "camden"})
    _admin(app, client)
    _invite(client)
    _, link = _invitation_link(mailbox, run_tasks)
    other_client.sign_in("grace@example.org", PASSWORD)
    assert other_client.submit(link, {}).status_code == 302
    with app.app_context():
        assert db.session.scalar(select(db.func.count(StaffRole.id))) == 2
    assert _roles(app, "grace@example.org") == (False, {("officer", "camden"),
                                                        ("officer", "lambeth")})


def test_an_expired_invitation_does_not_work(client, other_client, app, mailbox, run_tasks):
    _admin(app, client)
    _invite(client)
    _, link = _invitation_link(mailbox, run_tasks)
    with app.app_context():
        invitation = db.session.scalar(select(StaffInvitation))
        assert invitation.expires_at > utcnow() + timedelta(days=6)
        invitation.expires_at = utcnow() - timedelta(minutes=1)
        db.session.commit()
    page = other_client.get(link)
    assert page.status_code == 400
    assert "This link does not work" in page_text(page)
    posted = other_client.submit(link, {"name": "Grace", "password": NEW_PASSWORD,
                                        "home_borough": "camden"}, form_page="/sign-in")
    assert posted.status_code == 400
    assert _roles(app, "grace@example.org") is None
    assert "There are no open invitations." in page_text(client.get("/admin/staff"))


def test_a_revoked_invitation_does_not_work(client, other_client, app, mailbox, run_tasks):
    admin_id = _admin(app, client)
    _invite(client)
    _, link = _invitation_link(mailbox, run_tasks)
    assert other_client.get(link).status_code == 200  # works until cancelled
    with app.app_context():
        invitation_id = db.session.scalar(select(StaffInvitation.id))
    response = client.submit(f"/admin/staff/invitations/{invitation_id}/revoke", {},
                             form_page="/admin/staff")
    assert response.status_code == 302
    listing = page_text(client.get(response.location))
    assert "The invitation to grace@example.org is cancelled." in listing
    assert "There are no open invitations." in listing
    # Pressed again (a double click): it stays cancelled when it was, and is logged once.
    client.post(f"/admin/staff/invitations/{invitation_id}/revoke",
                {"csrf_token": csrf_token(client.get("/admin/staff").get_data(as_text=True))})
    [(_a, actor, _b, target, details)] = _events(app, "staff.invitation_revoked")
    assert actor == admin_id and target == f"invitation:{invitation_id}"
    assert details == {"email": "grace@example.org"}

    page = other_client.get(link)
    assert page.status_code == 400
    assert "This link does not work" in page_text(page)
    posted = other_client.submit(link, {"name": "Grace", "password": NEW_PASSWORD,
                                        "home_borough": "camden"}, form_page="/sign-in")
    assert posted.status_code == 400
    assert _roles(app, "grace@example.org") is None


def test_a_tampered_invitation_link_does_not_work(client, other_client, app, mailbox, run_tasks):
    _admin(app, client)
    _invite(client)
    _, link = _invitation_link(mailbox, run_tasks)
    response = other_client.get(link[:-4] + "AAAA")
    assert response.status_code == 400
    assert "This link does not work" in page_text(response)
    # What an invited person can do: not "sign in to send a new confirmation link".
    assert "Ask the administrator who invited you to send a new invitation" in page_text(
        response)
    assert "Reset your password" not in page_text(response)


@pytest.mark.parametrize("fields, field, message", [
    ({"role": ""}, "role", "Select a role"),
    ({"role": "officer", "boroughs": []}, "boroughs", "Select at least one borough for this role"),
    ({"role": "analyst", "boroughs": []}, "boroughs", "Select at least one borough for this role"),
    ({"role": "officer", "boroughs": ["atlantis"]}, "boroughs", "Select only the options shown"),
    ({"role": "sheriff"}, "role", "Select one of the options shown"),
    ({"email": "not-an-address"}, "email", "Enter an email address in the correct format"),
    ({"email": ""}, "email", "Enter their email address"),
    ({"name": ""}, "name", "Enter their full name"),
    ({"name": "G" * 201}, "name", "The name must be 200 characters or fewer"),
])
def test_the_invite_form_checks_its_answers(client, app, mailbox, run_tasks, fields, field,
                                            message):
    _admin(app, client)
    data = {"name": "Grace Hopper", "email": "grace@example.org", "role": "officer",
            "boroughs": ["camden"]}
    data.update(fields)
    if data["role"] == "":
        del data["role"]  # an unticked radio is not sent at all
    response = client.submit("/admin/staff/invite", data)
    assert response.status_code == 200
    assert title(response).startswith("Error: ")
    html = response.get_data(as_text=True)
    summary = html[html.index('class="govuk-error-summary"'):html.index("<h1")]
    assert f'href="#{field}' in summary
    assert message in summary
    with app.app_context():
        assert db.session.scalar(select(db.func.count(StaffInvitation.id))) == 0
    assert run_tasks() == []
    assert mailbox.to("grace@example.org") == []


def test_an_invitation_sent_twice_is_made_and_emailed_once(client, app, mailbox, run_tasks,
                                                          monkeypatch):
    _admin(app, client)
    data = {**form_keys(client.get("/admin/staff/invite").get_data(as_text=True)),
            "name": "Grace Hopper", "email": "grace@example.org", "role": "officer",
            "boroughs": ["camden"]}
    first = client.post("/admin/staff/invite", data)
    with inserts(app) as inserted:
        second = client.post("/admin/staff/invite", data)
    assert inserted == []  # it found the first one's key before making anything
    assert first.status_code == second.status_code == 302
    assert first.location == second.location == "/admin/staff"
    # A copy sent at the same moment passes the look-up; its commit is refused and rolled back,
    # the email it queued with it.
    monkeypatch.setattr(admin_views, "already_sent", lambda form: None)
    third = client.post("/admin/staff/invite", data)
    assert third.location == first.location
    with app.app_context():
        assert db.session.scalar(select(db.func.count(StaffInvitation.id))) == 1
        assert db.session.scalar(select(db.func.count(OutboxMessage.id))) == 1
    assert len(_events(app, "staff.invited")) == 1
    run_tasks()
    assert len(mailbox.to("grace@example.org")) == 1


def test_boroughs_are_not_needed_for_an_administrator(client, app):
    _admin(app, client)
    response = _invite(client, role="administrator", boroughs=[])
    assert response.status_code == 302
    with app.app_context():
        invitation = db.session.scalar(select(StaffInvitation))
        assert invitation.make_admin and invitation.grants == []


# Roles on a person's page ------------------------------------------------------------------

def test_an_administrator_adds_and_removes_a_role(client, other_client, app):
    admin_id = _admin(app, client)
    with app.app_context():
        olive = create_officer("camden", name="Olive Officer")
        olive_id, olive_email = olive.id, olive.email
    other_client.sign_in(olive_email, PASSWORD)
    assert other_client.get("/staff/boroughs/lambeth").status_code == 403

    page = client.get(f"/admin/staff/{olive_id}")
    assert page.status_code == 200
    assert "Olive Officer" in title(page)
    assert "Borough engagement officer Camden" in page_text(page)

    added = client.submit(f"/admin/staff/{olive_id}", {"role": "analyst", "borough": "lambeth"})
    assert added.status_code == 302
    assert "Olive Officer is now an analyst in Lambeth." in page_text(client.get(added.location))
    assert _roles(app, olive_email) == (False, {("officer", "camden"), ("analyst", "lambeth")})
    # Takes effect at once in Olive's own session.
    assert other_client.get("/staff/boroughs/lambeth").status_code == 200
    [granted] = _events(app, "staff.role_granted")
    assert granted == ("staff.role_granted", admin_id, "lambeth", f"user:{olive_id}",
                       {"role": "analyst"})
    with app.app_context():
        grant = db.session.scalar(select(StaffRole).where(StaffRole.role == StaffRoleName.ANALYST))
        assert grant.granted_by_id == admin_id
        camden_grant_id = db.session.scalar(
            select(StaffRole.id).where(StaffRole.role == StaffRoleName.OFFICER))

    # The same role twice is an error on the form, not a second row.
    again = client.submit(f"/admin/staff/{olive_id}", {"role": "analyst", "borough": "lambeth"})
    assert again.status_code == 200
    assert "Olive Officer already has this role in Lambeth" in page_text(again)
    assert len(_events(app, "staff.role_granted")) == 1

    removed = client.submit(f"/admin/staff/{olive_id}/roles/{camden_grant_id}/remove", {},
                            form_page=f"/admin/staff/{olive_id}")
    assert removed.status_code == 302
    assert ("Olive Officer is no longer Borough engagement officer for Camden."
            in page_text(client.get(removed.location)))
    assert _roles(app, olive_email) == (False, {("analyst", "lambeth")})
    assert other_client.get("/staff/boroughs/camden").status_code == 403
    [gone] = _events(app, "staff.role_removed")
    assert gone == ("staff.role_removed", admin_id, "camden", f"user:{olive_id}",
                    {"role": "officer"})


def test_the_add_role_form_needs_a_role_and_a_borough(client, app):
    _admin(app, client)
    with app.app_context():
        olive_id = create_officer("camden").id
    response = client.submit(f"/admin/staff/{olive_id}", {"role": "", "borough": ""})
    assert response.status_code == 200
    text = page_text(response)
    assert "Select a role" in text and "Select a borough" in text
    assert title(response).startswith("Error: ")
    assert _events(app, "staff.role_granted") == []


def test_a_role_is_only_removed_from_its_own_person(client, app):
    _admin(app, client)
    with app.app_context():
        olive = create_officer("camden")
        larry = create_officer("lambeth")
        olive_id, larry_grant = olive.id, larry.staff_roles[0].id
    response = client.submit(f"/admin/staff/{olive_id}/roles/{larry_grant}/remove", {},
                             form_page=f"/admin/staff/{olive_id}")
    assert response.status_code == 404
    with app.app_context():
        assert db.session.get(StaffRole, larry_grant) is not None


def test_an_administrator_cannot_remove_their_own_administrator_role(client, app):
    admin_id = _admin(app, client)
    response = client.submit(f"/admin/staff/{admin_id}/administrator",
                             {"administrator": "no"}, form_page=f"/admin/staff/{admin_id}")
    assert response.status_code == 302
    page = client.get(response.location)
    assert "You cannot remove your own administrator role" in page_text(page)
    with app.app_context():
        assert db.session.get(User, admin_id).is_admin
    assert client.get("/admin/staff").status_code == 200
    assert _events(app, "staff.admin_removed") == []


def test_an_administrator_makes_and_unmakes_another(client, other_client, app):
    admin_id = _admin(app, client)
    with app.app_context():
        olive = create_officer("camden", name="Olive")
        olive_id, olive_email = olive.id, olive.email
    other_client.sign_in(olive_email, PASSWORD)
    assert other_client.get("/admin/staff").status_code == 403
    page = f"/admin/staff/{olive_id}"
    make = f"{page}/administrator?administrator=yes"
    assert f'href="{make}"' in client.get(page).get_data(as_text=True)
    check = client.get(make).get_data(as_text=True)
    assert 'name="administrator" value="yes"' in check
    assert "Only make someone an administrator if their work needs all of this" in check
    assert other_client.get("/admin/staff").status_code == 403  # looking changes nothing
    # Pressed twice (or from two tabs): she is made an administrator once.
    token = csrf_token(client.get(make).get_data(as_text=True))
    for _ in range(2):
        client.post(page + "/administrator", {"administrator": "yes", "csrf_token": token})
    assert other_client.get("/admin/staff").status_code == 200
    assert "Olive is already an administrator: nothing has changed." in page_text(
        client.get(page))
    remove = f"{page}/administrator?administrator=no"
    assert f'href="{remove}"' in client.get(page).get_data(as_text=True)
    check = page_text(client.get(remove))
    assert "Remove Olive's administrator role" in check
    assert "They keep their roles in boroughs: Borough engagement officer for Camden." in check
    token = csrf_token(client.get(remove).get_data(as_text=True))
    for _ in range(2):
        client.post(page + "/administrator", {"administrator": "no", "csrf_token": token})
    assert other_client.get("/admin/staff").status_code == 403
    assert [(e[0], e[1], e[3]) for e in _events(app) if e[0].startswith("staff.admin")] == [
        ("staff.admin_granted", admin_id, f"user:{olive_id}"),
        ("staff.admin_removed", admin_id, f"user:{olive_id}"),
    ]
    # A hand-made request that does not say which is refused with a reason.
    refused = client.submit(page + "/administrator", {}, form_page=page)
    assert refused.status_code == 400
    assert "Say whether they should be an administrator" in page_text(refused)
    assert client.get(page + "/administrator?administrator=maybe").status_code == 400
    # A check page for what is already so sends back to say so.
    already = client.get(remove)
    assert already.status_code == 302 and already.location.endswith(page)
    assert "Olive is not an administrator: nothing has changed." in page_text(client.get(page))


def test_an_administrator_has_no_button_to_remove_their_own_role(client, app):
    admin_id = _admin(app, client)
    page = f"/admin/staff/{admin_id}"
    html = client.get(page).get_data(as_text=True)
    assert "administrator=no" not in html
    assert "You cannot remove your own administrator role: another administrator can." in (
        page_text(client.get(page)))
    check = client.get(page + "/administrator?administrator=no")
    assert check.status_code == 302
    assert "You cannot remove your own administrator role" in page_text(
        client.get(check.location))


def test_invitations_go_with_their_sender_s_administrator_role(client, other_client, app,
                                                                mailbox, run_tasks):
    """An invitation carries its sender's authority: an administrator sent away cannot still
    let people in through invitations they sent before. Accepted and other administrators'
    invitations are untouched."""
    _admin(app, client)
    with app.app_context():
        olive = create_admin(name="Olive")
        olive_id, olive_email = olive.id, olive.email
    other_client.sign_in(olive_email, PASSWORD)
    for email in ("grace@example.org", "alan@example.org"):
        assert _invite(other_client, email=email).status_code == 302
    _invite(client, email="edsger@example.org")
    run_tasks()
    links_to = {e: next(x for x in links(mailbox.to(e)[0]) if "/invitations/" in x)
                for e in ("grace@example.org", "alan@example.org", "edsger@example.org")}
    page = f"/admin/staff/{olive_id}"
    check = page_text(client.get(page + "/administrator?administrator=no"))
    assert "They have no roles in boroughs" in check
    assert ("The 2 staff invitations they sent that are not yet accepted will be cancelled"
            in check)
    done = client.submit(page + "/administrator", {"administrator": "no"},
                         form_page=page + "/administrator?administrator=no",
                         follow_redirects=True)
    assert ("Olive is no longer an administrator. The 2 invitations they sent that were not "
            "yet accepted are cancelled") in page_text(done)
    for email in ("grace@example.org", "alan@example.org"):
        refused = Browser(app).get(links_to[email])
        assert refused.status_code == 400 and "This link does not work" in page_text(refused)
    assert Browser(app).get(links_to["edsger@example.org"]).status_code == 200
    listing = page_text(client.get("/admin/staff"))
    assert "edsger@example.org" in listing and "grace@example.org" not in listing
    revoked = _events(app, "staff.invitation_revoked")
    assert [e[4]["because"] for e in revoked] == ["its sender is no longer an administrator"] * 2


def test_deleting_an_account_cancels_the_invitations_it_sent(client, app, mailbox, run_tasks):
    _admin(app, client, email="ada@example.org")
    _invite(client)
    run_tasks()
    [link] = [x for x in links(mailbox.to("grace@example.org")[0]) if "/invitations/" in x]
    deleted = client.submit("/account/delete", {"current_password": PASSWORD, "confirm": "y"})
    assert deleted.status_code == 302
    assert Browser(app).get(link).status_code == 400
    with app.app_context():
        invitation = db.session.scalar(select(StaffInvitation))
        assert invitation.revoked_at is not None and invitation.accepted_at is None
    [revoked] = _events(app, "staff.invitation_revoked")
    assert revoked[3] == f"invitation:{invitation.id}"


# The audit log ------------------------------------------------------------------------------

def _change_contacts(browser, slug, email):
    response = browser.submit(f"/staff/boroughs/{slug}/contact",
                              {"contact_email": email, "contact_phone": ""})
    assert response.status_code == 302


def test_the_audit_log_lists_events_and_filters_by_borough(client, other_client, app):
    _admin(app, client)
    with app.app_context():
        officer = create_user(name="Olive Officer", roles={"officer": ["camden", "lambeth"]})
        email = officer.email
    other_client.sign_in(email, PASSWORD)
    _change_contacts(other_client, "camden", "camden-team@example.org")
    _change_contacts(other_client, "lambeth", "lambeth-team@example.org")

    page = client.get("/admin/audit")
    assert page.status_code == 200
    assert title(page).startswith("Audit log")
    text = page_text(page)
    assert text.count("borough.contact_changed") == 2
    assert "camden-team@example.org" in text and "lambeth-team@example.org" in text
    assert f"Olive Officer <{email}>" in text
    # The details in words, not as Python writes them.
    assert "before: contact email: none; contact phone: none" in text
    assert "after: contact email: camden-team@example.org; contact phone: none" in text
    assert "None" not in text and "{'" not in text

    camden = client.get("/admin/audit?borough=camden")
    text = page_text(camden)
    assert text.count("borough.contact_changed") == 1
    assert "camden-team@example.org" in text
    assert "lambeth-team@example.org" not in text
    assert '<option selected value="camden">' in camden.get_data(as_text=True) or \
        'value="camden" selected' in camden.get_data(as_text=True)

    nothing = client.get("/admin/audit?borough=hackney")
    assert "No staff actions match." in page_text(nothing)

    by_action = page_text(client.get("/admin/audit?action=staff."))
    assert "borough.contact_changed" not in by_action


def test_the_audit_csv_follows_the_filter(client, other_client, app):
    _admin(app, client)
    with app.app_context():
        email = create_user(roles={"officer": ["camden", "lambeth"]}).email
    other_client.sign_in(email, PASSWORD)
    _change_contacts(other_client, "camden", "camden-team@example.org")
    _change_contacts(other_client, "lambeth", "lambeth-team@example.org")
    rows = _csv(client.get("/admin/audit.csv?borough=lambeth"))
    assert rows[0] == ["when (London)", "who", "action", "borough", "target", "details",
                       "what (in words)"]
    assert [(r[2], r[3], r[4], r[6]) for r in rows[1:]] == [
        ("borough.contact_changed", "Lambeth", "borough:lambeth",
         "Changed the borough's public contact details")]
    details = json.loads(rows[1][5])  # JSON, which a spreadsheet or a script reads back
    assert details["after"] == {"contact_email": "lambeth-team@example.org",
                                "contact_phone": None}


def _csv(response) -> list[list[str]]:
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    text = response.get_data(as_text=True)
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:])))


def test_the_audit_csv_neutralises_spreadsheet_formulas(client, other_client, app):
    _admin(app, client)
    evil = '=HYPERLINK("http://x")'
    with app.app_context():
        email = create_officer("camden", name=evil).email
    other_client.sign_in(email, PASSWORD)
    _change_contacts(other_client, "camden", "team@example.org")

    response = client.get("/admin/audit.csv")
    rows = _csv(response)
    [row] = [r for r in rows[1:] if r[2] == "borough.contact_changed"]
    assert row[1] == f"'{evil} <{email}>"
    assert row[1].startswith("'=")
    for cells in rows[1:]:
        for cell in cells:
            assert not cell.startswith(("=", "+", "-", "@", "\t", "\r")), cell


@pytest.mark.parametrize("value, expected", [
    ("=1+1", "'=1+1"),
    ('=HYPERLINK("http://x")', '\'=HYPERLINK("http://x")'),
    ("+44 20 7946 0000", "'+44 20 7946 0000"),
    ("-2+3", "'-2+3"),
    ("@SUM(A1:A2)", "'@SUM(A1:A2)"),
    ("\t=1+1", "'\t=1+1"),
    ("\r=1+1", "'\r=1+1"),
    ("Camden", "Camden"),
    ("a=b", "a=b"),
    ("", ""),
    (None, ""),
    (42, "42"),
    (-1, "'-1"),
])
def test_spreadsheet_safe(value, expected):
    assert spreadsheet_safe(value) == expected


def test_admin_nav_links_lead_to_the_admin_pages(client, app):
    _admin(app, client)
    html = client.get("/staff/").get_data(as_text=True)
    for url in ("/admin/staff", "/admin/audit", "/admin/outbox"):
        assert f'href="{url}"' in html
        assert client.get(url).status_code == 200


def test_the_invitation_is_audited_without_its_token(client, app, mailbox, run_tasks):
    _admin(app, client)
    _invite(client)
    _, link = _invitation_link(mailbox, run_tasks)
    token = link.rsplit("/", 1)[1]
    rows = _csv(client.get("/admin/audit.csv"))
    assert {r[2] for r in rows[1:]} == {"account.signed_in", "staff.invited"}
    assert all(token not in ",".join(r) for r in rows)
    with app.app_context():
        stored = db.session.scalar(select(StaffInvitation.token_hash))
        assert token not in stored


def test_the_staff_list_costs_the_same_queries_however_many_staff(client, app):
    from sqlalchemy import event

    from engage.extensions import db as database

    with app.app_context():
        create_admin(email="lead@example.org")
    client.sign_in("lead@example.org", PASSWORD)

    def queries() -> int:
        statements = []
        with app.app_context():
            listener = lambda *args: statements.append(args[2])  # noqa: E731
            event.listen(database.engine, "before_cursor_execute", listener)
            try:
                assert client.get("/admin/staff").status_code == 200
            finally:
                event.remove(database.engine, "before_cursor_execute", listener)
        return len(statements)

    with app.app_context():
        create_officer("camden")
    few = queries()
    with app.app_context():
        for slug in ("lambeth", "hackney", "barnet", "brent"):
            create_user(roles={"officer": slug, "analyst": "camden"})
    assert queries() == few


def test_the_invitation_form_offers_no_autofill_of_the_administrator_s_own_details(client,
                                                                                     app):
    """The name and address are someone else's: autocomplete="name" had the browser offer
    the administrator's own, one click from inviting themselves."""
    _admin(app, client)
    html = client.get("/admin/staff/invite").get_data(as_text=True)
    assert autocomplete_of(html, "name") == ["off"]
    assert autocomplete_of(html, "email") == ["off"]
    # Where people give their own details, the browser still fills them in (WCAG 1.3.5).
    client.sign_out()
    register = client.get("/register").get_data(as_text=True)
    assert autocomplete_of(register, "name") == ["name"]
    assert autocomplete_of(register, "email") == ["email"]


def test_an_address_too_long_to_invite_says_so_in_plain_words(client, app):
    _admin(app, client)
    response = _invite(client, email="a" * 250 + "@example.org")
    assert response.status_code == 200
    text = page_text(response)
    assert "Email address must be 254 characters or fewer" in text
    assert "Field cannot be longer" not in text
