"""Form pieces shared by every domain: GOV.UK widgets and plain-English validators."""

from __future__ import annotations

import re
from dataclasses import replace

from email_validator import EmailNotValidError, validate_email
from flask_wtf import FlaskForm as _FlaskForm
from govuk_frontend_wtf.wtforms_widgets import (
    GovCheckboxesInput,
    GovPasswordInput,
    GovRadioInput,
    GovSelect,
    GovSubmitInput,
    GovTextInput,
)
from wtforms import (
    EmailField,
    PasswordField,
    RadioField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
)
from wtforms.validators import DataRequired, InputRequired, Length, ValidationError

from engage import numbers
from engage.translations.phrases import N_, current_language, translate, translate_text

MIN_PASSWORD = 12
MAX_PASSWORD = 128


class PlainMessages:
    """WTForms' own messages, for a value no page offers (an edited request, a page left open
    while its options changed), in plain English that says what to do. None repeats the value
    sent: it may be anything, of any length. Every other message passes through."""

    MESSAGES = {
        "Not a valid choice.": "Select one of the options shown",
        "Invalid Choice: could not coerce.": "Select one of the options shown",
        "'%(value)s' is not a valid choice for this field.": "Select only the options shown",
        "'%(value)s' are not valid choices for this field.": "Select only the options shown",
        "Not a valid integer value.": "Enter a whole number, like 12",
        "Not a valid decimal value.": "Enter a number, like 12.5",
        "Not a valid float value.": "Enter a number, like 12.5",
        "Not a valid date value.": "Enter a real date",
        "Not a valid datetime value.": "Enter a real date and time",
        "Not a valid time value.": "Enter a real time",
        # Length without a message of its own (each field should name itself, as
        # "Email address must be 254 characters or fewer"; this is the net beneath them).
        "Field cannot be longer than %(max)d character.": "Enter %(max)d character or fewer",
        "Field cannot be longer than %(max)d characters.": "Enter %(max)d characters or fewer",
        "Field must be at least %(min)d character long.": "Enter at least %(min)d character",
        "Field must be at least %(min)d characters long.": "Enter at least %(min)d characters",
        "Field must be exactly %(max)d character long.": "Enter exactly %(max)d character",
        "Field must be exactly %(max)d characters long.": "Enter exactly %(max)d characters",
        "Field must be between %(min)d and %(max)d characters long.":
            "Enter between %(min)d and %(max)d characters",
    }

    def gettext(self, string: str) -> str:
        return translate(self.MESSAGES.get(string, string))

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        return self.gettext(singular if n == 1 else plural)


PLAIN_MESSAGES = PlainMessages()


class FlaskForm(_FlaskForm):
    """Flask-WTF's form (CSRF included), with WTForms' own messages in plain English. Every
    form here derives from this one.

    On a page shown in another language (engage.translations), a form's words are translated
    as it is made (labels, hints, the choices' words) and as it is checked (its messages): they
    are written, marked with N_(), where the form's class is defined, once for every request."""

    class Meta(_FlaskForm.Meta):
        def get_translations(self, form):
            return PLAIN_MESSAGES

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if current_language() is not None:
            for field in self:
                _translate_field(field)

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        if current_language() is not None:
            for field in self:
                field.errors = [translate_text(error) for error in field.errors]
        return valid


def _translate_field(field) -> None:
    field.label.text = translate_text(field.label.text)
    if field.description:
        field.description = translate_text(field.description)
    choices = getattr(field, "choices", None)
    if isinstance(choices, list):  # the field's own list, made from what its class gave
        field.choices = [replace(c, label=translate_text(c.label)) if isinstance(c, SelectChoice)
                         else c for c in choices]


def strip(value: str | None) -> str:
    """A form filter: surrounding spaces removed, and None (an absent field) read as "". NUL
    characters go too: no one means to type one, and PostgreSQL cannot store them in text."""
    return (value or "").replace("\x00", "").strip()


def whole_number(text: str | None) -> int | None:
    """The whole number typed in a box, read as every number box here reads one
    (engage.numbers: "1,000" and "1 000" are 1000, "1,2" is no number); None if the box is
    empty or holds anything else. Each field checks its own bounds."""
    try:
        return numbers.whole_number(text or "")
    except ValueError:
        return None


def normalise_email(value: str | None) -> str:
    return strip(value).lower()


def no_email_given() -> bool:
    """For the rate limits counted per address typed (exempt_when): a form sent without one
    is only refused with its errors, and must not share one allowance for "no address" with
    everyone else who pressed the button on an empty form."""
    from flask import request

    return not normalise_email(request.form.get("email"))


class EmailAddress:
    """Checks the form of an address (no DNS look-up: a form must work offline)."""

    def __call__(self, form, field):
        try:
            validate_email(field.data or "", check_deliverability=False)
        except EmailNotValidError as exc:
            raise ValidationError(
                N_("Enter an email address in the correct format, like name@example.com")
            ) from exc


