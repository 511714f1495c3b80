"""Forms staff fill in for a borough's groups: the group's details, declining a request, a
member's role, and the filters on the members list."""

from __future__ import annotations

from datetime import date

from govuk_frontend_wtf.wtforms_widgets import GovDateInput, GovTextArea
from wtforms import (
    EmailField,
    Field,
    RadioField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import (
    DataRequired,
    InputRequired,
    Length,
    Optional,
    Regexp,
    ValidationError,
)

from engage.forms import (
    EmailAddress,
    FlaskForm,
    GovRadioInput,
    GovSelect,
    GovSubmitInput,
    GovTextInput,
    normalise_email,
    strip,
)
from engage.groups.models import GroupKind, GroupRole, Represents
from engage.numbers import digits
from engage.once import OnceForm


class GroupForm(OnceForm):
    """A group's details. `kind` is chosen once, when the group is added (see `for_editing`)."""

    name = StringField("Name of the group", filters=[strip],
                       validators=[DataRequired("Enter the name of the group"),
                                   Length(max=200, message="The name of the group must be 200 "
                                                           "characters or fewer")],
                       widget=GovTextInput(),
                       description="People see this name on the borough's public pages.")
    kind = RadioField("Kind of group", validators=[InputRequired("Select the kind of group")],
                      widget=GovRadioInput())
    purpose = TextAreaField(
        "What the group is for", filters=[strip],
        validators=[Length(max=5000, message="Purpose must be 5,000 characters or fewer")],
        widget=GovTextArea(),
        description="A few sentences for people deciding whether to join.")
    terms_of_reference = TextAreaField(
        "Terms of reference", filters=[strip],
        validators=[Length(max=20000,
                           message="Terms of reference must be 20,000 characters or fewer")],
        widget=GovTextArea(),
        description="How the group works: membership, meetings, decisions. Optional.")
    contact_email = EmailField(
        "Contact email", filters=[normalise_email],
        validators=[Optional(), Length(max=254, message="Contact email must be 254 characters "
                                                        "or fewer"), EmailAddress()],
        widget=GovTextInput(),
        # The group's details, not the staff member's own: no autofill from the browser.
        render_kw={"type": "email", "autocomplete": "off", "spellcheck": "false"},
        description="Shown on the group's public page. Leave empty to show none.",
    )
    contact_phone = StringField(
        "Contact telephone", filters=[strip],
        validators=[Optional(), Length(max=40, message="Contact telephone must be 40 "
                                                       "characters or fewer"),
                    Regexp(r"^[0-9 +()\-]{6,40}$",
                           message="Enter a telephone number, like 020 7946 0000")],
        widget=GovTextInput(), render_kw={"autocomplete": "off", "type": "tel"},
    )
    submit = SubmitField("Add the group", widget=GovSubmitInput())

    def load_choices(self) -> None:
        # Every borough has exactly one CPEG, made for it: staff add the other kinds.
        self.kind.choices = [c for c in GroupKind.choices() if c.value != GroupKind.CPEG]

    @classmethod
    def for_editing(cls, group) -> GroupForm:
        form = cls(obj=group)
        del form.kind  # fixed once the group exists
        form.submit.label.text = "Save changes"
        return form


class DeclineForm(FlaskForm):
    reason = TextAreaField(
        "Why are you declining this request?", filters=[strip],
        validators=[DataRequired("Enter a reason; it is sent to the person"),
                    Length(max=2000, message="The reason must be 2,000 characters or fewer")],
        widget=GovTextArea(),
        description="We send this to the person in an email, so write it for them to read.",
    )
    submit = SubmitField("Decline the request", widget=GovSubmitInput())


class DayMonthYearField(Field):
    """A date typed as day, month and year in three boxes (the GOV.UK date input pattern).

    All three empty means no date. The boxes share the field's name, so the form sends three
    values in order.
    """

    widget = GovDateInput()

    def _value(self):
        return ""

    def process_formdata(self, valuelist):
        parts = [strip(v) for v in valuelist][:3]
        parts += [""] * (3 - len(parts))
        self.raw_data = parts  # the widget shows what was typed, box by box
        if not any(parts):
            self.data = None
            return
        self.data = None
        if not all(parts):
            missing = [n for n, p in zip(("a day", "a month", "a year"), parts, strict=True)
                       if not p]
            raise ValueError(f"{self.label.text} must include {' and '.join(missing)}")
        try:
            # Digits 0-9 only: int() would read "1_2" as 12, "+1" as 1 and full-width digits.
            day, month, year = (digits(p) for p in parts)
            if year < 1900 or year > 2200:
                raise ValueError
            self.data = date(year, month, day)
        except (ValueError, OverflowError):  # a day of 10**14 overflows before it is wrong
            raise ValueError(f"{self.label.text} must be a real date, like 1 4 2027") from None


class RoleForm(FlaskForm):
    role = RadioField("Role in the group", validators=[InputRequired("Select a role")],
                      widget=GovRadioInput())
    role_starts_on = DayMonthYearField("Start of the term",
                                       description="For example, 1 4 2027")
    role_ends_on = DayMonthYearField("End of the term",
                                     description="For example, 31 3 2029. Leave empty if the "
                                                 "term has no set end.")
    submit = SubmitField("Save role", widget=GovSubmitInput())

    def load_choices(self) -> None:
        self.role.choices = GroupRole.choices()

    def validate_role_ends_on(self, field):
        start = self.role_starts_on.data
        if field.data and start and field.data < start:
            raise ValidationError("The end of the term must be the same as or after its start")


class MemberFilterForm(FlaskForm):
    class Meta:
        csrf = False  # a GET filter, changes nothing

    q = StringField("Name or email contains", filters=[strip], validators=[Optional()],
                    widget=GovTextInput())
    role = SelectField("Role", validators=[Optional()], widget=GovSelect())
    represents = SelectField("Represents", validators=[Optional()], widget=GovSelect())
    sort = SelectField("Sort by", validators=[Optional()], widget=GovSelect())
    submit = SubmitField("Filter", widget=GovSubmitInput())

    def load_choices(self) -> None:
        self.role.choices = [SelectChoice("", "Any role"), *GroupRole.choices()]
        self.represents.choices = [SelectChoice("", "Anyone"), *Represents.choices()]
        self.sort.choices = [SelectChoice("name", "Name, A to Z"),
                             SelectChoice("-name", "Name, Z to A")]

    def clean(self) -> None:
        """Drop any value that is not one of the choices (a stale or edited link): a filter
        that cannot match is ignored rather than shown as an error."""
        for field in (self.role, self.represents, self.sort):
            if field.data not in {choice.value for choice in field.iter_choices()}:
                field.data = ""
