"""Staff pages: who may see which borough, and changing a borough's public contact details."""

from __future__ import annotations

import pytest
from sqlalchemy import delete, select

from engage.audit.models import AuditEvent
from engage.auth.models import StaffRole
from engage.boroughs.models import Borough
from engage.extensions import db
from tests.factories import PASSWORD, borough, create_admin, create_officer, create_user
from tests.helpers import autocomplete_of, page_text, title

LAMBETH_EMAIL = "lambeth-secret-team@example.gov.uk"
LAMBETH_PHONE = "020 7926 1000"


@pytest.fixture
def lambeth_has_contacts(app):
    with app.app_context():
        lambeth = borough("lambeth")
        lambeth.contact_email = LAMBETH_EMAIL
        lambeth.contact_phone = LAMBETH_PHONE
        db.session.commit()


def _sign_in_as(app, browser, **user):
    with app.app_context():
        person = create_user(**user)
        email = person.email
    browser.sign_in(email, PASSWORD)
    return email


def _contacts(app, slug):
    with app.app_context():
        found = borough(slug)
        return found.contact_email, found.contact_phone


def _events(app, action="borough.contact_changed"):
    with app.app_context():
        return [
            (e.actor_id, e.actor_label, e.borough.slug if e.borough else None, e.target,
             e.details)
            for e in db.session.scalars(
                select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id))
        ]


@pytest.mark.parametrize("url", ["/staff/", "/staff/boroughs/camden",
                                 "/staff/boroughs/camden/contact"])
def test_anonymous_people_are_sent_to_sign_in(client, url):
    response = client.get(url)
    assert response.status_code == 302
    assert response.location.startswith("/sign-in")
    assert "next=" in response.location


def test_anonymous_post_to_the_contact_form_changes_nothing(client, app):
    response = client.post("/staff/boroughs/camden/contact",
                           {"contact_email": "x@example.org"})
    assert response.status_code in (302, 400)
    assert _contacts(app, "camden") == (None, None)


@pytest.mark.parametrize("url", ["/staff/", "/staff/boroughs/camden",
                                 "/staff/boroughs/camden/contact"])
def test_a_member_without_a_staff_role_is_refused(client, app, url):
    _sign_in_as(app, client)
    response = client.get(url)
    assert response.status_code == 403
    assert "You do not have access to this page" in page_text(response)


def test_an_officer_sees_their_borough_and_only_theirs(client, app, lambeth_has_contacts):
    with app.app_context():
        officer = create_officer("camden", name="Olive Officer")
        create_user(home="camden")
        create_officer("lambeth", name="Lambeth Larry", home="lambeth")
        email = officer.email
    client.sign_in(email, PASSWORD)

    dashboard = client.get("/staff/")
    assert dashboard.status_code == 200
    text = page_text(dashboard)
    assert "Borough engagement officer, Camden" in text
    assert 'href="/staff/boroughs/camden"' in dashboard.get_data(as_text=True)
    assert "/staff/boroughs/lambeth" not in dashboard.get_data(as_text=True)

    camden = client.get("/staff/boroughs/camden")
    assert camden.status_code == 200
    text = page_text(camden)
    assert "Camden" in title(camden)
    assert "Olive Officer" in text
    # Olive lives in Camden (the factory's default home) and so does the other person.
    assert "2 people have an account with Camden as their home borough" in text
    assert "Lambeth Larry" not in text
    assert 'href="/staff/boroughs/camden/contact"' in camden.get_data(as_text=True)

    lambeth = client.get("/staff/boroughs/lambeth")
    assert lambeth.status_code == 403
    body = lambeth.get_data(as_text=True)
    assert LAMBETH_EMAIL not in body
    assert LAMBETH_PHONE not in body
    assert "Lambeth Larry" not in body

    lambeth_form = client.get("/staff/boroughs/lambeth/contact")
    assert lambeth_form.status_code == 403
    assert LAMBETH_EMAIL not in lambeth_form.get_data(as_text=True)


