"""What search engines may list, and where to report a security problem.

The public pages people look for are listed; every other answer says X-Robots-Tag: noindex,
above all the addresses that carry someone's personal token. robots.txt keeps crawlers from the
signed-in parts; /.well-known/security.txt (RFC 9116) says whom to tell about a vulnerability.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from engage.clock import utcnow
from engage.extensions import db
from engage.surveys.models import Consultation
from tests.api.support import make_consultation
from tests.factories import PASSWORD, create_officer


def _questionnaire_id(app, consultation_id: int) -> int:
    with app.app_context():
        consultation = db.session.get(Consultation, consultation_id)
        return next(q.id for q in consultation.questionnaires if q.audience.value == "residents")


def test_the_pages_the_public_looks_for_may_be_listed(app, client):
    questionnaire_id = _questionnaire_id(app, make_consultation(app))
    for path in ("/", "/boroughs", "/boroughs/camden", "/boroughs/camden/groups/cpeg",
                 "/accessibility", "/privacy", "/have-your-say/",
                 f"/have-your-say/{questionnaire_id}"):
        response = client.get(path)
        assert response.status_code == 200, path
        assert "X-Robots-Tag" not in response.headers, path


def test_everything_else_says_noindex(app, client):
    questionnaire_id = _questionnaire_id(app, make_consultation(app))
    with app.app_context():
        create_officer("camden", email="officer@camden.example.org")
        db.session.commit()
    # Signed out: sign-in and registration, a staff address (its redirect), a search, the API,
    # and every address that carries a personal token (each answers, here, for a token that
    # is no longer good: the header is on whatever they answer).
    paths = ["/sign-in", "/register", "/staff/", "/boroughs?postcode=NW1",
             "/api/consultations", f"/have-your-say/preview/{questionnaire_id}",
             "/have-your-say/resume/not-a-real-token",
             "/have-your-say/invited/not-a-real-token",
             "/have-your-say/unsubscribe/not-a-real-token",
             "/meetings/reply/not-a-real-token", "/meetings/unsubscribe/not-a-real-token",
             "/meeting-news/unsubscribe/not-a-real-token", "/robots.txt"]
    for path in paths:
        response = client.get(path)
        assert response.headers.get("X-Robots-Tag") == "noindex, nofollow", path
    # A questionnaire being answered: the pages after its start page.
    started = client.submit(f"/have-your-say/{questionnaire_id}/start",
                            form_page=f"/have-your-say/{questionnaire_id}")
    assert started.status_code == 302
    step = client.get(started.headers["Location"])
    assert step.status_code == 200
    assert step.headers["X-Robots-Tag"] == "noindex, nofollow"
    # Signed in, staff pages say so too.
    client.sign_in("officer@camden.example.org", PASSWORD)
    staff = client.get("/staff/")
    assert staff.status_code == 200
    assert staff.headers["X-Robots-Tag"] == "noindex, nofollow"


def test_robots_txt_keeps_crawlers_from_the_signed_in_parts_only(client):
    response = client.get("/robots.txt")
    assert response.status_code == 200
    assert response.mimetype == "text/plain"
    rules = [line for line in response.get_data(as_text=True).splitlines() if line]
    assert rules[0] == "User-agent: *"
    disallowed = {line.split(": ", 1)[1] for line in rules if line.startswith("Disallow")}
    assert disallowed == {"/staff/", "/admin/", "/account/", "/dev/"}


def _fields(response) -> dict[str, str]:
    return dict(line.split(": ", 1) for line in response.get_data(as_text=True).splitlines())


def test_security_txt_gives_the_contact_and_an_expiry_within_a_year(app, client):
    app.config["ENGAGE_CONTACT_EMAIL"] = "engage@police.example.org"
    app.config["ENGAGE_BASE_URL"] = "https://engage.police.example.org"
    response = client.get("/.well-known/security.txt")
    assert response.status_code == 200
    assert response.mimetype == "text/plain"
    fields = _fields(response)
    assert fields["Contact"] == "mailto:engage@police.example.org"
    assert fields["Canonical"] == "https://engage.police.example.org/.well-known/security.txt"
    assert fields["Preferred-Languages"] == "en"
    expires = datetime.strptime(fields["Expires"], "%Y-%m-%dT%H:%M:%SZ")
    assert utcnow() + timedelta(days=150) < expires < utcnow() + timedelta(days=365)


@pytest.mark.parametrize(("setting", "contact"), [
    ("security@police.example.org", "mailto:security@police.example.org"),
    ("https://police.example.org/report-a-vulnerability",
     "https://police.example.org/report-a-vulnerability"),
])
def test_security_txt_gives_its_own_contact_when_one_is_set(app, client, setting, contact):
    app.config["ENGAGE_SECURITY_CONTACT"] = setting
    assert _fields(client.get("/.well-known/security.txt"))["Contact"] == contact
