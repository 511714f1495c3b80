"""SQLite as a real multi-process default: web, worker and beat share the file."""

from sqlalchemy import event
from sqlalchemy.engine import Engine


def enable_sqlite_pragmas(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys = ON")  # SQLite ignores foreign keys unless asked
        cursor.execute("PRAGMA journal_mode = WAL")  # readers do not block the writer
        # With WAL, NORMAL loses no committed data when a process dies, only on power loss;
        # it spares an fsync per commit (SQLite is the development default; production is
        # PostgreSQL).
        cursor.execute("PRAGMA synchronous = NORMAL")
        cursor.execute("PRAGMA busy_timeout = 30000")
        cursor.close()

    @event.listens_for(engine, "savepoint")
    def _begin_before_savepoint(connection, _name):
        # pysqlite opens a transaction only before INSERT, UPDATE or DELETE. A SAVEPOINT sent
        # first would itself become the outer transaction, and releasing it would COMMIT, even
        # if the request then rolls back. Opening the transaction first keeps it a savepoint.
        dbapi_connection = connection.connection.dbapi_connection
        if not dbapi_connection.in_transaction:
            dbapi_connection.execute("BEGIN")