def test_an_unknown_borough_is_not_found(client, app):
    with app.app_context():
        email = create_officer("camden").email
    client.sign_in(email, PASSWORD)
    assert client.get("/staff/boroughs/atlantis").status_code == 404
    assert client.get("/staff/boroughs/atlantis/contact").status_code == 404


def test_an_officer_changes_the_public_contact_details(client, other_client, app):
    with app.app_context():
        officer = create_officer("camden", name="Olive Officer")
        officer_id, email = officer.id, officer.email
    client.sign_in(email, PASSWORD)

    form = client.get("/staff/boroughs/camden/contact")
    assert form.status_code == 200
    response = client.submit("/staff/boroughs/camden/contact",
                             {"contact_email": " Team@Camden.Example.org ",
                              "contact_phone": " 020 7974 4444 "})
    assert response.status_code == 302
    assert response.location == "/staff/boroughs/camden"
    page = client.get(response.location)
    text = page_text(page)
    assert "Camden's contact details are saved." in text
    assert "team@camden.example.org" in text and "020 7974 4444" in text

    assert _contacts(app, "camden") == ("team@camden.example.org", "020 7974 4444")
    [(actor_id, label, slug, target, details)] = _events(app)
    assert actor_id == officer_id
    assert label == f"Olive Officer <{email}>"
    assert slug == "camden"
    assert target == "borough:camden"
    assert details == {
        "before": {"contact_email": None, "contact_phone": None},
        "after": {"contact_email": "team@camden.example.org", "contact_phone": "020 7974 4444"},
    }

    # Anyone, signed in or not, reads the new details on the public page.
    public = other_client.get("/boroughs/camden")
    assert public.status_code == 200
    text = page_text(public)
    assert "Email: team@camden.example.org" in text
    assert "Telephone: 020 7974 4444" in text
    assert 'href="mailto:team@camden.example.org"' in public.get_data(as_text=True)


def test_emptying_the_contact_details_removes_them_from_the_public_page(client, other_client,
                                                                         app):
    with app.app_context():
        camden = borough("camden")
        camden.contact_email, camden.contact_phone = "old@example.org", "020 7000 0000"
        db.session.commit()
        email = create_officer("camden").email
    assert "old@example.org" in page_text(other_client.get("/boroughs/camden"))
    client.sign_in(email, PASSWORD)
    form = client.get("/staff/boroughs/camden/contact").get_data(as_text=True)
    assert 'value="old@example.org"' in form  # the form starts with what is there
    response = client.submit("/staff/boroughs/camden/contact",
                             {"contact_email": "", "contact_phone": ""})
    assert response.status_code == 302
    assert _contacts(app, "camden") == (None, None)
    # The staff page says so in words, not "None".
    staff_page = page_text(client.get(response.location))
    assert "Public contact details Email Not given" in staff_page
    assert "Telephone Not given" in staff_page
    assert "None" not in staff_page
    text = page_text(other_client.get("/boroughs/camden"))
    assert "old@example.org" not in text
    assert "Contact details for Camden have not been added yet." in text
    [event] = _events(app)
    assert event[4]["after"] == {"contact_email": None, "contact_phone": None}


@pytest.mark.parametrize("fields, field, message", [
    ({"contact_email": "", "contact_phone": "call me maybe"}, "contact_phone",
     "Enter a telephone number, like 020 7946 0000"),
    ({"contact_email": "", "contact_phone": "12"}, "contact_phone",
     "Enter a telephone number, like 020 7946 0000"),
    ({"contact_email": "not-an-address", "contact_phone": ""}, "contact_email",
     "Enter an email address in the correct format"),
    ({"contact_email": "a" * 250 + "@example.org", "contact_phone": ""}, "contact_email",
     "Public contact email must be 254 characters or fewer"),
    ({"contact_email": "", "contact_phone": "0" * 41}, "contact_phone",
     "Public contact telephone must be 40 characters or fewer"),
])
def test_invalid_contact_details_are_shown_in_the_error_summary(client, app, fields, field,
                                                                  message):
    with app.app_context():
        email = create_officer("camden").email
    client.sign_in(email, PASSWORD)
    response = client.submit("/staff/boroughs/camden/contact", fields)
    assert response.status_code == 200
    assert title(response).startswith("Error: ")
    html = response.get_data(as_text=True)
    summary = html[html.index('class="govuk-error-summary"'):html.index("<h1")]
    assert f'href="#{field}"' in summary
    assert message in summary
    assert f'id="{field}-error"' in html  # and next to the field itself
    assert _contacts(app, "camden") == (None, None)
    assert _events(app) == []


