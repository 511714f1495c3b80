"""The OpenAPI 3.1 document for /api, served at /api/openapi.json.

Written by hand, next to engage.api.serialise whose output it describes; the tests validate
this document and check every endpoint's real responses against its schemas. The lists of
question kinds, reporting tags and audiences come from the models, so they cannot drift.
"""

from __future__ import annotations

import functools

from engage.surveys.models import Audience, QuestionKind, ReportingTag

JSON = "application/json"


def _ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def _object(properties: dict, description: str | None = None) -> dict:
    schema = {"type": "object", "properties": properties, "required": list(properties),
              "additionalProperties": False}
    if description:
        schema["description"] = description
    return schema


STRING = {"type": "string"}
URL = {"type": "string", "format": "uri"}
TIMESTAMP = {"type": "string", "format": "date-time",
             "pattern": r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$",
             "description": "UTC, ISO 8601 with a Z, for example 2027-03-14T18:30:00Z. "
                            "Show it in Europe/London time."}
OPTIONAL_COUNT = {"type": ["integer", "null"], "minimum": 1}
HEADERS = {
    "Cache-Control": {"description": "public, max-age=60", "schema": STRING},
    "Access-Control-Allow-Origin": {"description": "*: any web page may read it",
                                    "schema": STRING},
}


def _schemas() -> dict:
    return {
        "Error": _object({"error": {**STRING, "description": "What is wrong, in plain English."}}),
        "Borough": _object({
            "ons_code": {**STRING, "pattern": r"^E09\d{6}$",
                         "description": "The Office for National Statistics code"},
            "name": STRING,
            "slug": STRING,
        }),
        "QuestionnaireLink": _object({
            "audience": {"enum": [a.value for a in Audience]},
            "title": STRING,
            "current_version": {"type": "integer", "minimum": 1},
            "url": {**URL, "description": "Its full definition in this API"},
        }),
        "Consultation": _object({
            "id": {"type": "integer"},
            "slug": STRING,
            "title": STRING,
            "purpose": STRING,
            "opens_at": TIMESTAMP,
            "closes_at": TIMESTAMP,
            "all_boroughs": {"type": "boolean",
                             "description": "It covers all 32 London boroughs"},
            "boroughs": {"type": "array", "items": _ref("Borough"),
                         "description": "The boroughs it covers, by name"},
            "questionnaires": {"type": "array", "items": _ref("QuestionnaireLink")},
            "url": URL,
        }, "A consultation open now, like \u201cHave your say 2027/28\u201d."),
        "ConsultationList": _object({
            "consultations": {"type": "array", "items": _ref("Consultation"),
                              "description": "Open now, the soonest to close first"},
        }),
        "Option": _object({
            "value": {**STRING, "description": "A stable code, the same across versions"},
            "label": {**STRING, "description": "The words people read"},
            "asks_other": {"type": "boolean",
                           "description": "Choosing it asks \u201cplease say\u201d"},
            "exclusive": {"type": "boolean",
                          "description": "Cannot be chosen with any other option"},
        }),
        "ShowIf": _object({
            "question": {**STRING, "description": "The key of a question in an earlier section"},
            "values": {"type": "array", "items": STRING, "minItems": 1,
                       "description": "Shown when that answer includes any of these values"},
        }),
        "Question": _object({
            "key": {**STRING, "description": "Stable across versions and years"},
            "kind": {"enum": [k.value for k in QuestionKind]},
            "text": STRING,
            "help": STRING,
            "required": {"type": "boolean"},
            "tag": {"enum": [*(t.value for t in ReportingTag), None],
                    "description": "What it measures, for comparing across questionnaires"},
            "min_value": {"type": ["integer", "null"], "description": "Number questions"},
            "max_value": {"type": ["integer", "null"], "description": "Number questions"},
            "max_choices": {**OPTIONAL_COUNT, "description": "Multiple choice: choose up to"},
            "rank_count": {**OPTIONAL_COUNT, "description": "Ranking: put your top N in order"},
            "options": {"type": "array", "items": _ref("Option")},
            "show_if": {"oneOf": [_ref("ShowIf"), {"type": "null"}]},
        }),
        "Section": _object({
            "title": STRING,
            "introduction": STRING,
            "equality": {"type": "boolean",
                         "description": "The optional equality-monitoring section, asked only "
                                        "after the person agrees to answer it"},
            "questions": {"type": "array", "items": _ref("Question")},
        }),
        "Questionnaire": _object({
            "consultation": _object({"slug": STRING, "title": STRING, "url": URL}),
            "audience": {"enum": [a.value for a in Audience]},
            "title": STRING,
            "introduction": STRING,
            "version": {"type": "integer", "minimum": 1, "description": "This version"},
            "current_version": {"type": "integer", "minimum": 1,
                                "description": "The one the public answers now"},
            "created_at": TIMESTAMP,
            "sections": {"type": "array", "items": _ref("Section")},
        }),
    }


