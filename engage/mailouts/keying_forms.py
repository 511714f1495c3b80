"""The keying screen's forms: the reference (typed, or typed by a scanner reading the QR code),
the whole paper questionnaire on one page, and a supervisor's choices between two keyings.

Options are keyed by number: the boxes are numbered 1, 2, 3... down the paper in the order
printed, each number printed beside its box (engage.mailouts.rendering), and the clerk types
the number of the box ticked ("2"), of every box ticked ("1 3 4", or "134" when there are
fewer than 10 boxes) or, for a ranking, of the boxes marked 1, 2 and 3 in that order
("4 1 7"). Digits and Tab, hands never leaving the keyboard, and no JavaScript:
radios would need the arrow key pressed once per option to reach the fifth box, and a ranking
three drop-downs. The numbers typed are turned into the canonical answers of
engage.surveys.questions and checked there, like every other channel's.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from govuk_frontend_wtf.wtforms_widgets import GovCheckboxInput, GovTextArea
from markupsafe import Markup, escape
from wtforms import BooleanField, Field, SelectChoice, TextAreaField

from engage.forms import (
    FlaskForm,
    GovRadioInput,
    GovSubmitInput,
    GovTextInput,
    RadioField,
    StringField,
    SubmitField,
    strip,
    whole_number,
)
from engage.mailouts.keying import Difference
from engage.surveys.models import Question, QuestionKind, QuestionnaireVersion, Section
from engage.surveys.pages import DayMonthYearField, field_name, other_field_name
from engage.surveys.questions import AnswerError, check, is_shown

CONSENT_FIELD = "equality_consent"
ONE = (QuestionKind.SINGLE_CHOICE, QuestionKind.RATING, QuestionKind.YES_NO)


class ReferenceForm(FlaskForm):
    reference = StringField(
        "Reference", filters=[strip], widget=GovTextInput(),
        description="Type it from the top of any page, like K7M3-9QX2-T, or scan the QR code.",
        # A desk scanner types the QR code's text and presses Enter: the field must have the
        # focus when the page opens for scanning to work, and nothing else is on the page.
        render_kw={"autocomplete": "off", "spellcheck": "false", "autocapitalize": "characters",
                   "autofocus": True})
    submit = SubmitField("Open the form", widget=GovSubmitInput())


# Reading option numbers --------------------------------------------------------------------

def _numbers(question: Question, typed: str) -> list[int]:
    """'1 3 4', '1,3,4' or (under 10 boxes) '134' -> [1, 3, 4]; AnswerError if not numbers of
    boxes on the paper."""
    count = len(question.options)
    typed = (typed or "").strip()
    if not typed:
        return []
    if count < 10 and re.fullmatch(r"\d+", typed):
        parts = list(typed)
    else:
        parts = [p for p in re.split(r"[\s,;/.+]+", typed) if p]
    boxes = [whole_number(p) for p in parts]
    if not all(n is not None and 1 <= n <= count for n in boxes):
        # One box or several, as the question has the clerk type them; no full stop at the
        # end, as no other error message has one.
        what = "the box number" if question.kind in ONE else "box numbers"
        spaced = ". Put a space between numbers" if count >= 10 and what == "box numbers" else ""
        raise AnswerError(f"Type {what} from 1 to {count}, as printed beside the boxes"
                          f"{spaced}")
    return boxes


def raw_answer(form: FlaskForm, question: Question) -> dict:
    """What was keyed for one question, in the canonical shape (not yet checked)."""
    data = form[field_name(question)].data
    name = other_field_name(question)
    other = form[name].data if name in form else None
    kind = question.kind
    if kind.has_options:
        numbers = _numbers(question, data)
        values = [question.options[n - 1].value for n in numbers]
        _words_without_their_box(question, values, other)
        if kind in ONE:
            if len(values) > 1:
                raise AnswerError("Type one box number. If more than one box is ticked, leave "
                                  "this blank")
            return {"option": values[0] if values else None, "other": other}
        if kind == QuestionKind.MULTIPLE_CHOICE:
            _typed_twice(numbers)
            _too_many_ticks(question, values)
            return {"options": values, "other": other}
        _typed_twice(numbers, ranking=True)
        limit = min(question.rank_count or len(question.options), len(question.options))
        if len(values) > limit:
            # Numbers past the top places asked for were written on the paper, not chosen
            # again: the clerk keys the places asked for and leaves the rest.
            raise AnswerError(f"Type only the boxes marked 1 to {limit}, in that order: the "
                              f"question asks for the top {limit}")
        return {"ranked": values}
    if kind == QuestionKind.NUMBER:
        return {"number": data}
    if kind == QuestionKind.POSTCODE:
        return {"postcode": data}
    if kind == QuestionKind.DATE:
        return {"date": data}
    return {"text": data}


def _words_without_their_box(question: Question, values: list[str], other: str | None) -> None:
    """Words typed in "Please say" are kept only with the box they go with: rather than lose
    them without a word, ask the clerk to type that box too, or to clear them."""
    asks = next((n for n, o in enumerate(question.options, start=1) if o.asks_other), None)
    if asks is None or not (other or "").strip() or question.options[asks - 1].value in values:
        return
    raise AnswerError(f"Words are typed for box {asks}, but box {asks} is not. If they wrote "
                      f"there, type {asks} with the other box numbers; if not, clear the words",
                      part="other")


def _typed_twice(numbers: list[int], ranking: bool = False) -> None:
    """A box typed twice ("1 1 3") is a slip for another box more often than not: kept once,
    the box meant would be lost without a word, so the clerk is asked to look again. (For a
    ranking, in box numbers: the online pages' "Choose each option only once" spoke of
    choosing, which a clerk does not do.)"""
    twice = next((n for i, n in enumerate(numbers) if n in numbers[:i]), None)
    if twice is not None:
        raise AnswerError(f"Box {twice} is typed twice. " + (
            "Type each box marked on the paper once, in the order marked" if ranking
            else "Type each box ticked on the paper once"))


def _too_many_ticks(question: Question, values: list[str]) -> None:
    """A paper ticked against its own instructions cannot be counted, like two boxes ticked
    for a one-box question: the clerk is told to leave it blank, not (as the online pages
    would tell the respondent) to choose fewer."""
    chosen = [o for o in question.options if o.value in values]
    limit = question.max_choices
    if limit and len(chosen) > limit:
        raise AnswerError(f"{len(chosen)} box numbers are typed, but the question says tick up "
                          f"to {limit}. If more than {limit} boxes are ticked on the paper, "
                          "leave this blank")
    only = next((o for o in chosen if o.exclusive), None)
    if only is not None and len(chosen) > 1:
        raise AnswerError(f"\u201c{only.label}\u201d is typed with other boxes. If the paper "
                          "has it ticked with others, leave this blank")


def codes_for(question: Question, value: dict | None) -> str:
    """An answer as it would be keyed ("1 3"), to show beside its words."""
    if not value or not question.kind.has_options:
        return ""
    numbers = {o.value: str(n) for n, o in enumerate(question.options, start=1)}
    chosen = ([value["option"]] if "option" in value
              else value.get("options") or value.get("ranked") or [])
    return " ".join(numbers.get(v, "?") for v in chosen)


def read_answers(form: FlaskForm, questions: list[Question], *, skip_hidden: bool = False
                 ) -> dict[str, dict | None] | None:
    """The checked answers keyed for these questions, blanks allowed, or None with each error
    on its field (ready for the error summary). `skip_hidden`: a question the paper said to
    skip, given the answers before it, is not read at all (its answer would not be kept, so
    a wrong one must not hold the clerk up)."""
    answers: dict[str, dict | None] = {}
    for question in questions:
        if skip_hidden and not is_shown(question, answers):
            continue
        try:
            answers[question.key] = check(question, raw_answer(form, question),
                                          relax_required=True)
        except AnswerError as error:
            target = other_field_name(question) if error.part == "other" else field_name(
                question)
            form[target].errors = list(form[target].errors or []) + [error.message]
    return None if form.errors else answers


# The whole questionnaire on one page ------------------------------------------------------

def _hint(question: Question, numbers: dict[int, int]) -> Markup:
    kind, count = question.kind, len(question.options)
    if kind in ONE:
        how = "Type the number of the box ticked."
    elif kind == QuestionKind.MULTIPLE_CHOICE:
        how = "Type the numbers of every box ticked, like 1 3."
        if question.max_choices:
            how += (f" It says tick up to {question.max_choices}: if more are ticked, leave it "
                    "blank.")
    elif kind == QuestionKind.RANKING:
        places = min(question.rank_count or len(question.options), len(question.options))
        how = (f"Type the numbers of the boxes marked 1 to {places}, in that order, like "
               "4 1 7. Where a number is missed out, type the rest in order; where two boxes "
               "share a number, stop before them.")
    elif kind == QuestionKind.DATE:
        how = "Day, month and year, as written. If any of them is missing, leave it blank."
    elif kind == QuestionKind.POSTCODE:
        how = "Type what is written. If it is not a whole postcode, like SW1A 2AA, leave it blank."
    elif kind == QuestionKind.NUMBER:
        how = "Type what is written. If it is not one whole number, leave it blank."
    else:
        how = "Type what is written."
    if kind.has_options and count >= 10:
        how += " Put a space between numbers."
    condition = question.show_if_question
    if condition is not None and condition.id in numbers:
        # The paper tells the respondent to skip it; an answer given anyway is not kept.
        labels = " or ".join(f"\u201c{o.label}\u201d" for o in condition.options
                             if o.value in question.show_if_values)
        how = (f"Asked only if question {numbers[condition.id]} is {labels}; otherwise it is "
               f"not kept. {how}")
    parts = [escape(how)]
    if kind.has_options:
        items = Markup("").join(
            Markup('<li><strong>{}</strong> {}</li>').format(n, o.label)
            for n, o in enumerate(question.options, start=1))
        parts.append(Markup('<ul class="govuk-list govuk-!-margin-top-1 '
                            'govuk-!-margin-bottom-0">{}</ul>').format(items))
    return Markup("").join(parts)


def _fields(question: Question) -> dict[str, Field]:
    kind, name = question.kind, field_name(question)
    fields: dict[str, Field] = {}
    if kind == QuestionKind.LONG_TEXT:
        fields[name] = TextAreaField(question.text, widget=GovTextArea())
    elif kind == QuestionKind.DATE:
        fields[name] = DayMonthYearField(question.text)
    else:
        numeric = kind.has_options or kind == QuestionKind.NUMBER
        fields[name] = StringField(question.text, widget=GovTextInput(), render_kw={
            "autocomplete": "off", "spellcheck": "false",
            **({"inputmode": "numeric"} if numeric else {})})
    if any(o.asks_other for o in question.options):
        fields[other_field_name(question)] = StringField("Please say", widget=GovTextInput(),
                                                         render_kw={"autocomplete": "off"})
    return fields


def _params(question: Question, numbers: dict[int, int]) -> dict[str, dict]:
    """How each field is shown: labelled with the paper's question number."""
    number = numbers[question.id]
    kind, name = question.kind, field_name(question)
    width = ("govuk-input--width-5" if kind.has_options or kind == QuestionKind.NUMBER
             else "govuk-input--width-10" if kind == QuestionKind.POSTCODE else "")
    label = f"{number}. {question.text}"
    main = {"hint": {"html": _hint(question, numbers)}, "classes": width}
    if kind == QuestionKind.DATE:
        main["fieldset"] = {"legend": {"text": label, "classes": "govuk-fieldset__legend--s"}}
    else:
        main["label"] = {"text": label, "classes": "govuk-label--s"}
    if kind == QuestionKind.LONG_TEXT:
        main["rows"] = 3
    params = {name: main}
    asks = next((o for o in question.options if o.asks_other), None)
    if asks is not None:
        params[other_field_name(question)] = {
            "label": {"text": f"{number}. Please say, for \u201c{asks.label}\u201d"},
            "hint": {"text": "What they wrote beside that box, if they ticked it. Leave "
                             "it blank if nothing is written."}}
    return params


