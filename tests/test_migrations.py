"""Migrations reach one head, build the whole schema on an empty database, and match the models."""

from __future__ import annotations

import uuid
from contextlib import contextmanager

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


@contextmanager
def _migrating(app, url: str):
    """Alembic's config and an engine for the database at `url`, with Flask-SQLAlchemy (and so
    Alembic) pointed at it for the block."""
    engine = create_engine(url)
    with app.app_context():
        original = db.engines[None]
        db.engines[None] = engine
        try:
            yield _alembic_config(app), engine
        finally:
            db.engines[None] = original
            engine.dispose()


def test_migrations_have_a_single_head(app):
    with app.app_context():
        script = ScriptDirectory.from_config(_alembic_config(app))
        assert len(script.get_heads()) == 1


def test_upgrade_builds_the_models_schema_and_downgrade_removes_it(app, empty_database):
    with _migrating(app, empty_database) as (config, engine):
        command.upgrade(config, "head")
        with engine.connect() as conn:
            differences = compare_metadata(
                MigrationContext.configure(conn, opts={"compare_type": True}), db.metadata)
        assert differences == []
        command.downgrade(config, "base")
        with engine.connect() as conn:
            tables = conn.dialect.get_table_names(conn)
        assert set(tables) <= {"alembic_version"}


def test_answers_stored_before_the_collation_columns_get_their_response_s_facts(
        app, empty_database):
    with _migrating(app, empty_database) as (config, engine):
        command.upgrade(config, "51bb8c97ef7c")
        with engine.begin() as conn:
            conn.execute(text(
                "INSERT INTO boroughs (id, ons_code, name, slug, updated_at) VALUES"
                " (7, 'E09000007', 'Camden', 'camden', '2026-01-01')"))
            conn.execute(text(
                "INSERT INTO consultations (id, slug, title, purpose, opens_at, closes_at,"
                " all_boroughs, created_at, updated_at) VALUES (3, 'hys', 'Have your say', '',"
                " '2026-01-01', '2026-02-01', true, '2026-01-01', '2026-01-01')"))
            conn.execute(text(
                "INSERT INTO questionnaires (id, consultation_id, audience, title,"
                " introduction) VALUES (4, 3, 'residents', 'Residents', '')"))
            conn.execute(text(
                "INSERT INTO questionnaire_versions (id, questionnaire_id, number, created_at)"
                " VALUES (5, 4, 1, '2026-01-01')"))
            conn.execute(text(
                "INSERT INTO questionnaire_sections (id, version_id, position, title,"
                " introduction, is_equality) VALUES (6, 5, 1, 'S', '', false)"))
            conn.execute(text(
                "INSERT INTO questions (id, version_id, section_id, position, key, kind, text,"
                " help_text, interviewer_note, required, show_if_values) VALUES"
                " (8, 5, 6, 1, 'anything', 'short-text', 'Anything?', '', '', false, '[]')"))
            conn.execute(text(
                "INSERT INTO responses (id, consultation_id, questionnaire_id, version_id,"
                " borough_id, channel, reference, idempotency_key, submitted_at,"
                " equality_consent) VALUES (9, 3, 4, 5, 7, 'online', 'AAAA-AAAA-A', 'k',"
                " '2026-01-02', true)"))
            conn.execute(text(
                "INSERT INTO answers (id, response_id, question_id, text)"
                " VALUES (10, 9, 8, 'More patrols')"))
        command.upgrade(config, "8bf8ef0ec735")
        with engine.connect() as conn:
            row = conn.execute(text(
                "SELECT consultation_id, borough_id, equality_consent FROM answers")).one()
        assert tuple(row) == (3, 7, True)
        command.downgrade(config, "base")


