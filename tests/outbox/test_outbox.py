"""The email outbox: sent once, retried with backoff while the server is down, failed for good
on a refusal, swept up again when a task is lost, and sent again from the admin page."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select, update

from engage.audit.models import AuditEvent
from engage.clock import to_london, utcnow
from engage.email import html_paragraphs, links_of, render
from engage.extensions import db
from engage.outbox.models import OutboxMessage, OutboxStatus
from engage.outbox.operations import queue_email, retry_delay
from tests.factories import PASSWORD, create_admin, create_officer
from tests.helpers import page_text
from tests.mailbox import body, free_port

SEND = "engage.outbox.send_email"
SEND_MANY = "engage.outbox.send_emails"  # what the sweeper queues: a chunk per task
SWEEP = "engage.periodic.sweep_outbox"
TO = "grace@example.org"
RESET_URL = "http://localhost/forgotten-password"


def _queue(app, recipient=TO, template="password_changed", **context) -> int:
    """Queue one email as an operation would, commit, and return its outbox id."""
    context = context or {"name": "Grace Hopper", "reset_url": RESET_URL}
    with app.app_context():
        message_id = queue_email(recipient, template, **context).id
        db.session.commit()
    return message_id


def _forget_queued_tasks(app) -> list:
    """What the broker held, then lost (a Redis restart, say)."""
    recorded = app.extensions.setdefault("engage_recorded_tasks", [])
    lost = list(recorded)
    recorded.clear()
    return lost


def _run(app, name, *args):
    return app.extensions["celery"].tasks[name].apply(args=list(args), throw=True).result


def _row(app, message_id) -> OutboxMessage:
    with app.app_context():
        row = db.session.get(OutboxMessage, message_id)
        db.session.expunge(row)
        return row


def _set(app, message_id, **values) -> None:
    with app.app_context():
        db.session.execute(update(OutboxMessage).where(OutboxMessage.id == message_id)
                           .values(**values))
        db.session.commit()


@pytest.fixture
def smtp_down(app):
    """Point the app at a port where nothing listens."""
    app.config["ENGAGE_SMTP_PORT"] = free_port()
    return app


def _close_to(value, expected, slack=timedelta(seconds=10)):
    return abs(value - expected) < slack


# Sending ----------------------------------------------------------------------------------

def test_a_queued_email_is_sent_once_even_when_its_task_runs_twice(app, mailbox):
    message_id = _queue(app)
    # Committed first; its task is queued with the id only, after the commit.
    assert _forget_queued_tasks(app) == [(SEND, (message_id,))]
    row = _row(app, message_id)
    assert (row.status, row.attempts, row.sent_at) == (OutboxStatus.PENDING, 0, None)
    assert mailbox.to(TO) == []

    assert _run(app, SEND, message_id) == "sent"
    assert _run(app, SEND, message_id) == "skipped"  # a duplicate delivery does nothing
    assert len(mailbox.to(TO)) == 1

    row = _row(app, message_id)
    assert row.status == OutboxStatus.SENT
    assert row.attempts == 1
    assert row.sent_at is not None and _close_to(row.sent_at, utcnow())
    assert row.last_error is None


def test_the_message_has_text_and_html_parts_and_names_its_outbox_row(app, mailbox):
    message_id = _queue(app)
    _run(app, SEND, message_id)
    [message] = mailbox.to(TO)
    assert message["Subject"] == "Your engage password has changed"
    assert "no-reply@engage.example.org" in message["From"]
    assert message.is_multipart()
    assert message.get_content_type() == "multipart/alternative"
    text = body(message)
    assert text.startswith("Hello Grace Hopper,")
    assert RESET_URL in text
    assert "Your engage password has changed" not in text  # the subject line is not repeated
    html = message.get_body(("html",)).get_content()
    assert "<html" in html and "Hello Grace Hopper," in html
    assert f'<a href="{RESET_URL}"' in html
    assert f"outbox-{message_id}" in message["Message-ID"]
    assert message["X-Engage-Outbox-Id"] == str(message_id)


def test_every_message_says_when_it_was_sent(client, app, mailbox, run_tasks):
    """A Date header (RFC 5322 requires one), in London time like the body's times."""
    response = client.submit("/register", {"name": "Grace Hopper", "email": TO,
                                           "password": PASSWORD, "home_borough": "camden"})
    assert response.status_code == 302
    run_tasks()
    [message] = mailbox.to(TO)
    sent = message["Date"].datetime
    assert abs(sent - datetime.now(UTC)) < timedelta(minutes=5)
    assert sent.utcoffset() == to_london(utcnow()).utcoffset()


