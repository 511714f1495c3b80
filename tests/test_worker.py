"""A real Celery worker process, on this run's broker and database, delivers the email.

The rest of the suite runs queued tasks in-process (the `run_tasks` fixture); these tests prove the
same flow through the broker: serialisation, routing, the after-commit hand-over and the sweeper.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import select

from engage.clock import utcnow
from engage.config import QueueNames
from engage.extensions import db
from engage.outbox.models import OutboxMessage, OutboxStatus
from tests.conftest import SECRET_KEY
from tests.factories import PASSWORD

PROJECT_ROOT = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.worker


@pytest.fixture(scope="module")
def worker(backend, smtp_server, _schema, tmp_path_factory):
    log_path = tmp_path_factory.mktemp("worker") / "worker.log"
    env = dict(os.environ)
    env.update({
        "ENGAGE_ENV": "test",
        "ENGAGE_SECRET_KEY": SECRET_KEY,
        "ENGAGE_INSTANCE_PATH": backend["instance"],
        "ENGAGE_DATABASE_URL": backend["database"],
        "ENGAGE_BROKER_URL": backend["broker"],
        "ENGAGE_SMTP_HOST": smtp_server.host,
        "ENGAGE_SMTP_PORT": str(smtp_server.port),
        "ENGAGE_BASE_URL": "http://localhost",
    })
    with open(log_path, "w") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "worker", "worker", "--pool=solo",
             "--loglevel=INFO", "--without-gossip", "--without-mingle", "--without-heartbeat",
             "--hostname=engage-test@%h"],
            cwd=PROJECT_ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
        )
    _wait_until_ready(process, log_path)
    yield process
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def _wait_until_ready(process, log_path: Path, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"the worker exited:\n{log_path.read_text()}")
        if " ready." in log_path.read_text():
            return
        time.sleep(0.2)
    raise AssertionError(f"the worker did not start:\n{log_path.read_text()}")


@pytest.fixture
def broker_app(app, worker):
    app.config["ENGAGE_TASK_DISPATCH"] = "broker"
    return app


def test_registration_email_is_sent_by_a_real_worker(broker_app, client, mailbox):
    response = client.submit("/register", {"name": "Grace Hopper", "email": "grace@example.org",
                                           "password": PASSWORD, "home_borough": "lambeth"})
    assert response.status_code == 302
    [message] = mailbox.wait_for("grace@example.org", timeout=60)
    assert message["Subject"] == "Confirm your email address for engage"
    with broker_app.app_context():
        row = db.session.scalar(select(OutboxMessage))
        _wait_for_status(row.id, OutboxStatus.SENT)


def test_a_message_lost_with_the_broker_is_queued_again_by_the_sweeper(broker_app, mailbox):
    grace = broker_app.config["ENGAGE_OUTBOX_GRACE_SECONDS"]
    with broker_app.app_context():
        # Committed and handed to a broker that then lost it: nothing but the row is left.
        lost = OutboxMessage(recipient="lost@example.org", template="account_deleted",
                             context={"name": "Lost"}, status=OutboxStatus.PENDING,
                             due_at=utcnow(), queued_at=utcnow().replace(year=2000))
        db.session.add(lost)
        db.session.commit()
        assert grace < (utcnow() - lost.queued_at).total_seconds()
        broker_app.extensions["celery"].send_task("engage.periodic.sweep_outbox")
    [message] = mailbox.wait_for("lost@example.org", timeout=60)
    assert message["Subject"] == "Your engage account has been deleted"


def test_a_task_delivered_twice_sends_one_email(broker_app, mailbox):
    celery_app = broker_app.extensions["celery"]
    with broker_app.app_context():
        twice = _pending("twice@example.org")
        marker = _pending("marker@example.org")
    for message_id in (twice, twice, marker):
        celery_app.send_task("engage.outbox.send_email", args=[message_id])
    # One worker, one queue, in order: once the marker is here, both copies have been handled.
    mailbox.wait_for("marker@example.org", timeout=60)
    assert len(mailbox.to("twice@example.org")) == 1


def test_every_task_is_routed_to_a_queue_the_worker_consumes(app):
    celery_app = app.extensions["celery"]
    consumed = {queue.name for queue in celery_app.conf.task_queues}
    assert consumed == set(QueueNames.all())
    # One routing key per queue, so a message lands in its own queue only.
    keys = [queue.routing_key for queue in celery_app.conf.task_queues]
    assert sorted(keys) == sorted(QueueNames.all())
    engage_tasks = [name for name in celery_app.tasks if name.startswith("engage.")]
    assert engage_tasks
    for name in engage_tasks:
        queue = celery_app.amqp.router.route({}, name)["queue"].name
        assert queue in consumed, name
    for entry in celery_app.conf.beat_schedule.values():
        assert entry["task"] in celery_app.tasks


def _pending(recipient: str) -> int:
    now = utcnow()
    row = OutboxMessage(recipient=recipient, template="account_deleted",
                        context={"name": recipient}, status=OutboxStatus.PENDING,
                        due_at=now, queued_at=now)
    db.session.add(row)
    db.session.commit()
    return row.id


def _wait_for_status(message_id: int, status: OutboxStatus, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        db.session.expire_all()
        if db.session.get(OutboxMessage, message_id).status == status:
            return
        time.sleep(0.2)
    raise AssertionError(f"message {message_id} never became {status}")
