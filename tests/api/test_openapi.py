"""/api/openapi.json: a valid OpenAPI 3.1 document that says exactly what the API does."""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from openapi_spec_validator import OpenAPIV31SpecValidator, validate

from engage.api.openapi import document
from tests.api.support import (
    add_translation,
    add_version,
    check_against_the_document,
    make_consultation,
    validator,
)
from tests.api.test_reports_api import REPORT_CASES

SLUG = "have-your-say-2027-28"


def test_the_document_is_valid_openapi_3_1(client):
    served = client.get("/api/openapi.json")
    assert served.status_code == 200 and served.mimetype == "application/json"
    spec = served.get_json()
    validate(spec, cls=OpenAPIV31SpecValidator)
    assert spec == document()


def test_it_describes_exactly_the_api_s_routes(app):
    documented = {(path, method.upper()) for path, item in document()["paths"].items()
                  for method in item}
    routed = set()
    for rule in app.url_map.iter_rules():
        if rule.endpoint.startswith("api."):
            path = rule.rule.replace("<", "{").replace(">", "}")
            routed |= {(path, m) for m in rule.methods - {"HEAD", "OPTIONS"}}
    assert routed == documented


CASES = [
    ("/api/consultations", "/api/consultations", 200),
    ("/api/consultations/{slug}", f"/api/consultations/{SLUG}", 200),
    ("/api/consultations/{slug}", "/api/consultations/never-heard-of-it", 404),
    ("/api/consultations/{slug}", "/api/consultations/closed", 410),
    ("/api/consultations/{slug}/questionnaires/{audience}",
     f"/api/consultations/{SLUG}/questionnaires/residents", 200),
    ("/api/consultations/{slug}/questionnaires/{audience}",
     f"/api/consultations/{SLUG}/questionnaires/businesses?version=1", 200),
    ("/api/consultations/{slug}/questionnaires/{audience}",
     f"/api/consultations/{SLUG}/questionnaires/residents?version=2", 200),
    ("/api/consultations/{slug}/questionnaires/{audience}",
     f"/api/consultations/{SLUG}/questionnaires/residents?version=x", 400),
    ("/api/consultations/{slug}/questionnaires/{audience}",
     f"/api/consultations/{SLUG}/questionnaires/residents?version=9", 404),
    ("/api/consultations/{slug}/questionnaires/{audience}",
     f"/api/consultations/{SLUG}/questionnaires/residents?language=pl", 200),
    ("/api/consultations/{slug}/questionnaires/{audience}",
     f"/api/consultations/{SLUG}/questionnaires/residents?version=1&language=pl", 200),
    ("/api/consultations/{slug}/questionnaires/{audience}",
     f"/api/consultations/{SLUG}/questionnaires/residents?language=klingon", 400),
    ("/api/consultations/{slug}/questionnaires/{audience}",
     f"/api/consultations/{SLUG}/questionnaires/residents?language=cy", 404),
    ("/api/consultations/{slug}/questionnaires/{audience}",
     "/api/consultations/closed/questionnaires/residents", 410),
    ("/api/reports", "/api/reports", 200),
    ("/api/reports", "/api/reports?borough=camden", 200),
    ("/api/reports", "/api/reports?borough=Camden", 400),
    ("/api/reports", "/api/reports?borough=nowhere", 404),
    ("/api/openapi.json", "/api/openapi.json", 200),
]


@pytest.mark.parametrize(("path", "url", "status"), CASES)
def test_real_responses_match_the_documented_schemas(client, app, path, url, status):
    """Status, content type, headers and body, for GET, HEAD and GET asked again with the
    ETag (304)."""
    consultation_id = make_consultation(app, SLUG, boroughs=("camden",))
    add_version(app, consultation_id)
    add_translation(app, consultation_id, "pl")
    make_consultation(app, "closed", opens_in_days=-30, closes_in_days=-1)
    check_against_the_document(client, path, url, status)


def test_every_documented_answer_is_checked_against_a_real_one():
    """A status added to the document (or an endpoint) needs a real answer checked above or in
    test_reports_api; 304 is checked with each 200."""
    documented = {(path, status) for path, item in document()["paths"].items()
                  for status in item["get"]["responses"]}
    checked = {(path, str(status)) for path, _, status in CASES + REPORT_CASES}
    checked |= {(path, "304") for path, status in checked if status == "200"}
    assert documented == checked


def test_the_schemas_catch_a_response_that_drifts(client, app):
    """The check above would notice a field the document does not know."""
    make_consultation(app, SLUG)
    found = client.get(f"/api/consultations/{SLUG}").get_json()
    check = validator("/api/consultations/{slug}", 200)
    assert not list(check.iter_errors(found))
    assert list(check.iter_errors({**found, "surprise": 1}))
    assert list(check.iter_errors({**found, "closes_at": "9 January 2027"}))


@pytest.fixture
def api_app(app):
    """The app with one open and one closed consultation (the document's example slug is the
    open one, so the fuzzing reaches real questionnaires as well as errors), its residents'
    questionnaire in Polish too."""
    add_translation(app, make_consultation(app, SLUG, boroughs=("camden",)), "pl")
    make_consultation(app, "closed", opens_in_days=-30, closes_in_days=-1)
    return app


schema = schemathesis.openapi.from_dict(document())


@schema.parametrize()
# The API only reads, so one database for every generated request is what we want.
@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_fuzzed_requests_get_documented_json_never_a_500(case, api_app):
    case.call_and_validate(app=api_app)
