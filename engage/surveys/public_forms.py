"""Forms for the public questionnaire's own steps (the questions' forms come from
engage.surveys.pages), and the GOV.UK parameters that show a question on its page."""

from __future__ import annotations

import re

from govuk_frontend_wtf.wtforms_widgets import GovCheckboxInput, GovDateInput
from markupsafe import Markup
from wtforms import BooleanField, HiddenField, SelectChoice
from wtforms.validators import InputRequired, Length, ValidationError

from engage.boroughs.postcodes import district_of
from engage.components import govuk_words, render_component
from engage.forms import (
    EmailAddress,
    FlaskForm,
    GovRadioInput,
    GovSelect,
    GovSubmitInput,
    GovTextInput,
    RadioField,
    SelectField,
    StringField,
    SubmitField,
    email_field,
    normalise_email,
    strip,
)
from engage.surveys.models import Question, QuestionKind
from engage.surveys.pages import field_name, other_field_name, rank_count, rank_field_name
from engage.translations.phrases import N_, gettext, translate

# The forms' words are marked with N_() and translated as a form is made and checked
# (engage.forms.FlaskForm); words added later, or made from a question, with gettext().

YES_NO = [SelectChoice("yes", N_("Yes")), SelectChoice("no", N_("No"))]
ANOTHER = "another"


class HoneypotMixin:
    """A box people never see or reach (hidden, aria-hidden, out of the tab order) and that
    automated form-fillers tend to fill: when it comes back filled, the view pretends all went
    well and keeps nothing. It never fails validation, so nobody is ever stopped by it."""

    # Translators: The label of a box hidden from people (it catches automated form-fillers).
    website = StringField(N_("Leave this box empty"), filters=[strip],
                          render_kw={"tabindex": "-1", "autocomplete": "off"})

    @property
    def caught(self) -> bool:
        return bool(self.website.data)


class StartForm(FlaskForm):
    submit = SubmitField(N_("Start now"), widget=GovSubmitInput())


class PostcodeForm(FlaskForm):
    postcode = StringField(
        N_("What is your postcode?"), filters=[strip],
        validators=[InputRequired(N_("Enter your postcode")), Length(max=20, message=N_(
            "Enter a postcode, like SW1A 2AA, or its first part, like SW1A"))],
        widget=GovTextInput(),
        description=N_("We only use the first part to find your borough, and we do not keep it."),
        render_kw={"autocomplete": "postal-code", "spellcheck": "false"})
    submit = SubmitField(N_("Continue"), widget=GovSubmitInput())

    def validate_postcode(self, field):
        if district_of(field.data) is None:
            raise ValidationError(N_("Enter a postcode, like SW1A 2AA, or its first part, "
                                     "like SW1A"))


class _Chosen:
    def __init__(self, message: str):
        self.message = message

    def __call__(self, form, field):
        if not field.data or field.data not in {choice.value for choice in field.choices}:
            raise ValidationError(self.message)


def borough_form(pairs: list[tuple[str, str]], *, as_select: bool, label: str) -> FlaskForm:
    """A form choosing one of `pairs` (borough slug, name): radios for a short list of
    suggestions, or a select of every borough the consultation covers."""
    choices = [SelectChoice(value, name) for value, name in pairs]

    class BoroughForm(FlaskForm):
        borough = (SelectField(label, choices=[SelectChoice("", N_("Choose a borough"))] + choices,
                               validate_choice=False, widget=GovSelect(),
                               validators=[_Chosen(N_("Choose your borough"))])
                   if as_select else
                   RadioField(label, choices=choices, validate_choice=False,
                              widget=GovRadioInput(), validators=[_Chosen(N_("Select a borough"))]))
        submit = SubmitField(N_("Continue"), widget=GovSubmitInput())

    return BoroughForm()


class ConsentForm(FlaskForm):
    consent = RadioField(N_("Would you like to answer some optional questions about yourself?"),
                         choices=YES_NO, validate_choice=False, widget=GovRadioInput(),
                         validators=[_Chosen(N_("Select yes if you would like to answer questions "
                                                "about yourself"))])
    submit = SubmitField(N_("Continue"), widget=GovSubmitInput())


PHONE = re.compile(r"^\+?[0-9]{10,15}$")
PHONE_EXAMPLE = N_("Enter a phone number, like 020 7946 0000 or +44 20 7946 0000")