def _ok(schema: str, description: str) -> dict:
    return {"description": description, "headers": HEADERS,
            "content": {JSON: {"schema": _ref(schema)}}}


def _error(description: str) -> dict:
    return {"description": description, "content": {JSON: {"schema": _ref("Error")}}}


SLUG = {"name": "slug", "in": "path", "required": True, "schema": STRING,
        "description": "The consultation's address",
        "examples": {"demo": {"value": "have-your-say-2027-28"}}}
NOT_OPEN = {
    "404": _error("No consultation at this address, or it has not opened yet"),
    "410": _error("The consultation has closed; the message says when"),
}


@functools.cache
def document() -> dict:
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "engage: Have your say",
            "version": "1",
            "summary": "Open consultations on policing priorities in London, and their "
                       "questionnaires.",
            "description": "Read only, no sign-in. Every answer is JSON, errors too "
                           "({\"error\": \"...\"}); any origin may read it and caches may keep "
                           "it for 60 seconds. Times are UTC with a Z.",
            "license": {"name": "AGPL-3.0-or-later",
                        "identifier": "AGPL-3.0-or-later"},
        },
        "paths": {
            "/api/consultations": {"get": {
                "operationId": "listConsultations",
                "summary": "Consultations open now",
                "responses": {"200": _ok("ConsultationList", "Open consultations")},
            }},
            "/api/consultations/{slug}": {"get": {
                "operationId": "getConsultation",
                "summary": "One open consultation",
                "parameters": [SLUG],
                "responses": {"200": _ok("Consultation", "The consultation"), **NOT_OPEN},
            }},
            "/api/consultations/{slug}/questionnaires/{audience}": {"get": {
                "operationId": "getQuestionnaire",
                "summary": "A questionnaire's full definition: sections, questions, options "
                           "and show-if conditions",
                "parameters": [
                    SLUG,
                    {"name": "audience", "in": "path", "required": True,
                     "schema": {"enum": [a.value for a in Audience]}},
                    {"name": "version", "in": "query", "required": False,
                     "description": "An earlier version; the current one if left out",
                     "schema": {"type": "integer", "minimum": 1, "maximum": 2**31 - 1}},
                ],
                "responses": {
                    "200": _ok("Questionnaire", "The questionnaire"),
                    "400": _error("version is not a whole number of 1 or more"),
                    "404": _error("No open consultation here, no questionnaire for this "
                                  "audience, or no such version"),
                    "410": NOT_OPEN["410"],
                },
            }},
            "/api/openapi.json": {"get": {
                "operationId": "getOpenAPI",
                "summary": "This document",
                "responses": {"200": {"description": "The OpenAPI 3.1 document",
                                      "headers": HEADERS,
                                      "content": {JSON: {"schema": {"type": "object"}}}}},
            }},
        },
        "components": {"schemas": _schemas()},
    }