def test_an_analyst_can_look_but_not_change_the_contact_details(client, app):
    with app.app_context():
        email = create_user(roles={"analyst": "camden"}).email
    client.sign_in(email, PASSWORD)
    page = client.get("/staff/boroughs/camden")
    assert page.status_code == 200
    assert "/staff/boroughs/camden/contact" not in page.get_data(as_text=True)
    assert client.get("/staff/boroughs/camden/contact").status_code == 403

    # Even with a valid CSRF token (from the dashboard's sign-out form) the POST is refused.
    response = client.submit("/staff/boroughs/camden/contact",
                             {"contact_email": "hacked@example.org"}, form_page="/staff/")
    assert response.status_code == 403
    assert _contacts(app, "camden") == (None, None)
    assert _events(app) == []


@pytest.mark.parametrize("role", ["interviewer", "clerk"])
def test_other_borough_roles_can_look_but_not_change(client, app, role):
    with app.app_context():
        email = create_user(roles={role: "camden"}).email
    client.sign_in(email, PASSWORD)
    assert client.get("/staff/boroughs/camden").status_code == 200
    assert client.get("/staff/boroughs/camden/contact").status_code == 403


def test_an_officer_elsewhere_cannot_change_lambeth(client, app, lambeth_has_contacts):
    with app.app_context():
        email = create_user(roles={"officer": "camden", "analyst": "lambeth"}).email
    client.sign_in(email, PASSWORD)
    # An officer in Camden and only an analyst in Lambeth: Lambeth's form is not theirs.
    response = client.submit("/staff/boroughs/lambeth/contact",
                             {"contact_email": "hacked@example.org", "contact_phone": ""},
                             form_page="/staff/boroughs/camden/contact")
    assert response.status_code == 403
    assert _contacts(app, "lambeth") == (LAMBETH_EMAIL, LAMBETH_PHONE)
    assert _contacts(app, "camden") == (None, None)
    assert _events(app) == []


def test_an_officer_for_camden_only_cannot_post_to_lambeth(client, app, lambeth_has_contacts):
    with app.app_context():
        email = create_officer("camden").email
    client.sign_in(email, PASSWORD)
    response = client.submit("/staff/boroughs/lambeth/contact",
                             {"contact_email": "hacked@example.org", "contact_phone": "020 1"},
                             form_page="/staff/boroughs/camden/contact")
    assert response.status_code == 403
    assert LAMBETH_EMAIL not in response.get_data(as_text=True)
    assert _contacts(app, "lambeth") == (LAMBETH_EMAIL, LAMBETH_PHONE)
    assert _events(app) == []


def test_an_officer_in_two_boroughs_works_in_both(client, app):
    with app.app_context():
        email = create_user(roles={"officer": ["camden", "lambeth"]}).email
    client.sign_in(email, PASSWORD)
    for slug in ("camden", "lambeth"):
        assert client.get(f"/staff/boroughs/{slug}").status_code == 200
        response = client.submit(f"/staff/boroughs/{slug}/contact",
                                 {"contact_email": f"{slug}@example.org", "contact_phone": ""})
        assert response.status_code == 302
    assert client.get("/staff/boroughs/hackney").status_code == 403
    assert _contacts(app, "camden")[0] == "camden@example.org"
    assert _contacts(app, "lambeth")[0] == "lambeth@example.org"
    assert {e[2] for e in _events(app)} == {"camden", "lambeth"}


