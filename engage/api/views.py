"""GET-only JSON endpoints under /api for open consultations, their questionnaires, and
boroughs' published reports.

Only consultations open now are shown: one not yet open may still be being drafted, so it is
"not found" like an unknown address; one that has closed answers 410 Gone, saying when and
linking its published reports. A borough's report is shown once published, whether its
consultation is open or closed, and /api/reports lists every one that is. Every
answer under /api, errors included, is JSON ({"error": "..."} for errors), may be read from
any origin, and may be cached for a minute.
"""

from __future__ import annotations

import re

from flask import Blueprint, abort, current_app, jsonify, make_response, request
from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload
from werkzeug.exceptions import HTTPException, MethodNotAllowed, NotFound
from werkzeug.routing import RequestRedirect

from engage.api import is_api_request, serialise
from engage.api.openapi import document
from engage.boroughs.models import Borough
from engage.clock import utcnow
from engage.extensions import db
from engage.reports import targets
from engage.reports.published import build
from engage.reports.targets_models import ReportPublication
from engage.surveys.models import (
    Audience,
    Consultation,
    Question,
    Questionnaire,
    QuestionnaireVersion,
    Section,
)
from engage.templating import london_time
from engage.translations.content import translation_of
from engage.translations.languages import ENGLISH, Language, language
from engage.translations.public import offered

api = Blueprint("api", __name__, url_prefix="/api")

VERSION = re.compile(r"^[0-9]{1,10}$")
SLUG = re.compile(r"[a-z0-9-]{1,100}")
MAX_VERSION = 2**31 - 1
MESSAGES = {
    400: "The request is not one this API understands.",
    404: "There is nothing at this address. The API's addresses are listed at /api/openapi.json.",
    405: "This API only answers GET requests.",
    500: "Sorry, something went wrong on our side. Try again later.",
}


def error(status: int, message: str):
    return jsonify(error=message), status


@api.route("/consultations")
def consultations():
    now = utcnow()
    found = db.session.scalars(
        select(Consultation)
        .where(Consultation.opens_at <= now, Consultation.closes_at > now)
        .options(selectinload(Consultation.boroughs),
                 selectinload(Consultation.questionnaires).selectinload(Questionnaire.versions))
        .order_by(Consultation.closes_at, Consultation.id)
    ).all()
    boroughs = _all_boroughs()
    reported = _reported_boroughs([c.id for c in found])
    return jsonify(consultations=[serialise.consultation(c, boroughs, reported.get(c.id, []))
                                  for c in found])


@api.route("/consultations/<slug>")
def consultation(slug: str):
    found = _open_consultation(slug)
    return jsonify(serialise.consultation(found, _all_boroughs(),
                                          _reported_boroughs([found.id]).get(found.id, [])))


@api.route("/consultations/<slug>/reports/<borough_slug>")
def report(slug: str, borough_slug: str):
    """A borough's published report on a consultation, open or closed (reports are mostly
    published after it closes); not found until an officer publishes it."""
    published = None
    if SLUG.fullmatch(slug) and SLUG.fullmatch(borough_slug):
        published = db.session.scalar(
            select(ReportPublication)
            .join(Consultation, Consultation.id == ReportPublication.consultation_id)
            .join(Borough, Borough.id == ReportPublication.borough_id)
            .where(Consultation.slug == slug, Borough.slug == borough_slug)
            .options(joinedload(ReportPublication.consultation)
                     .selectinload(Consultation.boroughs),
                     joinedload(ReportPublication.borough)))
    # As the page: once the consultation no longer covers the borough, its report is not public.
    if published is not None and not targets.is_public(published):
        published = None
    if published is None:
        abort(404, description="There is no published report at this address. A borough's "
                               "report appears here once its officers publish it.")
    threshold = current_app.config["ENGAGE_SUPPRESSION_THRESHOLD"]
    built = build(published.figures, threshold, published.borough.name)
    return jsonify(serialise.report(published, built))


