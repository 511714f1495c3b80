"""A form sent after its sign-in has ended (the page left open past the idle limit): the
sign-in page says that what was sent has not been saved, and signing in comes back to a page
that opens, never to a form's POST-only address (which would be a 405)."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from engage.extensions import db
from engage.groups.models import Group, Membership, MembershipStatus
from tests.auth.test_session_timeout import age_session
from tests.factories import PASSWORD, create_officer
from tests.groups.test_staff_groups import CPEG, GROUPS, _ask
from tests.helpers import csrf_token, page_text

NOT_SAVED = "You have been signed out, so what you sent has not been saved."


def _signed_in_officer(client, app) -> str:
    with app.app_context():
        email = create_officer().email
    client.sign_in(email, PASSWORD)
    return email


def _groups(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Group))


def test_a_form_sent_after_signing_out_says_it_was_not_saved(client, app):
    email = _signed_in_officer(client, app)
    token = csrf_token(client.get(GROUPS + "/new").get_data(as_text=True))
    before = _groups(app)
    age_session(app, timedelta(hours=3))

    sent = client.post(GROUPS + "/new", {"csrf_token": token, "name": "Ward panel",
                                         "kind": "ward-panel", "purpose": "Meets monthly."})
    assert sent.status_code == 302
    assert sent.headers["Location"] == "/sign-in?next=%2Fstaff%2Fboroughs%2Fcamden%2Fgroups%2Fnew"
    shown = page_text(client.get(sent.headers["Location"]))
    assert NOT_SAVED in shown
    assert "Sign in to see this page" not in shown
    assert _groups(app) == before

    back = client.submit(sent.headers["Location"], {"email": email, "password": PASSWORD})
    assert back.headers["Location"] == GROUPS + "/new"


def test_a_button_sent_after_signing_out_comes_back_to_its_page_not_a_405(client, app):
    membership_id = _ask(app, email="priya@example.org")
    email = _signed_in_officer(client, app)
    requests_page = CPEG + "/requests"
    token = csrf_token(client.get(requests_page).get_data(as_text=True))
    age_session(app, timedelta(hours=3))

    approve = f"{CPEG}/requests/{membership_id}/approve"
    sent = client.post(approve, {"csrf_token": token},
                       headers={"Referer": "http://localhost" + requests_page})
    assert sent.status_code == 302
    assert NOT_SAVED in page_text(client.get(sent.headers["Location"]))
    with app.app_context():
        assert db.session.get(Membership, membership_id).status == MembershipStatus.PENDING

    back = client.submit(sent.headers["Location"], {"email": email, "password": PASSWORD})
    assert back.headers["Location"] == requests_page
    assert client.get(back.headers["Location"]).status_code == 200

    # Without a page of ours to come back to, signing in goes where it always does.
    token = csrf_token(client.get(requests_page).get_data(as_text=True))
    age_session(app, timedelta(hours=3))
    sent = client.post(approve, {"csrf_token": token},
                       headers={"Referer": "https://elsewhere.example/page"})
    assert sent.headers["Location"] == "/sign-in"


def test_a_page_opened_signed_out_still_says_sign_in_to_see_it(client):
    sent = client.get(GROUPS)
    assert sent.headers["Location"] == "/sign-in?next=%2Fstaff%2Fboroughs%2Fcamden%2Fgroups"
    assert "Sign in to see this page." in page_text(client.get(sent.headers["Location"]))
