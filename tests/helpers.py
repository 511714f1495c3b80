"""Drive the app over HTTP the way a browser does: GET the form, send its CSRF token back."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from html import unescape
from urllib.parse import urlsplit

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import event, select

from engage.extensions import db

CSRF = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')
INSERT = re.compile(r'\s*INSERT\s+INTO\s+"?(\w+)', re.I)
SENT_KEY = re.compile(r'name="sent_key" type="hidden" value="([^"]+)"')
TITLE = re.compile(r"<title[^>]*>\s*(.*?)\s*</title>", re.S)


class Browser:
    def __init__(self, app: Flask, address: str = "127.0.0.1", user_agent: str | None = None):
        self.app = app
        self.http: FlaskClient = app.test_client()
        self.address = address
        self.user_agent = user_agent

    def _environ(self) -> dict:
        environ = {"REMOTE_ADDR": self.address}
        if self.user_agent is not None:
            environ["HTTP_USER_AGENT"] = self.user_agent
        return environ

    def get(self, url: str, **kwargs):
        return self.http.get(path_of(url), environ_base=self._environ(), **kwargs)

    def post(self, url: str, data: dict | None = None, **kwargs):
        return self.http.post(path_of(url), data=data or {}, environ_base=self._environ(),
                              **kwargs)

    def submit(self, url: str, data: dict | None = None, form_page: str | None = None,
               follow_redirects: bool = False):
        """GET `form_page` (default: `url`), then POST `data` with that page's CSRF token."""
        page = self.get(form_page or url)
        assert page.status_code == 200, f"GET {form_page or url} gave {page.status_code}"
        token = csrf_token(page.get_data(as_text=True))
        return self.post(url, {"csrf_token": token, **(data or {})},
                         follow_redirects=follow_redirects)

    def sign_in(self, email: str, password: str):
        response = self.submit("/sign-in", {"email": email, "password": password})
        assert response.status_code == 302, f"sign-in failed: {page_text(response)[:500]}"
        return response

    def sign_out(self):
        return self.submit("/sign-out", form_page="/account")

    @property
    def session_cookie(self) -> str | None:
        cookie = self.http.get_cookie("engage_session")
        return cookie.value if cookie else None

    def set_session_cookie(self, value: str) -> None:
        self.http.set_cookie("engage_session", value)


def path_of(url: str) -> str:
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def csrf_token(html: str) -> str:
    match = CSRF.search(html)
    assert match, "the page has no form with a CSRF token"
    return unescape(match.group(1))


def form_keys(html: str) -> dict:
    """The CSRF token and the sent key (engage.once) of a form that makes something once, as
    the browser sends them back: send the same dict twice to send the form twice."""
    match = SENT_KEY.search(html)
    assert match, "the page has no form with a sent key"
    return {"csrf_token": csrf_token(html), "sent_key": unescape(match.group(1))}


@contextmanager
def statements(app: Flask) -> Iterator[list[tuple[str, str | None]]]:
    """Every SQL statement the app runs inside the block, with its connection's isolation level
    ("AUTOCOMMIT" or None for the engine's default, in a transaction), committed or not."""
    seen: list[tuple[str, str | None]] = []

    def record(connection, _cursor, statement, *_args):
        seen.append((statement, connection.get_execution_options().get("isolation_level")))

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", record)


@contextmanager
def inserts(app: Flask) -> Iterator[list[str]]:
    """The tables rows are inserted into inside the block, one entry a statement, whether or
    not they are committed: a form sent a second time should find it was sent before it makes
    anything at all."""
    tables: list[str] = []
    with statements(app) as seen:
        yield tables
    tables.extend(match.group(1) for statement, _ in seen if (match := INSERT.match(statement)))


def stored_anywhere(app: Flask, *values: str) -> list[str]:
    """Every table.column holding any of `values` (in part, in any row): what an upload was
    told not to keep must not be in the database at all. Text and JSON are searched, not
    times or numbers: "7946" is in a time's microseconds often enough to fail a run. Look for
    values long enough not to turn up by chance in a random token or hash either."""
    found = set()
    with app.app_context():
        for table in db.metadata.sorted_tables:
            for row in db.session.execute(select(table)).mappings():
                found.update(f"{table.name}.{column}" for column, cell in row.items()
                             if isinstance(cell, str | dict | list)
                             and any(v in str(cell) for v in values))
    return sorted(found)


def page_text(response) -> str:
    """The page's visible-ish text, squashed, for assertions on what a person reads."""
    html = response.get_data(as_text=True)
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    text = re.sub(r"<[^>]+>", " ", html)
    return re.sub(r"\s+", " ", unescape(text)).strip()


def autocomplete_of(html: str, name: str) -> list[str]:
    """Every autocomplete value on the input called `name` (a browser follows the first)."""
    [tag] = re.findall(rf'<input[^>]*\bname="{name}"[^>]*>', html)
    return re.findall(r'autocomplete="([^"]*)"', tag)


def title(response) -> str:
    match = TITLE.search(response.get_data(as_text=True))
    return unescape(match.group(1)) if match else ""


def move_form(html: str, action: str) -> dict:
    """What a "Move up/down" form at `action` sends besides its button: the CSRF token and the
    place the item had when the page was shown."""
    form = re.search(r'<form method="post" action="' + re.escape(action) + r'"[^>]*>(.*?)</form>',
                     html, re.S)
    assert form, f"no move form for {action}"
    at = re.search(r'name="at" value="(-?\d+)"', form.group(1))
    assert at, f"the move form for {action} does not send the item's place"
    return {"csrf_token": csrf_token(html), "at": at.group(1)}


def count_queries(browser: Browser, url: str) -> int:
    """How many SQL statements a GET of `url` runs (it must answer 200). A page that lists
    things should cost the same for one of them as for many: if not, it has an N+1 query."""
    with statements(browser.app) as seen:
        response = browser.get(url)
    assert response.status_code == 200, f"GET {url} gave {response.status_code}"
    return len(seen)
