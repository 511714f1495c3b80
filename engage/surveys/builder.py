"""The rules for building a questionnaire: sections, questions, options and conditions. These
add and flush; the view commits once (and audits).

Changes arrive here already pointed at the editable version (see engage.surveys.versions). A
rule that refuses a change raises BuilderError naming the form field it belongs to, before
anything is written.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import select

from engage.extensions import db
from engage.surveys.models import (
    Option,
    Question,
    QuestionKind,
    QuestionnaireVersion,
    ReportingTag,
    Section,
)
from engage.surveys.questions import YES_NO_OPTIONS

KEY = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
# An option's code may also end in "+": the bands equality monitoring and the population
# figures share are coded like 16-24 and 75+ (engage.groups.models.AgeBand).
OPTION_CODE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*\+?$")
OPTION_CODE_RULE = ("lower-case letters, numbers and single hyphens, and may end in +, like "
                    "knife-crime or 75+")
KEY_LENGTH = 60
RATING_SCALE = ("Excellent", "Good", "Fair", "Poor", "Very poor")
# Kinds a question may change between while keeping its options (or its text answers).
CHOICE_KINDS = (QuestionKind.SINGLE_CHOICE, QuestionKind.MULTIPLE_CHOICE, QuestionKind.RANKING,
                QuestionKind.RATING)
TEXT_KINDS = (QuestionKind.SHORT_TEXT, QuestionKind.LONG_TEXT)


class BuilderError(ValueError):
    """A change the rules refuse, with the words for the editor and the field they are about."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field


def slugify(text: str, limit: int = KEY_LENGTH) -> str:
    """'Have your say 2027/28' -> 'have-your-say-2027-28', cut at a hyphen within `limit`."""
    slug = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
    if len(slug) > limit:
        slug = slug[:limit + 1].rsplit("-", 1)[0] if "-" in slug[:limit + 1] else slug[:limit]
    return slug.strip("-")


def unique(base: str, taken: set[str], fallback: str, limit: int = KEY_LENGTH) -> str:
    base = base or fallback
    candidate, n = base, 2
    while candidate in taken:
        suffix = f"-{n}"
        candidate, n = base[:limit - len(suffix)].rstrip("-") + suffix, n + 1
    return candidate


# Reordering -----------------------------------------------------------------------------------

def _swap(item, siblings: list, direction: str) -> object | None:
    """Swap `item` with its neighbour in `siblings` (ordered by position). Returns the
    neighbour, or None at either end. The positions are unique, so one item waits at a free
    position while the other moves, all in the caller's transaction."""
    index = siblings.index(item)
    other_index = index - 1 if direction == "up" else index + 1
    if direction not in ("up", "down") or not 0 <= other_index < len(siblings):
        return None
    other = siblings[other_index]
    mine, theirs = item.position, other.position
    item.position = max(s.position for s in siblings) + 1
    db.session.flush()
    other.position = mine
    db.session.flush()
    item.position = theirs
    db.session.flush()
    return other


def _next_position(items: list) -> int:
    return max((i.position for i in items), default=0) + 1


# Sections -------------------------------------------------------------------------------------

def add_section(version: QuestionnaireVersion, title: str, introduction: str = "") -> Section:
    section = Section(version=version, position=_next_position(version.sections), title=title,
                      introduction=introduction)
    db.session.add(section)
    db.session.flush()
    return section


def update_section(section: Section, title: str, introduction: str) -> None:
    section.title, section.introduction = title, introduction
    db.session.flush()


def _conditions_from(sources: list[Question], into: list[Question]) -> list[Question]:
    """The questions in `into` shown only after an answer to one of `sources`."""
    ids = {q.id for q in sources}
    return [q for q in into if q.show_if_question_id in ids]


def _quoted(questions: list[Question]) -> str:
    return ", ".join(f"\u201c{q.text}\u201d" for q in questions)


def _depend(questions: list[Question]) -> str:
    """"depends" after one quoted question, "depend" after several."""
    return "depends" if len(questions) == 1 else "depend"


def move_section(section: Section, direction: str) -> bool:
    """Swap with the neighbouring section; refused if a question would then come before the
    question its condition depends on."""
    sections = list(section.version.sections)
    index = sections.index(section)
    neighbour_index = index - 1 if direction == "up" else index + 1
    if direction in ("up", "down") and 0 <= neighbour_index < len(sections):
        neighbour = sections[neighbour_index]
        # After the swap `first` comes before `second`.
        first, second = (section, neighbour) if direction == "up" else (neighbour, section)
        broken = _conditions_from(second.questions, first.questions)
        if broken:
            them = "it" if len(broken) == 1 else "they"
            raise BuilderError(f"{_quoted(broken)} {_depend(broken)} on an answer in "
                               f"\u201c{second.title}\u201d, so {them} must stay after it. "
                               "Change the condition first.")
    moved = _swap(section, sections, direction) is not None
    db.session.expire(section.version, ["sections"])
    return moved


