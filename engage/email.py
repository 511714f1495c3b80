"""Render outbox messages and hand them to SMTP. Called only from the outbox tasks."""

from __future__ import annotations

import re
import smtplib
import socket
import ssl
from collections.abc import Callable
from email.message import EmailMessage
from email.utils import format_datetime, parseaddr

from flask import current_app, render_template
from markupsafe import Markup, escape

from engage import one_click
from engage.clock import to_london, utcnow
from engage.outbox.models import OutboxMessage
from engage.translations.languages import language
from engage.translations.phrases import speaking

# Builders for attachments named in an outbox message's context:
#   context["attachments"] = [{"kind": "meeting_ics", "args": {...}}]
# Each takes a cache dict (shared by a batch) and the args, and returns (filename, content type
# "main/sub", content-type parameters, bytes). Domains
# register theirs (engage.meetings.mailings), so a message is rendered from the state of things
# when it is sent, and the outbox row stays small.
ATTACHMENTS: dict[str, Callable[..., tuple[str, str, dict, bytes]]] = {}


def attachment(kind: str):
    def register(builder):
        ATTACHMENTS[kind] = builder
        return builder

    return register


class PermanentEmailError(Exception):
    """The server refused the message for good: retrying cannot help."""


def render(message: OutboxMessage, cache: dict | None = None) -> EmailMessage:
    """The email for an outbox row. `cache` lets attachment builders share work between the
    messages of one batch (a meeting's calendar, say)."""
    context = dict(message.context, service_name=current_app.config["ENGAGE_SERVICE_NAME"],
                   base_url=current_app.config["ENGAGE_BASE_URL"])
    # An email about a questionnaire answered in another language is in that language
    # (context["language"]: engage.translations); every other is in English.
    reader_language = language(context.get("language") or "")
    with speaking(reader_language):
        text = render_template(f"email/{message.template}.txt", **context)
        subject, _, body = text.partition("\n")
        html = render_template("email/layout.html", subject=subject.strip(),
                               paragraphs=html_paragraphs(body.strip(), links_of(context)))
    email = EmailMessage()
    email["Subject"] = subject.strip()
    email["From"] = current_app.config["ENGAGE_MAIL_FROM"]
    email["To"] = message.recipient
    # Stable per outbox row: if a send is ever repeated after a crash, receivers can tell.
    # (make_msgid() would add the time and a random number, a new id on every attempt.)
    email["Message-ID"] = message_id(message)
    # Required (RFC 5322 3.6): without it, mail programs show the time it arrived, or none,
    # and spam filters count it against the message. London time, as the body's times.
    email["Date"] = format_datetime(to_london(utcnow()))
    email["X-Engage-Outbox-Id"] = str(message.id)
    # Every email here is made and sent by engage, not written by a person to another: so
    # out-of-office and other automatic replies are not sent back (RFC 3834).
    email["Auto-Submitted"] = "auto-generated"
    # The body's unsubscribe link, for the mail program's own "Unsubscribe" (engage.one_click).
    # Only emails that offer one get it: a password reset, say, has nothing to stop.
    if context.get("unsubscribe_url"):
        for name, value in one_click.headers(context["unsubscribe_url"]).items():
            email[name] = value
    email.set_content(body.strip() + "\n")
    email.add_alternative(html, subtype="html")
    if reader_language is not None:
        # After the content: setting it clears the Content- headers (RFC 3282).
        email["Content-Language"] = reader_language.code
    for spec in message.context.get("attachments", []):
        filename, content_type, params, data = ATTACHMENTS[spec["kind"]](
            cache if cache is not None else {}, **spec["args"])
        maintype, _, subtype = content_type.partition("/")
        email.add_attachment(data, maintype=maintype, subtype=subtype, filename=filename,
                             params=params)
    return email


_ADDRESS = re.compile(r"https?://[^\s<>\"']+")


def links_of(context: dict) -> set[str]:
    """The web addresses the app put in a message (`..._url`, `..._link`): the only text its
    HTML part makes into links."""
    return {value for key, value in context.items()
            if key.endswith(("_url", "_link")) and isinstance(value, str)}


def html_paragraphs(body: str, links: set[str]) -> list[Markup]:
    """The plain-text body as HTML paragraphs: everything escaped, lines kept, and the app's own
    addresses made into links. An address someone typed (in their name, say) stays text, so an
    email from engage never carries a link that a stranger chose."""

    def line_html(line: str) -> Markup:
        html, last = Markup(""), 0
        for match in _ADDRESS.finditer(line):
            address, trailing = match.group(0), ""
            # Punctuation after an address ends a sentence: "... at https://x.org/a."
            while address[-1] in ".,;:!?)" and address not in links and len(address) > 1:
                address, trailing = address[:-1], address[-1] + trailing
            html += escape(line[last:match.start()])
            if address in links:
                html += Markup('<a href="{0}">{0}</a>').format(address) + trailing
            else:
                html += match.group(0)
            last = match.end()
        return html + line[last:]

    return [Markup("<br>").join(line_html(line) for line in paragraph.split("\n"))
            for paragraph in body.split("\n\n")]