@api.route("/reports")
def reports():
    """Every published borough report anyone may see, newest first, open consultations or
    closed: the one place to find a report without knowing its address (a closed
    consultation is no longer listed above)."""
    where = []
    borough_slug = _one_parameter("borough", "?borough=camden")
    if borough_slug is not None:
        # As ?version=: written wrongly is a bad request; written rightly but not a borough is
        # not found. Either way not an empty list, which would read as "nothing published".
        if not SLUG.fullmatch(borough_slug):
            abort(400, description="borough must be a borough's slug: lower-case letters, "
                                   "digits and hyphens, like ?borough=camden or "
                                   "?borough=kensington-and-chelsea.")
        found = db.session.scalar(select(Borough).where(Borough.slug == borough_slug))
        if found is None:
            abort(404, description=f"No borough has the slug {borough_slug}. Boroughs are named "
                                   "as in engage's addresses, like ?borough=camden or "
                                   "?borough=kensington-and-chelsea.")
        where.append(ReportPublication.borough_id == found.id)
    return jsonify(reports=[serialise.report_entry(p)
                            for p in targets.public_publications(*where)])


@api.route("/consultations/<slug>/questionnaires/<audience>")
def questionnaire(slug: str, audience: str):
    number = _version_asked()
    code = _language_asked()
    found = _open_consultation(slug)
    try:
        wanted = Audience(audience)
    except ValueError:
        abort(404, description="There is no such audience: ask for residents or businesses.")
    item = found.questionnaire_for(wanted)
    if item is None or not item.versions:
        abort(404, description=f"This consultation has no questionnaire for {wanted.value}.")
    number = number or item.current_version.number
    version = db.session.scalar(
        select(QuestionnaireVersion)
        .where(QuestionnaireVersion.questionnaire_id == item.id,
               QuestionnaireVersion.number == number)
        .options(selectinload(QuestionnaireVersion.sections)
                 .selectinload(Section.questions).selectinload(Question.options)))
    if version is None:
        abort(404, description=f"This questionnaire has no version {number}. The latest is "
                               f"version {item.current_version.number}.")
    # The public pages' rule: a language only where every text of this version is translated.
    languages = offered(item, version)
    texts = None
    if code != ENGLISH:
        if language(code) not in languages:
            abort(404, description=_not_translated(version.number, language(code), languages))
        texts = translation_of(item.id, code).texts
    return jsonify(serialise.questionnaire(item, version, languages, code, texts))


@api.route("/openapi.json")
def openapi():
    return jsonify(document())


def _all_boroughs() -> list[Borough]:
    return list(db.session.scalars(select(Borough).order_by(Borough.name)))


def _reported_boroughs(consultation_ids: list[int]) -> dict[int, list[Borough]]:
    """The boroughs whose published report on each consultation is public (the borough pages'
    rule), by name, in two queries for any number of consultations."""
    found: dict[int, list[Borough]] = {}
    if consultation_ids:
        listed = targets.public_publications(
            ReportPublication.consultation_id.in_(consultation_ids))
        for published in sorted(listed, key=lambda p: p.borough.name):
            found.setdefault(published.consultation_id, []).append(published.borough)
    return found


def _open_consultation(slug: str) -> Consultation:
    # Slugs are short lower-case words; anything else cannot exist, so is not looked up.
    found = None
    if SLUG.fullmatch(slug):
        found = db.session.scalar(
            select(Consultation).where(Consultation.slug == slug)
            .options(selectinload(Consultation.boroughs),
                     selectinload(Consultation.questionnaires)
                     .selectinload(Questionnaire.versions)))
    now = utcnow()
    if found is None or found.opens_at > now:
        abort(404, description="There is no open consultation at this address.")
    if found.has_closed(now):
        # Reports are mostly published after closing: say where they are.
        listed = _reported_boroughs([found.id]).get(found.id, [])
        where = ("Its boroughs' published reports are listed in reports" if listed else
                 "No borough has published its report on it yet")
        response = jsonify(
            error=f"This consultation closed on {london_time(found.closes_at)} (London time). "
                  f"{where}; every published report is listed at /api/reports.",
            reports=serialise.report_links(found, listed))
        response.status_code = 410
        abort(response)
    return found


def _one_parameter(name: str, example: str) -> str | None:
    asked = request.args.getlist(name)
    if not asked:
        return None
    if len(asked) > 1:
        # Which one was meant? Answering the first would hide the mistake.
        abort(400, description=f"Ask for one {name} at a time, like {example}.")
    return asked[0]


