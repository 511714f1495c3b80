"""A real Celery worker process, on this run's broker and database, delivers the email.

The rest of the suite runs queued tasks in-process (the `run_tasks` fixture); these tests prove the
same flow through the broker: serialisation, routing, the after-commit hand-over and the sweeper.
"""

from __future__ import annotations

import time

import pytest
from sqlalchemy import select

from engage.clock import utcnow
from engage.config import QueueNames
from engage.extensions import db
from engage.outbox.models import OutboxMessage, OutboxStatus
from tests.factories import PASSWORD
from tests.workers import start_worker, stop_worker, wait_for

pytestmark = pytest.mark.worker


@pytest.fixture(scope="module")
def worker(backend, smtp_server, _schema, tmp_path_factory):
    process = start_worker(backend, smtp_server,
                           tmp_path_factory.mktemp("worker") / "worker.log")
    yield process
    stop_worker(process)


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


def test_publishing_a_report_draws_its_public_pdfs_in_a_real_worker(app, worker, client,
                                                                     run_tasks):
    from engage.reports.public_files import KINDS
    from tests.reports.test_public_files import kept
    from tests.reports.test_public_report import prepared, publish

    prepared(app, client, run_tasks)  # counted in-process; publishing goes through the broker
    app.config["ENGAGE_TASK_DISPATCH"] = "broker"
    publish(client)
    wait_for(lambda: set(kept(app)) == set(KINDS), timeout=60, poll=0.5)
    assert all(content.startswith(b"%PDF-") for _, content in kept(app).values())
