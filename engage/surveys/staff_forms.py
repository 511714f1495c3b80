"""Forms staff fill in to build a consultation: its details, its questionnaires, and their
sections, questions, options and conditions.

The forms check what can be checked from the words typed (lengths, formats, dates); the rules
that need the questionnaire (a key or tag already used, conditions) live in
engage.surveys.builder and come back as errors on the same fields.
"""

from __future__ import annotations

import re
from datetime import datetime, time

from flask import current_app
from govuk_frontend_wtf.wtforms_widgets import GovCheckboxInput, GovTextArea
from wtforms import BooleanField, SelectChoice, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, ValidationError

from engage.boroughs.models import Borough
from engage.clock import to_london
from engage.forms import (
    FlaskForm,
    GovCheckboxesInput,
    GovRadioInput,
    GovSelect,
    GovSubmitInput,
    GovTextInput,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    strip,
    whole_number,
)
from engage.groups.staff_forms import DayMonthYearField
from engage.meetings.forms import parse_time
from engage.meetings.operations import NonExistentTime, from_london
from engage.once import OnceForm
from engage.surveys.builder import (
    CHOICE_KINDS,
    KEY,
    KEY_LENGTH,
    OPTION_CODE,
    OPTION_CODE_RULE,
    QuestionDetails,
)
from engage.surveys.builder_consultations import ConsultationDetails
from engage.surveys.models import Audience, Consultation, QuestionKind, ReportingTag, Section

ALL, SOME = "all", "some"


def _text(label: str, limit: int, required: str | None = None, hint: str = "") -> StringField:
    validators = [Length(max=limit, message=f"{label} must be {limit:,} characters or fewer")]
    if required:
        validators.insert(0, DataRequired(required))
    return StringField(label, filters=[strip], validators=validators, widget=GovTextInput(),
                       description=hint)


def _area(label: str, limit: int, required: str | None = None, hint: str = "") -> TextAreaField:
    validators = [Length(max=limit, message=f"{label} must be {limit:,} characters or fewer")]
    if required:
        validators.insert(0, DataRequired(required))
    return TextAreaField(label, filters=[strip], validators=validators, widget=GovTextArea(),
                         description=hint)


def check_code(value: str, what: str) -> None:
    if value and (not KEY.match(value) or len(value) > KEY_LENGTH):
        raise ValidationError(f"{what} must be lower-case letters, numbers and single hyphens, "
                              f"like knife-crime, and {KEY_LENGTH} characters or fewer")


