"""/dev/mail: read the mail the development catcher caught (registered in development only)."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from email import policy
from email.message import EmailMessage
from email.parser import BytesHeaderParser, BytesParser
from pathlib import Path

from flask import Blueprint, Response, abort, current_app, render_template
from markupsafe import Markup, escape

from engage.devmail.catcher import message_time

devmail = Blueprint("devmail", __name__, url_prefix="/dev/mail")

LIST_LIMIT = 200
# What the catcher writes; anything else (a path, a dot file, a temporary file) is refused.
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,200}\.eml$")
_URL = re.compile(r"https?://[^\s<>\"']+", re.IGNORECASE)
_TRAILING = ".,;:!?)]}'\""
SHOWN_HEADERS = ("From", "To", "Cc", "Reply-To", "Subject", "Date", "Message-ID",
                 "X-Devmail-Envelope-To")


@dataclass
class Summary:
    name: str
    to: str
    subject: str
    received: datetime | None


def _mail_dir() -> Path:
    return Path(current_app.config["ENGAGE_DEV_MAIL_DIR"])


def _message_path(name: str) -> Path:
    """The file for `name`, which must be a plain .eml file name directly in the mail folder."""
    if not _NAME.fullmatch(name) or os.path.basename(name) != name:
        abort(404)
    folder = _mail_dir()
    path = folder / name
    try:
        if path.resolve().parent != folder.resolve() or not path.is_file():
            abort(404)
    except OSError:
        abort(404)
    return path


def _received(path: Path) -> datetime | None:
    when = message_time(path.name)
    if when is None:
        try:
            when = datetime.fromtimestamp(path.stat().st_mtime, UTC).replace(tzinfo=None)
        except OSError:
            return None
    return when


def _summaries() -> tuple[list[Summary], int]:
    folder = _mail_dir()
    if not folder.is_dir():
        return [], 0
    names = sorted((e.name for e in os.scandir(folder)
                    if e.is_file() and _NAME.fullmatch(e.name)), reverse=True)
    summaries = []
    parser = BytesHeaderParser(policy=policy.default)
    for name in names[:LIST_LIMIT]:
        path = folder / name
        try:
            with path.open("rb") as handle:
                headers = parser.parse(handle)
        except OSError:
            continue  # removed while we looked
        to = str(headers.get("To") or headers.get("X-Devmail-Envelope-To") or "")
        summaries.append(Summary(name=name, to=to, subject=str(headers.get("Subject") or ""),
                                 received=_received(path)))
    return summaries, len(names)


def linkify(text: str) -> Markup:
    """Escape `text`, turning each http(s) address in it into a link."""
    out: list[str] = []
    last = 0
    for match in _URL.finditer(text):
        url = match.group(0).rstrip(_TRAILING)  # a full stop after an address is not part of it
        start, end = match.start(), match.start() + len(url)
        out.append(str(escape(text[last:start])))
        out.append(f'<a class="govuk-link" href="{escape(url)}">{escape(url)}</a>')
        last = end
    out.append(str(escape(text[last:])))
    return Markup("".join(out))  # noqa: S704 - every piece above is escaped


def _text_body(message: EmailMessage) -> str | None:
    part = message.get_body(preferencelist=("plain",))
    if part is None:
        return None
    try:
        return part.get_content()
    except (LookupError, UnicodeDecodeError):
        payload = part.get_payload(decode=True) or b""
        return payload.decode("utf-8", errors="replace")


def _parts(message: EmailMessage) -> list[dict]:
    parts = []
    for part in message.walk():
        if part.is_multipart():
            continue
        payload = part.get_payload(decode=True) or b""
        parts.append({"type": part.get_content_type(),
                      "filename": part.get_filename() or "",
                      "size": len(payload)})
    return parts


@devmail.get("")
@devmail.get("/")
def index():
    messages, total = _summaries()
    return render_template("devmail/index.html", messages=messages, total=total,
                           limit=LIST_LIMIT, mail_dir=str(_mail_dir()),
                           smtp=f"{current_app.config['ENGAGE_SMTP_HOST']}:"
                                f"{current_app.config['ENGAGE_SMTP_PORT']}")


@devmail.get("/<name>")
def message(name: str):
    path = _message_path(name)
    with path.open("rb") as handle:
        parsed = BytesParser(policy=policy.default).parse(handle)
    headers = [(header, str(parsed[header])) for header in SHOWN_HEADERS if parsed[header]]
    body = _text_body(parsed)
    return render_template("devmail/message.html", name=name, headers=headers,
                           subject=str(parsed["Subject"] or "(no subject)"),
                           received=_received(path),
                           body=linkify(body) if body is not None else None,
                           parts=_parts(parsed))


@devmail.get("/<name>/raw")
def raw(name: str):
    """The message exactly as received, as plain text (to check headers and the HTML part)."""
    path = _message_path(name)
    response = Response(path.read_bytes(), mimetype="text/plain")
    response.headers["Content-Disposition"] = f'inline; filename="{name}"'
    response.headers["Cache-Control"] = "no-store"
    return response
