"""Test harness: one schema per run, a clean database per test, real SMTP on 127.0.0.1.

By default everything is embedded (SQLite files, an SQLite-backed Celery broker, in-memory rate
limits). CI runs the suite a second time with ENGAGE_TEST_DATABASE_URL (PostgreSQL),
ENGAGE_TEST_BROKER_URL and ENGAGE_TEST_RATELIMIT_STORAGE_URL (Redis) set.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Iterator
from urllib.parse import urlsplit, urlunsplit

os.environ["ENGAGE_ENV"] = "test"

import jinja2  # noqa: E402
import pytest  # noqa: E402
from hypothesis import settings  # noqa: E402
from sqlalchemy import create_engine, select, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from engage import create_app  # noqa: E402
from engage.boroughs.models import Borough  # noqa: E402
from engage.boroughs.population import load_census  # noqa: E402
from engage.cli import load_boroughs  # noqa: E402
from engage.extensions import db, limiter  # noqa: E402
from engage.groups.operations import ensure_cpegs  # noqa: E402
from tests.browser import chromium, live_server, page, page_without_js  # noqa: E402, F401
from tests.helpers import Browser  # noqa: E402
from tests.mailbox import SMTPServer  # noqa: E402

# The suite runs in two processes on shared two-core machines, where a per-example deadline
# (Hypothesis's default is 200 ms) measures the machine, not the code, and fails at random.
# Speed is measured by the benchmarks in bench/.
settings.register_profile("engage", deadline=None)
settings.load_profile("engage")

SECRET_KEY = "test-secret-key-that-is-long-enough-0123456789"


class SharedTemplateCache(jinja2.BytecodeCache):
    """The apps a test process builds (its shared one, and modules' and tests' own) share
    compiled templates, rather than compiling them again for each."""

    def __init__(self):
        self.compiled: dict[str, bytes] = {}

    def load_bytecode(self, bucket):
        if bucket.key in self.compiled:
            bucket.bytecode_from_string(self.compiled[bucket.key])

    def dump_bytecode(self, bucket):
        self.compiled[bucket.key] = bucket.bytecode_to_string()


TEMPLATE_CACHE = SharedTemplateCache()


# `make test` runs the suite in parallel processes (pytest-xdist): each process gets stores of its
# own, as no two may empty each other's tables or take each other's tasks. SQLite files live in
# each process's own temporary directory; on PostgreSQL each process works in a database of its
# own made beside the given one; on Redis each uses the given database number plus
# REDIS_STRIDE times its own number (the broker and the limits are two stores apiece).
WORKER = os.environ.get("PYTEST_XDIST_WORKER", "")
REDIS_STRIDE = 2


def _worker_number() -> int:
    return int(WORKER.removeprefix("gw")) if WORKER else 0


def _own_redis(url: str) -> str:
    parts = urlsplit(url)
    number = int(parts.path.strip("/") or 0) + REDIS_STRIDE * _worker_number()
    if number > 15:
        pytest.fail(f"Redis has 16 databases, too few for test process {WORKER}: run fewer "
                    "(make test PYTEST_WORKERS=2)", pytrace=False)
    return urlunsplit(parts._replace(path=f"/{number}"))


def _own_postgresql(url: str) -> str:
    """A fresh database named after the given one and this process, made from scratch."""
    given = make_url(url)
    name = f"{given.database}_{WORKER}"
    admin = create_engine(given, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return given.set(database=name).render_as_string(hide_password=False)


@pytest.fixture(scope="session")
def backend(tmp_path_factory) -> Iterator[dict]:
    """Where this run's database, broker and rate-limit counters live."""
    tmp = tmp_path_factory.mktemp("engage")
    database = os.environ.get("ENGAGE_TEST_DATABASE_URL") or f"sqlite:///{tmp}/test.db"
    broker = os.environ.get("ENGAGE_TEST_BROKER_URL") or f"sqla+sqlite:///{tmp}/broker.db"
    limits = os.environ.get("ENGAGE_TEST_RATELIMIT_STORAGE_URL") or "memory://"
    own_database = bool(WORKER) and database.startswith("postgresql")
    if WORKER:
        database = _own_postgresql(database) if own_database else database
        if broker.startswith("amqp"):
            # A RabbitMQ virtual host is made by its administrator, not by a client.
            pytest.fail("A RabbitMQ broker would be shared by every test process: run the tests "
                        "in one (make test PYTEST_WORKERS=0)", pytrace=False)
        broker = _own_redis(broker) if broker.startswith("redis") else broker
        limits = _own_redis(limits) if limits.startswith("redis") else limits
    yield {"instance": str(tmp), "database": database, "broker": broker, "limits": limits}
    if own_database:
        given = make_url(os.environ["ENGAGE_TEST_DATABASE_URL"])
        admin = create_engine(given, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{make_url(database).database}" '
                              "WITH (FORCE)"))
        admin.dispose()


