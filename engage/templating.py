"""Template filters and globals."""

from __future__ import annotations

import enum
from collections import ChainMap
from datetime import date, datetime

from flask import Flask
from flask.templating import Environment
from govuk_frontend_wtf.main import wtforms_errors
from govuk_frontend_wtf.wtforms_widgets import GovDateInput
from jinja2 import Undefined
from markupsafe import Markup
from werkzeug.datastructures import ImmutableDict
from werkzeug.routing import IntegerConverter, Map

from engage.boroughs.contact import contact_for, service_contact
from engage.clock import to_london
from engage.suppression import Cell, describe
from engage.translations import formats
from engage.translations.phrases import N_

# What every public page, and every email about a questionnaire, says after "This is not the way
# to report a crime.": in one place, so that it is said one way. A translated questionnaire's
# pages show it in their language (templates/surveys/public/layout.html).
EMERGENCY = N_("In an emergency call 999. If it is not an emergency, call 101.")


class TemplateGlobals(ChainMap):
    """A template's globals over the environment's, as Jinja keeps them, with `keys()` a set.

    Each time a template imports macros "with context" (every GOV.UK Frontend component imports
    several), Jinja subtracts these keys from a set: with ChainMap's own keys view that is a
    Python loop over every global, about 5% of a public page's CPU (bench/submit.py); a set
    makes it one C operation. Lookups stay live, so globals added later are still seen."""

    def keys(self):
        return set().union(*self.maps)


class EngageEnvironment(Environment):
    def make_globals(self, d):
        return TemplateGlobals({} if d is None else d, self.globals)


class BoundedIntegerConverter(IntegerConverter):
    """<int:...> in a URL, at most the largest id a database column holds: a longer number
    cannot name anything, so the address is not found (404), before any query."""

    def __init__(self, map, fixed_digits=0, min=None, max=2**63 - 1, signed=False):  # noqa: A002 - Werkzeug's names
        super().__init__(map, fixed_digits, min, max, signed)


class EngageMap(Map):
    default_converters = ImmutableDict({**Map.default_converters,
                                        "int": BoundedIntegerConverter})


class EngageFlask(Flask):
    url_map_class = EngageMap
    jinja_environment = EngageEnvironment
    # Every template stays compiled once loaded: engage has a few hundred, all compiled before
    # the web workers fork (compile_templates). Jinja's default, a 400-entry LRU cache, forgets
    # some of them, and keeping its order costs a scan of the cache on every template used.
    jinja_options = {"cache_size": -1}


def london_time(value: datetime | None) -> str:
    """`14 March 2027 at 6:30pm`, in London time, the way GOV.UK writes dates."""
    if value is None:
        return ""
    local = to_london(value)
    return f"{local.day} {local:%B %Y} at {london_clock(value)}"


def page_time(value: datetime | None) -> str:
    """london_time on a page: in the page's language where it has one (a translated
    questionnaire's: engage.translations). Code calls london_time, whose words go into emails,
    which are in English."""
    if value is None:
        return ""
    return formats.date_and_time(to_london(value)) or london_time(value)


def london_clock(value: datetime) -> str:
    """`6:30pm` (or `6pm`), in London time; `midday` and `midnight` rather than `12pm` and
    `12am`, which many readers take the wrong way round (as meeting times say them)."""
    local = to_london(value)
    if local.minute == 0 and local.hour in (0, 12):
        return "midnight" if local.hour == 0 else "midday"
    hour = local.strftime("%I").lstrip("0")
    suffix = local.strftime("%p").lower()
    return f"{hour}{suffix}" if local.minute == 0 else f"{hour}:{local:%M}{suffix}"


def duration_in_words(seconds: float) -> str:
    """`2 hours`, `1 hour 30 minutes`, `45 minutes`, `15 seconds`: a time limit as people say it."""
    whole = round(seconds)
    if whole < 60:
        return f"{whole} second{'' if whole == 1 else 's'}"
    hours, minutes = divmod(whole // 60, 60)
    parts = ([f"{hours} hour{'' if hours == 1 else 's'}"] if hours else []) + \
        ([f"{minutes} minute{'' if minutes == 1 else 's'}"] if minutes else [])
    return " ".join(parts)


def long_date(value: date | None) -> str:
    """`1 April 2027`, the way GOV.UK writes a date."""
    return f"{value.day} {value:%B %Y}" if value else ""


NOT_GIVEN = "Not given"


def or_not_given(value, words: str = NOT_GIVEN):
    """A value as staff read it, never as Python prints it: `words` ("Not given", or what the
    template says, such as "Not set") for nothing at all or empty text, so a page never shows
    "None"; Yes or No for a flag; an enum's label, not its code; a time or date the way GOV.UK
    writes it. Anything else (text, numbers, 0) is shown as it is.

        {{ group.contact_email | or_not_given }}
        {{ reminder_text | or_not_given("Not set") }}
    """
    if value is None or isinstance(value, Undefined) or (
            isinstance(value, str) and not value.strip()):
        return words
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, enum.Enum):
        label = getattr(value, "label", None)
        return label if isinstance(label, str) else str(value.value)
    if isinstance(value, datetime):
        return london_time(value)
    if isinstance(value, date):
        return long_date(value)
    return value