@dataclass(frozen=True)
class KeyedQuestion:
    number: int
    question: Question
    names: list[str]  # the form's fields for it, in order


@dataclass(frozen=True)
class KeyedSection:
    section: Section
    questions: list[KeyedQuestion]


def keying_form(version: QuestionnaireVersion, **kwargs) -> tuple[FlaskForm, list[KeyedSection],
                                                                  dict[str, dict]]:
    """The form for the whole paper, its sections in the paper's order with the paper's
    question numbers, and each field's display parameters."""

    class KeyingForm(FlaskForm):
        submit = SubmitField("Save this form", widget=GovSubmitInput())

    layout, params = [], {}
    numbers = {q.id: n for n, q in enumerate(version.ordered_questions(), start=1)}
    for section in version.sections:
        if section.is_equality:
            setattr(KeyingForm, CONSENT_FIELD, BooleanField(
                "The consent box is ticked", widget=GovCheckboxInput()))
        keyed = []
        for question in section.questions:
            fields = _fields(question)
            for name, field in fields.items():
                setattr(KeyingForm, name, field)
            params.update(_params(question, numbers))
            keyed.append(KeyedQuestion(numbers[question.id], question, list(fields)))
        layout.append(KeyedSection(section, keyed))
    return KeyingForm(**kwargs), layout, params


