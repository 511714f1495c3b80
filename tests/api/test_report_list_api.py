"""GET /api/reports: every published borough report, open consultations or closed, so a report
can be found without knowing its address (a closed consultation drops off /api/consultations and
answers 410, which links its reports)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from engage.clock import utcnow
from engage.extensions import db
from engage.surveys.models import Consultation
from tests.api.support import mismatches
from tests.factories import PASSWORD, borough, create_admin
from tests.helpers import count_queries
from tests.reports.support import hand_worked, make_consultation

LIST = "/api/reports"
PATH = "/api/reports"
CURRENT = "have-your-say-2027"
LAST_YEAR = "have-your-say-2026"


def get_json(client, url: str, status: int, path: str = PATH) -> dict:
    response = client.get(url)
    assert response.status_code == status, response.get_data(as_text=True)[:500]
    assert response.mimetype == "application/json"
    assert mismatches(path, response) == []
    return response.get_json()


def staff_report(borough_slug: str, consultation_slug: str) -> str:
    return f"/staff/boroughs/{borough_slug}/reports/{consultation_slug}"


def count(client, run_tasks, borough_slug: str, consultation_slug: str) -> str:
    """An administrator counts a borough's responses: a draft report, not published."""
    report = staff_report(borough_slug, consultation_slug)
    client.submit(report + "/collate", form_page=report)
    run_tasks()
    return report


def publish(client, run_tasks, borough_slug: str, consultation_slug: str) -> None:
    report = count(client, run_tasks, borough_slug, consultation_slug)
    assert client.submit(report + "/publish").status_code == 302


def entry(borough_slug: str, name: str, consultation_slug: str) -> dict:
    """What the list says of a report, but its publication time."""
    return {
        "consultation": {"slug": consultation_slug,
                         "title": f"Have your say ({consultation_slug})"},
        "borough_slug": borough_slug, "borough_name": name,
        "url": f"http://localhost/api/consultations/{consultation_slug}/reports/{borough_slug}",
        "page_url": f"http://localhost/boroughs/{borough_slug}/have-your-say/"
                    f"{consultation_slug}/report",
    }


def without_time(listed: dict) -> list[dict]:
    return [{"consultation": r["consultation"], "borough_slug": r["borough"]["slug"],
             "borough_name": r["borough"]["name"], "url": r["url"], "page_url": r["page_url"]}
            for r in listed["reports"]]


@pytest.fixture
def reports(app, client, run_tasks):
    """Last year's consultation (closed, Camden, Hackney and Islington) and this year's (open, all
    boroughs). Published: Camden last year, then Hackney last year, then Camden this year.
    Not public: Hackney's report this year (counted, never published), Islington's last year
    (published, then taken down) and Hackney's last year once staff stop the consultation
    covering Hackney."""
    now = utcnow().replace(microsecond=0)
    hand_worked(app)
    make_consultation(app, slug=LAST_YEAR, opens_at=now - timedelta(days=400),
                      closes_at=now - timedelta(days=300),
                      boroughs=["camden", "hackney", "islington"])
    with app.app_context():
        create_admin(email="admin@example.org")
    client.sign_in("admin@example.org", PASSWORD)
    publish(client, run_tasks, "camden", LAST_YEAR)
    publish(client, run_tasks, "hackney", LAST_YEAR)
    publish(client, run_tasks, "islington", LAST_YEAR)
    islington = staff_report("islington", LAST_YEAR)
    assert client.submit(islington + "/unpublish", form_page=islington).status_code == 302
    publish(client, run_tasks, "camden", CURRENT)
    hackney = count(client, run_tasks, "hackney", CURRENT)
    client.submit(hackney + "/targets", {"confidence_target": "51.4", "gap_target": "3.8"})
    return app


def test_every_published_report_newest_first_and_nothing_else(reports, other_client):
    listed = get_json(other_client, LIST, 200)
    assert without_time(listed) == [entry("camden", "Camden", CURRENT),
                                    entry("hackney", "Hackney", LAST_YEAR),
                                    entry("camden", "Camden", LAST_YEAR)]
    times = [r["published_at"] for r in listed["reports"]]
    assert times == sorted(times, reverse=True)
    assert listed["reports"][0]["borough"]["ons_code"].startswith("E09")
    # Every address listed answers, for anyone: the API's report and its public page.
    for report in listed["reports"]:
        assert other_client.get(report["url"]).status_code == 200
        assert other_client.get(report["page_url"]).status_code == 200


def test_a_report_whose_borough_is_no_longer_covered_is_not_listed(reports, other_client):
    with reports.app_context():
        last_year = db.session.scalar(select(Consultation).where(Consultation.slug == LAST_YEAR))
        last_year.boroughs = [borough("camden"), borough("islington")]
        db.session.commit()
    assert without_time(get_json(other_client, LIST, 200)) == [
        entry("camden", "Camden", CURRENT), entry("camden", "Camden", LAST_YEAR)]
    assert get_json(other_client, LIST + "?borough=hackney", 200) == {"reports": []}
    # The same as the borough's own page and the report's address say.
    assert "Have your say (have-your-say-2026)" not in other_client.get(
        "/boroughs/hackney").get_data(as_text=True)
    assert other_client.get(
        "/boroughs/hackney/have-your-say/have-your-say-2026/report").status_code == 404