def test_the_html_part_escapes_what_people_typed(app, mailbox):
    message_id = _queue(app, template="account_deleted", name='<img src=x onerror="alert(1)">')
    _run(app, SEND, message_id)
    [message] = mailbox.to(TO)
    html = message.get_body(("html",)).get_content()
    assert "<img" not in html
    assert "&lt;img src=x" in html
    assert '<img src=x onerror="alert(1)">' in body(message)  # plain text is plain


def test_the_html_part_links_only_the_addresses_the_app_put_there(app, mailbox):
    """Someone registers with a stranger's address and a name that is a message with a link:
    the email engage sends that stranger must not carry a link they chose."""
    message_id = _queue(app, name="Your account is locked, visit https://evil.example/login now",
                        reset_url=RESET_URL)
    _run(app, SEND, message_id)
    [message] = mailbox.to(TO)
    html = message.get_body(("html",)).get_content()
    assert f'<a href="{RESET_URL}">{RESET_URL}</a>' in html
    assert "visit https://evil.example/login now" in html
    assert 'href="https://evil.example' not in html


def test_links_keep_their_line_and_leave_a_sentence_s_full_stop_out():
    links = links_of({"meeting_url": "https://engage.example/m/1",
                      "online_link": "https://meet.example/abc?pwd=1&x=2", "name": "https://x.y"})
    assert links == {"https://engage.example/m/1", "https://meet.example/abc?pwd=1&x=2"}
    [first, second] = html_paragraphs(
        "Join online: https://meet.example/abc?pwd=1&x=2\nPage: https://engage.example/m/1.\n\n"
        "Not ours: https://x.y <b>", links)
    assert first == ('Join online: <a href="https://meet.example/abc?pwd=1&amp;x=2">'
                     'https://meet.example/abc?pwd=1&amp;x=2</a><br>Page: '
                     '<a href="https://engage.example/m/1">https://engage.example/m/1</a>.')
    assert second == "Not ours: https://x.y &lt;b&gt;"


def test_a_repeated_send_keeps_the_same_message_id(app, mailbox):
    """A worker that dies after the server took the message but before it recorded that, sends
    it again after the lease; receivers can tell it is the same message by its Message-ID."""
    message_id = _queue(app)
    _run(app, SEND, message_id)
    _set(app, message_id, status=OutboxStatus.PENDING, sent_at=None)
    _run(app, SEND, message_id)
    first, second = mailbox.to(TO)
    assert first["Message-ID"] == second["Message-ID"]
    with app.app_context():
        row = db.session.get(OutboxMessage, message_id)
        assert render(row)["Message-ID"] == first["Message-ID"]


def test_message_ids_differ_between_messages(app, mailbox):
    ids = [_queue(app, recipient=f"p{n}@example.org") for n in range(2)]
    for message_id in ids:
        _run(app, SEND, message_id)
    [a] = mailbox.to("p0@example.org")
    [b] = mailbox.to("p1@example.org")
    assert a["Message-ID"] != b["Message-ID"]


def test_a_task_for_a_missing_row_does_nothing(app, mailbox):
    assert _run(app, SEND, 987654) == "skipped"
    assert mailbox.messages == []


# The server is down -----------------------------------------------------------------------

def test_while_the_server_is_down_the_row_waits_with_growing_backoff(app, mailbox, smtp_down):
    message_id = _queue(app)
    _forget_queued_tasks(app)

    assert _run(app, SEND, message_id) == "retry"
    row = _row(app, message_id)
    assert row.status == OutboxStatus.PENDING
    assert row.attempts == 1
    assert row.last_error and "refused" in row.last_error.lower()
    assert row.sent_at is None and row.queued_at is None
    first_delay = row.due_at - utcnow()
    assert timedelta(seconds=20) < first_delay <= timedelta(seconds=30)
    assert mailbox.messages == []

    # Not due yet: a second delivery of the task neither sends nor counts an attempt.
    assert _run(app, SEND, message_id) == "skipped"
    assert _row(app, message_id).attempts == 1

    _set(app, message_id, due_at=utcnow() - timedelta(seconds=1))
    assert _run(app, SEND, message_id) == "retry"
    row = _row(app, message_id)
    assert (row.status, row.attempts) == (OutboxStatus.PENDING, 2)
    second_delay = row.due_at - utcnow()
    assert timedelta(seconds=110) < second_delay <= timedelta(seconds=120)
    assert second_delay > first_delay
    assert mailbox.messages == []


