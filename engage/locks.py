"""Locks for periodic and long-running tasks, held in the database every process shares.

A lock is a row named for the work it guards, with an expiry: a worker that dies while holding
one blocks that work only until the expiry passes. The same code serves SQLite and PostgreSQL.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta

from sqlalchemy import String, delete, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, mapped_column

from engage.clock import utcnow
from engage.extensions import db


class TaskLock(db.Model):
    __tablename__ = "task_locks"

    name: Mapped[str] = mapped_column(String(200), primary_key=True)
    holder: Mapped[str] = mapped_column(String(64))
    expires_at: Mapped[datetime]


def acquire(name: str, seconds: int) -> str | None:
    """Take the lock `name` for at most `seconds`. Returns a token to release it with, or None if
    someone else holds it. Commits: the lock must be visible to other processes at once."""
    token = uuid.uuid4().hex
    now = utcnow()
    expires = now + timedelta(seconds=seconds)
    taken = db.session.execute(
        update(TaskLock)
        .where(TaskLock.name == name, TaskLock.expires_at < now)
        .values(holder=token, expires_at=expires)
    ).rowcount
    if not taken:
        try:
            with db.session.begin_nested():
                db.session.add(TaskLock(name=name, holder=token, expires_at=expires))
            taken = 1
        except IntegrityError:
            taken = 0
    db.session.commit()
    return token if taken else None


def release(name: str, token: str) -> None:
    db.session.execute(delete(TaskLock).where(TaskLock.name == name, TaskLock.holder == token))
    db.session.commit()


@contextmanager
def held(name: str, seconds: int) -> Iterator[bool]:
    """`with held("sweep-outbox", 300) as mine: if mine: ...` — True when this caller holds it."""
    token = acquire(name, seconds)
    try:
        yield token is not None
    finally:
        if token is not None:
            db.session.rollback()
            release(name, token)


def purge_each(lock: str, due: Callable[[], Iterable[int]], purge: Callable[[int], int],
               seconds: int = 1800) -> int:
    """The shape of a retention task: under `lock`, purge each id `due()` gives and commit it
    on its own, so a run stopped halfway keeps what it did. Returns how many rows went, or -1
    when another run holds the lock (`due` is asked only once the lock is held)."""
    with held(lock, seconds) as mine:
        if not mine:
            return -1
        deleted = 0
        for item in due():
            deleted += purge(item)
            db.session.commit()
        return deleted