class ConsultationForm(OnceForm):
    title = _text("Title", 200, "Enter the title of the consultation",
                  "For example, Have your say 2027/28")
    slug = _text("Web address", 100, hint="The end of the consultation's web address. Leave "
                 "it empty to make one from the title, for example have-your-say-2027-28.")
    purpose = _area("Purpose", 5000, "Enter what the consultation is for",
                    "What you will ask people and what their answers will be used for.")
    coverage = RadioField("Which boroughs does it cover?",
                          choices=[SelectChoice(ALL, "All 32 London boroughs"),
                                   SelectChoice(SOME, "Only the boroughs I choose")],
                          validators=[InputRequired("Select which boroughs it covers")],
                          widget=GovRadioInput())
    # validate_choice=False: an unknown borough gets our message, not WTForms'.
    boroughs = SelectMultipleField("Boroughs", widget=GovCheckboxesInput(),
                                   validate_choice=False,
                                   description="Select every borough the consultation covers.")
    opens_on = DayMonthYearField("Opening date", description="For example, 1 4 2027")
    opens_time = _text("Opening time", 20, hint="London time, for example 9am or 09:00")
    closes_on = DayMonthYearField("Closing date", description="For example, 30 6 2027")
    closes_time = _text("Closing time", 20, hint="London time, for example 11:59pm or 23:59")
    # When editing: paper returns keyed in after closing (engage.mailouts.keying).
    paper_grace_on = DayMonthYearField(
        "Last day for paper returns",
        description="Post is slow: paper questionnaires that come back after the closing date "
                    "are keyed in until then. For example, 31 7 2027. Leave it empty to accept "
                    "them for the usual time after closing.")
    paper_grace_time = _text("Time paper returns stop", 20,
                             hint="London time. Leave it empty for 11:59pm on that day.")
    # Administrators only, when editing: see engage.mailouts.keying.
    double_keying = BooleanField(
        "Key every paper form twice", widget=GovCheckboxInput(),
        description="Two different data-entry clerks key each returned form. It counts when "
                    "the two match, or when an engagement officer settles the differences.")
    submit = SubmitField("Save the consultation", widget=GovSubmitInput())

    _opens_at: datetime | None = None
    _closes_at: datetime | None = None
    paper_grace_until: datetime | None = None  # naive UTC, once validated

    def __init__(self, *args, boroughs: list[Borough], admin: bool, editing: bool = False,
                 ends_were: tuple[datetime | None, ...] = (), **kwargs):
        super().__init__(*args, **kwargs)
        # When changing a consultation, its closing and paper times as they are: one set at
        # midnight before midnight was refused stays while its other details are changed.
        self._ends_were = set(ends_were) - {None}
        self._choices = {b.slug: b for b in boroughs}
        self.boroughs.choices = [SelectChoice(b.slug, b.name) for b in boroughs]
        if not admin:
            # Only administrators may cover the whole of London: officers choose boroughs.
            del self.coverage
        if not (admin and editing):
            del self.double_keying
        if not editing:
            del self.paper_grace_on, self.paper_grace_time
        else:
            days = current_app.config["ENGAGE_PAPER_GRACE_DAYS"]
            self.paper_grace_on.description = self.paper_grace_on.description.replace(
                "the usual time", f"{days} days")

    @classmethod
    def for_editing(cls, consultation: Consultation, **kwargs) -> ConsultationForm:
        opens, closes = to_london(consultation.opens_at), to_london(consultation.closes_at)
        grace = {}
        if consultation.paper_grace_until is not None:
            until = to_london(consultation.paper_grace_until)
            grace = {"paper_grace_on": until.date(), "paper_grace_time": f"{until:%H:%M}"}
        form = cls(data={
            "title": consultation.title, "slug": consultation.slug,
            "purpose": consultation.purpose,
            "coverage": ALL if consultation.all_boroughs else SOME,
            "boroughs": [b.slug for b in consultation.boroughs],
            "opens_on": opens.date(), "opens_time": f"{opens:%H:%M}",
            "closes_on": closes.date(), "closes_time": f"{closes:%H:%M}",
            "double_keying": consultation.double_keying, **grace}, **kwargs)
        form.submit.label.text = "Save changes"
        return form

    @property
    def all_boroughs(self) -> bool:
        return "coverage" in self and self.coverage.data == ALL

    def validate_slug(self, field):
        check_code(field.data, "The web address")

    def validate_boroughs(self, field):
        if any(slug not in self._choices for slug in field.data or []):
            raise ValidationError("Select boroughs from the list")
        if not self.all_boroughs and not field.data:
            raise ValidationError("Select at least one borough")

    def _day(self, field):
        if field.data is None and not field.errors:
            raise ValidationError(f"Enter the {field.label.text.lower()}")

    validate_opens_on = validate_closes_on = _day

    def _when(self, day_field, time_field, ending: bool = False) -> datetime | None:
        if not time_field.data:
            raise ValidationError(f"Enter the {time_field.label.text.lower()}")
        at = parse_time(time_field.data)
        if at is None:
            raise ValidationError(f"Enter the {time_field.label.text.lower()} in the form 9am "
                                  "or 09:00")
        if day_field.data is None:
            return None
        day = day_field.data
        try:
            when = from_london(day, at)
        except NonExistentTime:
            raise ValidationError(
                f"The {time_field.label.text.lower()} does not exist: the clocks go forward "
                f"from 1am to 2am on {day.day} {day:%B %Y}. Enter a time before 1am or from "
                "2am") from None
        if ending and at == time(0) and when not in self._ends_were:
            # Read as the day's first moment, "closes at midnight on 30 June" would close a
            # day early, when most people mean the night at the end of 30 June.
            raise ValidationError(
                f"Midnight could mean the start or the end of {day.day} {day:%B %Y}. Enter "
                "11:59pm for the end of that day")
        return when

    def validate_opens_time(self, field):
        self._opens_at = self._when(self.opens_on, field)

    def validate_closes_time(self, field):
        self._closes_at = self._when(self.closes_on, field, ending=True)
        if self._opens_at and self._closes_at and self._closes_at <= self._opens_at:
            raise ValidationError("The closing date and time must be after the opening date "
                                  "and time")

    def validate_paper_grace_time(self, field):
        day = self.paper_grace_on
        if day.data is None:
            if field.data and not day.errors:
                raise ValidationError("Enter the last day for paper returns, or leave the time "
                                      "empty too")
            return
        if not field.data:
            field.data = "11:59pm"
        self.paper_grace_until = self._when(day, field, ending=True)
        if self._closes_at and self.paper_grace_until < self._closes_at:
            raise ValidationError("Paper returns must be accepted until the closing date and "
                                  "time or later")

    def details(self) -> ConsultationDetails:
        assert self._opens_at and self._closes_at, "call validate() first"
        return ConsultationDetails(
            title=self.title.data, slug=self.slug.data, purpose=self.purpose.data,
            opens_at=self._opens_at, closes_at=self._closes_at,
            all_boroughs=self.all_boroughs,
            boroughs=[] if self.all_boroughs
            else [self._choices[s] for s in self.boroughs.data])


