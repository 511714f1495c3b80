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
        validators=[Optional(), Length(max=254, message="Public contact email must be 254 "
                                                        "characters or fewer"), EmailAddress()],
        widget=GovTextInput(),
        # The borough team's details, not the staff member's own: no autofill from the browser.
        render_kw={"type": "email", "autocomplete": "off", "spellcheck": "false"},
        description="Shown on the borough's public page. Leave empty to show none.",
    )
    contact_phone = StringField(
        "Public contact telephone", filters=[strip],
        validators=[Optional(), Length(max=40, message="Public contact telephone must be 40 "
                                                       "characters or fewer"),
                    Regexp(r"^[0-9 +()\-]{6,40}$",
                           message="Enter a telephone number, like 020 7946 0000")],
        widget=GovTextInput(), render_kw={"autocomplete": "off", "type": "tel"},
    )
    submit = SubmitField("Save contact details", widget=GovSubmitInput())