def remove_section(section: Section) -> None:
    version = section.version
    later = [q for q in version.ordered_questions() if q.section_id != section.id]
    broken = _conditions_from(section.questions, later)
    if broken:
        its = "its condition" if len(broken) == 1 else "their conditions"
        raise BuilderError(f"{_quoted(broken)} {_depend(broken)} on an answer in this section. "
                           f"Change {its} first.")
    db.session.delete(section)
    db.session.flush()
    db.session.expire(version, ["sections"])


# Questions ------------------------------------------------------------------------------------

@dataclass
class QuestionDetails:
    text: str
    key: str  # empty: made from the text
    kind: QuestionKind
    help_text: str = ""
    interviewer_note: str = ""
    required: bool = True
    tag: ReportingTag | None = None
    min_value: int | None = None
    max_value: int | None = None
    max_choices: int | None = None
    rank_count: int | None = None
    option_labels: list[str] | None = None  # new questions only: one option per label
    section: Section | None = None  # another section to move the question to


def allowed_kinds(kind: QuestionKind) -> tuple[QuestionKind, ...]:
    """What a question of this kind may become without losing its options or answers' shape."""
    for family in (CHOICE_KINDS, TEXT_KINDS):
        if kind in family:
            return family
    return (kind,)


# Measures with a headline share ("excellent or good", "very or fairly safe"): one answer each.
ONE_ANSWER_TAGS = (ReportingTag.CONFIDENCE, ReportingTag.FEELING_SAFE)


def tag_problem(tag: ReportingTag | None, kind: QuestionKind) -> str | None:
    """Why a question of this kind cannot carry this reporting tag, or None. Reports count the
    options people chose, so a tagged question must offer options; confidence and feeling safe
    are shares of people, so each person gives one answer."""
    if tag is None:
        return None
    if not tag.is_offered:
        return (f"No question needs the reporting tag \u201c{tag.label}\u201d: every "
                "questionnaire asks for the borough first, from the person's postcode, and "
                "reports use that. Choose another tag or none")
    if not kind.has_options:
        return (f"A question with the reporting tag \u201c{tag.label}\u201d must offer options "
                "to choose from (a choice, rating, ranking or yes or no question): reports "
                "count the options people choose")
    if tag in ONE_ANSWER_TAGS and kind in (QuestionKind.MULTIPLE_CHOICE, QuestionKind.RANKING):
        return (f"A question with the reporting tag \u201c{tag.label}\u201d must take one "
                "answer from each person (a rating or single choice question)")
    return None


def _check_equality_tag(details: QuestionDetails, section: Section,
                        question: Question | None) -> None:
    """An equality tag (ethnic group, age band, disability) only in the equality section: it is
    asked only after the person agrees, and its answer kept only with their consent. Anywhere
    else it would be asked first and stored without consent (as templates are checked too)."""
    if details.tag is None or not details.tag.is_equality or section.is_equality:
        return
    label = f"\u201c{details.tag.label}\u201d"
    if question is not None and question.section.is_equality and question.tag == details.tag:
        raise BuilderError(f"A question with the reporting tag {label} must stay in the "
                           "equality monitoring section: people answer it only if they agree "
                           "to, and their answer is kept only with their consent", "section")
    raise BuilderError(f"The reporting tag {label} can only be on a question in the equality "
                       "monitoring section, which people answer only if they agree to. Choose "
                       "another tag or none", "tag")


def _check_key_and_tag(version: QuestionnaireVersion, details: QuestionDetails,
                       question: Question | None, section: Section) -> str:
    others = [q for q in version.ordered_questions() if q is not question]
    taken = {q.key for q in others}
    if details.key:
        if not KEY.match(details.key) or len(details.key) > KEY_LENGTH:
            raise BuilderError("The question key must be lower-case letters, numbers and "
                               f"single hyphens, {KEY_LENGTH} characters or fewer", "key")
        if details.key in taken:
            raise BuilderError("Another question in this version already has this key: "
                               "choose another", "key")
        key = details.key
    else:
        key = question.key if question else unique(slugify(details.text, 40), taken,
                                                     "question")
    problem = tag_problem(details.tag, details.kind)
    if problem:
        raise BuilderError(problem, "tag")
    _check_equality_tag(details, section, question)
    if details.tag is not None:
        holder = next((q for q in others if q.tag == details.tag), None)
        if holder is not None:
            raise BuilderError(f"\u201c{holder.text}\u201d already has the reporting tag "
                               f"\u201c{details.tag.label}\u201d: each tag can be on one "
                               "question in a version", "tag")
    return key


