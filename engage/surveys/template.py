"""The ready "Have your say" questionnaires, from engage/surveys/data/have-your-say.toml.

The definition is data, so the words can be changed without touching code; it is checked in
full when it is read (unknown fields, keys, kinds, tags, bounds, options, show-if conditions),
and a broken file stops with a message naming the question, before anything is written.

    add_template_questionnaires(consultation)   residents' and businesses' questionnaires, v1
    add_equality_section(version)                the standard equality-monitoring section

Both add rows and flush; the caller commits.
"""

from __future__ import annotations

import functools
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import resources

from engage.auth.models import User
from engage.extensions import db
from engage.surveys.builder import OPTION_CODE, OPTION_CODE_RULE, tag_problem
from engage.surveys.models import (
    Audience,
    Consultation,
    Option,
    Question,
    QuestionKind,
    Questionnaire,
    QuestionnaireVersion,
    ReportingTag,
    Section,
)
from engage.surveys.questions import YES_NO_OPTIONS

KEY = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
PREFER_NOT = "prefer-not-to-say"

QUESTION_FIELDS = {"key", "kind", "text", "help_text", "interviewer_note", "required", "tag",
                   "min_value", "max_value", "max_choices", "rank_count", "show_if", "options",
                   "option_set"}


class TemplateError(ValueError):
    """The definition itself is wrong: a mistake in the data file, named precisely."""


class TemplateRefused(ValueError):
    """The template cannot be added here, in words for the member of staff."""


@dataclass(frozen=True)
class OptionSpec:
    value: str
    label: str
    asks_other: bool = False
    exclusive: bool = False


@dataclass(frozen=True)
class QuestionSpec:
    key: str
    kind: QuestionKind
    text: str
    help_text: str
    interviewer_note: str
    required: bool
    tag: ReportingTag | None
    min_value: int | None
    max_value: int | None
    max_choices: int | None
    rank_count: int | None
    show_if: tuple[str, tuple[str, ...]] | None  # (earlier key, its option values)
    options: tuple[OptionSpec, ...]


@dataclass(frozen=True)
class SectionSpec:
    title: str
    introduction: str
    is_equality: bool
    questions: tuple[QuestionSpec, ...]


@dataclass(frozen=True)
class QuestionnaireSpec:
    audience: Audience
    title: str
    introduction: str
    sections: tuple[SectionSpec, ...]  # the equality section last


@dataclass(frozen=True)
class Definition:
    questionnaires: tuple[QuestionnaireSpec, ...]
    equality: SectionSpec


# Reading and checking ----------------------------------------------------------------------

def _fields(where: str, raw: object, allowed: set[str], required: set[str]) -> Mapping:
    if not isinstance(raw, Mapping):
        raise TemplateError(f"{where}: expected a table of fields")
    if unknown := sorted(set(raw) - allowed):
        raise TemplateError(f"{where}: unknown field(s) {', '.join(unknown)}")
    if missing := sorted(required - set(raw)):
        raise TemplateError(f"{where}: missing {', '.join(missing)}")
    return raw


def _text(where: str, raw: object, limit: int | None = None, *, empty: bool = False) -> str:
    if not isinstance(raw, str) or (not empty and not raw.strip()):
        raise TemplateError(f"{where}: expected some text")
    if limit is not None and len(raw) > limit:
        raise TemplateError(f"{where}: longer than {limit} characters")
    return raw.strip()


def _whole(where: str, raw: object) -> int | None:
    if raw is None:
        return None
    if isinstance(raw, bool) or not isinstance(raw, int):
        raise TemplateError(f"{where}: expected a whole number")
    return raw


