"""The form for asking for news of a borough's meetings."""

from __future__ import annotations

from wtforms.validators import Length

from engage.forms import (
    FlaskForm,
    GovSubmitInput,
    GovTextInput,
    StringField,
    SubmitField,
    email_field,
    strip,
)


class SubscribeForm(FlaskForm):
    name = StringField("Full name (optional)", filters=[strip],
                       validators=[Length(max=200, message="Your name must be 200 characters "
                                                           "or fewer")],
                       widget=GovTextInput(),
                       description="So that our emails can greet you by name.",
                       render_kw={"autocomplete": "name", "spellcheck": "false"})
    email = email_field(hint="We will send you an email to check it is yours.")
    submit = SubmitField("Get emails about meetings", widget=GovSubmitInput())


class ResultsRequestForm(FlaskForm):
    email = email_field(hint="We will send you an email to check it is yours.")
    submit = SubmitField("Email me when the results are published", widget=GovSubmitInput())