def _initial_options(details: QuestionDetails) -> list[Option]:
    if details.kind == QuestionKind.YES_NO:
        pairs = list(YES_NO_OPTIONS)
    elif details.kind in CHOICE_KINDS:
        labels = details.option_labels or (
            list(RATING_SCALE) if details.kind == QuestionKind.RATING else [])
        if len(labels) < 2:
            raise BuilderError("Enter at least 2 options, one on each line", "options")
        seen: set[str] = set()
        for label in labels:
            if label.lower() in seen:
                raise BuilderError(f"\u201c{label}\u201d is listed more than once", "options")
            seen.add(label.lower())
        pairs, taken = [], set()
        for label in labels:
            value = unique(slugify(label), taken, "option")
            taken.add(value)
            pairs.append((value, label))
    else:
        return []
    return [Option(position=n, value=v, label=label)
            for n, (v, label) in enumerate(pairs, start=1)]


def _only_what_the_kind_uses(question: Question) -> None:
    kind = question.kind
    if kind != QuestionKind.NUMBER:
        question.min_value = question.max_value = None
    if kind != QuestionKind.MULTIPLE_CHOICE:
        question.max_choices = None
    if kind != QuestionKind.RANKING:
        question.rank_count = None


def _apply(question: Question, details: QuestionDetails, key: str) -> None:
    question.key, question.kind, question.text = key, details.kind, details.text
    question.help_text, question.interviewer_note = details.help_text, details.interviewer_note
    question.required, question.tag = details.required, details.tag
    question.min_value, question.max_value = details.min_value, details.max_value
    question.max_choices, question.rank_count = details.max_choices, details.rank_count
    _only_what_the_kind_uses(question)


def add_question(section: Section, details: QuestionDetails) -> Question:
    key = _check_key_and_tag(section.version, details, None, section)
    question = Question(version=section.version, section=section,
                        position=_next_position(section.questions))
    _apply(question, details, key)
    question.options = _initial_options(details)
    db.session.add(question)
    db.session.flush()
    db.session.expire(section, ["questions"])
    return question


def _dependents(question: Question) -> list[Question]:
    return [q for q in question.version.ordered_questions()
            if q.show_if_question_id == question.id]


def update_question(question: Question, details: QuestionDetails) -> None:
    if details.kind not in allowed_kinds(question.kind):
        raise BuilderError(f"A {question.kind.label.lower()} question cannot become a "
                           f"{details.kind.label.lower()} question", "kind")
    target = details.section or question.section
    key = _check_key_and_tag(question.version, details, question, target)
    if details.kind == QuestionKind.RANKING and question.kind != QuestionKind.RANKING:
        special = [o for o in question.options if o.asks_other or o.exclusive]
        if special:
            raise BuilderError(
                "A ranking question cannot have an option that asks people to say more or "
                f"must be chosen on its own: change \u201c{special[0].label}\u201d first", "kind")
    if target is not question.section:
        source = question.show_if_question
        if source is not None and source.section.position >= target.position:
            raise BuilderError(f"This question depends on an answer to \u201c{source.text}"
                               f"\u201d, so it must be in a later section", "section")
        too_early = [q for q in _dependents(question)
                     if q.section.position <= target.position]
        if too_early:
            raise BuilderError(f"{_quoted(too_early)} {_depend(too_early)} on this question, "
                               "so it must stay in an earlier section", "section")
    _apply(question, details, key)
    if target is not question.section:
        old = question.section
        question.position = _next_position(target.questions)
        question.section = target
        db.session.flush()
        db.session.expire(old, ["questions"])
        db.session.expire(target, ["questions"])
    db.session.flush()


def move_question(question: Question, direction: str) -> bool:
    """Swap with the neighbouring question in its section (a section is one page, so the
    order of conditions between pages is unchanged)."""
    moved = _swap(question, list(question.section.questions), direction) is not None
    db.session.expire(question.section, ["questions"])
    return moved


def remove_question(question: Question) -> None:
    dependents = _dependents(question)
    if dependents:
        its = "its condition" if len(dependents) == 1 else "their conditions"
        raise BuilderError(f"{_quoted(dependents)} {_depend(dependents)} on an answer to this "
                           f"question. Change {its} first.")
    section = question.section
    db.session.delete(question)
    db.session.flush()
    db.session.expire(section, ["questions"])