def test_answers_stored_before_cells_get_their_response_s_cell(app, empty_database):
    with _migrating(app, empty_database) as (config, engine):
        command.upgrade(config, "a692f67293a4")
        statements = [
            "INSERT INTO consultations (id, slug, title, purpose, opens_at, closes_at,"
            " all_boroughs, created_at, updated_at, double_keying) VALUES (3, 'hys',"
            " 'Have your say', '', '2026-01-01', '2026-02-01', true, '2026-01-01',"
            " '2026-01-01', false)",
            "INSERT INTO questionnaires (id, consultation_id, audience, title, introduction)"
            " VALUES (4, 3, 'residents', 'Residents', '')",
            "INSERT INTO questionnaire_versions (id, questionnaire_id, number, created_at)"
            " VALUES (5, 4, 1, '2026-01-01')",
            "INSERT INTO questionnaire_sections (id, version_id, position, title,"
            " introduction, is_equality) VALUES (6, 5, 1, 'S', '', true)",
            "INSERT INTO questions (id, version_id, section_id, position, key, kind, tag,"
            " text, help_text, interviewer_note, required, show_if_values) VALUES"
            " (1, 5, 6, 1, 'ethnic-group', 'single-choice', 'ethnic-group', 'Q', '', '',"
            " false, '[]'), (2, 5, 6, 2, 'age-band', 'single-choice', 'age-band', 'Q', '',"
            " '', false, '[]')",
            "INSERT INTO question_options (id, question_id, position, value, label,"
            " asks_other, exclusive) VALUES (11, 1, 1, 'white', 'White', false, false),"
            " (12, 1, 2, 'black', 'Black', false, false),"
            " (21, 2, 1, '16-24', '16 to 24', false, false)",
            "INSERT INTO responses (id, consultation_id, questionnaire_id, version_id,"
            " channel, reference, idempotency_key, submitted_at, equality_consent) VALUES"
            " (7, 3, 4, 5, 'online', 'R7', 'k7', '2026-01-02', true),"
            " (8, 3, 4, 5, 'online', 'R8', 'k8', '2026-01-02', true),"
            " (9, 3, 4, 5, 'online', 'R9', 'k9', '2026-01-02', false)",
            # 7: black, 16-24; 8: white, no age; 9 gave none (no consent).
            "INSERT INTO answers (id, response_id, consultation_id, question_id, option_id,"
            " equality_consent) VALUES (70, 7, 3, 1, 12, true), (71, 7, 3, 2, 21, true),"
            " (80, 8, 3, 1, 11, true)",
        ]
        with engine.begin() as conn:
            for statement in statements:
                conn.execute(text(statement))
        command.upgrade(config, "head")
        with engine.connect() as conn:
            rows = conn.execute(text(
                "SELECT id, cell_ethnic_group_id, cell_age_band_id, cell_disability_id"
                " FROM answers ORDER BY id")).all()
        assert [tuple(r) for r in rows] == [(70, 12, 21, None), (71, 12, 21, None),
                                            (80, 11, None, None)]
        command.downgrade(config, "base")


def test_two_step_secrets_stored_in_plain_text_are_encrypted_and_decrypted_back(
        app, empty_database):
    from engage.auth.secrets_at_rest import unseal

    plain = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
    with _migrating(app, empty_database) as (config, engine):
        command.upgrade(config, "1ad487923cdb")
        with engine.begin() as conn:
            conn.execute(text(
                "INSERT INTO users (id, name, email, password_hash, is_admin, created_at,"
                " two_step_secret, two_step_enabled_at) VALUES"
                " (1, 'Ada', 'ada@example.org', 'x', false, '2026-01-01', :plain,"
                " '2026-01-02'), (2, 'Bo', 'bo@example.org', 'x', false, '2026-01-01',"
                " NULL, NULL)"), {"plain": plain})
        command.upgrade(config, "c2708ad6a8e6")
        with engine.connect() as conn:
            stored = dict(conn.execute(text("SELECT id, two_step_secret FROM users")).all())
        assert stored[2] is None
        assert plain not in stored[1]
        assert unseal(stored[1]) == plain  # with the app's SECRET_KEY
        command.upgrade(config, "head")
        command.downgrade(config, "1ad487923cdb")
        with engine.connect() as conn:
            restored = dict(conn.execute(text("SELECT id, two_step_secret FROM users")).all())
        assert restored == {1: plain, 2: None}
        command.downgrade(config, "base")


