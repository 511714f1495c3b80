"""The OpenAPI 3.1 document for /api, served at /api/openapi.json.

Written by hand, next to engage.api.serialise whose output it describes; the tests validate
this document and check every endpoint's real responses against its schemas. The lists of
question kinds, reporting tags, audiences and language codes come from the code, so they cannot
drift.
"""

from __future__ import annotations

import functools

from engage.surveys.models import Audience, QuestionKind, ReportingTag
from engage.translations.languages import CODES, ENGLISH

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
    "ETag": {"description": "A strong validator of this answer: send it back as If-None-Match "
                            "to get 304 Not Modified while nothing has changed",
             "required": True, "schema": {**STRING, "pattern": r'^"[^"]+"$'}},
}
SLUG_PATTERN = {**STRING, "pattern": r"^[a-z0-9-]{1,100}$"}
LANGUAGE_CODE = {"enum": list(CODES),
                 "description": "BCP 47, as a page's lang attribute takes it: pl, zh-Hans"}


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
            "answer_url": {**URL, "description": "The page where people answer it online"},
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
            "reports": {"type": "array", "items": _ref("ReportLink"),
                        "description": "Boroughs whose report on it is published, by name"},
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
        "Language": _object({
            "code": LANGUAGE_CODE,
            "name": {**STRING, "description": "In English: Polish"},
            "own_name": {**STRING, "description": "In the language itself, for the people "
                                                  "who read it: Polski"},
            "direction": {"enum": ["ltr", "rtl"],
                          "description": "rtl: written right to left, like Arabic and Urdu"},
            "answer_url": {"type": ["string", "null"], "format": "uri",
                           "description": "The page where people answer it online in this "
                                          "language; null for an earlier version (people "
                                          "answer the current one)"},
        }, "A language this version of the questionnaire is translated into in full, and so "
           "offered to the public."),
        "Questionnaire": _object({
            "consultation": _object({"slug": STRING, "title": STRING, "url": URL}),
            "audience": {"enum": [a.value for a in Audience]},
            "title": STRING,
            "introduction": STRING,
            "version": {"type": "integer", "minimum": 1, "description": "This version"},
            "current_version": {"type": "integer", "minimum": 1,
                                "description": "The one the public answers now"},
            "created_at": TIMESTAMP,
            "language": {"enum": [ENGLISH, *CODES],
                         "description": "The language its words are in (en: English)"},
            "languages": {"type": "array", "items": _ref("Language"),
                          "description": "Besides English, the languages this version can be "
                                         "read in (?language=), by their own names; empty "
                                         "when there are none"},
            "sections": {"type": "array", "items": _ref("Section")},
        }, "Its words (the titles, introductions, questions' text and help, and options' "
           "labels) in the language asked for; keys, values, kinds, tags and conditions are "
           "the same in every language."),
        **_report_schemas(),
    }


SHARE = {"type": ["number", "null"], "minimum": 0, "maximum": 1,
         "description": "A fraction from 0 to 1; null when it is withheld because a count it "
                        "rests on is hidden"}
INTERVAL = {"type": ["array", "null"], "items": {"type": "number", "minimum": 0, "maximum": 1},
            "minItems": 2, "maxItems": 2,
            "description": "The 95% Wilson score interval, [low, high], as fractions; null when "
                           "withheld"}
PERCENT = {"type": ["number", "null"], "minimum": 0, "maximum": 100}
WEIGHTED = {
    "weighted_share": {**SHARE, "description": "The share weighted to the population (see "
                                               "the report's weighting); null when not "
                                               "weighted or withheld"},
    "weighted_interval": {**INTERVAL, "description": "Its 95% interval, from the effective "
                                                     "sample size; null when not weighted"},
}
CHANGE = {"type": ["number", "null"], "minimum": -1, "maximum": 1}


