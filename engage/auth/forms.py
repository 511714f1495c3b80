from __future__ import annotations

from govuk_frontend_wtf.wtforms_widgets import GovCheckboxInput
from wtforms import BooleanField, SelectField, StringField, SubmitField
from wtforms.validators import InputRequired, ValidationError

from engage.boroughs.models import borough_choices
from engage.forms import (
    FlaskForm,
    GovSelect,
    GovSubmitInput,
    GovTextInput,
    current_password_field,
    email_field,
    name_field,
    new_password_field,
    strip,
)
from engage.once import OnceForm

NOT_IN_LONDON = "not-in-london"


class HomeBoroughField(SelectField):
    widget = GovSelect()

    def __init__(self, label="Which London borough do you live in?", **kwargs):
        super().__init__(
            label, validators=[InputRequired("Select your borough, or that you do not live in "
                                             "a London borough")],
            description="This tells us which Community Police Engagement Group is yours.",
            **kwargs,
        )

    def load_choices(self) -> None:
        self.choices = [("", "Select a borough"), *borough_choices(),
                        (NOT_IN_LONDON, "I do not live in a London borough")]


class RegisterForm(FlaskForm):
    name = name_field()
    email = email_field(hint="We will send you a link to confirm it.")
    password = new_password_field()
    home_borough = HomeBoroughField()
    submit = SubmitField("Create account", widget=GovSubmitInput())

    def validate_password(self, field):
        if self.email.data and field.data and self.email.data in field.data.lower():
            raise ValidationError("Password must not contain your email address")


class ChangeNameForm(FlaskForm):
    name = name_field()
    submit = SubmitField("Save", widget=GovSubmitInput())


class HomeBoroughForm(FlaskForm):
    home_borough = HomeBoroughField()
    submit = SubmitField("Save", widget=GovSubmitInput())


class SignInForm(FlaskForm):
    email = email_field()
    password = current_password_field()
    submit = SubmitField("Sign in", widget=GovSubmitInput())


class ForgottenPasswordForm(FlaskForm):
    email = email_field(hint="We will email you a link to reset your password.")
    submit = SubmitField("Send link", widget=GovSubmitInput())


class ResetPasswordForm(FlaskForm):
    password = new_password_field("New password")
    submit = SubmitField("Reset password", widget=GovSubmitInput())


class ChangePasswordForm(FlaskForm):
    current_password = current_password_field("Current password")
    password = new_password_field("New password")
    submit = SubmitField("Change password", widget=GovSubmitInput())


class ChangeEmailForm(OnceForm):
    email = email_field("New email address", hint="We will send a link to the new address. "
                                                 "Your email changes when you follow it.")
    current_password = current_password_field("Current password")
    submit = SubmitField("Change email address", widget=GovSubmitInput())


class DeleteAccountForm(FlaskForm):
    current_password = current_password_field("Password")
    confirm = BooleanField(
        "I understand that my account and my details will be deleted",
        validators=[InputRequired("Confirm that you want to delete your account")],
        widget=GovCheckboxInput(),
    )
    submit = SubmitField("Delete my account", widget=GovSubmitInput())


class AcceptInvitationForm(FlaskForm):
    name = name_field()
    password = new_password_field()
    home_borough = HomeBoroughField()
    submit = SubmitField("Create account and accept", widget=GovSubmitInput())


class ConfirmForm(FlaskForm):
    """A form with only a button: state changes need POST and a CSRF token."""

    submit = SubmitField("Continue", widget=GovSubmitInput())



class TwoStepSetUpForm(FlaskForm):
    code = StringField(
        "Enter the 6-digit code your app shows", filters=[strip],
        validators=[InputRequired("Enter the 6-digit code from your authenticator app")],
        widget=GovTextInput(),
        render_kw={"autocomplete": "one-time-code", "inputmode": "numeric",
                   "spellcheck": "false"},
    )
    submit = SubmitField("Turn on two-step verification", widget=GovSubmitInput())


class TwoStepCodeForm(FlaskForm):
    # Not inputmode numeric: a recovery code, typed here too, has letters.
    code = StringField(
        "Security code", filters=[strip],
        validators=[InputRequired("Enter the 6-digit code from your authenticator app, or a "
                                  "recovery code")],
        description="The 6-digit code your authenticator app shows now. If you do not have "
                    "your phone, enter one of your recovery codes instead.",
        widget=GovTextInput(),
        render_kw={"autocomplete": "one-time-code", "spellcheck": "false",
                   "autocapitalize": "none"},
    )
    submit = SubmitField("Continue", widget=GovSubmitInput())


class TurnOffTwoStepForm(FlaskForm):
    current_password = current_password_field("Password")
    submit = SubmitField("Turn off two-step verification", widget=GovSubmitInput())


class NewRecoveryCodesForm(FlaskForm):
    current_password = current_password_field("Password")
    submit = SubmitField("Make new recovery codes", widget=GovSubmitInput())