def _options(where: str, raw: dict, option_sets: Mapping[str, tuple[OptionSpec, ...]],
             kind: QuestionKind) -> tuple[OptionSpec, ...]:
    if "options" in raw and "option_set" in raw:
        raise TemplateError(f"{where}: give options or option_set, not both")
    if not kind.has_options:
        if "options" in raw or "option_set" in raw:
            raise TemplateError(f"{where}: a {kind.value} question has no options")
        return ()
    if kind == QuestionKind.YES_NO:
        if "options" in raw or "option_set" in raw:
            raise TemplateError(f"{where}: yes/no options are made automatically")
        return tuple(OptionSpec(value, label) for value, label in YES_NO_OPTIONS)
    if "option_set" in raw:
        if raw["option_set"] not in option_sets:
            raise TemplateError(f"{where}: no option set called {raw['option_set']!r}")
        options = option_sets[raw["option_set"]]
    else:
        options = _option_list(where, raw.get("options"))
    if kind == QuestionKind.RANKING and any(o.asks_other or o.exclusive for o in options):
        raise TemplateError(f"{where}: a ranking cannot have 'other' or exclusive options")
    return options


def _option_list(where: str, raw: object) -> tuple[OptionSpec, ...]:
    if not isinstance(raw, list) or len(raw) < 2:
        raise TemplateError(f"{where}: expected a list of at least 2 options")
    options = []
    for n, item in enumerate(raw, start=1):
        at = f"{where}, option {n}"
        item = _fields(at, item, {"value", "label", "asks_other", "exclusive"},
                       {"value", "label"})
        value = _text(at, item["value"], 60)
        if not OPTION_CODE.match(value):
            raise TemplateError(f"{at}: value {value!r} must be {OPTION_CODE_RULE}")
        flags = {name: item.get(name, False) for name in ("asks_other", "exclusive")}
        if not all(isinstance(flag, bool) for flag in flags.values()):
            raise TemplateError(f"{at}: asks_other and exclusive are true or false")
        options.append(OptionSpec(value, _text(at, item["label"], 300), **flags))
    values = [o.value for o in options]
    if len(set(values)) < len(values):
        raise TemplateError(f"{where}: option values must be unique")
    if sum(o.asks_other for o in options) > 1:
        raise TemplateError(f"{where}: only one option may ask 'other, please say'")
    return tuple(options)


def _question(where: str, raw: object, option_sets: Mapping[str, tuple[OptionSpec, ...]],
              earlier: Mapping[str, QuestionSpec], taken: set[str]) -> QuestionSpec:
    """One question; `earlier` holds the questions of earlier sections (pages), the only ones
    a show-if condition can use: the public pages decide what a page shows before it is
    answered."""
    raw = _fields(where, raw, QUESTION_FIELDS, {"key", "kind", "text"})
    key = _text(where, raw["key"], 60)
    where = f"{where} ({key!r})"
    if not KEY.match(key):
        raise TemplateError(f"{where}: a key is lower-case letters and digits joined by -")
    if key in taken:
        raise TemplateError(f"{where}: another question already has this key")
    try:
        kind = QuestionKind(raw["kind"])
        tag = ReportingTag(raw["tag"]) if "tag" in raw else None
    except ValueError as error:
        raise TemplateError(f"{where}: {error}") from None
    options = _options(where, raw, option_sets, kind)
    numbers = {name: _whole(f"{where}, {name}", raw.get(name))
               for name in ("min_value", "max_value", "max_choices", "rank_count")}
    for name, only in (("min_value", QuestionKind.NUMBER), ("max_value", QuestionKind.NUMBER),
                       ("max_choices", QuestionKind.MULTIPLE_CHOICE),
                       ("rank_count", QuestionKind.RANKING)):
        if numbers[name] is not None and kind != only:
            raise TemplateError(f"{where}: {name} is only for {only.value} questions")
    low, high = numbers["min_value"], numbers["max_value"]
    if low is not None and high is not None and low > high:
        raise TemplateError(f"{where}: min_value is more than max_value")
    for name in ("max_choices", "rank_count"):
        if numbers[name] is not None and not 1 <= numbers[name] <= len(options):
            raise TemplateError(f"{where}: {name} must be between 1 and the number of options")
    required = raw.get("required", True)
    if not isinstance(required, bool):
        raise TemplateError(f"{where}: required is true or false")
    return QuestionSpec(
        key=key, kind=kind, text=_text(where, raw["text"]),
        help_text=_text(where, raw.get("help_text", ""), empty=True),
        interviewer_note=_text(where, raw.get("interviewer_note", ""), empty=True),
        required=required, tag=tag, options=options,
        show_if=_show_if(where, raw.get("show_if"), earlier), **numbers)


