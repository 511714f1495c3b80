"""Migrations reach one head, build the whole schema on an empty database, and match the models."""

from __future__ import annotations

import uuid

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask_migrate import Migrate
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from engage.extensions import db


@pytest.fixture
def empty_database(backend, tmp_path):
    """A brand-new database of the same kind as this run's (SQLite file or PostgreSQL)."""
    url = make_url(backend["database"])
    if url.get_backend_name() == "sqlite":
        yield f"sqlite:///{tmp_path / 'migrations.db'}"
        return
    name = f"engage_migrations_{uuid.uuid4().hex[:8]}"
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    yield url.set(database=name).render_as_string(hide_password=False)
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def _alembic_config(app):
    migrate: Migrate = app.extensions["migrate"].migrate
    return migrate.get_config()


def test_migrations_have_a_single_head(app):
    with app.app_context():
        script = ScriptDirectory.from_config(_alembic_config(app))
        assert len(script.get_heads()) == 1


def test_upgrade_builds_the_models_schema_and_downgrade_removes_it(app, empty_database):
    engine = create_engine(empty_database)
    with app.app_context():
        original = db.engines[None]
        db.engines[None] = engine  # point Flask-SQLAlchemy (and so Alembic) at the new database
        try:
            config = _alembic_config(app)
            command.upgrade(config, "head")
            with engine.connect() as conn:
                differences = compare_metadata(
                    MigrationContext.configure(conn, opts={"compare_type": True}), db.metadata)
            assert differences == []
            command.downgrade(config, "base")
            with engine.connect() as conn:
                tables = conn.dialect.get_table_names(conn)
            assert set(tables) <= {"alembic_version"}
        finally:
            db.engines[None] = original
            engine.dispose()
