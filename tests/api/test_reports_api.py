"""GET /api/consultations/<slug>/reports/<borough_slug>: a borough's published report as JSON,
with hidden counts as {"count": null, "suppressed": true, "display": "fewer than 10"}."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from openpyxl import load_workbook
from sqlalchemy import select

from engage.api.openapi import document
from engage.clock import utcnow
from engage.extensions import db
from engage.surveys.models import Consultation
from tests.api.support import check_against_the_document, mismatches, validator
from tests.factories import PASSWORD, borough, create_officer
from tests.reports.support import answers, hand_worked, make_consultation, respond
from tests.reports.test_public_report import (
    PUBLIC,
    REPORT,
    change_after_publishing,
    prepared,
    publish,
)

API = "/api/consultations/have-your-say-2027/reports/camden"
PATH = "/api/consultations/{slug}/reports/{borough_slug}"
HIDDEN = {"count": None, "suppressed": True, "display": "fewer than 10"}
NOT_SHOWN = {"count": None, "suppressed": True, "display": "not shown"}  # to protect another


def get_json(client, url: str, status: int) -> dict:
    response = client.get(url)
    assert response.status_code == status, response.get_data(as_text=True)[:500]
    assert response.mimetype == "application/json"
    body = response.get_json()
    assert mismatches(PATH, response) == [], body
    return body


def by_label(rows: list[dict]) -> dict[str, dict]:
    return {row["label"]: row for row in rows}


def test_not_found_until_published_then_the_published_figures(app, client, other_client,
                                                              run_tasks):
    prepared(app, client, run_tasks)
    assert get_json(other_client, API, 404) == {
        "error": "There is no published report at this address. A borough's report appears "
                 "here once its officers publish it."}
    publish(client)
    found = get_json(other_client, API, 200)
    assert found["borough"] == {"ons_code": found["borough"]["ons_code"], "name": "Camden",
                                "slug": "camden"}
    assert found["consultation"]["slug"] == "have-your-say-2027"
    assert found["suppression_threshold"] == 10
    assert found["respondents"] == {"count": 20, "suppressed": False, "display": "20"}
    options = by_label(found["priorities"]["options"])
    assert options["Burglary"]["respondents"]["count"] == 20
    assert options["Burglary"]["share"] == 1.0 and options["Burglary"]["score"] == 2.2
    assert options["Burglary"]["interval"] == [0.8389, 1.0]
    # A hidden count hides everything resting on it.
    assert options["Anti-social behaviour"]["respondents"] == HIDDEN
    assert options["Knife crime"] == {"key": "knife-crime", "label": "Knife crime",
                                      "respondents": NOT_SHOWN, "share": None, "interval": None,
                                      "score": None, "weighted_share": None,
                                      "weighted_interval": None}
    assert by_label(found["by_channel"])["Telephone"]["respondents"] == HIDDEN
    confidence = next(m for m in found["measures"] if m["tag"] == "confidence")
    assert confidence["headline"] is None  # 10 against 6: withheld
    assert found["confidence_target"] == {"target": 51.4, "share": None, "met": None}
    assert found["gap_target"] == 3.8
    # The gap and the weighting say why they are not given, as the page does.
    # 6 White respondents and 6 Black and minority ethnic respondents gave a view: too few.
    assert found["confidence_gap"]["status"] == "withheld"
    assert [g["with_a_view"] for g in found["confidence_gap"]["groups"]] == [HIDDEN, HIDDEN]
    assert found["confidence_gap"]["points"] is None and found["confidence_gap"]["met"] is None
    weighting = found["weighting"]
    assert weighting["status"] == "weighted" and weighting["design_effect"] >= 1
    assert weighting["explanation"][0].startswith("Weighted shares are weighted to Camden")
    assert found["change_since_previous"] is None  # no earlier consultation
    assert found["crime_figures"]["period"] == "2026/27"
    assert found["crime_figures"]["rows"][0] == {
        "crime_type": "Residential burglary", "change_in_offences": -89,
        "percentage_change": -8.8, "target": "", "achieved": True}
    assert found["planned_priorities"] == [{"title": "Burglary",
                                            "target": "A 1.2% reduction in burglary"}]
    # No equality tables or weekly counts: the public page does not show them either.
    assert "equality" not in found and "by_week" not in found
    base = "http://localhost/boroughs/camden/have-your-say/have-your-say-2027"
    assert found["links"] == {"page": base + "/report", "pdf": base + "/report.pdf",
                              "xlsx": base + "/report.xlsx",
                              "local_policing_summary": base + "/local-policing-summary.pdf"}
    # Never a raw count under the threshold anywhere in the document.
    def counts(value):
        if isinstance(value, dict):
            if set(value) == {"count", "suppressed", "display"}:
                yield value["count"]
            for inner in value.values():
                yield from counts(inner)
        elif isinstance(value, list):
            for inner in value:
                yield from counts(inner)
    shown = [n for n in counts(found) if n is not None]
    assert shown and all(n == 0 or n >= 10 for n in shown)


def test_a_later_count_changes_nothing_until_published_again(app, client, other_client,
                                                             run_tasks):
    made = prepared(app, client, run_tasks)
    publish(client)
    change_after_publishing(app, client, made, run_tasks)
    found = get_json(other_client, API, 200)
    assert found["respondents"]["count"] == 20
    assert found["confidence_target"]["target"] == 51.4 and found["gap_target"] == 3.8
    publish(client)
    found = get_json(other_client, API, 200)
    assert found["respondents"]["count"] == 25
    assert found["confidence_target"]["target"] == 60.0 and found["gap_target"] is None


def test_the_consultation_links_to_published_reports(app, client, other_client, run_tasks):
    prepared(app, client, run_tasks)
    url = "/api/consultations/have-your-say-2027"
    consultation_schema = validator("/api/consultations/{slug}", 200)
    before = other_client.get(url).get_json()
    assert before["reports"] == [] and not list(consultation_schema.iter_errors(before))
    publish(client)
    after = other_client.get(url).get_json()
    assert after["reports"] == [{"borough": "camden", "name": "Camden",
                                 "url": "http://localhost" + API}]
    assert not list(consultation_schema.iter_errors(after))
    listed = other_client.get("/api/consultations").get_json()["consultations"]
    assert listed[0]["reports"] == after["reports"]


def test_a_closed_consultation_s_report_is_still_served(app, client, other_client, run_tasks):
    prepared(app, client, run_tasks)
    publish(client)
    with app.app_context():
        consultation = db.session.scalar(select(Consultation))
        consultation.closes_at = utcnow() - timedelta(days=1)
        db.session.commit()
    assert other_client.get("/api/consultations/have-your-say-2027").status_code == 410
    assert get_json(other_client, API, 200)["respondents"]["count"] == 20


def test_unknown_addresses_and_unpublished_boroughs_are_not_found(app, client, other_client,
                                                                  run_tasks):
    prepared(app, client, run_tasks)
    publish(client)
    for url in ("/api/consultations/have-your-say-2027/reports/hackney",
                "/api/consultations/have-your-say-2027/reports/nowhere",
                "/api/consultations/no-such-thing/reports/camden",
                "/api/consultations/have-your-say-2027/reports/CAMDEN%20"):
        assert "error" in get_json(other_client, url, 404)


@pytest.fixture
def published_app(app, client, run_tasks):
    """The document's example slugs (have-your-say-2027-28, camden) with a published report, so
    the fuzzing reaches a real report as well as errors."""
    made = hand_worked(app)
    with app.app_context():
        db.session.get(Consultation, made.consultation_id).slug = "have-your-say-2027-28"
        db.session.commit()
        create_officer("camden", email="officer@example.org")
    report = "/staff/boroughs/camden/reports/have-your-say-2027-28"
    client.sign_in("officer@example.org", PASSWORD)
    client.submit(report + "/collate", form_page=report)
    run_tasks()
    assert client.submit(report + "/publish").status_code == 302
    return app


# The document's example slugs: published, and a borough that has published nothing; and the
# list of published reports with that one in it.
REPORT_CASES = [
    (PATH, "/api/consultations/have-your-say-2027-28/reports/camden", 200),
    (PATH, "/api/consultations/have-your-say-2027-28/reports/hackney", 404),
    ("/api/reports", "/api/reports", 200),
]


@pytest.mark.parametrize(("path", "url", "status"), REPORT_CASES)
def test_real_report_answers_match_the_document(published_app, other_client, path, url,
                                                status):
    check_against_the_document(other_client, path, url, status)


schema = schemathesis.openapi.from_dict(document()).include(path_regex="/reports")


@schema.parametrize()
@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_fuzzed_report_requests_get_documented_json(case, published_app):
    case.call_and_validate(app=published_app)


def test_a_few_respondents_never_learn_that_all_are_of_one_ethnic_group(app, client,
                                                                         other_client,
                                                                         run_tasks):
    """Three Black respondents, nobody White: the two groups of the confidence gap together
    are under the threshold, so neither is shown, not even as 0 (a 0 beside "fewer than 10"
    says that every one of them is of the other group). The page shows neither; nor may the
    API or the public spreadsheet."""
    made = make_consultation(app)
    with app.app_context():
        for _ in range(3):
            respond(made.residents, answers(["burglary", "robbery", "knife-crime"], "good",
                                            "very-safe", "black", "25-34", "no"),
                    consent=True)
        db.session.commit()
        create_officer("camden", email="officer@example.org")
    client.sign_in("officer@example.org", PASSWORD)
    client.submit(REPORT + "/collate", form_page=REPORT)
    run_tasks()
    assert publish(client).status_code == 302
    gap = get_json(other_client, API, 200)["confidence_gap"]
    assert gap["status"] == "withheld"
    assert [g["with_a_view"] for g in gap["groups"]] in ([], [HIDDEN, HIDDEN])
    sheet = load_workbook(io.BytesIO(other_client.get(PUBLIC + ".xlsx").data))["Figures"]
    gap_rows = [row for row in sheet.iter_rows(values_only=True)
                if row[0] == "Confidence gap" and "of those with a view" in row[1]]
    assert gap_rows and all(row[2] == "fewer than 10" for row in gap_rows)


def test_a_report_whose_borough_the_consultation_no_longer_covers_is_gone(app, client,
                                                                         other_client,
                                                                         run_tasks):
    """Staff can change which boroughs a consultation covers after a report is published; the
    page and its downloads then answer 404, and so must the API, which must stop listing it."""
    prepared(app, client, run_tasks)
    publish(client)
    assert get_json(other_client, API, 200)["borough"]["slug"] == "camden"
    with app.app_context():
        consultation = db.session.scalar(select(Consultation))
        consultation.all_boroughs = False
        consultation.boroughs = [borough("hackney")]
        db.session.commit()
    assert other_client.get(PUBLIC).status_code == 404
    assert "error" in get_json(other_client, API, 404)
    listed = other_client.get("/api/consultations/have-your-say-2027").get_json()
    assert listed["reports"] == []
    assert other_client.get("/api/consultations").get_json()["consultations"][0]["reports"] == []