def _show_if(where: str, raw: object, earlier: Mapping[str, QuestionSpec]
             ) -> tuple[str, tuple[str, ...]] | None:
    if raw is None:
        return None
    raw = _fields(f"{where}, show_if", raw, {"question", "values"}, {"question", "values"})
    condition = earlier.get(raw["question"])
    if condition is None:
        raise TemplateError(f"{where}: show_if refers to {raw['question']!r}, which is not a "
                            "question in an earlier section")
    values = raw["values"]
    known = {o.value for o in condition.options}
    if not isinstance(values, list) or not values or not set(values) <= known:
        raise TemplateError(f"{where}: show_if values must be options of {condition.key!r} "
                            f"({', '.join(sorted(known)) or 'it has none'})")
    return condition.key, tuple(values)


def _section(where: str, raw: object, option_sets: Mapping[str, tuple[OptionSpec, ...]],
             earlier: dict[str, QuestionSpec],
             is_equality: bool = False) -> SectionSpec:
    raw = _fields(where, raw, {"title", "introduction", "questions"}, {"title", "questions"})
    if not isinstance(raw["questions"], list) or not raw["questions"]:
        raise TemplateError(f"{where}: expected at least one question")
    questions: list[QuestionSpec] = []
    for n, item in enumerate(raw["questions"], start=1):
        taken = earlier.keys() | {q.key for q in questions}
        questions.append(_question(f"{where}, question {n}", item, option_sets, earlier, taken))
    earlier.update((q.key, q) for q in questions)
    return SectionSpec(_text(where, raw["title"], 200),
                       _text(where, raw.get("introduction", ""), empty=True),
                       is_equality, tuple(questions))


def _check_equality(section: SectionSpec) -> None:
    for question in section.questions:
        where = f"equality question {question.key!r}"
        if question.required:
            raise TemplateError(f"{where}: equality questions are optional")
        if question.tag is None or not question.tag.is_equality:
            raise TemplateError(f"{where}: needs an equality tag (age band, ethnic group...)")
        if not any(o.value == PREFER_NOT and o.exclusive for o in question.options):
            raise TemplateError(f"{where}: needs an exclusive {PREFER_NOT!r} option")


def _check_tags(audience: str, sections: tuple[SectionSpec, ...]) -> None:
    seen: set[ReportingTag] = set()
    for section in sections:
        for question in section.questions:
            if question.tag is None:
                continue
            problem = tag_problem(question.tag, question.kind)
            if problem:
                raise TemplateError(f"{audience}: {question.key!r}: {problem}")
            if question.tag in seen:
                raise TemplateError(f"{audience}: more than one question is tagged "
                                    f"{question.tag.value!r}")
            if question.tag.is_equality and not section.is_equality:
                raise TemplateError(f"{audience}: {question.key!r} has an equality tag outside "
                                    "the equality section")
            seen.add(question.tag)


