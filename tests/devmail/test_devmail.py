"""The development mail catcher and /dev/mail, where a newcomer reads the mail engage sends."""

from __future__ import annotations

import smtplib
import threading
import time
from email.message import EmailMessage
from pathlib import Path

import pytest

from engage import create_app
from engage.devmail.catcher import run_catcher
from tests.conftest import _celery
from tests.helpers import page_text
from tests.mailbox import free_port


@pytest.fixture
def dev_app(app_settings, backend, tmp_path, _schema):
    settings = dict(app_settings, ENGAGE_ENV="development", ENGAGE_DEV_MAIL_DIR=str(tmp_path))
    settings["CELERY"] = _celery(backend)
    return create_app(settings)


@pytest.fixture
def catcher(tmp_path):
    port, stop, ready = free_port(), threading.Event(), threading.Event()
    thread = threading.Thread(target=run_catcher, args=("127.0.0.1", port, tmp_path),
                              kwargs={"stop": stop, "ready": ready}, daemon=True)
    thread.start()
    assert ready.wait(10)
    yield port
    stop.set()
    thread.join(10)


def _send(port: int, subject: str, body: str) -> None:
    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = ("no-reply@example.org",
                                                          "grace@example.org", subject)
    message.set_content(body)
    with smtplib.SMTP("127.0.0.1", port, timeout=10) as smtp:
        smtp.send_message(message)


def _wait_for_files(folder: Path, count: int) -> list[Path]:
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        found = sorted(folder.glob("*.eml"))
        if len(found) >= count:
            return found
        time.sleep(0.05)
    raise AssertionError(f"the catcher stored {len(list(folder.glob('*.eml')))} of {count}")


def test_caught_mail_is_listed_newest_first_and_its_links_work(dev_app, catcher, tmp_path):
    _send(catcher, "First", "Nothing to follow here.")
    _send(catcher, "Confirm your email", "Open http://127.0.0.1:5000/confirm-email/abc. <b>x</b>")
    first, second = _wait_for_files(tmp_path, 2)

    client = dev_app.test_client()
    listing = page_text(client.get("/dev/mail"))
    assert listing.index("Confirm your email") < listing.index("First")

    html = client.get(f"/dev/mail/{second.name}").get_data(as_text=True)
    # The link is clickable, without the full stop after it, and the rest is escaped.
    assert 'href="http://127.0.0.1:5000/confirm-email/abc"' in html
    assert "&lt;b&gt;x&lt;/b&gt;" in html and "<b>x</b>" not in html


def test_only_files_in_the_mail_folder_can_be_read(dev_app, tmp_path):
    (tmp_path.parent / "secret.eml").write_text("Subject: secret\n\nno")
    client = dev_app.test_client()
    for name in ["..%2Fsecret.eml", "..", ".hidden.eml", "missing.eml", "secret.txt"]:
        assert client.get(f"/dev/mail/{name}").status_code == 404, name


def test_the_mail_pages_do_not_exist_outside_development(client):
    assert client.get("/dev/mail").status_code == 404