def _version_asked() -> int | None:
    raw = _one_parameter("version", "?version=2")
    if raw is None:
        return None
    if not VERSION.fullmatch(raw) or not 1 <= int(raw) <= MAX_VERSION:
        abort(400, description="version must be a whole number, 1 or more, like ?version=2.")
    return int(raw)


def _language_asked() -> str:
    """The language asked for, English when none is. A code engage translates into nothing
    is a bad request (whichever questionnaire is asked for); one this questionnaire is not
    translated into is for the view to say."""
    code = _one_parameter("language", "?language=pl")
    if code is None or code == ENGLISH:
        return ENGLISH
    if language(code) is None:
        abort(400, description="language must be one of the codes listed in languages (or en "
                               "for English), like ?language=pl.")
    return code


def _not_translated(number: int, asked: Language, languages: list[Language]) -> str:
    found = ", ".join(f"{each.name} ({each.code})" for each in languages)
    return (f"Version {number} of this questionnaire is not translated in full into "
            f"{asked.name}. It is in English" + (f", and in {found}." if languages else " only."))


@api.errorhandler(HTTPException)
def _http_error(exc: HTTPException):
    return error(exc.code or 500, exc.description if exc.code in (400, 404, 410)
                 else MESSAGES.get(exc.code or 500, MESSAGES[500]))


# Flask looks up error handlers by status code before class, and the app's HTML pages are
# registered by code; these put the API's own first for everything its views raise.
for _status in (400, 404, 405, 410, 500):
    api.errorhandler(_status)(_http_error)


@api.before_app_request
def _routing_errors():
    """An unknown address or method under /api never reaches the blueprint's handlers (no view
    matched), so answer those in JSON here rather than with the site's HTML error pages."""
    exc = request.routing_exception
    if not is_api_request():
        return None
    if exc is None and request.method == "OPTIONS":
        return _options()
    if isinstance(exc, RequestRedirect):
        # An address written another way (/api//consultations): Flask's redirect has an HTML
        # body; say where to go in JSON instead.
        response, status = error(exc.code, f"This address is written differently: use "
                                           f"{exc.new_url}")
        response.headers["Location"] = exc.new_url
        return response, status
    if not isinstance(exc, NotFound | MethodNotAllowed):
        return None
    response, status = error(exc.code, MESSAGES[exc.code])
    if isinstance(exc, MethodNotAllowed):
        response.headers["Allow"] = ", ".join(sorted(exc.valid_methods or ()))
    return response, status


def _options():
    """OPTIONS, and a browser's CORS preflight: what may be asked, with no body (Flask's own
    answer is an empty text/html page that names no CORS methods or headers, so a web page
    sending If-None-Match from another origin would be refused)."""
    response = make_response("", 204)
    del response.headers["Content-Type"]  # there is no content
    response.headers["Allow"] = "GET, HEAD, OPTIONS"
    response.headers["Access-Control-Allow-Methods"] = "GET, HEAD, OPTIONS"
    response.headers["Access-Control-Allow-Headers"] = "If-None-Match, Cache-Control"
    response.headers["Access-Control-Max-Age"] = "86400"
    return response


@api.after_app_request
def _api_headers(response):
    if not is_api_request():
        return response
    # Public, read-only data: any web page may read it, and caches may keep it for a minute.
    # No answer here carries a cookie (engage.auth.sessions.SessionCookies), so none varies
    # by one.
    response.headers["Access-Control-Allow-Origin"] = "*"
    if request.method == "OPTIONS" and response.status_code == 204:
        return response  # _options said all there is to say
    cacheable = response.status_code in (200, 404, 410)
    response.headers["Cache-Control"] = "public, max-age=60" if cacheable else "no-store"
    if response.status_code == 200:
        # A strong ETag of the body: a client (or cache) asking again with If-None-Match gets
        # 304 Not Modified and no body while nothing has changed. No Last-Modified: the JSON
        # can change without any one stored time changing (a borough renamed, say).
        response.headers["Access-Control-Expose-Headers"] = "ETag"
        response.add_etag()
        response.make_conditional(request)
    return response
