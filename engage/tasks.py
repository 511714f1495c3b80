"""Send Celery tasks only once the rows they need are committed.

Operations call `send_after_commit(task, *args)` while they add and flush rows; nothing leaves
the process until the transaction commits, and a rollback forgets it. If the broker cannot be
reached at that moment the rows are safe: each domain's beat sweeper re-queues what is still
waiting (see engage.outbox.tasks.sweep_outbox).
"""

from __future__ import annotations

import logging

from celery import Task
from flask import current_app, has_app_context
from sqlalchemy import event
from sqlalchemy.orm import Session

log = logging.getLogger(__name__)
_PENDING = "engage_tasks_after_commit"


def send_after_commit(task: Task, *args) -> None:
    from engage.extensions import db

    db.session().info.setdefault(_PENDING, []).append((task.name, args))


@event.listens_for(Session, "after_commit")
def _dispatch_committed(session: Session) -> None:
    pending = session.info.pop(_PENDING, None)
    if not pending or not has_app_context():
        return
    for name, args in pending:
        dispatch(name, args)


@event.listens_for(Session, "after_rollback")
def _forget_rolled_back(session: Session) -> None:
    session.info.pop(_PENDING, None)


def dispatch(name: str, args: tuple) -> None:
    if current_app.config["ENGAGE_TASK_DISPATCH"] == "record":
        current_app.extensions.setdefault("engage_recorded_tasks", []).append((name, args))
        return
    celery_app = current_app.extensions["celery"]
    try:
        celery_app.send_task(name, args=list(args))
    except Exception:  # noqa: BLE001 - the broker being away must not fail a committed request
        log.warning("could not queue %s%r; the sweeper will queue it again", name, args,
                    exc_info=True)
