"""GOV.UK Frontend components rendered once a process for the same parameters.

A GOV.UK component (a govuk-frontend-jinja macro) is a pure function of its parameters: the same
parameters always make the same HTML, whoever asks and whenever. A public question page shows
the same components to everybody who opens it (the same radios, nothing chosen yet, the same
buttons), and rendering them through Jinja's macros was about a sixth of each request's Python
work (bench/submit.py). `render_component` renders one the first time and keeps its HTML, per
app, for the next page that asks for the same parameters.

Every field a form renders comes here (govuk-frontend-wtf's widgets, below), and so can a view
that builds a component's parameters itself (engage.surveys.public_forms.question_view), and a
template, as `component` (the page's header, and the back link, warning and buttons of the
public questionnaire's pages; a component of its own is a one-line template in
templates/components/). A widget rendered this way no longer goes through `render_template`:
its template needs nothing but `params`, so the context processors it ran for every field
were work for nothing.

What is kept, and what is not:
- only HTML for a GET request: a page sent back with its errors carries what was posted, which
  may be anything;
- never a box holding a value (text, a date, a number), nor checkboxes whose "other, please
  say" box holds one (their caller says so with keep=False): that is what a person typed, and it
  neither stays in memory nor crowds out the components that every page shares;
- only parameters made of plain values (text, Markup, numbers, booleans, None, and lists and
  dicts of them), keyed by their `repr`, which tells Markup from text and True from 1; anything
  else (an object whose repr is its address) is rendered every time;
- at most MAX_CHARS characters of keys and HTML a process (8 to 16 MB), the oldest dropped
  first, and never one of more than MAX_ONE (a select of a thousand names);
- nothing while templates reload as they change (development).

On a page in another language (engage.translations), the English that GOV.UK Frontend's macros
and govuk-frontend-wtf's widgets write for themselves is given in it (`govuk_words`): the
parameters then differ, and so does what is kept for them.

A thread that misses renders the component itself; two threads doing so at once keep the same
HTML. Kept HTML is Markup, which nothing changes in place.
"""

from __future__ import annotations

import json
import threading

from flask import Flask, current_app, has_request_context, request
from govuk_frontend_wtf.gov_form_base import GovFormBase
from markupsafe import Markup

from engage.translations.phrases import N_, current_language, gettext, translate

MAX_CHARS = 8_000_000
MAX_ONE = 125_000
_KEY = "engage.components"
_lock = threading.Lock()


class Kept:
    """The HTML kept for one app, by (template, repr of parameters), oldest first, and how many
    characters of keys and HTML that is."""

    def __init__(self) -> None:
        self.html: dict[tuple[str, str], Markup] = {}
        self.chars = 0

    def add(self, key: tuple[str, str], html: Markup) -> None:
        size = len(key[1]) + len(html)
        if size > MAX_ONE:
            return
        with _lock:  # threads of one process share it
            if key in self.html:
                return
            while self.html and self.chars + size > MAX_CHARS:
                oldest, dropped = next(iter(self.html.items()))
                del self.html[oldest]
                self.chars -= len(oldest[1]) + len(dropped)
            self.html[key] = html
            self.chars += size


# Components whose "value" (or whose items' values, for a date) is what a person typed.
_TYPED = {
    "govuk_frontend_wtf/input.html",
    "govuk_frontend_wtf/textarea.html",
    "govuk_frontend_wtf/charactercount.html",
    "govuk_frontend_wtf/password.html",
    "govuk_frontend_wtf/file-upload.html",
    "govuk_frontend_wtf/date.html",
}


# The labels govuk-frontend-wtf gives a date's three boxes.
_DATE_PARTS = (N_("Day"), N_("Month"), N_("Year"))


def govuk_words(template: str, params: dict) -> dict:
    """`params` with the words GOV.UK's components would otherwise write in English given in
    the page's language: the hidden "Error:" before an error message (govukErrorMessage's
    default) and the labels of a date's boxes. As they are with no language active."""
    if current_language() is None:
        return params
    params = dict(params)
    error = params.get("errorMessage")
    if isinstance(error, dict) and "visuallyHiddenText" not in error:
        # Translators: Said by screen readers before an error message, followed by a colon.
        params["errorMessage"] = {**error, "visuallyHiddenText": gettext("Error")}
    if template == "govuk_frontend_wtf/date.html" and params.get("items"):
        params["items"] = [{**item, "label": translate(item["label"])}
                           if item.get("label") in _DATE_PARTS else item
                           for item in params["items"]]
    return params


def _not_plain(value):
    raise TypeError(f"{type(value).__name__} is not a plain value")


def _key(template: str, params: dict) -> tuple[str, str] | None:
    """The cache key for these parameters, or None when they must not be kept."""
    if not has_request_context() or request.method != "GET":
        return None
    if template in _TYPED and (params.get("value") or any(
            item.get("value") for item in params.get("items") or ())):
        return None
    try:
        json.dumps(params, default=_not_plain)  # walks every value, in C
    except (TypeError, ValueError):
        return None
    return template, repr(params)


def render_component(template: str, params: dict, keep: bool = True) -> Markup:
    """The HTML of `template` (one that calls a GOV.UK macro with `params`), kept when it may
    be (see above). `keep=False` for parameters that hold something of one person's (a CSRF
    token in a signed-in person's header). Templates call it as `component`:

        {{ component("components/back-link.html", {"href": back, "text": "Back"}) }}
    """
    app = current_app._get_current_object()
    environment = app.jinja_env
    params = govuk_words(template, params)
    key = _key(template, params) if keep and not environment.auto_reload else None
    kept: Kept = app.extensions.get(_KEY) or app.extensions.setdefault(_KEY, Kept())
    if key is not None:
        found = kept.html.get(key)
        if found is not None:
            return found
    # Autoescaped by Jinja, as render_template would have it.
    html = Markup(environment.get_template(template).render(params=params))  # noqa: S704
    if key is not None:
        kept.add(key, html)
    return html


def _render_widget(self: GovFormBase, params: dict) -> Markup:
    return render_component(self.template, params)


def init_app(app: Flask) -> None:
    app.add_template_global(render_component, "component")
    # Every govuk-frontend-wtf widget renders through here: the library's own `render` calls
    # render_template, context processors and all, for each field. One method for the whole
    # process, whatever the app: what is kept is kept per app.
    GovFormBase.render = _render_widget