def is_equality_question(question: Question) -> bool:
    return question.section.is_equality or bool(question.tag and question.tag.is_equality)


def condition_sources(question: Question) -> list[Question]:
    """The questions a condition can depend on: those with options, on an earlier page. One
    query, in page order, whatever the number of sections before it.

    Not an equality monitoring question, for a question outside that section: who is shown it
    would tell the answer (a question shown only to those who said "Black" says so of everyone
    who answers it, in every report and file), and the equality answers are kept only with
    consent, never to steer the rest of the questionnaire."""
    earlier = db.session.execute(
        select(Question, Section.is_equality).join(Section, Section.id == Question.section_id)
        .where(Question.version_id == question.version_id,
               Section.position < question.section.position)
        .order_by(Section.position, Question.position))
    private_ok = is_equality_question(question)
    return [q for q, in_equality_section in earlier if q.kind.has_options
            and (private_ok or not (in_equality_section or (q.tag and q.tag.is_equality)))]


def set_condition(question: Question, source: Question, values: list[str]) -> None:
    if source not in condition_sources(question):
        raise BuilderError("Choose a question with options in an earlier section",
                           "question")
    known = {o.value for o in source.options}
    chosen = [v for v in values if v in known]
    if not chosen or len(chosen) != len(values):
        raise BuilderError("Select at least one of the answers shown", "values")
    question.show_if_question = source
    question.show_if_values = [o.value for o in source.options if o.value in chosen]
    db.session.flush()


def clear_condition(question: Question) -> None:
    question.show_if_question = None
    question.show_if_values = []
    db.session.flush()


# Options --------------------------------------------------------------------------------------

def _check_option(question: Question, option: Option | None, label: str, value: str,
                  asks_other: bool) -> None:
    others = [o for o in question.options if o is not option]
    if any(o.label.lower() == label.lower() for o in others):
        raise BuilderError("This question already has an option with these words", "label")
    if value and (not OPTION_CODE.match(value) or len(value) > KEY_LENGTH):
        raise BuilderError(f"The code must be {OPTION_CODE_RULE}, {KEY_LENGTH} characters or "
                           "fewer", "value")
    if value in {o.value for o in others}:
        raise BuilderError("Another option of this question already has this code", "value")
    if asks_other and question.kind == QuestionKind.RANKING:
        # The ranking page, the paper form and the interview have nowhere to say more.
        raise BuilderError("An option of a ranking question cannot ask people to say more",
                           "asks_other")
    if asks_other and any(o.asks_other for o in others):
        raise BuilderError("Only one option can ask people to say more", "asks_other")


def add_option(question: Question, label: str, value: str = "", asks_other: bool = False,
               exclusive: bool = False) -> Option:
    if question.kind == QuestionKind.YES_NO:
        raise BuilderError("A yes or no question has only the options Yes and No")
    _check_option(question, None, label, value, asks_other)
    value = value or unique(slugify(label), {o.value for o in question.options}, "option")
    option = Option(question=question, position=_next_position(question.options), value=value,
                    label=label, asks_other=asks_other, exclusive=exclusive)
    db.session.add(option)
    db.session.flush()
    db.session.expire(question, ["options"])
    return option


def update_option(option: Option, label: str, value: str, asks_other: bool,
                  exclusive: bool) -> None:
    """Change an option. Its code is kept unless changed here; a new code is carried into the
    conditions that name it, so they keep working."""
    question = option.question
    value = value or option.value
    _check_option(question, option, label, value, asks_other)
    if value != option.value:
        for dependent in _dependents(question):
            dependent.show_if_values = [value if v == option.value else v
                                        for v in dependent.show_if_values]
    option.label, option.value = label, value
    option.asks_other, option.exclusive = asks_other, exclusive
    db.session.flush()


def move_option(option: Option, direction: str) -> bool:
    question = option.question
    moved = _swap(option, list(question.options), direction) is not None
    db.session.expire(question, ["options"])
    return moved


def remove_option(option: Option) -> None:
    question = option.question
    if question.kind == QuestionKind.YES_NO:
        raise BuilderError("A yes or no question has only the options Yes and No")
    if len(question.options) <= 2:
        raise BuilderError("A question needs at least 2 options: add another before removing "
                           "this one")
    relying = [q for q in _dependents(question) if option.value in q.show_if_values]
    if relying:
        raise BuilderError(f"{_quoted(relying)} is shown only after this answer. Change its "
                           "condition first.")
    db.session.delete(option)
    db.session.flush()
    db.session.expire(question, ["options"])
