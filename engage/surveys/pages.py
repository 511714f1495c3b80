"""The questionnaire as web pages: one page per section, built from the version's questions.

`page_form` builds a WTForms form for the questions a person sees on one page (GOV.UK widgets),
`read_page` turns what they posted into canonical answers (engage.surveys.questions) and puts any
error on the field it belongs to. The public pages, the builder's preview and the telephone
interview screen all use these, so every channel asks and checks the same way.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date

from govuk_frontend_wtf.wtforms_widgets import (
    GovCheckboxesInput,
    GovDateInput,
    GovRadioInput,
    GovSelect,
    GovTextArea,
    GovTextInput,
)
from wtforms import (
    Field,
    RadioField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)

from engage.forms import FlaskForm
from engage.numbers import digits
from engage.surveys.models import Question, QuestionKind, QuestionnaireVersion, Section
from engage.surveys.questions import AnswerError, check, is_shown
from engage.translations.formats import number, own_digits
from engage.translations.phrases import N_, gettext


def field_name(question: Question) -> str:
    return "q_" + re.sub(r"[^a-z0-9]", "_", question.key.lower())


def other_field_name(question: Question) -> str:
    return field_name(question) + "_other"


def rank_field_name(question: Question, rank: int) -> str:
    return f"{field_name(question)}_{rank}"


def rank_count(question: Question) -> int:
    return min(question.rank_count or len(question.options), len(question.options))


class DayMonthYearField(Field):
    """A GOV.UK date input: three boxes of digits ("3" or "03", "2027"), checked later.

    Unlike WTForms' DateField it never fails on odd input (a missing box, text in a box); the
    canonical check gives the plain-English error instead. Only digits 0-9 count (or, on a
    page in another language, digits of one other script: formats.own_digits): int() would
    read "1_2" as 12, "+1" as 1 and a mix of scripts as ours."""

    widget = GovDateInput()

    def process_formdata(self, valuelist):
        parts = [str(v).strip() for v in valuelist[:3]]
        self.raw_data = (parts + ["", "", ""])[:3]
        day, month, year = (own_digits(part) for part in self.raw_data)
        if not (day or month or year):
            self.data = None
            return
        try:
            self.data = date(digits(year), digits(month), digits(day)).isoformat()
            if digits(year) < 1000:
                self.data = "invalid"
        except (ValueError, OverflowError):
            self.data = "invalid"

    def process_data(self, value):
        self.data = value
        if value and value != "invalid":
            day = date.fromisoformat(value)
            self.raw_data = [str(day.day), str(day.month), str(day.year)]
        else:
            self.raw_data = None

    def _value(self):
        return self.data or ""


def number_rule(question: Question) -> str:
    """What a number question takes, in the words its errors use: "Enter a whole number
    between 0 and 100." (the paper says it alike: questions.number_bounds). Each a whole
    sentence, to be translated."""
    low, high = question.min_value, question.max_value
    if low is not None and high is not None:
        return gettext("Enter a whole number between %(low)s and %(high)s.",
                       low=number(low), high=number(high))
    if low is not None:
        return gettext("Enter a whole number that is %(low)s or more.", low=number(low))
    if high is not None:
        return gettext("Enter a whole number that is %(high)s or less.", high=number(high))
    return gettext("Enter a whole number.")


# A box for words, in any language: what is typed reads in its own direction (English typed on a
# page in Arabic, or Arabic on an English page), from its first letter.
TYPED_TEXT = {"dir": "auto"}

# A ranking's boxes, in order; after the fifth, "Choice 6" and on.
ORDINAL_CHOICES = {1: N_("First choice"), 2: N_("Second choice"), 3: N_("Third choice"),
                   4: N_("Fourth choice"), 5: N_("Fifth choice")}


def _choices(question: Question) -> list[SelectChoice]:
    return [SelectChoice(o.value, o.label) for o in question.options]


def _fields(question: Question) -> dict[str, Field]:
    """The unbound WTForms fields that ask one question."""
    name, kind = field_name(question), question.kind
    label, hint = question.text, question.help_text
    fields: dict[str, Field] = {}
    # validate_choice=False everywhere: a tampered value gets the canonical error, not WTForms'.
    if kind in (QuestionKind.SINGLE_CHOICE, QuestionKind.RATING, QuestionKind.YES_NO):
        fields[name] = RadioField(label, description=hint, choices=_choices(question),
                                  validate_choice=False, widget=GovRadioInput())
    elif kind == QuestionKind.MULTIPLE_CHOICE:
        # Said even under help text of the question's own: how many may be ticked is what
        # the page refuses, so nobody should learn it from an error (paper says "tick up to").
        rule = (gettext("Select up to %(count)s.", count=question.max_choices)
                if question.max_choices else gettext("Select all that apply."))
        hint = rule if not hint else hint if rule in hint else f"{hint} {rule}"
        fields[name] = SelectMultipleField(label, description=hint, choices=_choices(question),
                                           validate_choice=False, widget=GovCheckboxesInput())
    elif kind == QuestionKind.RANKING:
        for rank in range(1, rank_count(question) + 1):
            # The form translates its labels and choices as it is made (engage.forms).
            label = ORDINAL_CHOICES.get(rank) or gettext("Choice %(number)s", number=rank)
            fields[rank_field_name(question, rank)] = SelectField(
                label, choices=[SelectChoice("", N_("Choose one"))] + _choices(question),
                validate_choice=False, widget=GovSelect())
    elif kind == QuestionKind.NUMBER:
        # Said as the paper questionnaire says it, and for the same reason as "Select up to":
        # a number that is not whole, or out of range, is what the page refuses.
        rule = number_rule(question)
        hint = rule if not hint else hint if rule in hint else f"{hint} {rule}"
        fields[name] = StringField(label, description=hint, widget=GovTextInput(),
                                   render_kw={"inputmode": "numeric", "spellcheck": "false"})
    elif kind == QuestionKind.SHORT_TEXT:
        fields[name] = StringField(label, description=hint, widget=GovTextInput(),
                                   render_kw=TYPED_TEXT)
    elif kind == QuestionKind.LONG_TEXT:
        fields[name] = TextAreaField(label, description=hint, widget=GovTextArea(),
                                     render_kw=TYPED_TEXT)
    elif kind == QuestionKind.POSTCODE:
        fields[name] = StringField(label, description=hint or N_("For example, SW1A 2AA"),
                                   widget=GovTextInput(),
                                   render_kw={"autocomplete": "postal-code",
                                              "spellcheck": "false"})
    elif kind == QuestionKind.DATE:
        # Translators: 27 3 2027 is a date as typed into the boxes for day, month and year.
        fields[name] = DayMonthYearField(label, description=hint or N_("For example, 27 3 2027"))
    if any(o.asks_other for o in question.options):
        fields[other_field_name(question)] = StringField(
            N_("Please say"), widget=GovTextInput(), render_kw=TYPED_TEXT)
    return fields


def _initial(question: Question, value: dict | None) -> dict[str, object]:
    """Field data that shows an answer already given (coming back to a page to change it)."""
    if not value:
        return {}
    name = field_name(question)
    data: dict[str, object] = {}
    if "option" in value:
        data[name] = value["option"]
    elif "options" in value:
        data[name] = value["options"]
    elif "ranked" in value:
        for rank, chosen in enumerate(value["ranked"], start=1):
            data[rank_field_name(question, rank)] = chosen
    elif "number" in value:
        data[name] = str(value["number"])
    elif "date" in value:
        data[name] = value["date"]
    else:
        data[name] = value.get("postcode") or value.get("text") or ""
    if value.get("other"):
        data[other_field_name(question)] = value["other"]
    return data


def page_form(questions: list[Question], answers: Mapping[str, dict] | None = None,
              formdata=None, **kwargs) -> FlaskForm:
    """A form asking these questions, filled from `answers` unless something was posted."""

    class PageForm(FlaskForm):
        pass

    initial: dict[str, object] = {}
    for question in questions:
        for name, field in _fields(question).items():
            setattr(PageForm, name, field)
        initial.update(_initial(question, (answers or {}).get(question.key)))
    if formdata is not None:
        kwargs["formdata"] = formdata
    return PageForm(data=initial, **kwargs)


def _raw(form: FlaskForm, question: Question) -> dict:
    """What was posted for one question, in the canonical shape (not yet checked)."""
    kind = question.kind
    data = form[field_name(question)].data if field_name(question) in form else None
    other = form[other_field_name(question)].data if other_field_name(question) in form else None
    if kind in (QuestionKind.SINGLE_CHOICE, QuestionKind.RATING, QuestionKind.YES_NO):
        return {"option": data, "other": other}
    if kind == QuestionKind.MULTIPLE_CHOICE:
        return {"options": list(data or []), "other": other}
    if kind == QuestionKind.RANKING:
        return {"ranked": [form[rank_field_name(question, rank)].data or ""
                           for rank in range(1, rank_count(question) + 1)]}
    if kind == QuestionKind.NUMBER:
        return {"number": data}
    if kind == QuestionKind.POSTCODE:
        return {"postcode": data}
    if kind == QuestionKind.DATE:
        return {"date": data}
    return {"text": data}


def read_page(form: FlaskForm, questions: list[Question]) -> dict[str, dict | None] | None:
    """The checked answers on a posted page ({key: value or None}), or None when any is wrong;
    each error is then on its field, ready for the error summary."""
    answers: dict[str, dict | None] = {}
    ok = True
    for question in questions:
        try:
            answers[question.key] = check(question, _raw(form, question))
        except AnswerError as error:
            ok = False
            target = field_name(question)
            if question.kind == QuestionKind.RANKING:
                target = rank_field_name(question, error.rank or 1)
            elif error.part == "other":
                target = other_field_name(question)
            form[target].errors = list(form[target].errors or []) + [error.message]
    return answers if ok else None


def read_valid(form: FlaskForm, questions: list[Question]) -> dict[str, dict | None]:
    """The answers on a posted page that are right on their own ({key: value or None}), for
    saving a page halfway through: a required answer missing, or a wrong one, is left out
    (an answer given before stays as it was), and nothing is said about it."""
    answers: dict[str, dict | None] = {}
    for question in questions:
        try:
            answers[question.key] = check(question, _raw(form, question))
        except AnswerError:
            continue
    return answers


def visible_questions(section: Section, answers: Mapping[str, dict]) -> list[Question]:
    """The questions of a section that apply, given the answers on earlier pages."""
    return [q for q in section.questions if is_shown(q, answers)]


def pages(version: QuestionnaireVersion, answers: Mapping[str, dict],
          equality_consent: bool) -> list[Section]:
    """The sections a person will be shown, in order: empty ones (every question hidden by a
    condition) are skipped, and the equality section only with their consent."""
    return [s for s in version.sections
            if (equality_consent or not s.is_equality) and visible_questions(s, answers)]
