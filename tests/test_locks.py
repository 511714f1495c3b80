"""Database locks that keep two runs of a periodic task from overlapping."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import update
from sqlalchemy.exc import IntegrityError

from engage.clock import utcnow
from engage.extensions import db
from engage.locks import TaskLock, acquire, held, release


def test_a_lock_is_held_by_one_caller_until_released(app):
    with app.app_context():
        first = acquire("collate", 60)
        assert first is not None
        assert acquire("collate", 60) is None
        assert acquire("something-else", 60) is not None
        release("collate", "not-the-holder")
        assert acquire("collate", 60) is None
        release("collate", first)
        assert acquire("collate", 60) is not None


def test_an_expired_lock_is_taken_over(app):
    with app.app_context():
        assert acquire("collate", 60)
        db.session.execute(update(TaskLock).values(expires_at=utcnow() - timedelta(seconds=1)))
        db.session.commit()
        assert acquire("collate", 60) is not None


def test_held_releases_even_when_the_work_fails(app):
    with app.app_context():
        try:
            with held("collate", 60) as mine:
                assert mine
                raise RuntimeError("the work failed")
        except RuntimeError:
            pass
        with held("collate", 60) as mine:
            assert mine
            with held("collate", 60) as again:
                assert not again


def test_the_outbox_sweeper_does_not_overlap_itself(app, run_tasks):
    celery_app = app.extensions["celery"]
    with app.app_context():
        token = acquire("sweep-outbox", 60)
        result = celery_app.tasks["engage.periodic.sweep_outbox"].apply().get()
        assert result == -1
        release("sweep-outbox", token)
        assert celery_app.tasks["engage.periodic.sweep_outbox"].apply().get() == 0


def test_the_work_and_the_release_are_one_commit(app):
    """commit_releasing: what was done under the lock and the lock's release commit together,
    and the block then leaves alone whoever took the lock next."""
    with app.app_context():
        with held("collate", 60) as lock:
            db.session.add(TaskLock(name="work-done", holder="-", expires_at=utcnow()))
            lock.commit_releasing()
            taken_next = acquire("collate", 60)
            assert taken_next is not None
        assert db.session.get(TaskLock, "work-done") is not None
        assert acquire("collate", 60) is None  # still the next caller's


def test_a_failed_commit_still_releases_the_lock(app):
    with app.app_context():
        db.session.add(TaskLock(name="work-done", holder="-", expires_at=utcnow()))
        db.session.commit()
        with pytest.raises(IntegrityError), held("collate", 60) as lock:
            db.session.add(TaskLock(name="work-done", holder="again", expires_at=utcnow()))
            lock.commit_releasing()
        assert acquire("collate", 60) is not None
