"""Forms for inviting people to answer a questionnaire by email."""

from __future__ import annotations

from flask_wtf.file import FileAllowed, FileField, FileRequired
from govuk_frontend_wtf.wtforms_widgets import GovFileInput
from wtforms import HiddenField, SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, ValidationError

from engage.forms import (
    FlaskForm,
    GovRadioInput,
    GovSelect,
    GovSubmitInput,
    GovTextInput,
    RadioField,
    SelectField,
    StringField,
    SubmitField,
    strip,
    whole_number,
)
from engage.groups.models import Group
from engage.once import OnceForm
from engage.surveys.models import Consultation
from engage.uploads import ignore_unknown_field

MAX_REMINDER_DAYS = 60


def _days(field, required: bool) -> None:
    """A whole number of days, 1 to MAX_REMINDER_DAYS, in plain-English errors."""
    if not field.data:
        if required:
            raise ValidationError("Enter the number of days")
        return
    days = whole_number(field.data)
    if days is None:
        raise ValidationError("The number of days must be a whole number, like 7")
    if not 1 <= days <= MAX_REMINDER_DAYS:
        raise ValidationError(f"The number of days must be between 1 and {MAX_REMINDER_DAYS}")


def _days_field(label: str, hint: str) -> StringField:
    return StringField(label, filters=[strip], widget=GovTextInput(), description=hint,
                       render_kw={"inputmode": "numeric", "spellcheck": "false"})


class _QuestionnaireChoice(FlaskForm):
    questionnaire = RadioField("Which questionnaire should they answer?",
                               validators=[InputRequired("Select a questionnaire")],
                               widget=GovRadioInput())

    def offer_questionnaires(self, consultation: Consultation) -> None:
        self.questionnaire.choices = [
            SelectChoice(str(q.id), f"{q.title} ({q.audience.label.lower()})")
            for q in consultation.questionnaires if q.versions]

    def chosen_questionnaire(self, consultation: Consultation):
        return next(q for q in consultation.questionnaires
                    if str(q.id) == self.questionnaire.data)


class GroupListForm(_QuestionnaireChoice, OnceForm):
    group = SelectField("Group", validators=[InputRequired("Select a group")],
                        widget=GovSelect(), description="Everyone who is an active member now.")
    name = StringField("Name of the list", filters=[strip],
                       validators=[Length(max=200, message="The name must be 200 characters "
                                                           "or fewer")],
                       widget=GovTextInput(),
                       description="Optional. Staff see it; people invited do not. For example: "
                                   "CPEG members, spring 2027.")
    submit = SubmitField("Make the list", widget=GovSubmitInput())

    def offer_groups(self, groups: list[Group]) -> None:
        self.group.choices = [SelectChoice("", "Choose a group")] + [
            SelectChoice(str(g.id), g.name) for g in groups]
        self._groups = {str(g.id): g for g in groups}

    def validate_group(self, field):
        if field.data not in self._groups:
            raise ValidationError("Select a group")

    def chosen_group(self) -> Group:
        return self._groups[self.group.data]


def _csv_field() -> FileField:
    return FileField("CSV file", widget=GovFileInput(),
                     validators=[FileRequired("Choose a CSV file of people to invite"),
                                 FileAllowed(["csv"], "The file must be a CSV file")])


class UploadListForm(_QuestionnaireChoice, OnceForm):
    name = StringField("Name of the list", filters=[strip],
                       validators=[DataRequired("Enter a name for the list"),
                                   Length(max=200, message="The name must be 200 characters "
                                                           "or fewer")],
                       widget=GovTextInput(),
                       description="Staff see it; people invited do not. For example: "
                                   "Businesses on the high street.")
    people = _csv_field()
    ignore_unknown = ignore_unknown_field()
    submit = SubmitField("Upload the list", widget=GovSubmitInput())


class AddPeopleForm(FlaskForm):
    people = _csv_field()
    ignore_unknown = ignore_unknown_field()
    submit = SubmitField("Add these people", widget=GovSubmitInput())


class ReminderForm(FlaskForm):
    days = _days_field("Remind people invited at least this many days ago",
                       "People who have already answered, asked for no more emails or had a "
                       "reminder are left out.")
    # Set on the "check and send" step: the first press of the button only counts people.
    confirmed = HiddenField()
    submit = SubmitField("Continue", widget=GovSubmitInput())

    def validate_days(self, field):
        _days(field, required=True)


class AutoReminderForm(FlaskForm):
    days = _days_field("Number of days after the invitation",
                       "Leave this empty to send reminders only when you choose.")
    submit = SubmitField("Save", widget=GovSubmitInput())

    def validate_days(self, field):
        _days(field, required=False)