def parse(data: Mapping) -> Definition:
    """Check a whole definition (as read from TOML) and return it, or raise TemplateError."""
    audiences = {a.value for a in Audience}
    data = _fields("template", data, {"option_sets", "equality", *audiences},
                   {"equality", *audiences})
    option_sets = {name: _option_list(f"option set {name!r}", raw)
                   for name, raw in dict(data.get("option_sets", {})).items()}
    equality = _section("equality", data["equality"], option_sets, {}, is_equality=True)
    _check_equality(equality)
    questionnaires = []
    for audience in Audience:
        raw = _fields(audience.value, data[audience.value], {"title", "introduction", "sections"},
                      {"title", "sections"})
        if not isinstance(raw["sections"], list) or not raw["sections"]:
            raise TemplateError(f"{audience.value}: expected at least one section")
        earlier: dict[str, QuestionSpec] = {}
        sections = tuple(_section(f"{audience.value}, section {n}", item, option_sets, earlier)
                         for n, item in enumerate(raw["sections"], start=1))
        if clash := sorted(earlier.keys() & {q.key for q in equality.questions}):
            raise TemplateError(f"{audience.value}: keys also used by the equality section: "
                                f"{', '.join(clash)}")
        _check_tags(audience.value, (*sections, equality))
        questionnaires.append(QuestionnaireSpec(
            audience, _text(audience.value, raw["title"], 200),
            _text(audience.value, raw.get("introduction", ""), empty=True),
            (*sections, equality)))
    return Definition(tuple(questionnaires), equality)


@functools.cache
def definition() -> Definition:
    """The packaged template, read and checked once per process."""
    source = resources.files("engage.surveys").joinpath("data/have-your-say.toml")
    return parse(tomllib.loads(source.read_text(encoding="utf-8")))


# Writing rows ------------------------------------------------------------------------------

def _add_section(version: QuestionnaireVersion, position: int, spec: SectionSpec) -> Section:
    by_key = {q.key: q for s in version.sections for q in s.questions}
    section = Section(position=position, title=spec.title, introduction=spec.introduction,
                      is_equality=spec.is_equality)
    # Appended through the parents' collections, whose cascade puts them in the session.
    version.sections.append(section)
    for n, q in enumerate(spec.questions, start=1):
        question = Question(
            version=version, position=n, key=q.key, kind=q.kind, text=q.text,
            help_text=q.help_text, interviewer_note=q.interviewer_note, required=q.required,
            tag=q.tag, min_value=q.min_value, max_value=q.max_value,
            max_choices=q.max_choices, rank_count=q.rank_count,
            show_if_question=by_key[q.show_if[0]] if q.show_if else None,
            show_if_values=list(q.show_if[1]) if q.show_if else [],
            options=[Option(position=i, value=o.value, label=o.label, asks_other=o.asks_other,
                            exclusive=o.exclusive) for i, o in enumerate(q.options, start=1)])
        section.questions.append(question)
        by_key[q.key] = question
    return section


def add_template_questionnaires(consultation: Consultation,
                                created_by: User | None = None) -> list[Questionnaire]:
    """Give a consultation without questionnaires the ready residents' and businesses' ones."""
    if consultation.questionnaires:
        raise TemplateRefused("This consultation already has questionnaires, so the ready "
                              "template cannot be added to it.")
    added = []
    for spec in definition().questionnaires:
        questionnaire = Questionnaire(consultation=consultation, audience=spec.audience,
                                      title=spec.title, introduction=spec.introduction)
        version = QuestionnaireVersion(questionnaire=questionnaire, number=1,
                                       created_by_id=created_by.id if created_by else None)
        for position, section in enumerate(spec.sections, start=1):
            _add_section(version, position, section)
        db.session.add(questionnaire)
        added.append(questionnaire)
    db.session.flush()
    return added


def add_equality_section(version: QuestionnaireVersion) -> Section:
    """Append the standard equality-monitoring section to a version the caller may edit."""
    if any(s.is_equality for s in version.sections):
        raise TemplateRefused("This questionnaire already has an equality monitoring section.")
    spec = definition().equality
    questions = [q for s in version.sections for q in s.questions]
    for new in spec.questions:
        if any(q.key == new.key for q in questions):
            raise TemplateRefused(f"A question already uses the key \u201c{new.key}\u201d. "
                                  "Change that key first, then add the equality section.")
        if any(q.tag == new.tag for q in questions):
            raise TemplateRefused(f"A question is already tagged \u201c{new.tag.label}\u201d. "
                                  "Remove that tag first, then add the equality section.")
    position = max((s.position for s in version.sections), default=0) + 1
    section = _add_section(version, position, spec)
    db.session.flush()
    return section