class ReplyForm(FlaskForm):
    # A checkbox, not yes/no radios: its reveal of the contact boxes is valid ARIA on a
    # checkbox (GOV.UK's script marks the control aria-expanded, which a radio may not carry).
    wants = BooleanField(N_("Yes, I would like a reply"), widget=GovCheckboxInput(),
                         false_values=("false", "", "no"))
    name = StringField(N_("Your name (optional)"),
                       filters=[strip, lambda v: v.replace("\x00", "")],
                       validators=[Length(max=200, message=N_("Your name must be 200 characters "
                                                              "or fewer"))],
                       widget=GovTextInput(), render_kw={"autocomplete": "name",
                                                         "spellcheck": "false", "dir": "auto"})
    email = StringField(N_("Email address"), filters=[normalise_email], widget=GovTextInput(),
                        render_kw={"autocomplete": "email", "spellcheck": "false",
                                   "type": "email", "dir": "ltr"})  # as forms.email_field
    phone = StringField(N_("Phone number"), filters=[strip], widget=GovTextInput(),
                        validators=[Length(max=40, message=PHONE_EXAMPLE)],
                        render_kw={"autocomplete": "tel", "type": "tel"})
    # Translators: engage is the service's name.
    agree = BooleanField(N_("I agree that engage may keep these details to reply to me"),
                         widget=GovCheckboxInput())
    submit = SubmitField(N_("Continue"), widget=GovSubmitInput())

    def validate(self, extra_validators=None) -> bool:
        # Checked after the form's own validation, which has translated its messages: these
        # are translated here.
        ok = super().validate(extra_validators)
        if not self.wants.data:
            return ok
        if not self.email.data and not self.phone.data:
            self.email.errors.append(gettext("Enter an email address or a phone number, so we "
                                             "can reply"))
            ok = False
        if self.email.data:
            try:
                Length(max=254, message=N_("Email address must be 254 characters or fewer"))(
                    self, self.email)
                EmailAddress()(self, self.email)
            except ValidationError as error:
                self.email.errors.append(translate(str(error)))
                ok = False
        if self.phone.data and not PHONE.match(re.sub(r"[\s()-]", "", self.phone.data)):
            self.phone.errors.append(translate(PHONE_EXAMPLE))
            ok = False
        if not self.agree.data:
            self.agree.errors.append(gettext("Tick the box to agree that we may keep your details "
                                             "to reply to you"))
            ok = False
        return ok

    def reply(self) -> dict:
        if not self.wants.data:
            return {"wants": False}
        return {"wants": True, "name": self.name.data, "email": self.email.data,
                "phone": re.sub(r"\s+", " ", self.phone.data)}


class CheckAnswersForm(HoneypotMixin, FlaskForm):
    submission_key = HiddenField()
    submit = SubmitField(N_("Send my answers"), widget=GovSubmitInput())


class SaveForm(HoneypotMixin, FlaskForm):
    email = email_field(hint=N_("We will email you a link to come back to your answers."))
    submit = SubmitField(N_("Send me a link"), widget=GovSubmitInput())


def radio_params(field, legend: dict, divider_before: str | None = None) -> dict:
    """govukRadios parameters for a RadioField, with an "or" divider before one choice."""
    items: list[dict] = []
    for choice in field.choices:
        if choice.value == divider_before and items:
            # Translators: Between a list of answers and one more that is not one of them.
            items.append({"divider": gettext("or")})
        items.append({"value": choice.value, "text": choice.label,
                      "checked": field.data == choice.value})
    return govuk_words("govuk_frontend_jinja/components/radios/macro.html", {
        "name": field.name, "idPrefix": field.id, "items": items, "fieldset": {
            "legend": legend}, "errorMessage": {"text": field.errors[0]} if field.errors else None,
        "hint": {"text": field.description} if field.description else None})


# Showing a question ---------------------------------------------------------------------------

def error_href(form: FlaskForm, name: str) -> str:
    """Where an error summary link should take the person: the first box of a date, the first
    radio or checkbox (which carries the field's id), or the field."""
    field = form[name]
    return f"#{field.id}-day" if isinstance(field.widget, GovDateInput) else f"#{field.id}"


def error_list(form: FlaskForm) -> list[dict]:
    return [{"text": field.errors[0], "href": error_href(form, field.name)}
            for field in form if field.errors]


def _label(question: Question, heading: bool, kind: str) -> dict:
    # Translators: %(question)s is a question that need not be answered.
    text = question.text if question.required else gettext("%(question)s (optional)",
                                                           question=question.text)
    size = "l" if heading else "m"
    return {"text": text, "isPageHeading": heading, "classes": f"govuk-{kind}--{size}"}


def _hint(description: str, introduction: str) -> dict | None:
    if introduction and description:
        return {"html": Markup("{}<br><br>{}").format(introduction, description)}
    text = introduction or description
    return {"text": text} if text else None


