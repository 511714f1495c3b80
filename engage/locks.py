"""Locks for periodic and long-running tasks, held in the database every process shares.

A lock is a row named for the work it guards, with an expiry: a worker that dies while holding
one blocks that work only until the expiry passes. The same code serves SQLite and PostgreSQL.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import String, delete, text
from sqlalchemy.orm import Mapped, mapped_column

from engage.clock import utcnow
from engage.extensions import conflict_insert, db


class TaskLock(db.Model):
    __tablename__ = "task_locks"

    name: Mapped[str] = mapped_column(String(200), primary_key=True)
    holder: Mapped[str] = mapped_column(String(64))
    expires_at: Mapped[datetime]


def acquire(name: str, seconds: int) -> str | None:
    """Take the lock `name` for at most `seconds`. Returns a token to release it with, or None if
    someone else holds it. Commits: the lock must be visible to other processes at once.

    Visible, but not necessarily durable: on PostgreSQL the commit does not wait for the disk
    (synchronous_commit off, this transaction only; other sessions see it at once all the
    same). Only a crash of the database server could lose it, and that ends the holder's
    session and its work too, so two holders still never overlap; the flush it saves was
    most of the cost of taking a lock."""
    token = uuid.uuid4().hex
    now = utcnow()
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(text("SET LOCAL synchronous_commit = off"))
    # One statement: a new row, or an expired one taken over; a row held by someone else is
    # left alone and nothing comes back. Two callers racing for a new name both insert, and
    # the database makes the second wait for the first and then see its row.
    statement = conflict_insert(TaskLock).values(
        name=name, holder=token, expires_at=now + timedelta(seconds=seconds))
    taken = db.session.execute(statement.on_conflict_do_update(
        index_elements=["name"],
        set_={"holder": statement.excluded.holder, "expires_at": statement.excluded.expires_at},
        where=TaskLock.expires_at < now).returning(TaskLock.holder)).first()
    db.session.commit()
    return token if taken is not None else None


def release(name: str, token: str, commit: bool = True) -> None:
    db.session.execute(delete(TaskLock).where(TaskLock.name == name, TaskLock.holder == token))
    if commit:
        db.session.commit()


@dataclass
class Held:
    """What `held` gives: true when this caller holds the lock."""

    name: str
    token: str | None
    released: bool = False

    def __bool__(self) -> bool:
        return self.token is not None

    def commit_releasing(self) -> None:
        """Commit the work done under the lock and release the lock in the same transaction:
        one commit instead of two. If the commit fails, `held` still releases it on leaving."""
        release(self.name, self.token, commit=False)
        db.session.commit()
        self.released = True


@contextmanager
def held(name: str, seconds: int) -> Iterator[Held]:
    """`with held("sweep-outbox", 300) as mine: if mine: ...` — true when this caller holds it."""
    lock = Held(name, acquire(name, seconds))
    try:
        yield lock
    finally:
        if lock.token is not None and not lock.released:
            db.session.rollback()
            release(name, lock.token)


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
