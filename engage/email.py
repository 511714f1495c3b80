"""Render one outbox message and hand it to SMTP. Called only from the outbox task."""

from __future__ import annotations

import smtplib
import ssl
from email.message import EmailMessage
from email.utils import parseaddr

from flask import current_app, render_template

from engage.outbox.models import OutboxMessage


class PermanentEmailError(Exception):
    """The server refused the message for good: retrying cannot help."""


def render(message: OutboxMessage) -> EmailMessage:
    context = dict(message.context, service_name=current_app.config["ENGAGE_SERVICE_NAME"],
                   base_url=current_app.config["ENGAGE_BASE_URL"])
    text = render_template(f"email/{message.template}.txt", **context)
    subject, _, body = text.partition("\n")
    html = render_template("email/layout.html", subject=subject.strip(), body=body.strip(),
                           **context)
    email = EmailMessage()
    email["Subject"] = subject.strip()
    email["From"] = current_app.config["ENGAGE_MAIL_FROM"]
    email["To"] = message.recipient
    # Stable per outbox row: if a send is ever repeated after a crash, receivers can tell.
    # (make_msgid() would add the time and a random number, a new id on every attempt.)
    email["Message-ID"] = message_id(message)
    email["X-Engage-Outbox-Id"] = str(message.id)
    email.set_content(body.strip() + "\n")
    email.add_alternative(html, subtype="html")
    return email


def message_id(message: OutboxMessage) -> str:
    """The same Message-ID for every attempt at one outbox row; the row's creation time keeps it
    unique across databases (a rebuilt database starts its ids at 1 again)."""
    domain = parseaddr(current_app.config["ENGAGE_MAIL_FROM"])[1].rpartition("@")[2]
    stamp = message.created_at.strftime("%Y%m%d%H%M%S%f")
    return f"<outbox-{message.id}.{stamp}@{domain or 'engage.local'}>"


def deliver(email: EmailMessage) -> None:
    """Send through the configured SMTP server. Raises PermanentEmailError for 5xx refusals;
    anything else (server down, 4xx) is worth retrying."""
    config = current_app.config
    try:
        with smtplib.SMTP(config["ENGAGE_SMTP_HOST"], config["ENGAGE_SMTP_PORT"],
                          timeout=config["ENGAGE_SMTP_TIMEOUT"]) as smtp:
            if config["ENGAGE_SMTP_STARTTLS"]:
                smtp.starttls(context=ssl.create_default_context())
            if config["ENGAGE_SMTP_USERNAME"]:
                smtp.login(config["ENGAGE_SMTP_USERNAME"], config["ENGAGE_SMTP_PASSWORD"] or "")
            smtp.send_message(email)
    except smtplib.SMTPRecipientsRefused as exc:
        codes = [code for code, _ in exc.recipients.values()]
        if all(code >= 500 for code in codes):
            raise PermanentEmailError(f"recipient refused: {exc.recipients}") from exc
        raise
    except smtplib.SMTPResponseException as exc:
        if exc.smtp_code >= 500 and exc.smtp_code not in (530, 535):  # auth may be fixed
            raise PermanentEmailError(f"{exc.smtp_code} {exc.smtp_error!r}") from exc
        raise
