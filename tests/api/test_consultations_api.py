"""GET /api/consultations...: open consultations and their questionnaires, as JSON."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import event

from engage.api import views
from engage.clock import utcnow
from engage.extensions import db
from engage.surveys.models import Consultation
from engage.surveys.template import definition
from tests.api.support import add_version, make_consultation
from tests.factories import PASSWORD, create_user
from tests.helpers import Browser

QUESTIONNAIRE = "/api/consultations/have-your-say-2027-28/questionnaires/{}"


def get_json(client, url: str, status: int = 200):
    response = client.get(url)
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == "application/json"
    return response.get_json()


def test_lists_only_consultations_open_now(client, app):
    open_id = make_consultation(app, "open-now")
    with app.app_context():
        ids = {q.audience.value: q.id
               for q in db.session.get(Consultation, open_id).questionnaires}
    make_consultation(app, "not-yet-open", opens_in_days=2, closes_in_days=30)
    make_consultation(app, "closed", opens_in_days=-30, closes_in_days=-1)
    make_consultation(app, "closing-sooner", closes_in_days=3, boroughs=("camden", "hackney"))

    listed = get_json(client, "/api/consultations")["consultations"]

    assert [c["slug"] for c in listed] == ["closing-sooner", "open-now"]
    sooner, open_now = listed
    assert sooner["all_boroughs"] is False
    assert sooner["boroughs"] == [
        {"ons_code": "E09000007", "name": "Camden", "slug": "camden"},
        {"ons_code": "E09000012", "name": "Hackney", "slug": "hackney"}]
    assert open_now["all_boroughs"] is True and len(open_now["boroughs"]) == 32
    assert open_now["closes_at"].endswith("Z") and "T" in open_now["opens_at"]
    # Residents' first, as on every page that lists them.
    assert open_now["questionnaires"] == [
        {"audience": "residents", "title": "Have your say on policing in your area",
         "current_version": 1,
         "url": "http://localhost/api/consultations/open-now/questionnaires/residents",
         "answer_url": f"http://localhost/have-your-say/{ids['residents']}"},
        {"audience": "businesses", "title": "Have your say on policing: businesses",
         "current_version": 1,
         "url": "http://localhost/api/consultations/open-now/questionnaires/businesses",
         "answer_url": f"http://localhost/have-your-say/{ids['businesses']}"}]
    assert open_now["url"] == "http://localhost/api/consultations/open-now"


def test_times_are_utc_with_z_whatever_the_clocks_say(client, app):
    make_consultation(app)
    with app.app_context():
        consultation = db.session.scalars(db.select(Consultation)).one()
        consultation.closes_at = consultation.opens_at.replace(year=2099, month=7, day=1,
                                                               hour=22, minute=59, second=0)
        db.session.commit()
    found = get_json(client, "/api/consultations/have-your-say-2027-28")
    # 22:59 UTC in July is 23:59 in London (BST); the API says UTC, plainly.
    assert found["closes_at"] == "2099-07-01T22:59:00Z"


def test_listing_costs_the_same_queries_for_one_consultation_or_many(client, app):
    def queries_for_listing() -> int:
        counted = []

        def count(*args):
            counted.append(args)

        with app.app_context():
            event.listen(db.engine, "before_cursor_execute", count)
            try:
                client.get("/api/consultations")
            finally:
                event.remove(db.engine, "before_cursor_execute", count)
        return len(counted)

    make_consultation(app, "first", boroughs=("camden",))
    one = queries_for_listing()
    for n in range(4):
        make_consultation(app, f"more-{n}", boroughs=("camden", "hackney"))
    assert queries_for_listing() == one


def test_one_open_consultation(client, app):
    make_consultation(app)
    found = get_json(client, "/api/consultations/have-your-say-2027-28")
    assert found["title"] == "Consultation have-your-say-2027-28"
    assert found["purpose"] == "Set the policing priorities."
    assert [q["audience"] for q in found["questionnaires"]] == ["residents", "businesses"]


@pytest.mark.parametrize("url", ["/api/consultations/{}",
                                 "/api/consultations/{}/questionnaires/residents"])
def test_unknown_or_not_yet_open_is_404_and_closed_is_410(client, app, url):
    make_consultation(app, "not-yet-open", opens_in_days=2)
    make_consultation(app, "closed", opens_in_days=-30, closes_in_days=-1)

    assert get_json(client, url.format("no-such-thing"), 404) == {
        "error": "There is no open consultation at this address."}
    assert get_json(client, url.format("not-yet-open"), 404) == {
        "error": "There is no open consultation at this address."}
    gone = get_json(client, url.format("closed"), 410)
    assert gone["error"].startswith("This consultation closed on ")
    assert "(London time)" in gone["error"]


def test_the_residents_questionnaire_in_full(client, app):
    make_consultation(app)
    residents = get_json(client, QUESTIONNAIRE.format("residents"))

    assert residents["audience"] == "residents" and residents["version"] == 1
    assert residents["current_version"] == 1
    assert residents["consultation"]["slug"] == "have-your-say-2027-28"
    spec = next(q for q in definition().questionnaires if q.audience == "residents")
    assert [s["title"] for s in residents["sections"]] == [s.title for s in spec.sections]
    assert [s["equality"] for s in residents["sections"]][-1] is True
    questions = {q["key"]: q for s in residents["sections"] for q in s["questions"]}
    priorities = questions["priorities"]
    assert priorities["kind"] == "ranking" and priorities["rank_count"] == 3
    assert priorities["tag"] == "priorities" and priorities["required"] is True
    assert priorities["options"][0] == {"value": "burglary", "label": "Burglary",
                                        "asks_other": False, "exclusive": False}
    assert questions["victim-crimes"]["show_if"] == {"question": "victim", "values": ["yes"]}
    assert questions["confidence"]["show_if"] is None
    other = next(o for o in questions["victim-crimes"]["options"] if o["asks_other"])
    assert other["value"] == "something-else"
    assert questions["age-band"]["required"] is False


def test_the_businesses_questionnaire_has_its_number_bounds(client, app):
    make_consultation(app)
    businesses = get_json(client, QUESTIONNAIRE.format("businesses"))
    questions = {q["key"]: q for s in businesses["sections"] for q in s["questions"]}
    assert questions["business-incidents"]["kind"] == "number"
    assert (questions["business-incidents"]["min_value"],
            questions["business-incidents"]["max_value"]) == (1, 10000)
    assert questions["business-sector"]["tag"] == "business-sector"


def test_an_earlier_version_on_request(client, app):
    consultation_id = make_consultation(app)
    assert add_version(app, consultation_id) == 2

    current = get_json(client, QUESTIONNAIRE.format("residents"))
    assert (current["version"], current["current_version"]) == (2, 2)
    assert [q["key"] for s in current["sections"] for q in s["questions"]] == ["confidence"]
    first = get_json(client, QUESTIONNAIRE.format("residents") + "?version=1")
    assert (first["version"], first["current_version"]) == (1, 2)
    assert len(first["sections"]) == 6
    listed = get_json(client, "/api/consultations/have-your-say-2027-28")
    assert {q["audience"]: q["current_version"] for q in listed["questionnaires"]} == {
        "businesses": 1, "residents": 2}


@pytest.mark.parametrize(("query", "status", "message"), [
    ("?version=3", 404, "This questionnaire has no version 3. The latest is version 1."),
    ("?version=0", 400, "version must be a whole number, 1 or more, like ?version=2."),
    ("?version=two", 400, "version must be a whole number, 1 or more, like ?version=2."),
    ("?version=-1", 400, "version must be a whole number, 1 or more, like ?version=2."),
    ("?version=99999999999", 400, "version must be a whole number, 1 or more, like ?version=2."),
    # A trailing newline once slipped past the check and was read as version 1.
    ("?version=1%0A", 400, "version must be a whole number, 1 or more, like ?version=2."),
    # Answering the first of two would hide the mistake.
    ("?version=1&version=2", 400, "Ask for one version at a time, like ?version=2."),
])
def test_a_version_that_is_not_there_says_why(client, app, query, status, message):
    make_consultation(app)
    assert get_json(client, QUESTIONNAIRE.format("residents") + query, status) == {
        "error": message}


def test_an_audience_without_a_questionnaire_or_unknown_is_404(client, app):
    make_consultation(app, template=False)
    assert get_json(client, QUESTIONNAIRE.format("residents"), 404) == {
        "error": "This consultation has no questionnaire for residents."}
    assert get_json(client, QUESTIONNAIRE.format("visitors"), 404) == {
        "error": "There is no such audience: ask for residents or businesses."}


@pytest.mark.parametrize("url", ["/api", "/api/", "/api/nothing-here",
                                 "/api/consultations/a/b/c"])
def test_unknown_addresses_under_api_answer_in_json(client, url):
    assert get_json(client, url, 404)["error"].startswith("There is nothing at this address.")


def test_other_methods_are_405_in_json_with_allow(client, app):
    make_consultation(app)
    for method in ("post", "put", "delete", "patch"):
        response = getattr(client.http, method)("/api/consultations")
        assert response.status_code == 405
        assert response.get_json() == {"error": "This API only answers GET requests."}
        assert response.headers["Allow"] == "GET, HEAD, OPTIONS"


def test_the_rest_of_the_site_keeps_its_html_error_pages(client):
    response = client.get("/no-such-page")
    assert response.status_code == 404 and response.mimetype == "text/html"


def test_any_origin_may_read_and_caches_keep_it_a_minute(client, app):
    make_consultation(app)
    for url in ("/api/consultations", QUESTIONNAIRE.format("residents"), "/api/openapi.json",
                "/api/consultations/nothing"):
        response = client.get(url, headers={"Origin": "https://example.com"})
        assert response.headers["Access-Control-Allow-Origin"] == "*"
        assert response.headers["Cache-Control"] == "public, max-age=60"
    bad = client.get(QUESTIONNAIRE.format("residents") + "?version=x")
    assert bad.headers["Cache-Control"] == "no-store"


def test_signed_in_people_see_the_same_and_their_cookie_is_never_sent(app):
    make_consultation(app)
    person = Browser(app)
    with app.app_context():
        create_user(email="reader@example.org")
    person.sign_in("reader@example.org", PASSWORD)
    for url in ("/api/consultations", QUESTIONNAIRE.format("residents"), "/api/nothing"):
        response = person.get(url)
        # A shared cache may keep this answer (Cache-Control: public), and one that ignores
        # Vary would hand a refreshed session cookie on to whoever asks next.
        assert "Set-Cookie" not in response.headers, url
        assert response.headers["Cache-Control"] == "public, max-age=60"
    anonymous = Browser(app).get("/api/consultations")
    assert person.get("/api/consultations").get_json() == anonymous.get_json()
    # The site itself still keeps the person signed in.
    assert person.get("/account").status_code == 200
    assert "Set-Cookie" in person.get("/account").headers


def test_asking_again_with_the_etag_gets_304_until_it_changes(client, app):
    consultation_id = make_consultation(app)
    url = QUESTIONNAIRE.format("residents")
    first = client.get(url)
    etag = first.headers["ETag"]
    assert first.status_code == 200 and etag.startswith('"')
    again = client.get(url, headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.data == b""
    assert again.headers["ETag"] == etag
    assert again.headers["Cache-Control"] == "public, max-age=60"
    assert client.get(url, headers={"If-None-Match": '"something-else"'}).status_code == 200
    add_version(app, consultation_id)
    changed = client.get(url, headers={"If-None-Match": etag})
    assert changed.status_code == 200 and changed.get_json()["version"] == 2
    assert changed.headers["ETag"] != etag
    # Errors are not validated: a 404 stays a 404 whatever is sent.
    assert client.get("/api/consultations/nothing",
                      headers={"If-None-Match": "*"}).status_code == 404


def test_head_gives_the_headers_of_get_without_the_body(client, app):
    make_consultation(app)
    got, head = client.http.get("/api/consultations"), client.http.head("/api/consultations")
    assert head.status_code == 200 and head.data == b""
    for name in ("Content-Type", "Content-Length", "ETag", "Cache-Control",
                 "Access-Control-Allow-Origin"):
        assert head.headers[name] == got.headers[name], name


def test_options_and_a_cors_preflight_say_what_may_be_asked(client, app):
    make_consultation(app)
    response = client.http.options(QUESTIONNAIRE.format("residents"), headers={
        "Origin": "https://borough.example", "Access-Control-Request-Method": "GET",
        "Access-Control-Request-Headers": "if-none-match"})
    assert response.status_code == 204 and response.data == b""
    assert "Content-Type" not in response.headers
    assert response.headers["Allow"] == "GET, HEAD, OPTIONS"
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert response.headers["Access-Control-Allow-Methods"] == "GET, HEAD, OPTIONS"
    assert "If-None-Match" in response.headers["Access-Control-Allow-Headers"]
    # Nothing there: still the JSON 404.
    missing = client.http.options("/api/nothing-here")
    assert missing.status_code == 404 and missing.get_json()["error"]


def test_times_move_with_the_clock(client, app, monkeypatch):
    make_consultation(app, closes_in_days=1)
    later = utcnow() + timedelta(days=2)
    monkeypatch.setattr(views, "utcnow", lambda: later)
    assert get_json(client, "/api/consultations")["consultations"] == []
    get_json(client, "/api/consultations/have-your-say-2027-28", 410)


def test_an_address_written_another_way_redirects_in_json(client, app):
    make_consultation(app)
    response = client.get("/api//consultations")
    assert response.status_code == 308 and response.mimetype == "application/json"
    assert response.headers["Location"] == "http://localhost/api/consultations"
    assert response.get_json() == {
        "error": "This address is written differently: use http://localhost/api/consultations"}


def test_links_are_the_service_s_whatever_host_was_asked(client, app):
    """Answers are public and cacheable (a minute, by anyone between): their links come from
    ENGAGE_BASE_URL, never from the Host header of whoever asked, or a cache in front could
    hand everyone links to a host someone named."""
    make_consultation(app, "open-now")
    response = client.get("/api/consultations", headers={"Host": "phishing.example"})
    assert response.status_code == 200
    text = response.get_data(as_text=True)
    assert "phishing.example" not in text
    assert "http://localhost/api/consultations/open-now" in text