class QuestionnaireForm(OnceForm):
    audience = RadioField("Who is it for?", validate_choice=False, widget=GovRadioInput())
    title = _text("Title", 200, "Enter the title of the questionnaire",
                  "What people see at the top of every page, for example Have your say: "
                  "policing in your area")
    introduction = _area("Introduction", 5000, hint="Optional. Shown on the first page: what "
                         "the questionnaire is about and how long it takes.")
    submit = SubmitField("Save the questionnaire", widget=GovSubmitInput())

    def __init__(self, *args, audiences: list[Audience] | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        if audiences is None:
            del self.audience  # changing an existing questionnaire: its audience stays
        else:
            self.audience.choices = [SelectChoice(a.value, a.label) for a in audiences]

    def validate_audience(self, field):
        if field.data not in {c.value for c in field.choices}:
            raise ValidationError("Select who it is for")


class SectionForm(OnceForm):
    title = _text("Section title", 200, "Enter the title of the section",
                  "A section is one page of the questionnaire, for example Your area")
    introduction = _area("Introduction", 2000, hint="Optional. Shown above the questions.")
    submit = SubmitField("Save the section", widget=GovSubmitInput())


class ConfirmRemoveForm(FlaskForm):
    submit = SubmitField("Yes, remove it", widget=GovSubmitInput())


# Questions --------------------------------------------------------------------------------------

def _whole_number(field, low: int, high: int) -> int | None:
    """An optional whole number typed in a text box (with commas or spaces between thousands)."""
    if not (field.data or "").strip():
        return None
    number = whole_number(field.data)
    if number is None or not low <= number <= high:
        raise ValidationError(f"{field.label.text} must be a whole number from {low:,} to "
                              f"{high:,}")
    return number


class KindForm(FlaskForm):
    kind = RadioField("What kind of question is it?", choices=QuestionKind.choices(),
                      validate_choice=False, widget=GovRadioInput())
    submit = SubmitField("Continue", widget=GovSubmitInput())

    def validate_kind(self, field):
        if field.data not in {k.value for k in QuestionKind}:
            raise ValidationError("Select the kind of question")


class QuestionForm(OnceForm):
    text = _area("Question", 1000, "Enter the question",
                 "The words people read, for example How safe do you feel in your area?")
    key = _text("Question key", KEY_LENGTH,
                hint="Reports use it to match the same question across versions and years. "
                     "Leave it empty to make one from the question.")
    kind = RadioField("Kind of question", widget=GovRadioInput(), validate_choice=False)
    section = SelectField("Section", widget=GovSelect(), validate_choice=False,
                          description="Moving it to another section puts it at the end.")
    help_text = _area("Help text", 1000, hint="Optional. Shown under the question, for "
                      "example Think about the last 12 months.")
    interviewer_note = _area("Note for telephone interviewers", 1000,
                             hint="Optional. Interviewers see it but do not read it out.")
    required = RadioField("Must people answer it?",
                          choices=[SelectChoice("yes", "Yes"),
                                   SelectChoice("no", "No, it is optional")],
                          validators=[InputRequired("Select whether people must answer it")],
                          widget=GovRadioInput())
    tag = SelectField("Reporting tag", widget=GovSelect(), validate_choice=False,
                      choices=[SelectChoice("", "No reporting tag"),
                               *(c for c in ReportingTag.choices()
                                 if ReportingTag(c.value).is_offered)],
                      description="Reports compare tagged questions across questionnaires and "
                                  "years. Each tag can be on one question.")
    options = _area("Options", 10000, hint="One option on each line, in the order people see "
                    "them. After saving you can choose an option that asks people to say more, "
                    "and options that cannot be chosen with others.")
    max_choices = _text("Most options people can choose", 10,
                        hint="For multiple choice. Optional: for example 3 for \u201cchoose up "
                             "to 3\u201d.")
    rank_count = _text("How many people put in order", 10,
                       hint="For ranking. Optional: for example 5 for \u201cput your top 5 in "
                            "order\u201d. Leave it empty to have them all put in order.")
    min_value = _text("Smallest number allowed", 20, hint="Optional.")
    max_value = _text("Largest number allowed", 20, hint="Optional.")
    submit = SubmitField("Save the question", widget=GovSubmitInput())

    def __init__(self, *args, kind: QuestionKind, kinds: tuple[QuestionKind, ...] = (),
                 sections: list[Section] = (), creating: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self._kind = kind
        self._sections = {str(s.id): s for s in sections}
        if len(kinds) > 1:
            self.kind.choices = [SelectChoice(k.value, k.label) for k in kinds]
        else:
            del self.kind
        if len(sections) > 1:
            self.section.choices = [SelectChoice(str(s.id), s.title) for s in sections]
        else:
            del self.section
        choice = kind in CHOICE_KINDS
        if not (creating and choice):
            del self.options  # options are changed one by one once the question exists
        elif kind == QuestionKind.RATING:
            self.options.description = ("One option on each line, best first. Leave it empty "
                                        "for Excellent, Good, Fair, Poor, Very poor.")
        if not (choice and (len(kinds) > 1 or kind == QuestionKind.MULTIPLE_CHOICE)):
            del self.max_choices
        if not (choice and (len(kinds) > 1 or kind == QuestionKind.RANKING)):
            del self.rank_count
        if kind != QuestionKind.NUMBER:
            del self.min_value, self.max_value

    @property
    def chosen_kind(self) -> QuestionKind:
        if "kind" in self and self.kind.data in {c.value for c in self.kind.choices}:
            return QuestionKind(self.kind.data)
        return self._kind

    def validate_kind(self, field):
        if field.data not in {c.value for c in field.choices}:
            raise ValidationError("Select the kind of question")

    def validate_key(self, field):
        check_code(field.data, "The question key")

    def _number(self, name: str, low: int, high: int) -> int | None:
        return _whole_number(self[name], low, high) if name in self else None

    def validate_max_choices(self, field):
        _whole_number(field, 1, 100)

    def validate_rank_count(self, field):
        _whole_number(field, 1, 100)

    def validate_min_value(self, field):
        _whole_number(field, -10**12, 10**12)

    def validate_max_value(self, field):
        high = _whole_number(field, -10**12, 10**12)
        low = None if self.min_value.errors else _whole_number(self.min_value, -10**12, 10**12)
        if low is not None and high is not None and high < low:
            raise ValidationError("The largest number must be the same as or more than the "
                                  "smallest")

    def validate_options(self, field):
        if len(option_lines(field.data)) > 100:
            raise ValidationError("Enter 100 options or fewer")
        if any(len(line) > 300 for line in option_lines(field.data)):
            raise ValidationError("Each option must be 300 characters or fewer")

    def details(self) -> QuestionDetails:
        return QuestionDetails(
            text=self.text.data, key=self.key.data, kind=self.chosen_kind,
            help_text=self.help_text.data, interviewer_note=self.interviewer_note.data,
            required=self.required.data == "yes",
            tag=ReportingTag(self.tag.data) if self.tag.data else None,
            min_value=self._number("min_value", -10**12, 10**12),
            max_value=self._number("max_value", -10**12, 10**12),
            max_choices=self._number("max_choices", 1, 100),
            rank_count=self._number("rank_count", 1, 100),
            option_labels=option_lines(self.options.data) if "options" in self else None,
            section=self._sections.get(self.section.data) if "section" in self else None)

    def validate_section(self, field):
        if field.data not in self._sections:
            raise ValidationError("Select a section from the list")

    def validate_tag(self, field):
        if field.data and field.data not in {t.value for t in ReportingTag}:
            raise ValidationError("Select a reporting tag from the list")


# Options and their details ----------------------------------------------------------------------

class OptionForm(OnceForm):
    label = _text("Option", 300, "Enter the option's words", "The words people choose")
    value = _text("Code", KEY_LENGTH, hint="Reports match answers across versions and years by "
                  "this code. Change it only to correct a mistake.")
    asks_other = BooleanField("Ask people to say more when they choose it (\u201cother, please "
                              "say\u201d)", widget=GovCheckboxInput())
    exclusive = BooleanField("Cannot be chosen with other options (for example \u201cNone of "
                             "these\u201d)", widget=GovCheckboxInput())
    submit = SubmitField("Save the option", widget=GovSubmitInput())

    def __init__(self, *args, creating: bool, multiple: bool, ranking: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if creating:
            del self.value  # made from the words, and kept when the words change
        if not multiple:
            del self.exclusive  # only a multiple-choice answer can combine options
        if ranking:
            del self.asks_other  # a ranking page has no box to say more in

    def validate_value(self, field):
        if field.data and (not OPTION_CODE.match(field.data) or len(field.data) > KEY_LENGTH):
            raise ValidationError(f"The code must be {OPTION_CODE_RULE}, and {KEY_LENGTH} "
                                  "characters or fewer")


def option_lines(text: str) -> list[str]:
    """The non-empty lines of a textarea, trimmed, with runs of spaces made one."""
    return [re.sub(r"\s+", " ", line).strip() for line in (text or "").splitlines()
            if line.strip()]


class ConditionQuestionForm(FlaskForm):
    source = RadioField("Show this question only after an answer to which question?",
                        validate_choice=False, widget=GovRadioInput())
    submit = SubmitField("Continue", widget=GovSubmitInput())

    def validate_source(self, field):
        if field.data not in {c.value for c in field.choices}:
            raise ValidationError("Select one of the questions shown")


class ConditionValuesForm(FlaskForm):
    values = SelectMultipleField("Show this question when the answer is", validate_choice=False,
                                 widget=GovCheckboxesInput(),
                                 description="Select every answer that should show it.")
    submit = SubmitField("Save the condition", widget=GovSubmitInput())

    def validate_values(self, field):
        known = {c.value for c in self.values.choices}
        if not field.data:
            raise ValidationError("Select at least one answer")
        if any(v not in known for v in field.data):
            raise ValidationError("Select answers from the list")

