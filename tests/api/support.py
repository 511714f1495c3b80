"""Consultations for the API tests, built with the ready template (ids, not rows, come back),
their translations, and the check of a real answer against what the OpenAPI document says of it."""

from __future__ import annotations

from datetime import timedelta

from jsonschema import Draft202012Validator, FormatChecker
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from engage.api.openapi import document
from engage.clock import utcnow
from engage.extensions import db
from engage.surveys.models import (
    Consultation,
    Option,
    Question,
    QuestionKind,
    QuestionnaireVersion,
    Section,
)
from engage.surveys.template import add_template_questionnaires
from engage.translations.content import texts_of
from engage.translations.models import ContentTranslation
from tests.factories import borough


def make_consultation(app, slug: str = "have-your-say-2027-28", *, opens_in_days: float = -1,
                      closes_in_days: float = 30, boroughs: tuple[str, ...] = (),
                      template: bool = True) -> int:
    """A consultation (all boroughs unless some are named), with the template's questionnaires."""
    now = utcnow()
    with app.app_context():
        consultation = Consultation(
            slug=slug, title=f"Consultation {slug}", purpose="Set the policing priorities.",
            opens_at=now + timedelta(days=opens_in_days),
            closes_at=now + timedelta(days=closes_in_days),
            all_boroughs=not boroughs, boroughs=[borough(s) for s in boroughs])
        db.session.add(consultation)
        if template:
            add_template_questionnaires(consultation)
        db.session.commit()
        return consultation.id


def add_version(app, consultation_id: int, audience: str = "residents") -> int:
    """A second, shorter version of a questionnaire (as the builder makes after a response)."""
    with app.app_context():
        consultation = db.session.get(Consultation, consultation_id)
        questionnaire = next(q for q in consultation.questionnaires if q.audience == audience)
        version = QuestionnaireVersion(questionnaire=questionnaire,
                                       number=questionnaire.current_version.number + 1)
        section = Section(version=version, position=1, title="Your say")
        question = Question(version=version, section=section, position=1, key="confidence",
                            kind=QuestionKind.YES_NO, text="Do the police do a good job here?")
        question.options = [Option(position=1, value="yes", label="Yes"),
                            Option(position=2, value="no", label="No")]
        db.session.add(version)
        db.session.commit()
        return version.number


def add_translation(app, consultation_id: int, code: str = "pl",
                    audience: str = "residents") -> None:
    """Every version of a questionnaire translated into `code` ("PL Burglary"), stored as a
    row: the document's checks build a database for each case they check, and uploading a
    workbook as staff for each would only repeat, many times over, what
    test_questionnaire_languages_api does through the staff pages."""
    with app.app_context():
        consultation = db.session.get(Consultation, consultation_id)
        questionnaire = next(q for q in consultation.questionnaires if q.audience == audience)
        texts = {text.english: f"{code.upper()} {text.english}"
                 for version in questionnaire.versions
                 for text in texts_of(questionnaire, version)}
        db.session.add(ContentTranslation(questionnaire_id=questionnaire.id, language=code,
                                          texts=texts))
        db.session.commit()


def validator(path: str, status: int | str) -> Draft202012Validator:
    """A validator for one documented response body, resolving $refs inside the document."""
    spec = document()
    resource = Resource(contents=spec, specification=DRAFT202012)
    registry = Registry().with_resource("urn:engage-api", resource)
    responses = spec["paths"][path]["get"]["responses"]
    assert str(status) in responses, f"{path} does not document {status}"
    pointer = path.replace("~", "~0").replace("/", "~1")
    ref = f"urn:engage-api#/paths/{pointer}/get/responses/{status}/content/application~1json/schema"
    return Draft202012Validator({"$ref": ref}, registry=registry, format_checker=FormatChecker())


def mismatches(path: str, response) -> list[str]:
    """Everything in which a real answer (to GET or HEAD) differs from what the document says
    of `path`: an undocumented status, a content type, a body or a header not as documented."""
    responses = document()["paths"][path]["get"]["responses"]
    status = str(response.status_code)
    if status not in responses:
        return [f"{path} does not document {status}"]
    documented, found = responses[status], []
    content = documented.get("content")
    if content is None:
        if response.data:
            found.append(f"{status} has a body, but none is documented")
    elif response.mimetype not in content:
        found.append(f"{status} is {response.mimetype}, not {' or '.join(content)}")
    elif response.data:  # HEAD has none
        found += [f"body: {e.json_path}: {e.message}"
                  for e in validator(path, status).iter_errors(response.get_json())]
    for name, header in documented.get("headers", {}).items():
        value = response.headers.get(name)
        if value is None:
            if header.get("required"):
                found.append(f"{status} has no {name} header")
            continue
        found += [f"{name}: {e.message}" for e in Draft202012Validator(
            header["schema"], format_checker=FormatChecker()).iter_errors(value)]
    return found


def check_against_the_document(client, path: str, url: str, status: int) -> None:
    """GET, HEAD and GET asked again with the ETag (304) of `url` answer as documented."""
    response = client.get(url)
    assert response.status_code == status, response.get_data(as_text=True)[:500]
    assert mismatches(path, response) == []
    head = client.http.head(url)
    assert head.status_code == status and mismatches(path, head) == []
    if status == 200:
        again = client.get(url, headers={"If-None-Match": response.headers["ETag"]})
        assert again.status_code == 304 and mismatches(path, again) == []