@pytest.fixture(scope="session")
def smtp_server():
    server = SMTPServer()
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def app_settings(backend, smtp_server) -> dict:
    return {
        "ENGAGE_ENV": "test",
        "SECRET_KEY": SECRET_KEY,
        "ENGAGE_INSTANCE_PATH": backend["instance"],
        "SQLALCHEMY_DATABASE_URI": backend["database"],
        "SQLALCHEMY_ENGINE_OPTIONS": (
            {"connect_args": {"timeout": 30}} if backend["database"].startswith("sqlite") else {}
        ),
        "RATELIMIT_STORAGE_URI": backend["limits"],
        "ENGAGE_SMTP_HOST": smtp_server.host,
        "ENGAGE_SMTP_PORT": smtp_server.port,
        "ENGAGE_BASE_URL": "http://localhost",
        "ENGAGE_TASK_DISPATCH": "record",
        "ENGAGE_EMAIL_RETRY_BASE_SECONDS": 30,
        "ENGAGE_SMTP_TIMEOUT": 5,
    }


@pytest.fixture(scope="session")
def _schema(app_settings, backend):
    """Build the schema once per run (tests only: real databases get it from migrations)."""
    settings = dict(app_settings)
    settings["CELERY"] = _celery(backend)
    app = create_app(settings)
    with app.app_context():
        db.drop_all()
        db.create_all()
    yield
    with app.app_context():
        db.session.remove()
        db.drop_all()
        db.engine.dispose()


def _celery(backend) -> dict:
    from engage.config import celery_config

    return celery_config(backend["broker"], "test", __import__("pathlib").Path(backend["instance"]))


def _build_app(app_settings: dict, backend: dict):
    settings = dict(app_settings)
    settings["CELERY"] = _celery(backend)
    app = create_app(settings)
    app.jinja_env.bytecode_cache = TEMPLATE_CACHE
    return app


# Every test starts from the same rows: the 32 boroughs, their CPEGs and census figures. The
# loaders make them once a run (so they are tested too); after that the rows they made are
# written back with one INSERT a table, a tenth of the loaders' time.
_REFERENCE_ROWS: list[tuple[str, list[dict]]] = []


def _load_reference_rows(app, alone: bool = False) -> None:
    """`alone`: the caller will empty every table afterwards (the `app` fixture), so no other
    app of this process may hold rows now."""
    with app.app_context():
        # Another app of this process (a module's own) may hold rows already: then the loaders,
        # which leave what is there as it is.
        empty = db.session.scalar(select(Borough.id).limit(1)) is None
        if alone and not empty:
            pytest.fail("The database holds a module's own rows (a module-scoped app): a test "
                        "on the `app` fixture in that module would delete them from under its "
                        "other tests. Use the module's app.", pytrace=False)
        if empty and _REFERENCE_ROWS:
            with db.engine.begin() as conn:
                for name, rows in _REFERENCE_ROWS:
                    conn.execute(db.metadata.tables[name].insert(), rows)
                if db.engine.dialect.name == "postgresql":
                    # The rows keep their ids; the next row a test adds comes after them.
                    for name, _ in _REFERENCE_ROWS:
                        conn.execute(text(
                            f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), "  # noqa: S608
                            f"(SELECT max(id) FROM \"{name}\"))"))
        else:
            load_boroughs()
            ensure_cpegs()
            load_census()
            db.session.commit()
            if empty:
                used = set(db.session.scalars(text(_used_tables_query())))
                _REFERENCE_ROWS.extend(
                    (table.name, [dict(row) for row in
                                  db.session.execute(select(table)).mappings()])
                    for table in db.metadata.sorted_tables if table.name in used)
        limiter.reset()


def new_test_app(app_settings: dict, backend: dict):
    """A new app on this run's stores, with the 32 boroughs, their CPEGs and census figures."""
    app = _build_app(app_settings, backend)
    _load_reference_rows(app)
    return app


def discard_test_app(app) -> None:
    """Delete every row the app's tests left, and close its connections."""
    with app.app_context():
        db.session.remove()
        _empty_tables()
        db.engine.dispose()


# What a test may leave on the shared app, put back or dropped after it.
PER_TEST_EXTENSIONS = ("engage_recorded_tasks", "engage.locked_versions", "engage.components")