def test_an_administrator_can_see_and_change_every_borough(client, app, lambeth_has_contacts):
    with app.app_context():
        admin = create_admin(home=None, name="Ada Admin")
        admin_id, email = admin.id, admin.email
        count = db.session.scalar(select(db.func.count(Borough.id)))
    client.sign_in(email, PASSWORD)

    dashboard = client.get("/staff/")
    assert dashboard.status_code == 200
    assert "You are an administrator" in page_text(dashboard)
    assert dashboard.get_data(as_text=True).count('href="/staff/boroughs/') == count

    lambeth = client.get("/staff/boroughs/lambeth")
    assert lambeth.status_code == 200
    assert LAMBETH_EMAIL in page_text(lambeth)
    response = client.submit("/staff/boroughs/lambeth/contact",
                             {"contact_email": "new-lambeth@example.org",
                              "contact_phone": "+44 20 7926 0000"})
    assert response.status_code == 302
    assert _contacts(app, "lambeth") == ("new-lambeth@example.org", "+44 20 7926 0000")
    [(actor_id, label, slug, _target, details)] = _events(app)
    assert (actor_id, slug) == (admin_id, "lambeth")
    assert label == f"Ada Admin <{email}>"
    assert details["before"] == {"contact_email": LAMBETH_EMAIL, "contact_phone": LAMBETH_PHONE}


def test_losing_the_role_closes_the_pages_at_once(client, app):
    with app.app_context():
        officer = create_officer("camden")
        email, officer_id = officer.email, officer.id
    client.sign_in(email, PASSWORD)
    assert client.get("/staff/boroughs/camden").status_code == 200
    with app.app_context():
        db.session.execute(delete(StaffRole).where(StaffRole.user_id == officer_id))
        db.session.commit()
    assert client.get("/staff/boroughs/camden").status_code == 403
    assert client.get("/staff/").status_code == 403


def test_the_contact_form_needs_its_csrf_token(client, app):
    with app.app_context():
        email = create_officer("camden").email
    client.sign_in(email, PASSWORD)
    response = client.post("/staff/boroughs/camden/contact",
                           {"contact_email": "x@example.org", "contact_phone": ""})
    assert response.status_code == 400
    assert _contacts(app, "camden") == (None, None)


@pytest.mark.parametrize(("role", "links"), [
    ("officer", {"Paper questionnaires", "Invitations by email", "Report"}),
    ("analyst", {"Report"}),
    ("clerk", {"Paper questionnaires"}),
])
def test_the_borough_page_leads_each_role_to_its_consultation_work(client, app, role, links):
    from tests.surveys.support import make_consultation

    make_consultation(app, title="Have your say 2027/28", slug="hys-2027")
    make_consultation(app, title="Lambeth only", slug="lambeth-only", boroughs=["lambeth"])
    with app.app_context():
        email = create_user(roles={role: "camden"}).email
    client.sign_in(email, PASSWORD)
    response = client.get("/staff/boroughs/camden")
    html = response.get_data(as_text=True)
    assert "Have your say 2027/28" in page_text(response)
    assert "Lambeth only" not in page_text(response)
    # A column of links only for those who have some: a clerk's would be empty.
    assert ('scope="col" class="govuk-table__header">Work on it<' in html) == (role != "clerk")
    targets = {
        "Paper questionnaires": "/staff/boroughs/camden/paper",
        "Invitations by email": "/staff/boroughs/camden/consultations/hys-2027/invitations",
        "Report": "/staff/boroughs/camden/reports/hys-2027",
    }
    for name, href in targets.items():
        assert (f'href="{href}"' in html) == (name in links), name
        if name in links:
            assert client.get(href).status_code == 200
    # The staff home offers reports only to those who may read one.
    home = client.get("/staff/").get_data(as_text=True)
    assert ('href="/staff/reports"' in home) == ("Report" in links)


def test_the_contact_form_offers_no_autofill_of_the_officer_s_own_details(client, app):
    """The borough's public details, not the officer's: autocomplete="tel" had the browser
    offer the officer's own phone number for the public page."""
    with app.app_context():
        email = create_officer("camden").email
    client.sign_in(email, PASSWORD)
    html = client.get("/staff/boroughs/camden/contact").get_data(as_text=True)
    assert autocomplete_of(html, "contact_email") == ["off"]
    assert autocomplete_of(html, "contact_phone") == ["off"]