def _report_schemas() -> dict:
    return {
        "ReportLink": _object({
            "borough": {**STRING, "description": "The borough's slug"},
            "name": STRING,
            "url": {**URL, "description": "The published report in this API"},
        }),
        "ReportEntry": _object({
            "consultation": _object({"slug": STRING, "title": STRING}),
            "borough": _ref("Borough"),
            "published_at": {**TIMESTAMP, "description": "When an officer last published it "
                                                         "(UTC)"},
            "url": {**URL, "description": "The report in this API"},
            "page_url": {**URL, "description": "The report's public page"},
        }, "A published borough report: what it is and where to read it."),
        "ReportList": _object({
            "reports": {"type": "array", "items": _ref("ReportEntry"),
                        "description": "Every published report anyone may see, whether its "
                                       "consultation is open or closed, the most recently "
                                       "published first"},
        }),
        "Gone": _object({
            "error": {**STRING, "description": "When it closed, in plain English, and where "
                                               "its reports are"},
            "reports": {"type": "array", "items": _ref("ReportLink"),
                        "description": "Boroughs whose report on it is published, by name"},
        }, "A consultation that has closed: its published reports are still served."),
        "Count": _object({
            "count": {"type": ["integer", "null"], "minimum": 0,
                      "description": "The number of respondents, or null when it is hidden"},
            "suppressed": {"type": "boolean",
                           "description": "True when the count is hidden: it is under the "
                                          "threshold, or hidden so that another cannot be "
                                          "worked out from the totals"},
            "display": {**STRING, "description": "The count as the report shows it: "
                                                 "\u201c1,234\u201d, \u201cfewer than "
                                                 "10\u201d (under the threshold) or \u201cnot "
                                                 "shown\u201d (hidden to protect another)"},
        }, "A published count. Any count under the suppression threshold is hidden, and so are "
           "as many others in its table as it takes for the totals to say no more about it "
           "than that it is under the threshold."),
        "CountRow": _object({
            "key": {**STRING, "description": "A stable code for the category"},
            "label": STRING,
            "respondents": _ref("Count"),
            "share": SHARE,
        }),
        "PriorityRow": _object({
            "key": {**STRING, "description": "The priority option's value"},
            "label": STRING,
            "respondents": _ref("Count"),
            "share": {**SHARE, "description": "The share of those who answered who chose it "
                                              "(for a ranking: put it in their top N)"},
            "interval": INTERVAL,
            "score": {"type": ["number", "null"], "minimum": 0,
                      "description": "Ranking questions: N points for first place down to 1, "
                                     "averaged over everyone who answered; null otherwise or "
                                     "when withheld"},
            **WEIGHTED,
        }),
        "Priorities": _object({
            "ranking": {"type": "boolean"},
            "places": {**OPTIONAL_COUNT, "description": "Ranking: how many places people "
                                                        "filled"},
            "answered": _ref("Count"),
            "note": STRING,
            "options": {"type": "array", "items": _ref("PriorityRow"),
                        "description": "By score, then share; hidden ones last"},
        }),
        "Measure": _object({
            "tag": {"enum": [ReportingTag.CONFIDENCE.value, ReportingTag.FEELING_SAFE.value]},
            "title": STRING,
            "positive_words": {**STRING, "description": "What counts as positive, like "
                                                        "\u201cexcellent or good\u201d"},
            "headline": {"oneOf": [
                _object({"share": SHARE, "interval": INTERVAL, **WEIGHTED}),
                {"type": "null", "description": "Withheld: too few answers on one side"}]},
            "with_a_view": {**_ref("Count"),
                            "description": "Those who gave a view (not \u201cdon't know\u201d)"},
            "answers": {"type": "array", "items": _ref("CountRow")},
        }),
        "Comments": _object({
            "ref": STRING,
            "title": STRING,
            "withheld": {"type": "boolean",
                         "description": "True when neither the count nor the words are shown: "
                                        "they would give back a count hidden elsewhere"},
            "comments": {"oneOf": [_ref("Count"), {"type": "null"}],
                         "description": "How many people wrote something; null when withheld"},
            "approximate": {"type": "boolean",
                            "description": "True when the word counts may be lower than the "
                                           "true number (never higher)"},
            "terms": {"type": "array", "items": _object({
                "term": STRING, "respondents": _ref("Count"), "share": SHARE}),
                "description": "Words used by at least the threshold's number of people, most "
                               "used first"},
        }),
        "AgainstTarget": _object({
            "target": {**PERCENT, "description": "Percent; null when none was set"},
            "share": SHARE,
            "met": {"type": ["boolean", "null"],
                    "description": "null when there is no target or the share is withheld"},
        }, "A measure's positive share (confidence: excellent or good; feeling safe: very or "
           "fairly safe) beside the target staff set for it."),
        "CrimeFigure": _object({
            "crime_type": STRING,
            "change_in_offences": {"type": "integer",
                                   "description": "Negative: fewer offences than the year "
                                                  "before"},
            "percentage_change": {"type": "number"},
            "target": STRING,
            "achieved": {"type": "boolean"},
        }),
        "Weighting": _object({
            "status": {"enum": ["weighted", "too-few", "no-margins", "no-questions",
                                "not-counted"]},
            "explanation": {"type": "array", "items": STRING,
                            "description": "How the figures were weighted, or why not, in "
                                           "plain English"},
            "design_effect": {"type": ["number", "null"], "minimum": 0},
            "effective_sample_size": {"type": ["number", "null"], "minimum": 0},
        }, "Raking to the area's population margins (iterative proportional fitting)."),
        "ConfidenceGap": _object({
            "status": {"enum": ["measured", "withheld", "not-asked", "not-counted"]},
            "points": {"type": ["number", "null"], "minimum": -100, "maximum": 100,
                       "description": "Confidence among White respondents minus among Black "
                                      "and minority ethnic respondents, in percentage points, "
                                      "not weighted"},
            "weighted_points": {"type": ["number", "null"], "minimum": -100, "maximum": 100},
            "interval": {"type": ["array", "null"], "minItems": 2, "maxItems": 2,
                         "items": {"type": "number", "minimum": -100, "maximum": 100},
                         "description": "Newcombe's 95% confidence interval of the gap, in "
                                        "percentage points, not weighted; null when not "
                                        "measured"},
            "met": {"type": ["boolean", "null"],
                    "description": "Whether the gap, either way round, is within the target; "
                                   "null without a target or a measured gap"},
            "groups": {"type": "array", "items": _object({
                "key": STRING, "label": STRING, "with_a_view": _ref("Count"), "share": SHARE,
                "weighted_share": SHARE})},
        }),
        "Change": _object({
            "since": {**STRING, "description": "The previous consultation's title"},
            "comparable": {"type": "boolean"},
            "reason": {"type": ["string", "null"],
                       "description": "Why the priorities cannot be compared, when not"},
            "rows": {"type": "array", "items": _object({
                "key": STRING, "label": STRING, "now": SHARE, "before": SHARE,
                "change": {**CHANGE, "description": "now minus before, as a fraction"},
                "interval": {"type": ["array", "null"], "items": CHANGE, "minItems": 2,
                             "maxItems": 2, "description": "Newcombe's 95% interval of the "
                                                          "change"},
                "beyond_chance": {"type": "boolean"},
                "note": {"type": ["string", "null"]}})},
        }, "Each priority's share beside the previous consultation's, where the question is "
           "the same."),
        "Report": _object({
            "consultation": _object({"slug": STRING, "title": STRING}),
            "borough": _ref("Borough"),
            "published_at": TIMESTAMP,
            "counted_at": {**TIMESTAMP, "description": "When the published figures were "
                                                       "counted (UTC)"},
            "suppression_threshold": {"type": "integer", "minimum": 1},
            "respondents": _ref("Count"),
            "priorities": {"oneOf": [_ref("Priorities"), {"type": "null"}]},
            "measures": {"type": "array", "items": _ref("Measure"),
                         "description": "Confidence and feeling safe"},
            "by_channel": {"type": "array", "items": _ref("CountRow")},
            "by_audience": {"type": "array", "items": _ref("CountRow")},
            "confidence_target": _ref("AgainstTarget"),
            "feeling_safe_target": _ref("AgainstTarget"),
            "gap_target": {**PERCENT, "description": "The target for the confidence gap "
                                                     "between White and Black and minority "
                                                     "ethnic respondents, in percentage points"},
            "confidence_gap": {"oneOf": [_ref("ConfidenceGap"), {"type": "null"}]},
            "weighting": {"oneOf": [_ref("Weighting"), {"type": "null"}]},
            "comments": {"type": "array", "items": _ref("Comments"),
                         "description": "Per free-text question: how many wrote a comment and "
                                        "the words most used (never a comment itself)"},
            "change_since_previous": {"oneOf": [_ref("Change"), {"type": "null"}]},
            "crime_figures": {"oneOf": [
                _object({"period": {**STRING, "description": "Like 2026/27"},
                         "rows": {"type": "array", "items": _ref("CrimeFigure")}}),
                {"type": "null"}]},
            "planned_priorities": {
                "type": "array", "items": _object({"title": STRING, "target": STRING}),
                "description": "You said, we did: next year's priorities, most important first"},
            "links": _object({"page": URL, "pdf": URL, "xlsx": URL,
                              "local_policing_summary": URL}),
        }, "A borough's published report, exactly as its public page shows it: the figures "
           "pinned when an officer published it, with small counts hidden."),
    }


