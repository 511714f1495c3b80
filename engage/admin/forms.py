from __future__ import annotations

from flask_wtf.file import FileAllowed, FileField, FileRequired
from govuk_frontend_wtf.wtforms_widgets import GovFileInput
from wtforms import RadioField, SelectField, SelectMultipleField, StringField, SubmitField
from wtforms.validators import InputRequired, Length, Optional, ValidationError

from engage.auth.models import STAFF_ROLE_LABELS
from engage.boroughs.models import borough_choices
from engage.forms import (
    FlaskForm,
    GovCheckboxesInput,
    GovRadioInput,
    GovSelect,
    GovSubmitInput,
    GovTextInput,
    email_field,
    name_field,
    strip,
)
from engage.once import OnceForm

ADMINISTRATOR = "administrator"
ROLE_CHOICES = [(role.value, label) for role, label in STAFF_ROLE_LABELS.items()]
# Choices are set in load_choices(), not in the field's constructor: WTForms 3.3 deprecates
# tuples passed to the constructor (a DeprecationWarning, an error under the test settings),
# while assigning them later is the supported way that works on every 3.x release.


class InviteStaffForm(OnceForm):
    # Someone else's name and address: the browser must not offer the administrator's own.
    name = name_field("Their full name", missing="Enter their full name", autocomplete="off")
    email = email_field("Their email address", hint="We will email them a link to accept.",
                        missing="Enter their email address", autocomplete="off")
    role = RadioField("Role", validators=[InputRequired("Select a role")],
                      widget=GovRadioInput())
    # No Optional() here: it would stop the chain on an empty selection, so validate_boroughs
    # below would never run and an officer could be invited for no borough at all.
    boroughs = SelectMultipleField(
        "Boroughs", widget=GovCheckboxesInput(),
        description="Select every borough the role is for. Not needed for administrators.",
    )
    submit = SubmitField("Send invitation", widget=GovSubmitInput())

    def load_choices(self) -> None:
        self.role.choices = [*ROLE_CHOICES, (ADMINISTRATOR, "Administrator (all boroughs)")]
        self.boroughs.choices = borough_choices()

    def validate_boroughs(self, field):
        if self.role.data and self.role.data != ADMINISTRATOR and not field.data:
            raise ValidationError("Select at least one borough for this role")


class GrantRoleForm(FlaskForm):
    role = SelectField("Role", validators=[InputRequired("Select a role")], widget=GovSelect())
    borough = SelectField("Borough", validators=[InputRequired("Select a borough")],
                          widget=GovSelect())
    submit = SubmitField("Add role", widget=GovSubmitInput())

    def load_choices(self) -> None:
        self.role.choices = [("", "Select a role"), *ROLE_CHOICES]
        self.borough.choices = [("", "Select a borough"), *borough_choices()]


class AuditFilterForm(FlaskForm):
    class Meta:
        csrf = False  # a GET filter, changes nothing

    borough = SelectField("Borough", validators=[Optional()], widget=GovSelect())
    action = StringField("Action starts with", validators=[Optional()], widget=GovTextInput(),
                         description="The code under each action, or its start: for example "
                                     "staff. or meeting.")
    submit = SubmitField("Filter", widget=GovSubmitInput())

    def load_choices(self) -> None:
        self.borough.choices = [("", "All boroughs"), *borough_choices()]


class PopulationUploadForm(FlaskForm):
    figures = FileField(
        "CSV file", validators=[FileRequired("Choose a CSV file of population figures"),
                                FileAllowed(["csv"], "The file must be a CSV file")],
        widget=GovFileInput(),
        description="Columns: ons_code, dimension, category, count. One line per borough, "
                    "dimension and category.")
    source = StringField("Where the figures come from", filters=[strip],
                         validators=[InputRequired("Say where the figures come from"),
                                     Length(max=200, message="Where the figures come from must "
                                                             "be 200 characters or fewer")],
                         widget=GovTextInput(),
                         description="For example: ONS mid-year population estimates, 2024")
    submit = SubmitField("Upload figures", widget=GovSubmitInput())