def _transmit(smtp: smtplib.SMTP, email: EmailMessage,
              before_end_of_data: Callable[[], None] | None) -> None:
    """smtplib's send_message, in its steps, with a hook before the end-of-data marker."""
    smtp.ehlo_or_helo_if_needed()
    sender = parseaddr(str(email["From"]))[1]
    recipients = [parseaddr(str(email["To"]))[1]]
    code, reply = smtp.mail(sender)
    if code != 250:
        smtp.rset()
        raise smtplib.SMTPSenderRefused(code, reply, sender)
    code, reply = smtp.rcpt(recipients[0])
    if code not in (250, 251):
        smtp.rset()
        raise smtplib.SMTPRecipientsRefused({recipients[0]: (code, reply)})
    code, reply = smtp.docmd("data")
    if code != 354:
        smtp.rset()
        raise smtplib.SMTPDataError(code, reply)
    # What send_message would write: CRLF line ends, then the dot-stuffing of smtplib.data().
    data = smtplib._quote_periods(  # noqa: SLF001
        email.as_bytes(policy=email.policy.clone(linesep="\r\n", max_line_length=998)))
    if not data.endswith(b"\r\n"):
        data += b"\r\n"
    smtp.send(data)
    if before_end_of_data is not None:
        before_end_of_data()
    smtp.send(b".\r\n")
    code, reply = smtp.getreply()
    if code != 250:
        raise smtplib.SMTPDataError(code, reply)


def message_id(message: OutboxMessage) -> str:
    """The same Message-ID for every attempt at one outbox row; the row's creation time keeps it
    unique across databases (a rebuilt database starts its ids at 1 again)."""
    domain = parseaddr(current_app.config["ENGAGE_MAIL_FROM"])[1].rpartition("@")[2]
    stamp = message.created_at.strftime("%Y%m%d%H%M%S%f")
    return f"<outbox-{message.id}.{stamp}@{domain or 'engage.local'}>"


def connect() -> smtplib.SMTP:
    """An open, authenticated connection to the configured SMTP server."""
    config = current_app.config
    smtp = smtplib.SMTP(config["ENGAGE_SMTP_HOST"], config["ENGAGE_SMTP_PORT"],
                        timeout=config["ENGAGE_SMTP_TIMEOUT"])
    # The message and its end-of-data marker go in two writes (see deliver): without this,
    # Nagle's algorithm holds the second until the first is acknowledged, ~40 ms a message.
    smtp.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    try:
        if config["ENGAGE_SMTP_STARTTLS"]:
            smtp.starttls(context=ssl.create_default_context())
        if config["ENGAGE_SMTP_USERNAME"]:
            smtp.login(config["ENGAGE_SMTP_USERNAME"], config["ENGAGE_SMTP_PASSWORD"] or "")
    except BaseException:
        smtp.close()
        raise
    return smtp


def disconnect(smtp: smtplib.SMTP | None) -> None:
    if smtp is None:
        return
    try:
        smtp.quit()
    except (smtplib.SMTPException, OSError):
        smtp.close()


def deliver(email: EmailMessage, smtp: smtplib.SMTP,
            before_end_of_data: Callable[[], None] | None = None) -> None:
    """Send over an open connection. Raises PermanentEmailError for 5xx refusals; anything
    else (server down, 4xx) is worth retrying.

    `before_end_of_data` runs after the whole message has been written but before the final
    "." that asks the server to accept it. Until that dot, a server that loses the connection
    discards the message (RFC 5321, 4.1.1.4), so a worker killed before it can safely send again;
    the caller records the hand-over there, so a worker killed after it is not sent twice.
    """
    try:
        _transmit(smtp, email, before_end_of_data)
    except smtplib.SMTPRecipientsRefused as exc:
        codes = [code for code, _ in exc.recipients.values()]
        if all(code >= 500 for code in codes):
            raise PermanentEmailError(f"recipient refused: {exc.recipients}") from exc
        raise
    except smtplib.SMTPResponseException as exc:
        if exc.smtp_code >= 500 and exc.smtp_code not in (530, 535):  # auth may be fixed
            raise PermanentEmailError(f"{exc.smtp_code} {exc.smtp_error!r}") from exc
        raise