def question_view(question: Question, form: FlaskForm, heading: bool,
                  introduction: str = "") -> dict:
    """{"macro": ..., "html": ...} for one question (templates/surveys/public/_question.html
    shows it): radios and checkboxes are built here (to add "other, please say" boxes and
    exclusive options) and rendered as a component (engage.components: the same question,
    nothing yet chosen, is rendered once a process), other kinds use their widget. The
    question is the page's heading when it is the page's only one."""
    name, kind = field_name(question), question.kind
    if kind == QuestionKind.RANKING:
        first = form[rank_field_name(question, 1)]
        limit = rank_count(question)
        rule = (gettext("Choose %(count)s, starting with the most important.", count=limit)
                if question.required
                else gettext("Choose up to %(count)s, starting with the most important.",
                             count=limit))
        selects = Markup("").join(
            form[rank_field_name(question, rank)](params={"classes": "govuk-!-width-full"})
            for rank in range(1, limit + 1))
        # The rule stays under help text of the question's own, as for "Select up to".
        hint = _hint(f"{question.help_text} {rule}" if question.help_text else rule,
                     introduction)
        return {"macro": "ranking", "hint": hint, "first": first.id, "html": selects,
                "legend": _label(question, heading, "fieldset__legend")}

    field = form[name]
    error = {"text": field.errors[0]} if field.errors else None
    hint = _hint(field.description, introduction)
    if kind.has_options:
        macro = "checkboxes" if kind == QuestionKind.MULTIPLE_CHOICE else "radios"
        # Checkboxes hold their "other, please say" box: once someone has typed in it (a page
        # come back to), the HTML holds their words, which are not kept (engage.components).
        typed = kind == QuestionKind.MULTIPLE_CHOICE and any(
            o.asks_other for o in question.options) and bool(
            form[other_field_name(question)].data)
        view = {"macro": macro, "html": render_component(
            f"govuk_frontend_wtf/{macro}.html",
            _choice_params(question, form, heading, hint, error), keep=not typed)}
        asks_other = next((o for o in question.options if o.asks_other), None)
        if asks_other and kind != QuestionKind.MULTIPLE_CHOICE:
            # Shown after the radios, not revealed inside them (see ReplyForm), so it says
            # which answer it belongs to.
            # Translators: %(option)s is the answer that asks the person to say more.
            view["after"] = form[other_field_name(question)](params={"label": {
                "text": gettext("If you chose \u201c%(option)s\u201d, say what you mean",
                                option=asks_other.label)}})
        return view

    params: dict = {"hint": hint, "errorMessage": error}
    if kind == QuestionKind.DATE:
        params["fieldset"] = {"legend": _label(question, heading, "fieldset__legend")}
    else:
        params["label"] = _label(question, heading, "label")
    if kind in (QuestionKind.NUMBER, QuestionKind.POSTCODE):
        params["classes"] = "govuk-input--width-10"
    elif kind == QuestionKind.LONG_TEXT:
        params["rows"] = 6
    return {"macro": "field", "html": field(params=params)}


def other_box(question: Question, form: FlaskForm, label: str) -> Markup:
    return form[other_field_name(question)](params={
        "label": {"text": gettext("Say what you mean by \u201c%(option)s\u201d", option=label)}})


def _choice_params(question: Question, form: FlaskForm, heading: bool, hint: dict | None,
                   error: dict | None) -> dict:
    name = field_name(question)
    data = form[name].data
    chosen = set(data or []) if question.kind == QuestionKind.MULTIPLE_CHOICE else {data}
    checkboxes = question.kind == QuestionKind.MULTIPLE_CHOICE
    items: list[dict] = []
    for option in question.options:
        exclusive = option.exclusive and checkboxes
        # GOV.UK puts "or" between the options and the first that stands alone ("None").
        if exclusive and items and not any(i.get("divider") for i in items):
            # Translators: Between a list of answers and one more that is not one of them.
            items.append({"divider": gettext("or")})
        item = {"value": option.value, "text": option.label, "checked": option.value in chosen}
        if exclusive:
            item["behaviour"] = "exclusive"
        if option.asks_other and checkboxes:
            item["conditional"] = {"html": other_box(question, form, option.label)}
        items.append(item)
    params = {"name": name, "idPrefix": name, "items": items, "hint": hint,
              "errorMessage": error,
              "fieldset": {"legend": _label(question, heading, "fieldset__legend")}}
    if question.kind == QuestionKind.YES_NO:
        params["classes"] = "govuk-radios--inline"
    return params