def test_one_borough_s_reports(reports, other_client):
    assert without_time(get_json(other_client, LIST + "?borough=camden", 200)) == [
        entry("camden", "Camden", CURRENT), entry("camden", "Camden", LAST_YEAR)]
    # Hackney's report this year is only counted; Islington's was taken down.
    assert without_time(get_json(other_client, LIST + "?borough=hackney", 200)) == [
        entry("hackney", "Hackney", LAST_YEAR)]
    assert get_json(other_client, LIST + "?borough=islington", 200) == {"reports": []}
    # Two reports cost no more queries than one: no query per report.
    assert count_queries(other_client, LIST + "?borough=camden") == count_queries(
        other_client, LIST + "?borough=hackney")
    # Other query parameters are ignored, as everywhere in the API.
    assert get_json(other_client, LIST + "?borough=camden&page=2", 200) == get_json(
        other_client, LIST + "?borough=camden", 200)


BAD = ("borough must be a borough's slug: lower-case letters, digits and hyphens, like "
       "?borough=camden or ?borough=kensington-and-chelsea.")


@pytest.mark.parametrize(("query", "status", "message"), [
    ("?borough=nowhere", 404, "No borough has the slug nowhere. Boroughs are named as in engage's "
                              "addresses, like ?borough=camden or "
                              "?borough=kensington-and-chelsea."),
    ("?borough=Camden", 400, BAD),
    ("?borough=", 400, BAD),
    ("?borough=camden%0A", 400, BAD),
    # Answering the first of two would hide the mistake.
    ("?borough=camden&borough=hackney", 400,
     "Ask for one borough at a time, like ?borough=camden."),
])
def test_a_borough_that_is_not_one_says_why(app, client, query, status, message):
    """An empty list would read as "nothing published there" and hide the mistake."""
    hand_worked(app)
    response = client.get(LIST + query)
    assert response.status_code == status and response.get_json() == {"error": message}
    assert mismatches(PATH, response) == []
    assert response.headers["Cache-Control"] == ("no-store" if status == 400
                                                 else "public, max-age=60")


def test_a_closed_consultation_s_410_links_its_published_reports(reports, other_client):
    for url in (f"/api/consultations/{LAST_YEAR}",
                f"/api/consultations/{LAST_YEAR}/questionnaires/residents"):
        path = ("/api/consultations/{slug}" if url.count("/") == 3
                else "/api/consultations/{slug}/questionnaires/{audience}")
        gone = get_json(other_client, url, 410, path)
        assert gone["error"].startswith("This consultation closed on ")
        assert gone["error"].endswith(" (London time). Its boroughs' published reports are "
                                      "listed in reports; every published report is listed "
                                      "at /api/reports.")
        # By name; never Islington's, taken down.
        assert gone["reports"] == [
            {"borough": slug, "name": name,
             "url": f"http://localhost/api/consultations/{LAST_YEAR}/reports/{slug}"}
            for slug, name in (("camden", "Camden"), ("hackney", "Hackney"))]
        for report in gone["reports"]:
            assert other_client.get(report["url"]).status_code == 200


def test_a_closed_consultation_without_reports_says_so(app, client):
    now = utcnow()
    make_consultation(app, slug=LAST_YEAR, opens_at=now - timedelta(days=400),
                      closes_at=now - timedelta(days=300))
    gone = get_json(client, f"/api/consultations/{LAST_YEAR}", 410, "/api/consultations/{slug}")
    assert gone["reports"] == []
    assert "No borough has published its report on it yet; every published report is listed " \
           "at /api/reports." in gone["error"]


def test_nothing_published_is_an_empty_list(app, client):
    hand_worked(app)
    assert get_json(client, LIST, 200) == {"reports": []}


def test_the_list_is_cached_and_never_sends_a_cookie(reports, client, other_client):
    """The API's rules hold here too: any origin, a minute's caching, an ETag and 304, and no
    session cookie even for someone signed in (client is the administrator)."""
    response = client.get(LIST, headers={"Origin": "https://example.com"})
    assert response.status_code == 200 and "Set-Cookie" not in response.headers
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert response.headers["Cache-Control"] == "public, max-age=60"
    assert response.get_json() == other_client.get(LIST).get_json()
    again = other_client.get(LIST, headers={"If-None-Match": response.headers["ETag"]})
    assert again.status_code == 304 and again.data == b""
    options = other_client.http.options(LIST)
    assert options.status_code == 204 and "GET" in options.headers["Allow"]
    posted = other_client.http.post(LIST)
    assert posted.status_code == 405 and posted.get_json() == {
        "error": "This API only answers GET requests."}
