"""A local SMTP server for development that keeps every message it receives as a .eml file.

`flask engage mailcatcher` runs it on ENGAGE_SMTP_HOST:ENGAGE_SMTP_PORT (127.0.0.1:1025 by
default) and writes to ENGAGE_DEV_MAIL_DIR (instance/mail); /dev/mail shows what it caught. It never
relays anything anywhere.
"""

from __future__ import annotations

import itertools
import logging
import os
import secrets
import signal
import tempfile
import threading
from datetime import UTC, datetime
from pathlib import Path

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult

log = logging.getLogger(__name__)

# Names look like 20270314T183005.123456Z-0001-3f9a2c1b.eml: they sort in the order received.
_TIMESTAMP_FORMAT = "%Y%m%dT%H%M%S.%fZ"


def message_time(name: str) -> datetime | None:
    """When a stored message arrived (naive UTC), read back from its file name."""
    stamp = name.split("-", 1)[0]
    try:
        return datetime.strptime(stamp, _TIMESTAMP_FORMAT)
    except ValueError:
        return None


class MailDirHandler:
    """aiosmtpd handler: write each message to `mail_dir` and accept it."""

    def __init__(self, mail_dir: str | os.PathLike[str]) -> None:
        self.mail_dir = Path(mail_dir)
        self.mail_dir.mkdir(parents=True, exist_ok=True)
        self._sequence = itertools.count(1)
        self._token = secrets.token_hex(4)  # tells apart two catchers writing the same folder

    def store(self, mail_from: str, rcpt_tos: list[str], content: bytes) -> Path:
        received = datetime.now(UTC)
        name = (f"{received.strftime(_TIMESTAMP_FORMAT)}-{next(self._sequence):04d}-"
                f"{self._token}.eml")
        # The envelope goes first, so a Bcc recipient (in no header) still shows on /dev/mail.
        envelope = (f"X-Devmail-Envelope-From: {mail_from}\r\n"
                    f"X-Devmail-Envelope-To: {', '.join(rcpt_tos)}\r\n"
                    f"X-Devmail-Received: {received.isoformat()}\r\n").encode()
        # Write under a temporary name and rename, so /dev/mail never reads half a message.
        fd, tmp = tempfile.mkstemp(dir=self.mail_dir, prefix=".incoming-", suffix=".tmp")
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(envelope)
                handle.write(content)
            target = self.mail_dir / name
            os.replace(tmp, target)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        return target

    async def handle_DATA(self, server, session, envelope) -> str:  # noqa: N802 - aiosmtpd's name
        content = envelope.original_content or envelope.content or b""
        if isinstance(content, str):
            content = content.encode("utf-8")
        try:
            path = self.store(envelope.mail_from or "", list(envelope.rcpt_tos), content)
        except OSError:
            log.exception("Could not store a message in %s", self.mail_dir)
            return "451 Requested action aborted: could not store the message"
        log.info("Caught mail from %s to %s: %s", envelope.mail_from,
                 ", ".join(envelope.rcpt_tos), path.name)
        return "250 Message accepted for delivery"


class _QuietLegacyLoginWarning(logging.Filter):
    """aiosmtpd logs a deprecation warning of its own on every successful AUTH; not ours to fix."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "login_data is deprecated" not in record.getMessage()


logging.getLogger("mail.log").addFilter(_QuietLegacyLoginWarning())


def _accept_any_login(server, session, envelope, mechanism, auth_data) -> AuthResult:
    """Development only: take any user name and password, so a configured login still works."""
    return AuthResult(success=True)


def make_controller(host: str, port: int, mail_dir: str | os.PathLike[str]) -> Controller:
    """A stopped Controller for the catcher (tests can start and stop it themselves)."""
    return Controller(
        MailDirHandler(mail_dir),
        hostname=host,
        port=int(port),
        server_hostname="engage-devmail",
        enable_SMTPUTF8=True,
        authenticator=_accept_any_login,
        auth_require_tls=False,
    )


def run_catcher(host: str, port: int, mail_dir: str | os.PathLike[str], *,
                stop: threading.Event | None = None,
                ready: threading.Event | None = None) -> None:
    """Catch mail on host:port into mail_dir until SIGINT or SIGTERM (or `stop` is set).

    Runs in the foreground and returns normally once stopped. Signal handlers are installed only
    when called from the main thread (as the CLI does); from another thread pass `stop`. `ready`
    is set once the server accepts connections. Exits with a clear message if the port is taken.
    """
    mail_dir = Path(mail_dir)
    stop = stop or threading.Event()
    controller = make_controller(host, port, mail_dir)
    try:
        controller.start()
    except OSError as exc:
        raise SystemExit(f"mail catcher: cannot listen on {host}:{port}: {exc.strerror or exc}. "
                         "Is another mail catcher (or make run) already running?") from exc

    previous: dict[int, object] = {}
    if threading.current_thread() is threading.main_thread():
        def _on_signal(signum, frame):
            stop.set()

        for signum in (signal.SIGINT, signal.SIGTERM):
            previous[signum] = signal.signal(signum, _on_signal)

    print(f"Mail catcher listening on {host}:{port}; messages saved in {mail_dir}", flush=True)
    if ready is not None:
        ready.set()
    try:
        # A timeout on wait() keeps the main thread responsive to signals on every platform.
        while not stop.wait(0.5):
            pass
    finally:
        controller.stop()
        for signum, handler in previous.items():
            signal.signal(signum, handler)
        print("Mail catcher stopped", flush=True)
