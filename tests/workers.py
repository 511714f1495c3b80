"""Real Celery worker processes for the tests that prove delivery through the broker."""

from __future__ import annotations

import ast
import os
import re
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

from tests.conftest import SECRET_KEY

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def start_worker(backend: dict, smtp_server, log_path: Path, **settings: str):
    """Start `celery -A worker worker` on this run's database, broker and SMTP server, with any
    other ENGAGE_* settings given, and wait until it is ready."""
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
        **settings,
    })
    with open(log_path, "a") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "worker", "worker", "--pool=solo",
             "--loglevel=INFO", "--without-gossip", "--without-mingle", "--without-heartbeat",
             f"--hostname=engage-test-{time.monotonic_ns()}@%h"],
            cwd=PROJECT_ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
        )
    _wait_until_ready(process, log_path)
    return process


def _wait_until_ready(process, log_path: Path, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    seen = log_path.read_text().count(" ready.") if log_path.exists() else 0
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"the worker exited:\n{log_path.read_text()}")
        if log_path.read_text().count(" ready.") > seen:
            return
        time.sleep(0.2)
    raise AssertionError(f"the worker did not start:\n{log_path.read_text()}")


def stop_worker(process) -> None:
    if process.poll() is not None:
        return
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def wait_for(condition, timeout: float, step=None, every: float = 2.0, poll: float = 0.2) -> None:
    """Wait for `condition`, running `step` (beat's job, here) every `every` seconds. Keep
    `timeout` well under pytest's own, so a failure says what was missing."""
    deadline = time.monotonic() + timeout
    next_step = time.monotonic()
    while time.monotonic() < deadline:
        if condition():
            return
        if step and time.monotonic() >= next_step:
            step()
            next_step = time.monotonic() + every
        time.sleep(poll)
    assert condition()


def run_in_worker(app, worker, name: str, *args, timeout: float = 60):
    """Send the task `name` through the broker, as beat or a committed request would, wait until
    `worker` (the `worker` fixture) has finished it, and return what it returned, read from the
    worker's log. A task that raised fails the test with the worker's words."""
    [result] = _run_each(app, worker, [app.extensions["celery"].send_task(name, args=list(args))],
                         timeout, f"{name}{args}")
    return result


def drain(app, worker, timeout: float = 90) -> None:
    """Wait until `worker` has run every task sent to the broker so far. One worker takes each
    queue in order, so once it has run a task sent to every queue after them, it has run them
    all. The task is Celery's own `celery.accumulate`, which only returns its arguments."""
    from engage.config import QueueNames

    celery_app = app.extensions["celery"]
    markers = [celery_app.send_task("celery.accumulate", args=["drained"], queue=queue)
               for queue in QueueNames.all()]
    assert _run_each(app, worker, markers, timeout, "drain") == [("drained",)] * len(markers)


# How long a task took, as Celery logs it: "0.0123s", or "8.6e-05s" for one that does nothing.
SECONDS = r"[0-9.]+(?:e-?[0-9]+)?s"


def _run_each(app, worker, sent: list, timeout: float, name: str) -> list:
    """What each task in `sent` returned, read from the worker's log once all have finished."""
    found: dict[str, re.Match] = {}

    def done() -> bool:
        log = worker.log_path.read_text()
        for task in sent:
            finished = re.compile(
                rf"\[{task.id}\] (?:succeeded in {SECONDS}: (.*)|(raised .*))$", re.M)
            if task.id not in found and (match := finished.search(log)):
                found[task.id] = match
        return len(found) == len(sent)

    wait_for(done, timeout=timeout, poll=0.1)
    results = []
    for task in sent:
        match = found[task.id]
        if match.group(2) is not None:
            raise AssertionError(f"{name} in the worker: {match.group(2)}")
        results.append(ast.literal_eval(match.group(1)))
    return results


def every_row(app) -> dict[str, list[tuple]]:
    """Every row of every table, each in primary-key order: the whole database, to show that a
    task run a second time changed nothing. All but `scheduled_job_runs`, which says when each
    periodic task last ran (engage.jobs): a second run changes that, as it should."""
    from sqlalchemy import select

    from engage.extensions import db

    with app.app_context():
        found = {table.name: [tuple(row) for row in db.session.execute(
            select(table).order_by(*table.primary_key.columns))]
            for table in db.metadata.sorted_tables if table.name != "scheduled_job_runs"}
        db.session.remove()
    return found


def stopped_after_hand_over(app) -> set[str]:
    """Recipients of messages a killed worker had handed to the server but not seen accepted.

    The one window exactly-once cannot close over SMTP (engage.outbox.operations): the message
    is counted sent, not sent twice, and the row says so. A SIGKILL can land there, so a test
    that kills a worker mid-send must allow it, and checks that nothing else goes missing.
    """
    from sqlalchemy import select

    from engage.extensions import db
    from engage.outbox.models import OutboxMessage
    from engage.outbox.operations import STOPPED_AFTER_HAND_OVER

    with app.app_context():
        found = set(db.session.scalars(select(OutboxMessage.recipient).where(
            OutboxMessage.last_error == STOPPED_AFTER_HAND_OVER)))
        db.session.remove()
    return found


def assert_each_once(app, mailbox, emails: list[str]) -> None:
    """Everyone got one copy; at most the one message in flight when the (solo) worker was
    killed is accounted for by its row instead of by the mailbox."""
    copies = Counter(mailbox.delivered)
    uncertain = stopped_after_hand_over(app) - set(copies)
    assert len(uncertain) <= 1, uncertain
    assert set(copies) | uncertain == set(emails), (
        f"{len(set(emails) - set(copies) - uncertain)} never sent")
    assert [e for e, n in copies.items() if n > 1] == []


def all_accounted_for(app, mailbox, emails: list[str]):
    """A wait_for condition: every address delivered, or counted sent on a hand-over."""
    wanted = set(emails)

    def done() -> bool:
        got = set(mailbox.delivered)
        return got >= wanted or got | stopped_after_hand_over(app) >= wanted

    return done