def test_papers_and_print_run_files_move_into_the_database_and_back(
        app, empty_database, tmp_path, monkeypatch):
    """Files under the instance folder, which only one machine sees, move into the database
    (engage.storage) under their paths; the downgrade writes them back."""
    from engage import storage

    monkeypatch.setattr(app, "instance_path", str(tmp_path))
    paper = b"%PDF-1.7 minutes" + bytes(range(256)) * 5000  # more than one piece
    (tmp_path / "papers").mkdir()
    (tmp_path / "papers" / "0f1e2d.pdf").write_bytes(paper)
    (tmp_path / "print-runs" / "3").mkdir(parents=True)
    (tmp_path / "print-runs" / "3" / "print-run-3-labels.csv").write_bytes(b"Reference,Name\n")
    (tmp_path / "print-runs" / "3" / "print-run-3.pdf.partial").write_bytes(b"half")
    with _migrating(app, empty_database) as (config, engine):
        command.upgrade(config, "5ce8f12d7788")
        command.upgrade(config, "50d5cc19632d")
        with engine.connect() as conn:
            kept = dict(conn.execute(text("SELECT key, size FROM stored_files")).all())
            pieces = conn.execute(text("SELECT count(*) FROM stored_file_pieces")).scalar()
        assert kept == {"papers/0f1e2d.pdf": len(paper),
                        "print-runs/3/print-run-3-labels.csv": 15}
        assert pieces == 3  # 1.28 MB in pieces of 1 MB, and the labels
        # The app reads them from the database now.
        assert storage.read("papers/0f1e2d.pdf") == paper
        db.session.remove()  # its transaction would hold the table the downgrade drops
        # The old folders are set aside, for deleting once the upgrade is committed.
        assert not (tmp_path / "papers").exists()
        assert (tmp_path / "papers.moved-to-database" / "0f1e2d.pdf").read_bytes() == paper
        assert (tmp_path / "print-runs.moved-to-database").is_dir()

        command.downgrade(config, "5ce8f12d7788")
        assert (tmp_path / "papers" / "0f1e2d.pdf").read_bytes() == paper
        assert (tmp_path / "print-runs" / "3" / "print-run-3-labels.csv").read_bytes() == (
            b"Reference,Name\n")
        command.downgrade(config, "base")


def test_downgrading_past_response_files_takes_their_files_too(
        app, empty_database, tmp_path, monkeypatch):
    """Response files hold every response: a downgrade that drops their rows deletes their
    files, so the next one down does not write them to the instance folder."""
    monkeypatch.setattr(app, "instance_path", str(tmp_path))
    with _migrating(app, empty_database) as (config, engine):
        command.upgrade(config, "59bdd279959b")
        with engine.begin() as conn:
            for number, key in enumerate(["papers/0f1e2d.pdf", "response-files/1/london.zip"]):
                conn.execute(text(
                    "INSERT INTO stored_files (id, key, size, pieces, sha256, stored_at) "
                    "VALUES (:id, :key, 2, 1, :sha, CURRENT_TIMESTAMP)"),
                    {"id": number + 1, "key": key, "sha": "0" * 64})
                conn.execute(text("INSERT INTO stored_file_pieces (file_id, number, content) "
                                  "VALUES (:id, 0, :content)"),
                             {"id": number + 1, "content": b"PK"})
        command.downgrade(config, "50d5cc19632d")
        with engine.connect() as conn:
            assert conn.execute(text("SELECT key FROM stored_files")).scalars().all() == [
                "papers/0f1e2d.pdf"]
            assert conn.execute(text("SELECT count(*) FROM stored_file_pieces")).scalar() == 1
        command.downgrade(config, "5ce8f12d7788")
        assert (tmp_path / "papers" / "0f1e2d.pdf").read_bytes() == b"PK"
        assert not (tmp_path / "response-files").exists()
        command.downgrade(config, "base")