def published_count(cell: Cell, threshold: int) -> str:
    """A published cell (engage.suppression): its count, "fewer than N" or "not shown"."""
    return describe(cell, threshold)


def counted(n: int, one: str, many: str | None = None) -> str:
    """A number with the words for that many, for pages and messages: "1 crime type", "2 crime
    types", "1,204 people". `many` is for words whose plural is not `one` with an s.

        {{ figures | length | counted("crime type") }}
    """
    return f"{n:,} {one if n == 1 else (many or one + 's')}"


def points(value: float | None) -> str:
    """A change in percentage points, with its sign: +4.9, −2.0, 0.0."""
    if value is None:
        return ""
    rounded = round(100 * value, 1)
    if rounded == 0:
        return "0.0"
    return f"+{rounded:.1f}" if rounded > 0 else f"\u2212{-rounded:.1f}"


# What the web serves and emails are made of: every page, email and partial, and the GOV.UK
# Frontend macros they import.
TEMPLATE_EXTENSIONS = ("html", "txt", "xml", "ics", "svg")


def compile_templates(app: Flask) -> int:
    """Compile every template into the app's cache, and return how many. gunicorn's master
    calls this before it forks the web workers (gunicorn.conf.py), so they start with every
    page compiled instead of each compiling each template on its first request (about 2 s of
    CPU a worker, paid by the first people to arrive)."""
    environment = app.jinja_env
    names = environment.list_templates(extensions=TEMPLATE_EXTENSIONS)
    for name in names:
        environment.get_template(name)
    return len(names)


def error_summary(form) -> dict:
    """govukErrorSummary's parameters for a form sent back with errors. A date's link goes to
    its day box: the date's own id is on the boxes' wrapper, which cannot take focus, so the
    link would move nobody's focus (the GOV.UK date input pattern links to the first box)."""
    params = wtforms_errors(form)
    dates = {f"#{field.id}" for field in form if isinstance(field.widget, GovDateInput)}
    for error in params["errorList"]:
        if error["href"] in dates:
            error["href"] += "-day"
    return params


def printed_url(url: str) -> Markup:
    """A web address for paper, able to break only after a "/": left to itself a line breaks
    after any hyphen ("community-police-engagement-" / "group"), and a reader cannot tell
    whether to type that hyphen. Each part keeps to one line and a break may follow each "/"
    (`<wbr>` adds no character to the PDF's text)."""
    parts = str(url).split("/")
    return Markup("<wbr>").join(
        Markup('<span class="url-part">%s</span>') % (part + ("/" if n < len(parts) - 1 else ""))
        for n, part in enumerate(parts))


def init_app(app: Flask) -> None:
    app.add_template_global(error_summary)
    app.add_template_filter(page_time, "london_time")
    app.add_template_filter(formats.either)
    app.add_template_filter(formats.all_of)
    app.add_template_filter(london_clock)
    app.add_template_filter(duration_in_words)
    app.add_template_filter(long_date)
    app.add_template_filter(points)
    app.add_template_filter(published_count)
    app.add_template_filter(counted)
    app.add_template_filter(or_not_given)
    app.add_template_filter(printed_url)
    app.add_template_global(contact_for)
    app.add_template_global(service_contact)
    app.add_template_global(EMERGENCY, "emergency")

    @app.context_processor
    def _globals():
        from engage.auth.forms import ConfirmForm

        def sign_out_form():
            # Never bound to this request's data: the page that shows it may be the one
            # saying the upload was too big, and reading the body again would raise 413 again.
            return ConfirmForm(formdata=None)

        return {"service_name": app.config["ENGAGE_SERVICE_NAME"],
                "sign_out_form": sign_out_form, "engage_env": app.config["ENGAGE_ENV"]}