def test_after_the_last_attempt_the_row_fails(app, mailbox, smtp_down):
    app.config["ENGAGE_EMAIL_MAX_ATTEMPTS"] = 3
    message_id = _queue(app)
    results = []
    for _ in range(3):
        _set(app, message_id, due_at=utcnow() - timedelta(seconds=1))
        results.append(_run(app, SEND, message_id))
    assert results == ["retry", "retry", "failed"]
    row = _row(app, message_id)
    assert row.status == OutboxStatus.FAILED
    assert row.attempts == 3
    assert row.last_error.startswith("gave up after 3 attempts")
    # Failed is final: neither the task nor the sweeper touch it again.
    _set(app, message_id, due_at=utcnow() - timedelta(hours=1),
         queued_at=utcnow() - timedelta(hours=1))
    assert _run(app, SEND, message_id) == "skipped"
    assert _run(app, SWEEP) == 0
    assert _row(app, message_id).attempts == 3
    assert mailbox.messages == []


def test_the_default_limit_is_six_attempts(app, smtp_down):
    assert app.config["ENGAGE_EMAIL_MAX_ATTEMPTS"] == 6
    message_id = _queue(app)
    results = []
    for _ in range(6):
        _set(app, message_id, due_at=utcnow() - timedelta(seconds=1))
        results.append(_run(app, SEND, message_id))
    assert results == ["retry"] * 5 + ["failed"]


def test_retry_delays_grow_and_are_capped(app):
    with app.app_context():
        delays = [retry_delay(n).total_seconds() for n in range(1, 10)]
    assert delays[:4] == [30, 120, 480, 1920]
    assert delays == sorted(delays)
    assert max(delays) == 6 * 3600


def test_a_message_that_waited_out_its_backoff_is_swept_up_and_sent(app, mailbox):
    app.config["ENGAGE_SMTP_PORT"], port = free_port(), app.config["ENGAGE_SMTP_PORT"]
    message_id = _queue(app)
    _forget_queued_tasks(app)
    assert _run(app, SEND, message_id) == "retry"

    assert _run(app, SWEEP) == 0  # still waiting out its delay
    _set(app, message_id, due_at=utcnow() - timedelta(seconds=1))
    app.config["ENGAGE_SMTP_PORT"] = port  # the server is back
    assert _run(app, SWEEP) == 1
    assert _forget_queued_tasks(app) == [(SEND_MANY, ([message_id],))]
    assert _run(app, SEND, message_id) == "sent"
    assert len(mailbox.to(TO)) == 1
    row = _row(app, message_id)
    assert (row.status, row.attempts, row.last_error) == (OutboxStatus.SENT, 2, None)


# Refused for good -------------------------------------------------------------------------

def test_a_refused_recipient_fails_at_once(app, mailbox, caplog):
    mailbox.refuse.add(TO)
    message_id = _queue(app)
    with caplog.at_level(logging.INFO, logger="engage"):
        assert _run(app, SEND, message_id) == "failed"
    # The worker's log says what failed, with the server's code, but not to whom.
    assert f"email {message_id} failed: PermanentEmailError 550" in caplog.text
    assert TO not in caplog.text
    row = _row(app, message_id)
    assert row.status == OutboxStatus.FAILED
    assert row.attempts == 1
    assert "550" in row.last_error
    assert row.sent_at is None
    assert mailbox.messages == []


# The sweeper ------------------------------------------------------------------------------

def test_the_sweeper_queues_lost_and_abandoned_messages_only(app, mailbox):
    now = utcnow()
    lost = _queue(app, recipient="lost@example.org")
    fresh = _queue(app, recipient="fresh@example.org")
    abandoned = _queue(app, recipient="abandoned@example.org")
    busy = _queue(app, recipient="busy@example.org")
    future = _queue(app, recipient="future@example.org")
    _forget_queued_tasks(app)  # the broker restarted and lost every task

    long_ago = now - timedelta(minutes=20)
    _set(app, lost, queued_at=now - timedelta(minutes=10), due_at=now - timedelta(minutes=10))
    _set(app, abandoned, status=OutboxStatus.SENDING, attempts=1, queued_at=long_ago,
         due_at=long_ago, claimed_at=long_ago)
    _set(app, busy, status=OutboxStatus.SENDING, attempts=1, claimed_at=now)
    _set(app, future, queued_at=None, due_at=now + timedelta(minutes=5))

    assert _run(app, SWEEP) == 2
    assert _forget_queued_tasks(app) == [(SEND_MANY, (sorted([lost, abandoned]),))]
    row = _row(app, abandoned)
    assert row.status == OutboxStatus.PENDING
    assert row.last_error == "worker stopped while sending"
    assert _close_to(_row(app, lost).queued_at, utcnow())
    assert _row(app, busy).status == OutboxStatus.SENDING  # its worker is still within the lease
    assert _row(app, fresh).status == OutboxStatus.PENDING

    # Just queued again: a second sweep does not queue them twice.
    assert _run(app, SWEEP) == 0
    assert _forget_queued_tasks(app) == []

    assert _run(app, SEND, lost) == "sent"
    assert _run(app, SEND, abandoned) == "sent"
    assert len(mailbox.to("lost@example.org")) == 1
    assert len(mailbox.to("abandoned@example.org")) == 1
    assert _row(app, abandoned).attempts == 2
    for address in ("fresh@example.org", "busy@example.org", "future@example.org"):
        assert mailbox.to(address) == []


