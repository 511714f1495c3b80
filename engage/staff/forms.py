from __future__ import annotations

from wtforms import EmailField, StringField, SubmitField
from wtforms.validators import Length, Optional, Regexp

from engage.forms import (
    EmailAddress,
    FlaskForm,
    GovSubmitInput,
    GovTextInput,
    normalise_email,
    strip,
)


class BoroughContactForm(FlaskForm):
    contact_email = EmailField(
        "Public contact email", filters=[normalise_email],
        validators=[Optional(), Length(max=254), EmailAddress()], widget=GovTextInput(),
        render_kw={"type": "email", "spellcheck": "false"},
        description="Shown on the borough's public page. Leave empty to show none.",
    )
    contact_phone = StringField(
        "Public contact telephone", filters=[strip],
        validators=[Optional(), Length(max=40),
                    Regexp(r"^[0-9 +()\-]{6,40}$",
                           message="Enter a telephone number, like 020 7946 0000")],
        widget=GovTextInput(), render_kw={"autocomplete": "tel"},
    )
    submit = SubmitField("Save contact details", widget=GovSubmitInput())