@pytest.fixture(scope="session")
def _process_app(app_settings, backend, _schema):
    """One app for every test of this process: building an app (its ~200 routes, its
    extensions, its database engine and connections) took a fifth of a test's time. Tests get
    it through `app`, which puts back what a test changed."""
    app = _build_app(app_settings, backend)
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def app(_process_app, smtp_server):
    """The app, on a database holding only the reference rows. Its config is put back after
    the test, and what it cached or recorded is dropped, as if it were new."""
    app = _process_app
    config = dict(app.config)
    # Tasks called by name (`tasks.x.apply()`) run in the default Celery app's Flask app: this
    # one, even after a module made an app of its own.
    app.extensions["celery"].set_current()
    app.extensions["celery"].set_default()
    _load_reference_rows(app, alone=True)
    smtp_server.clear()
    yield app
    app.config.clear()
    app.config.update(config)
    for key in PER_TEST_EXTENSIONS:
        app.extensions.pop(key, None)
    with app.app_context():
        db.session.remove()
        _empty_tables()


@pytest.fixture
def fresh_app(app_settings, backend, _schema, smtp_server):
    """A new app of its own, for a test that adds routes to it (an app that has served a
    request takes no more)."""
    app = new_test_app(app_settings, backend)
    smtp_server.clear()
    yield app
    discard_test_app(app)


def _empty_tables() -> None:
    """Delete every row a test left, from the tables that have any, children first, and start
    every sequence a test used again from 1, as a fresh schema would.

    DELETE, not TRUNCATE: a test leaves a few rows in a dozen tables, and PostgreSQL's TRUNCATE
    makes new files for every table it names, which took 0.2 to 0.4 s a test here; these
    DELETEs take under 10 ms. One statement first asks which tables have rows at all."""
    tables = db.metadata.sorted_tables
    with db.engine.begin() as conn:
        used = set(conn.scalars(text(_used_tables_query())))
        for table in reversed(tables):
            if table.name in used:
                conn.execute(table.delete())
        if db.engine.dialect.name == "postgresql":
            # pg_sequences shows a last value only for a sequence that has handed one out.
            conn.execute(
                text(
                    "SELECT setval(format('%I.%I', schemaname, sequencename)::regclass, 1, false) "
                    "FROM pg_sequences WHERE last_value IS NOT NULL"
                )
            )


@functools.cache
def _used_tables_query() -> str:
    """One row per table that has a row: a UNION over every table (built once, after
    create_app has imported every model)."""
    return " UNION ALL ".join(
        f"SELECT '{table.name}' WHERE EXISTS (SELECT 1 FROM \"{table.name}\")"  # noqa: S608 - our names
        for table in db.metadata.sorted_tables
    )


@pytest.fixture
def client(app):
    return Browser(app)


@pytest.fixture
def other_client(app):
    """A second browser, for a second person or a copied cookie."""
    return Browser(app)


@pytest.fixture
def mailbox(smtp_server):
    return smtp_server


@pytest.fixture
def run_tasks(app):
    """Run every task the app has queued since the last call, as a worker would, until none are
    left (a task may queue more). Returns the (name, args) run, in order."""

    def run() -> list[tuple[str, tuple]]:
        celery_app = app.extensions["celery"]
        done = []
        recorded = app.extensions.setdefault("engage_recorded_tasks", [])
        while recorded:
            name, args = recorded.pop(0)
            with app.app_context():
                celery_app.tasks[name].apply(args=list(args), throw=True)
            done.append((name, args))
        return done

    return run


@pytest.fixture(scope="module")
def _worker_process(backend, smtp_server, _schema, tmp_path_factory):
    """A real Celery worker process (tests.workers), shared by the tests of one module."""
    from tests.workers import start_worker, stop_worker

    log = tmp_path_factory.mktemp("worker") / "worker.log"
    process = start_worker(backend, smtp_server, log)
    process.log_path = log  # for tests that read what the worker did
    yield process
    stop_worker(process)


@pytest.fixture
def worker(app, _worker_process):
    """The module's worker, with nothing of another test's waiting for it. Tasks an earlier
    test left in the broker (a sweep sent on a timer, a task sent again to prove it does
    nothing) run now, on empty tables, rather than during this test against its rows, which
    reuse the ids the deleted rows had: a stale sweep would take this test's work from it."""
    from tests.workers import drain

    drain(app, _worker_process)
    return _worker_process


@pytest.fixture
def broker_app(app, worker):
    """The app sending its tasks through the broker to the module's real worker."""
    app.config["ENGAGE_TASK_DISPATCH"] = "broker"
    return app


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


def pytest_collection_modifyitems(items) -> None:
    """A browser test walks round a dozen pages, axe checking each: on a loaded two-core machine
    running the whole suite that has taken four times as long as alone, so it gets twice the
    suite's limit (pyproject.toml), which still stops a hang."""
    for item in items:
        if item.get_closest_marker("browser") and not item.get_closest_marker("timeout"):
            item.add_marker(pytest.mark.timeout(240))
