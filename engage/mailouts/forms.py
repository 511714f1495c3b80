"""The form staff fill in during a call, and the step that confirms a likely duplicate."""

from __future__ import annotations

from govuk_frontend_wtf.wtforms_widgets import GovCheckboxInput, GovTextArea
from wtforms import BooleanField, HiddenField, SelectChoice, TextAreaField
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
)
from engage.mailouts.models import PaperFormat
from engage.once import OnceForm
from engage.surveys.questions import normalise_postcode

FROM_POSTCODE = ""


def _text(label: str, limit: int, missing: str | None = None, **kwargs) -> StringField:
    validators = [DataRequired(missing)] if missing else []
    validators.append(Length(max=limit, message=f"{label} must be {limit} characters or fewer"))
    return StringField(label, filters=[strip], validators=validators, widget=GovTextInput(),
                       **kwargs)


class PaperRequestForm(OnceForm):
    questionnaire = RadioField("Which questionnaire do they want?", coerce=str,
                               validators=[InputRequired("Select the questionnaire")],
                               widget=GovRadioInput())
    name = _text("Full name", 200, "Enter the caller's full name",
                 description="As it should appear on the envelope.",
                 render_kw={"autocomplete": "off", "spellcheck": "false"})
    address_line_1 = _text("Address line 1", 200, "Enter the first line of the address",
                           render_kw={"autocomplete": "off"})
    address_line_2 = _text("Address line 2 (optional)", 200, render_kw={"autocomplete": "off"})
    town = _text("Town or city", 100, "Enter the town or city",
                 render_kw={"autocomplete": "off"})
    postcode = _text("Postcode", 10, "Enter the postcode",
                     render_kw={"autocomplete": "off", "spellcheck": "false"})
    borough = SelectField("Borough", coerce=str, widget=GovSelect(),
                          description="Left as it is, the borough is worked out from the "
                                      "postcode where it can be.")
    format = RadioField("Which format do they need?", choices=PaperFormat.choices(),
                        validators=[InputRequired("Select the format")],
                        widget=GovRadioInput())
    language = _text("Language, if they asked for another language", 100,
                     description="The request is kept for someone to follow up: it is not "
                                 "printed with the others.")
    consent = BooleanField(
        "The caller agrees that we keep their name and address to send them the "
        "questionnaire",
        validators=[InputRequired("Ask the caller whether we may keep their name and address: "
                                  "without that we cannot post the questionnaire")],
        widget=GovCheckboxInput())
    notes = TextAreaField("Notes (optional)", filters=[strip],
                          validators=[Length(max=2000, message="Notes must be 2,000 "
                                                               "characters or fewer")],
                          widget=GovTextArea(),
                          description="Anything the team should know. Do not write about "
                                      "crimes or health here.")
    # Set on the confirmation step: the earlier request staff saw and still want to add to.
    duplicate_of = HiddenField()
    submit = SubmitField("Save the request", widget=GovSubmitInput())

    def validate_postcode(self, field) -> None:
        if field.data:
            postcode = normalise_postcode(field.data)
            if postcode is None:
                raise ValidationError("Enter a full UK postcode, like SW1A 2AA")
            field.data = postcode

    def validate_language(self, field) -> None:
        if self.format.data == PaperFormat.OTHER_LANGUAGE and not field.data:
            raise ValidationError("Enter the language they asked for")
        # A language beside a printed format would be dropped, and an English copy posted to
        # someone who asked for another language.
        if field.data and self.format.data in {f.value for f in PaperFormat} \
                and self.format.data != PaperFormat.OTHER_LANGUAGE:
            raise ValidationError(f"Select {PaperFormat.OTHER_LANGUAGE.label.lower()} if they "
                                  "asked for one, or clear the language")


class DuplicateDecisionForm(FlaskForm):
    """Asked when the request looks like one already recorded."""

    decision = RadioField("Do you still want to record this request?",
                          choices=[SelectChoice("yes", "Yes, they need another copy"),
                                   SelectChoice("no", "No, do not record it again")],
                          validators=[InputRequired("Select yes if they need another copy")],
                          widget=GovRadioInput())
    submit = SubmitField("Continue", widget=GovSubmitInput())
