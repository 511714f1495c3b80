"""Consultations, questionnaires and published borough reports as the JSON the API returns.

The shapes here are exactly the schemas in engage.api.openapi; a test checks real responses
against that document, so change both together. Times are UTC, written ISO 8601 with a Z.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from engage.auth.operations import external_url
from engage.boroughs.models import Borough
from engage.reports.change import PriorityChange
from engage.reports.free_text import PublishedComments
from engage.reports.published import Gap, Measure, Priorities, Report, Row, Weighting
from engage.reports.targets import confidence_against_target, feeling_safe_against_target
from engage.reports.targets_models import ReportPublication
from engage.suppression import Cell, describe
from engage.surveys.models import (
    Consultation,
    Option,
    Question,
    Questionnaire,
    QuestionnaireVersion,
    Section,
)
from engage.translations.content import translated_version
from engage.translations.languages import ENGLISH, Language


def timestamp(value: datetime) -> str:
    """A stored naive-UTC time as `2027-03-14T18:30:00Z`."""
    return value.replace(microsecond=0).isoformat() + "Z"


def consultation(item: Consultation, all_boroughs: list[Borough],
                 reported: list[Borough] = ()) -> dict:
    """`reported`: the boroughs whose report on it is published, by name."""
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
        "reports": report_links(item, reported),
        "url": external_url("api.consultation", slug=item.slug),
    }


def report_links(item: Consultation, reported: list[Borough]) -> list[dict]:
    return [{"borough": b.slug, "name": b.name,
             "url": external_url("api.report", slug=item.slug, borough_slug=b.slug)}
            for b in reported]


def report_entry(published: ReportPublication) -> dict:
    """A published report in the list at /api/reports: what it is, and where to read it."""
    borough, item = published.borough, published.consultation
    return {
        "consultation": {"slug": item.slug, "title": item.title},
        "borough": {"ons_code": borough.ons_code, "name": borough.name, "slug": borough.slug},
        "published_at": timestamp(published.published_at),
        "url": external_url("api.report", slug=item.slug, borough_slug=borough.slug),
        "page_url": external_url("public_reports.report", borough_slug=borough.slug,
                                 consultation_slug=item.slug),
    }


def _questionnaire_link(item: Consultation, questionnaire: Questionnaire) -> dict:
    return {
        "audience": questionnaire.audience.value,
        "title": questionnaire.title,
        "current_version": questionnaire.current_version.number,
        "url": external_url("api.questionnaire", slug=item.slug,
                            audience=questionnaire.audience.value),
        "answer_url": external_url("surveys_public.start", questionnaire_id=questionnaire.id),
    }


def questionnaire(item: Questionnaire, version: QuestionnaireVersion,
                  languages: list[Language], code: str = ENGLISH,
                  texts: dict[str, str] | None = None) -> dict:
    """`version` in the language `code`, its words from `texts` (None: English);
    `languages`: those it is translated into in full."""
    texts = texts or {}

    def said(english: str) -> str:
        # As engage.translations.content.translated_version reads a translation.
        return texts.get((english or "").strip()) or english

    if texts:
        # A copy with every key, value and condition unchanged: only the words differ.
        version = translated_version(version, texts)
    keys = {q.id: q.key for s in version.sections for q in s.questions}
    answered_now = version.number == item.current_version.number
    return {
        "consultation": {
            "slug": item.consultation.slug,
            "title": said(item.consultation.title),
            "url": external_url("api.consultation", slug=item.consultation.slug),
        },
        "audience": item.audience.value,
        "title": said(item.title),
        "introduction": said(item.introduction),
        "version": version.number,
        "current_version": item.current_version.number,
        "created_at": timestamp(version.created_at),
        "language": code,
        "languages": [_language(item, each, answered_now) for each in languages],
        "sections": [_section(s, keys) for s in version.sections],
    }


def _language(item: Questionnaire, language: Language, answered_now: bool) -> dict:
    return {
        "code": language.code,
        "name": language.name,
        "own_name": language.own_name,
        "direction": language.direction,
        # People answer the current version: an earlier one's languages have nowhere to go.
        "answer_url": external_url("surveys_public.start", questionnaire_id=item.id,
                                   language=language.code) if answered_now else None,
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


# Published reports --------------------------------------------------------------------------

def _fraction(value: float | None) -> float | None:
    return None if value is None else round(value, 4)


def count(cell: Cell, threshold: int) -> dict:
    """A count people may see: the number, or null and "fewer than N" when it is hidden."""
    return {"count": cell.count, "suppressed": cell.suppressed,
            "display": describe(cell, threshold)}


def _count_row(row: Row, threshold: int) -> dict:
    return {"key": row.key, "label": row.label, "respondents": count(row.cell, threshold),
            "share": _fraction(row.share)}


def _comments(question: PublishedComments, threshold: int) -> dict:
    """A free-text question as the public page shows it: how many wrote something and the
    words most used, never a comment; neither where it would give back a hidden count."""
    if question.withheld:
        return {"ref": question.ref, "title": question.title, "withheld": True,
                "comments": None, "approximate": False, "terms": []}
    return {"ref": question.ref, "title": question.title, "withheld": False,
            "comments": count(question.comments, threshold),
            "approximate": bool(question.undercount),
            "terms": [{"term": t.term, "respondents": count(t.cell, threshold),
                       "share": _fraction(t.share)} for t in question.terms]}


def _interval(row: Row) -> list[float] | None:
    return None if row.interval is None else [_fraction(v) for v in row.interval]


def _weighted(row: Row) -> dict:
    return {"weighted_share": _fraction(row.weighted_share),
            "weighted_interval": None if row.weighted_interval is None
            else [_fraction(v) for v in row.weighted_interval]}


def _priorities(priorities: Priorities | None, threshold: int) -> dict | None:
    if priorities is None:
        return None
    return {
        "ranking": priorities.ranking,
        "places": priorities.places,
        "answered": count(priorities.table.total, threshold),
        "note": priorities.table.note,
        "options": [{**_count_row(row, threshold), "interval": _interval(row),
                     "score": None if row.score is None else round(row.score, 2),
                     **_weighted(row)}
                    for row in priorities.table.rows],
    }


def _measure(measure: Measure, threshold: int) -> dict:
    headline = measure.headline
    return {
        "tag": measure.tag.value,
        "title": measure.title,
        "positive_words": measure.positive_words,
        "headline": None if headline is None else {
            "share": _fraction(headline.share), "interval": _interval(headline),
            **_weighted(headline)},
        "with_a_view": count(measure.answers.total, threshold),
        "answers": [_count_row(row, threshold) for row in measure.answers.rows],
    }


def _weighting(weighting: Weighting | None) -> dict | None:
    if weighting is None:
        return None
    return {"status": weighting.status, "explanation": weighting.paragraphs,
            "design_effect": None if weighting.design_effect is None
            else round(weighting.design_effect, 4),
            "effective_sample_size": None if weighting.effective_sample_size is None
            else round(weighting.effective_sample_size, 1)}


def _gap(gap: Gap | None, target: str | None, threshold: int) -> dict | None:
    if gap is None:
        return None
    return {"status": gap.status,
            "points": None if gap.points is None else round(gap.points, 2),
            "weighted_points": None if gap.weighted_points is None
            else round(gap.weighted_points, 2),
            "interval": None if gap.interval is None
            else [round(100 * v, 2) for v in gap.interval],
            "met": gap.met(target),
            "groups": [{"key": g.key, "label": g.label,
                        "with_a_view": count(g.base, threshold), "share": _fraction(g.share),
                        "weighted_share": _fraction(g.weighted_share)} for g in gap.groups]}


def _change(change: PriorityChange | None) -> dict | None:
    if change is None:
        return None

    def fraction(value: float | None) -> float | None:
        return None if value is None else round(value, 4)

    return {"since": change.title, "comparable": change.comparable,
            "reason": change.reason or None,
            "rows": [{"key": r.key, "label": r.label, "now": fraction(r.now),
                      "before": fraction(r.before), "change": fraction(r.change),
                      "interval": None if r.interval is None
                      else [fraction(v) for v in r.interval],
                      "beyond_chance": r.beyond_chance, "note": r.note or None}
                     for r in change.rows]}


def _number(text: str | None) -> float | None:
    return None if text is None else float(Decimal(text))


def report(published: ReportPublication, built: Report) -> dict:
    """A published borough report: only what its public page shows (no equality tables, no
    weeks), every count through suppression, and the pinned targets and crime figures."""
    threshold = built.threshold
    content = published.content
    confidence = confidence_against_target(built, content["confidence_target"])
    feeling_safe = feeling_safe_against_target(built, content.get("feeling_safe_target"))
    crime = content["crime_figures"]
    borough, item = published.borough, published.consultation
    args = {"borough_slug": borough.slug, "consultation_slug": item.slug}
    return {
        "consultation": {"slug": item.slug, "title": item.title},
        "borough": {"ons_code": borough.ons_code, "name": borough.name, "slug": borough.slug},
        "published_at": timestamp(published.published_at),
        "counted_at": timestamp(published.counted_at),
        "suppression_threshold": threshold,
        "respondents": count(built.respondents, threshold),
        "priorities": _priorities(built.priorities, threshold),
        "measures": [_measure(m, threshold) for m in built.measures],
        "by_channel": [_count_row(r, threshold) for r in built.by_channel.rows],
        "by_audience": [_count_row(r, threshold) for r in built.by_audience.rows],
        "confidence_target": {
            "target": _number(content["confidence_target"]),
            "share": _fraction(confidence.share),
            "met": confidence.met,
        },
        "feeling_safe_target": {
            "target": _number(content.get("feeling_safe_target")),
            "share": _fraction(feeling_safe.share),
            "met": feeling_safe.met,
        },
        "gap_target": _number(content["gap_target"]),
        "confidence_gap": _gap(built.gap, content["gap_target"], threshold),
        "weighting": _weighting(built.weighting),
        "comments": [_comments(c, threshold) for c in built.free_text]
                    + [_comments(c, threshold) for c in built.free_text_withheld],
        "change_since_previous": _change(built.change),
        "crime_figures": None if crime is None else {
            "period": crime["period"],
            "rows": [{"crime_type": r["crime_type"],
                      "change_in_offences": r["change_in_offences"],
                      "percentage_change": _number(r["percentage_change"]),
                      "target": r["target"], "achieved": r["achieved"]} for r in crime["rows"]],
        },
        "planned_priorities": [{"title": p["title"], "target": p["target"]}
                               for p in content["planned"]],
        "links": {
            "page": external_url("public_reports.report", **args),
            "pdf": external_url("report_downloads.public_pdf", **args),
            "xlsx": external_url("report_downloads.public_xlsx", **args),
            "local_policing_summary": external_url("report_downloads.local_policing_summary",
                                                   **args),
        },
    }
