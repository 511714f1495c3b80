"""SQLite, the embedded default, keeps the transaction rules the code relies on."""

from __future__ import annotations

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.orm import Session

from engage.sqlite import enable_sqlite_pragmas


@pytest.fixture
def engine(tmp_path):
    engine = create_engine(f"sqlite:///{tmp_path / 'savepoints.db'}")
    enable_sqlite_pragmas(engine)
    with engine.begin() as connection:
        connection.execute(text("CREATE TABLE t (x INTEGER)"))
    yield engine
    engine.dispose()


def rows(engine) -> int:
    with engine.connect() as connection:
        return connection.execute(text("SELECT count(*) FROM t")).scalar_one()


def test_a_released_savepoint_is_undone_when_the_request_rolls_back(engine):
    # A savepoint opened before any write (store_response does this) must not commit on release.
    with Session(engine) as session:
        session.execute(text("SELECT 1"))
        with session.begin_nested():
            session.execute(text("INSERT INTO t VALUES (1)"))
        session.rollback()
    assert rows(engine) == 0


def test_a_failed_savepoint_undoes_only_its_own_writes(engine):
    with Session(engine) as session:
        with session.begin_nested():
            session.execute(text("INSERT INTO t VALUES (1)"))
        with pytest.raises(RuntimeError), session.begin_nested():
            session.execute(text("INSERT INTO t VALUES (2)"))
            raise RuntimeError("refused")
        session.commit()
    assert rows(engine) == 1