def _ok(schema: str, description: str) -> dict:
    return {"description": description, "headers": HEADERS,
            "content": {JSON: {"schema": _ref(schema)}}}


def _error(description: str) -> dict:
    return {"description": description, "content": {JSON: {"schema": _ref("Error")}}}


NOT_MODIFIED = {"304": {"description": "Not modified: the If-None-Match sent is this answer's "
                                       "ETag. No body."}}


SLUG = {"name": "slug", "in": "path", "required": True, "schema": SLUG_PATTERN,
        "description": "The consultation's address: lower-case letters, digits and hyphens",
        "examples": {"demo": {"value": "have-your-say-2027-28"}}}
NOT_OPEN = {
    "404": _error("No consultation at this address, or it has not opened yet"),
    "410": {"description": "The consultation has closed; the message says when, and its "
                           "published reports are linked",
            "content": {JSON: {"schema": _ref("Gone")}}},
}


@functools.cache
def document() -> dict:
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "engage: Have your say",
            "version": "1",
            "summary": "Open consultations on policing priorities in London, their "
                       "questionnaires, and boroughs' published reports.",
            "description": "Read only, no sign-in. Every answer is JSON, errors too "
                           "({\"error\": \"...\"}); any origin may read it and caches may keep "
                           "it for 60 seconds. Every 200 answer has an ETag: asking again with "
                           "If-None-Match gets 304 and no body while nothing has changed. "
                           "Query parameters other than those listed are ignored. Times are "
                           "UTC with a Z.",
            "license": {"name": "AGPL-3.0-or-later",
                        "identifier": "AGPL-3.0-or-later"},
        },
        "paths": {
            "/api/consultations": {"get": {
                "operationId": "listConsultations",
                "summary": "Consultations open now",
                "responses": {"200": _ok("ConsultationList", "Open consultations"),
                              **NOT_MODIFIED},
            }},
            "/api/consultations/{slug}": {"get": {
                "operationId": "getConsultation",
                "summary": "One open consultation",
                "parameters": [SLUG],
                "responses": {"200": _ok("Consultation", "The consultation"), **NOT_MODIFIED,
                              **NOT_OPEN},
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
                    {"name": "language", "in": "query", "required": False,
                     "description": "Its words in one of the languages it lists in languages "
                                    "(with version, that version's); en or left out for "
                                    "English",
                     "schema": {"enum": [ENGLISH, *CODES]},
                     "examples": {"polish": {"value": "pl"}}},
                ],
                "responses": {
                    "200": _ok("Questionnaire", "The questionnaire"),
                    **NOT_MODIFIED,
                    "400": _error("version is not a whole number of 1 or more, language is "
                                  "not a code engage translates into, or either is given more "
                                  "than once"),
                    "404": _error("No open consultation here, no questionnaire for this "
                                  "audience, no such version, or the version is not "
                                  "translated in full into the language asked for"),
                    "410": NOT_OPEN["410"],
                },
            }},
            "/api/consultations/{slug}/reports/{borough_slug}": {"get": {
                "operationId": "getReport",
                "summary": "A borough's published report on a consultation, open or closed",
                "parameters": [
                    SLUG,
                    {"name": "borough_slug", "in": "path", "required": True,
                     "schema": SLUG_PATTERN, "description": "The borough's slug",
                     "examples": {"demo": {"value": "camden"}}},
                ],
                "responses": {
                    "200": _ok("Report", "The published report"),
                    **NOT_MODIFIED,
                    "404": _error("No such consultation or borough, or the borough has not "
                                  "published its report"),
                },
            }},
            "/api/reports": {"get": {
                "operationId": "listReports",
                "summary": "Every published borough report, open consultations or closed, "
                           "the most recently published first",
                "parameters": [
                    {"name": "borough", "in": "query", "required": False,
                     "description": "Only this borough's reports (its slug)",
                     "schema": SLUG_PATTERN, "examples": {"demo": {"value": "camden"}}},
                ],
                "responses": {
                    "200": _ok("ReportList", "Published reports"),
                    **NOT_MODIFIED,
                    "400": _error("borough is not written as a slug, or is given more "
                                  "than once"),
                    "404": _error("There is no borough with this slug"),
                },
            }},
            "/api/openapi.json": {"get": {
                "operationId": "getOpenAPI",
                "summary": "This document",
                "responses": {"200": {"description": "The OpenAPI 3.1 document",
                                      "headers": HEADERS,
                                      "content": {JSON: {"schema": {"type": "object"}}}},
                              **NOT_MODIFIED},
            }},
        },
        "components": {"schemas": _schemas()},
    }
