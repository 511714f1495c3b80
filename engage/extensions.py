"""Flask extensions, created here and bound to the app in create_app()."""

import ipaddress

from flask import request
from flask_limiter import Limiter
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect
from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase

# One naming convention, so Alembic names every constraint the same way on every database.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def client_address() -> str:
    """Whom the limits per IP address count: the client's IPv4 address, or its IPv6 /64.

    ProxyFix (configured by ENGAGE_TRUSTED_PROXIES) has already put the real client here. One
    home, phone or server on IPv6 is given a whole /64 and may use any address in it: counted
    one address at a time, a single machine would have billions of allowances."""
    address = request.remote_addr or "unknown"
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return address
    if ip.version == 6:
        if ip.ipv4_mapped is not None:  # ::ffff:203.0.113.9, a dual-stack socket's IPv4
            return str(ip.ipv4_mapped)
        return str(ipaddress.ip_network(f"{ip}/64", strict=False))
    return address


db = SQLAlchemy(model_class=Base)
migrate = Migrate()
login_manager = LoginManager()
csrf = CSRFProtect()
limiter = Limiter(key_func=client_address)


def conflict_insert(entity):
    """An INSERT that can say ON CONFLICT DO NOTHING / DO UPDATE on the database in use:
    PostgreSQL and SQLite both can, but SQLAlchemy gives each dialect its own construct."""
    from sqlalchemy.dialects import postgresql, sqlite

    dialect = db.session.get_bind().dialect.name
    return (postgresql.insert if dialect == "postgresql" else sqlite.insert)(entity)


def read_only_request() -> None:
    """Run the rest of this request's queries outside a transaction (autocommit), for a page
    that only reads. Each statement still sees committed data only (PostgreSQL's default, READ
    COMMITTED, gives no more inside a transaction), and the page saves two round trips to the
    database, BEGIN and the closing ROLLBACK: the public question pages are read this way
    (bench/submit.py). Anything written here would commit statement by statement, so only views
    that never write may call this, before their first query."""
    if not db.session().in_transaction():
        db.session.connection(execution_options={"isolation_level": "AUTOCOMMIT"})
