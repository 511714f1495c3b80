"""Consultations and questionnaires as the JSON the API returns.

The shapes here are exactly the schemas in engage.api.openapi; a test checks real responses
against that document, so change both together. Times are UTC, written ISO 8601 with a Z.
"""

from __future__ import annotations

from datetime import datetime

from flask import url_for

from engage.boroughs.models import Borough
from engage.surveys.models import (
    Consultation,
    Option,
    Question,
    Questionnaire,
    QuestionnaireVersion,
    Section,
)


def timestamp(value: datetime) -> str:
    """A stored naive-UTC time as `2027-03-14T18:30:00Z`."""
    return value.replace(microsecond=0).isoformat() + "Z"


def consultation(item: Consultation, all_boroughs: list[Borough]) -> dict:
    boroughs = all_boroughs if item.all_boroughs else item.boroughs
    return {
        "id": item.id,
        "slug": item.slug,
        "title": item.title,
        "purpose": item.purpose,
        "opens_at": timestamp(item.opens_at),
        "closes_at": timestamp(item.closes_at),
        "all_boroughs": item.all_boroughs,
        "boroughs": [{"ons_code": b.ons_code, "name": b.name, "slug": b.slug}
                     for b in boroughs],
        "questionnaires": [_questionnaire_link(item, q) for q in item.questionnaires
                           if q.versions],
        "url": url_for("api.consultation", slug=item.slug, _external=True),
    }


def _questionnaire_link(item: Consultation, questionnaire: Questionnaire) -> dict:
    return {
        "audience": questionnaire.audience.value,
        "title": questionnaire.title,
        "current_version": questionnaire.current_version.number,
        "url": url_for("api.questionnaire", slug=item.slug,
                       audience=questionnaire.audience.value, _external=True),
    }


def questionnaire(item: Questionnaire, version: QuestionnaireVersion) -> dict:
    keys = {q.id: q.key for s in version.sections for q in s.questions}
    return {
        "consultation": {
            "slug": item.consultation.slug,
            "title": item.consultation.title,
            "url": url_for("api.consultation", slug=item.consultation.slug, _external=True),
        },
        "audience": item.audience.value,
        "title": item.title,
        "introduction": item.introduction,
        "version": version.number,
        "current_version": item.current_version.number,
        "created_at": timestamp(version.created_at),
        "sections": [_section(s, keys) for s in version.sections],
    }


def _section(section: Section, keys: dict[int, str]) -> dict:
    return {
        "title": section.title,
        "introduction": section.introduction,
        "equality": section.is_equality,
        "questions": [_question(q, keys) for q in section.questions],
    }


def _question(question: Question, keys: dict[int, str]) -> dict:
    show_if = None
    if question.show_if_question_id is not None and question.show_if_question_id in keys:
        show_if = {"question": keys[question.show_if_question_id],
                   "values": list(question.show_if_values or [])}
    return {
        "key": question.key,
        "kind": question.kind.value,
        "text": question.text,
        "help": question.help_text,
        "required": question.required,
        "tag": question.tag.value if question.tag else None,
        "min_value": question.min_value,
        "max_value": question.max_value,
        "max_choices": question.max_choices,
        "rank_count": question.rank_count,
        "options": [_option(o) for o in question.options],
        "show_if": show_if,
    }


def _option(option: Option) -> dict:
    return {"value": option.value, "label": option.label, "asks_other": option.asks_other,
            "exclusive": option.exclusive}