def email_field(label: str = N_("Email address"), hint: str | None = None,
                missing: str = N_("Enter your email address"),
                too_long: str = N_("Email address must be 254 characters or fewer"),
                autocomplete: str = "email") -> EmailField:
    """An email address. `missing` says what to do when it is left empty, as name_field's, and
    `too_long` when it is too long. type="email" gives phones their @ keyboard (GovTextInput
    would write type="text"); forms are novalidate, so our own message, not the browser's,
    says what is wrong. `autocomplete` is "off" where staff give someone else's: "email"
    would have the browser offer the staff member's own."""
    return EmailField(
        label,
        filters=[normalise_email],
        validators=[InputRequired(missing), Length(max=254, message=too_long), EmailAddress()],
        widget=GovTextInput(),
        description=hint or "",
        # Left to right on every page: "123@example.org" would read "example.org@123" on a page
        # written right to left.
        render_kw={"type": "email", "autocomplete": autocomplete, "spellcheck": "false",
                   "dir": "ltr"},
    )


class PasswordInput(GovPasswordInput):
    """GOV.UK's password input with the autocomplete the field asks for. The macro writes its
    own autocomplete ("current-password" unless told), before any attribute: a second one
    from render_kw is ignored by browsers, so a new password field would say
    "current-password" (WCAG 1.3.5) and password managers would not offer to make one."""

    def map_gov_params(self, field, **kwargs):
        autocomplete = kwargs.pop("autocomplete", None)
        params = super().map_gov_params(field, **kwargs)
        if autocomplete:
            params["autocomplete"] = autocomplete
        return params


# Words anyone would try first against an account here, besides the person's own details.
_GUESSABLE_HERE = ["engage", "police", "policing", "london", "community", "password"]


class HardToGuess:
    """A new password must not be one that is commonly used or expected (NIST SP 800-63B asks
    for this check; the NCSC calls it a deny list): zxcvbn scores it against its lists of common
    passwords, words and names, keyboard patterns, dates and repeats, and against the person's
    own name and email address and words about this service. Below a score of 3 (about 10^8
    guesses, little against a stolen hash) it is refused, with zxcvbn's reason. Long unrelated
    words pass easily, which is what the hint suggests."""

    def __call__(self, form, field) -> None:
        from flask_login import current_user
        from zxcvbn import zxcvbn

        password = field.data or ""
        if len(password) < MIN_PASSWORD or len(password) > MAX_PASSWORD:
            return  # Length has said what is wrong
        theirs = [getattr(getattr(form, name, None), "data", None) for name in ("name", "email")]
        if current_user and current_user.is_authenticated:
            theirs += [current_user.name, current_user.email]
        words = [part for value in theirs if isinstance(value, str)
                 for part in re.split(r"[\s@.+_-]+", value.lower()) if len(part) > 2]
        result = zxcvbn(password, user_inputs=words + _GUESSABLE_HERE, max_length=MAX_PASSWORD)
        if result["score"] >= 3:
            return
        reason = (result["feedback"]["warning"] or "").strip()
        raise ValidationError(
            (f"{reason} " if reason else "This password would be easy to guess. ")
            + "Choose one that is harder to guess: 3 or 4 words that have nothing to do with "
            "each other are a good way")


def new_password_field(label: str = "Create a password") -> PasswordField:
    return PasswordField(
        label,
        validators=[
            InputRequired("Enter a password"),
            # Each limit in its own words, like the hint: a short password is told the
            # minimum, not a range that begins with it.
            Length(min=MIN_PASSWORD,
                   message=f"Password must be {MIN_PASSWORD} characters or more"),
            Length(max=MAX_PASSWORD,
                   message=f"Password must be {MAX_PASSWORD} characters or fewer"),
            HardToGuess(),
        ],
        widget=PasswordInput(),
        description=f"Use {MIN_PASSWORD} characters or more. A few unrelated words is a good way.",
        render_kw={"autocomplete": "new-password"},
    )


def current_password_field(label: str = "Password") -> PasswordField:
    return PasswordField(label, validators=[InputRequired("Enter your password")],
                         widget=PasswordInput(),
                         render_kw={"autocomplete": "current-password"})


def name_field(label: str = "Full name", missing: str = "Enter your full name",
               autocomplete: str = "name") -> StringField:
    """A person's full name. `missing` says what to do when it is left empty, in the words of
    whoever fills in the form: "Enter their full name" where staff give someone else's, with
    `autocomplete` "off" so the browser does not offer the staff member's own name."""
    return StringField(label, filters=[strip],
                       validators=[DataRequired(missing),
                                   Length(max=200, message="The name must be 200 characters "
                                                           "or fewer")],
                       widget=GovTextInput(), render_kw={"autocomplete": autocomplete,
                                                         "spellcheck": "false"})


__all__ = [
    "EmailAddress", "FlaskForm", "GovCheckboxesInput", "GovRadioInput", "GovSelect",
    "GovSubmitInput", "GovTextInput", "RadioField", "SelectField", "SelectMultipleField",
    "StringField", "SubmitField", "current_password_field", "email_field", "name_field",
    "new_password_field", "normalise_email", "strip",
]


def moved_since_shown(position: int) -> bool:
    """True when a "Move up/down" button was pressed for an item no longer where the page
    showed it. The buttons send the item's place then (`at`): the same button pressed twice,
    or a page left open while someone else reordered, would otherwise move it again. A request
    without `at` (not from these pages) is taken as it comes."""
    from flask import request

    at = request.form.get("at")
    return at is not None and at != str(position)


ALREADY_MOVED = "The order had changed since the page was shown, so nothing more was moved."