def read_keying(form: FlaskForm, version: QuestionnaireVersion
                ) -> tuple[dict[str, dict | None], bool] | None:
    """(answers, whether the consent box is ticked), or None with the errors on the fields.
    The optional section is read only when its consent box is ticked, as the paper promises."""
    consent = CONSENT_FIELD in form and bool(form[CONSENT_FIELD].data)
    questions = [q for s in version.sections if consent or not s.is_equality
                 for q in s.questions]
    answers = read_answers(form, questions, skip_hidden=True)
    return None if answers is None else (answers, consent)


# A supervisor settling two keyings --------------------------------------------------------

FIRST, SECOND, CORRECTED, BLANK = "first", "second", "corrected", "blank"


def _where(difference: Difference) -> str:
    return f"question {difference.number}" if difference.number else "the consent box"


def choice_name(key: str) -> str:
    return "choose_" + re.sub(r"[^a-z0-9]", "_", key.lower())


@dataclass(frozen=True)
class ToSettle:
    difference: Difference
    choice: str  # the radios' field name
    names: list[str]  # the fields for a corrected answer (none for the consent box)


def resolve_form(found: list[Difference], **kwargs
                 ) -> tuple[FlaskForm, list[ToSettle], dict[str, dict]]:
    """One choice for each difference: the first keying, the second, or (for a question) a
    corrected answer keyed in the box below it."""

    class ResolveForm(FlaskForm):
        submit = SubmitField("Save the settled form", widget=GovSubmitInput())

    params: dict[str, dict] = {}
    rows = []
    for difference in found:
        choices = [SelectChoice(FIRST, "First keying"), SelectChoice(SECOND, "Second keying")]
        names: list[str] = []
        if difference.question is not None:
            choices.append(SelectChoice(CORRECTED, "Neither: key the right answer below"))
            # Said in so many words: an empty box under "key the right answer" could as well
            # be an answer forgotten.
            choices.append(SelectChoice(BLANK, "Neither: the question was left blank"))
            for name, field in _fields(difference.question).items():
                setattr(ResolveForm, name, field)
                names.append(name)
            params.update(_params(difference.question,
                                  {difference.question.id: difference.number}))
            params[field_name(difference.question)]["label"]["text"] = (
                f"The right answer to question {difference.number}")
        # Named in the legend: a screen reader reads the legend, not the heading above, as
        # the focus moves from one difference's choices to the next.
        legend = f"Which is right for {_where(difference)}?"
        setattr(ResolveForm, choice_name(difference.key), RadioField(
            legend, choices=choices, validate_choice=False, widget=GovRadioInput()))
        params[choice_name(difference.key)] = {"fieldset": {"legend": {
            "text": legend, "classes": "govuk-fieldset__legend--s"}},
            "classes": "govuk-radios--small"}
        rows.append(ToSettle(difference, choice_name(difference.key), names))
    return ResolveForm(**kwargs), rows, params


def read_resolution(form: FlaskForm, found: list[Difference], first: dict, second: dict,
                    consents: tuple[bool, bool]) -> tuple[dict, bool] | None:
    """The settled answers (the keyings' shared answers plus each choice) and consent, or None
    with errors on the fields."""
    answers = dict(first)
    consent = consents[0]
    for difference in found:
        choice = form[choice_name(difference.key)]
        if choice.data not in {c.value for c in choice.choices}:
            choice.errors = [f"Select which answer is right for {_where(difference)}"]
            continue
        if difference.question is None:
            consent = consents[choice.data == SECOND]
            continue
        key = difference.key
        if choice.data == CORRECTED:
            corrected = read_answers(form, [difference.question])
            if corrected is not None and corrected.get(key) is None:
                choice.errors = [f"Key the right answer to question {difference.number} below, "
                                 "or select that the question was left blank"]
            elif corrected is not None:
                answers[key] = corrected[key]
        elif choice.data == BLANK:
            answers[key] = None
        else:
            answers[key] = (first if choice.data == FIRST else second).get(key)
    if form.errors:
        return None
    return {k: v for k, v in answers.items() if v is not None}, consent

