"""Forms for the telephone interviewers: recording a request to be called, a call's outcome,
the equality consent question, and finishing the interview."""

from __future__ import annotations

from datetime import datetime

from govuk_frontend_wtf.wtforms_widgets import GovCheckboxInput, GovTextArea
from wtforms import BooleanField, HiddenField, SelectChoice, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, ValidationError

from engage.forms import (
    FlaskForm,
    GovRadioInput,
    GovSubmitInput,
    GovTextInput,
    RadioField,
    StringField,
    SubmitField,
    strip,
)
from engage.groups.staff_forms import DayMonthYearField
from engage.meetings.forms import parse_time
from engage.meetings.operations import NonExistentTime, from_london
from engage.telephone.models import AGREED_TIME_OUTCOMES, Outcome, PartOfDay
from engage.telephone.operations import has_extension, normalise_phone

PHONE_EXAMPLE = "Enter a UK phone number, like 020 7946 0000"
PHONE_EXTENSION = ("Enter the phone number without its extension, and write the extension in "
                   "the notes")


def _notes(label: str, hint: str) -> TextAreaField:
    return TextAreaField(label, filters=[strip], widget=GovTextArea(), description=hint,
                         validators=[Length(max=2000, message=f"{label.split(' (')[0]} must be "
                                                              "2,000 characters or fewer")])


class CallRequestForm(FlaskForm):
    questionnaire = RadioField("Which questionnaire will they answer?", coerce=str,
                               validate_choice=False,
                               validators=[InputRequired("Select the questionnaire")],
                               widget=GovRadioInput())
    name = StringField("Full name", filters=[strip], widget=GovTextInput(),
                       validators=[DataRequired("Enter the caller's full name"),
                                   Length(max=200, message="Full name must be 200 characters "
                                                           "or fewer")],
                       render_kw={"autocomplete": "off", "spellcheck": "false"})
    phone = StringField("Phone number", filters=[strip], widget=GovTextInput(),
                        validators=[DataRequired("Enter the phone number to call")],
                        description="A UK landline or mobile number.",
                        render_kw={"autocomplete": "off", "type": "tel"})
    part_of_day = RadioField("When do they prefer to be called?", choices=PartOfDay.choices(),
                             default=PartOfDay.ANY.value,
                             validators=[InputRequired("Select when they prefer to be called")],
                             widget=GovRadioInput())
    best_times = StringField("Best times to call (optional)", filters=[strip],
                             widget=GovTextInput(),
                             description="In their words, for example \u201cnot Wednesdays\u201d.",
                             validators=[Length(max=500, message="Best times must be 500 "
                                                                 "characters or fewer")])
    consent = BooleanField(
        "The caller agrees that we keep their name and phone number to call them for this "
        "questionnaire",
        validators=[InputRequired("Ask the caller whether we may keep their name and phone "
                                  "number: without that we cannot call them")],
        widget=GovCheckboxInput())
    notes = _notes("Notes (optional)", "Anything that helps the call go well, like \u201cspeak "
                                       "slowly and clearly\u201d or \u201ccall after 6pm\u201d. "
                                       "Do not write about health or crimes here.")
    submit = SubmitField("Save the request", widget=GovSubmitInput())

    def validate_questionnaire(self, field) -> None:
        # One that closed, or does not cover the borough, since the page was loaded.
        if field.data not in {choice.value for choice in field.choices}:
            raise ValidationError("Select one of the questionnaires open for this borough")

    def validate_phone(self, field) -> None:
        if field.data:
            number = normalise_phone(field.data)
            if number is None:
                raise ValidationError(PHONE_EXTENSION if has_extension(field.data)
                                      else PHONE_EXAMPLE)
            field.data = number


# Most calls end unanswered, so that comes first, the rarest last; "Complete" is never chosen
# here: finishing the interview records it.
OUTCOME_CHOICES = [SelectChoice(o.value, o.label) for o in (
    Outcome.NO_ANSWER, Outcome.ANSWERING_MACHINE, Outcome.APPOINTMENT, Outcome.PARTIAL,
    Outcome.REFUSED, Outcome.WRONG_NUMBER)]


class OutcomeForm(FlaskForm):
    outcome = RadioField("How did the call end?", choices=OUTCOME_CHOICES,
                         description="A finished interview is recorded as complete when you "
                                     "finish it.",
                         validators=[InputRequired("Select how the call ended")],
                         widget=GovRadioInput())
    appointment_date = DayMonthYearField(
        "Date agreed", description="For an appointment, or to finish a partial interview. "
                                   "For example, 27 3 2027")
    appointment_time = StringField("Time agreed", filters=[strip], widget=GovTextInput(),
                                   description="For example, 6:30pm or 18:30")
    note = _notes("Note (optional)", "For the next interviewer. Do not write the person's "
                                     "answers here.")
    submit = SubmitField("Save the outcome", widget=GovSubmitInput())

    appointment_at: datetime | None = None

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        if self.outcome.data not in {o.value for o in AGREED_TIME_OUTCOMES}:
            # The boxes may still hold a time typed before another outcome was chosen: it
            # means nothing for this one, so neither its mistakes nor its time count.
            self.appointment_date.errors = []
            self.appointment_time.errors = []
            self.appointment_at = None
            return not self.errors
        return valid

    def validate_appointment_time(self, field) -> None:
        day = self.appointment_date.data
        wants = self.outcome.data == Outcome.APPOINTMENT.value
        if not field.data and day is None:
            if wants and not self.appointment_date.errors:
                self.appointment_date.errors.append("Enter the date agreed for the call back")
                raise ValidationError("Enter the time agreed for the call back")
            return
        if day is None:
            if not self.appointment_date.errors:
                self.appointment_date.errors.append("Enter the date agreed for the call back")
            return
        at = parse_time(field.data)
        if at is None:
            raise ValidationError("Enter the time agreed in the form 6:30pm or 18:30")
        try:
            self.appointment_at = from_london(day, at)
        except NonExistentTime:
            raise ValidationError("That time does not exist: the clocks go forward that night")\
                from None


CONSENT_QUESTION = "Would they like to answer some optional questions about themselves?"


class ConsentForm(FlaskForm):
    consent = RadioField(CONSENT_QUESTION,
                         choices=[SelectChoice("yes", "Yes"), SelectChoice("no", "No")],
                         validators=[InputRequired("Select yes if they would like to answer "
                                                   "questions about themselves")],
                         widget=GovRadioInput())
    submit = SubmitField("Continue", widget=GovSubmitInput())


class FinishForm(FlaskForm):
    submission_key = HiddenField()
    submit = SubmitField("Finish the interview", widget=GovSubmitInput())