def test_the_sweeper_is_run_through_the_worker_queue_and_sends(app, mailbox, run_tasks):
    message_id = _queue(app)
    _forget_queued_tasks(app)
    _set(app, message_id, queued_at=utcnow() - timedelta(minutes=3))
    app.extensions["engage_recorded_tasks"].append((SWEEP, ()))
    assert run_tasks() == [(SWEEP, ()), (SEND_MANY, ([message_id],))]
    assert len(mailbox.to(TO)) == 1
    assert _row(app, message_id).status == OutboxStatus.SENT


# The admin page ---------------------------------------------------------------------------

def _failed_message(app, mailbox) -> int:
    mailbox.refuse.add(TO)
    message_id = _queue(app)
    _forget_queued_tasks(app)
    assert _run(app, SEND, message_id) == "failed"
    mailbox.refuse.discard(TO)
    return message_id


def test_the_outbox_page_lists_failed_messages_and_sends_them_again(client, app, mailbox,
                                                                    run_tasks):
    failed = _failed_message(app, mailbox)
    sent = _queue(app, recipient="someone@example.org")
    _run(app, SEND, sent)
    _forget_queued_tasks(app)
    with app.app_context():
        admin = create_admin()
        admin_id, email = admin.id, admin.email
    client.sign_in(email, PASSWORD)
    # The administrators' staff home says so, and links to them.
    home = client.get("/staff/")
    assert "1 email has failed" in page_text(home)
    assert 'href="/admin/outbox?status=failed">1 email has failed</a>' in home.get_data(
        as_text=True)

    page = client.get("/admin/outbox?status=failed")
    assert page.status_code == 200
    text = page_text(page)
    assert TO in text and "550" in text
    assert "Failed" in text[text.index(TO):]  # its status, by name
    assert "someone@example.org" not in text
    html = page.get_data(as_text=True)
    assert f'action="/admin/outbox/{failed}/retry"' in html
    assert f'action="/admin/outbox/{sent}/retry"' not in html
    assert "someone@example.org" in page_text(client.get("/admin/outbox"))
    assert TO not in page_text(client.get("/admin/outbox?status=sent"))

    response = client.submit(f"/admin/outbox/{failed}/retry", {},
                             form_page="/admin/outbox?status=failed")
    assert response.status_code == 302
    assert response.location == "/admin/outbox?status=failed"
    assert f"Message {failed} will be sent again." in page_text(client.get(response.location))
    row = _row(app, failed)
    assert (row.status, row.attempts) == (OutboxStatus.PENDING, 0)
    with app.app_context():
        [event] = db.session.scalars(select(AuditEvent)
                                     .where(AuditEvent.action == "outbox.retried")).all()
        assert (event.actor_id, event.target) == (admin_id, f"outbox:{failed}")

    assert run_tasks() == [(SEND, (failed,))]
    assert len(mailbox.to(TO)) == 1
    assert _row(app, failed).status == OutboxStatus.SENT
    assert "No emails with the status failed." in page_text(
        client.get("/admin/outbox?status=failed"))
    assert "failed" not in page_text(client.get("/staff/"))


def test_send_again_does_nothing_to_a_message_that_has_not_failed(client, app, mailbox,
                                                                  run_tasks):
    sent = _queue(app)
    _run(app, SEND, sent)
    _forget_queued_tasks(app)
    with app.app_context():
        email = create_admin().email
    client.sign_in(email, PASSWORD)
    response = client.submit(f"/admin/outbox/{sent}/retry", {}, form_page="/admin/outbox")
    assert response.status_code == 302
    assert run_tasks() == []
    assert len(mailbox.to(TO)) == 1
    assert _row(app, sent).status == OutboxStatus.SENT
    assert client.post(f"/admin/outbox/{sent + 1000}/retry").status_code in (400, 404)


def test_the_outbox_page_is_for_administrators_only(client, app, mailbox, run_tasks):
    failed = _failed_message(app, mailbox)
    assert client.get("/admin/outbox").status_code == 302  # anonymous: sign in first
    with app.app_context():
        email = create_officer("camden").email
    client.sign_in(email, PASSWORD)
    response = client.get("/admin/outbox?status=failed")
    assert response.status_code == 403
    assert TO not in response.get_data(as_text=True)
    retry = client.submit(f"/admin/outbox/{failed}/retry", {}, form_page="/staff/")
    assert retry.status_code == 403
    assert _row(app, failed).status == OutboxStatus.FAILED
    assert run_tasks() == []
    assert mailbox.messages == []
