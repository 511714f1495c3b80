"""Forms members of the public fill in: asking to join a group, equality monitoring."""

from __future__ import annotations

from govuk_frontend_wtf.wtforms_widgets import GovCheckboxInput
from wtforms import BooleanField, RadioField, StringField, SubmitField
from wtforms.validators import InputRequired, Length, Optional, ValidationError

from engage.forms import FlaskForm, GovRadioInput, GovSubmitInput, GovTextInput, strip
from engage.groups.models import AgeBand, Disability, EthnicGroup, Represents

CONSENT_LABEL = ("I agree that engage may keep these answers to check how well the group "
                 "reflects the people of the borough")


def _chosen(kind, value: str | None):
    """The answer chosen, or None: none given, or one the question does not offer (the
    field's own error says so; this is read while the other fields are still validated)."""
    value = (value or "").strip()
    try:
        return kind(value) if value else None
    except ValueError:
        return None


class EqualityFields:
    """The optional equality-monitoring questions, shared by the join and account forms."""

    # Worded as the questionnaires' standard equality section words them
    # (engage/surveys/data/have-your-say.toml; a test holds the two together).
    age_band = RadioField("How old are you?", choices=AgeBand.choices(),
                          validators=[Optional()], widget=GovRadioInput())
    ethnic_group = RadioField("What is your ethnic group?", choices=EthnicGroup.choices(),
                              validators=[Optional()], widget=GovRadioInput(),
                              description="These are the groups the 2011 Census used.")
    disability = RadioField(
        "Do you have a disability or a long-term health condition that limits your "
        "day-to-day activities?",
        choices=Disability.choices(), validators=[Optional()], widget=GovRadioInput(),
        description="A physical or mental health condition or illness that has lasted, or is "
                    "expected to last, 12 months or more.")
    equality_consent = BooleanField(CONSENT_LABEL, widget=GovCheckboxInput())

    def equality_answers(self) -> tuple[AgeBand | None, EthnicGroup | None, Disability | None]:
        # Optional() lets a blank answer through, and counts spaces as blank: no answer.
        return (_chosen(AgeBand, self.age_band.data), _chosen(EthnicGroup, self.ethnic_group.data),
                _chosen(Disability, self.disability.data))

    def has_equality_answers(self) -> bool:
        return any(self.equality_answers())

    def validate_equality_consent(self, field):
        if self.has_equality_answers() and not field.data:
            raise ValidationError("Tick the box to agree that we may keep your answers, or "
                                  "leave the questions unanswered")


class JoinGroupForm(EqualityFields, FlaskForm):
    represents = RadioField("Who will you represent in the group?",
                            choices=Represents.choices(),
                            validators=[InputRequired("Select who you will represent")],
                            widget=GovRadioInput())
    organisation = StringField(
        "Name of the organisation or business", filters=[strip],
        validators=[Length(max=200, message="The name of the organisation or business must be "
                                            "200 characters or fewer")],
        widget=GovTextInput(),
        description="Leave this empty if you represent yourself.",
        # The person's own organisation (WCAG 1.3.5): the browser may offer it.
        render_kw={"autocomplete": "organization"})
    submit = SubmitField("Ask to join", widget=GovSubmitInput())

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # The error summary lists errors in field order, which puts the mixin's equality
        # fields first: the page asks who they represent first, so the summary should too.
        first = ("csrf_token", "represents", "organisation")
        self._fields = {**{name: self._fields[name] for name in first if name in self._fields},
                        **self._fields}

    def validate_organisation(self, field):
        if self.represents.data and self.represents.data != Represents.SELF and not field.data:
            raise ValidationError("Enter the name of the organisation or business you represent")


class EqualityForm(EqualityFields, FlaskForm):
    submit = SubmitField("Save my answers", widget=GovSubmitInput())

    def validate_equality_consent(self, field):
        if not field.data:
            raise ValidationError("Tick the box to agree that we may keep your answers")


class ButtonForm(FlaskForm):
    submit = SubmitField("Continue", widget=GovSubmitInput())


class LeaveForm(FlaskForm):
    """The last step of leaving a group, or of withdrawing a request to join: the button says
    which."""

    submit = SubmitField("Leave the group", widget=GovSubmitInput())

    def __init__(self, *args, withdrawing: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if withdrawing:
            self.submit.label.text = "Withdraw my request"
