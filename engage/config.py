"""Settings, all read from environment variables (see the README's table).

Development defaults need nothing installed: SQLite files and an SQLite-backed Celery broker under
instance/. Production is the same code with ENGAGE_DATABASE_URL, ENGAGE_BROKER_URL and
ENGAGE_RATELIMIT_STORAGE_URL pointing at PostgreSQL and Redis (or RabbitMQ for the broker).
"""

from __future__ import annotations

import os
import re
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

from celery.schedules import crontab

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_INSTANCE = PROJECT_ROOT / "instance"

ENVIRONMENTS = ("development", "test", "production")
DEV_SECRET_KEY = "dev-only-not-secret"  # noqa: S105 - refused outside development and test
# Made-up contact details for development and test: example.org, and a number Ofcom keeps for
# drama (020 7946 0000 to 0999), so nobody real is written to or called.
DEV_CONTACT_EMAIL = "engagement@engage.example.org"
DEV_CONTACT_PHONE = "020 7946 0000"


class QueueNames:
    """One named queue per kind of work, so each can be scaled and watched on its own."""

    EMAIL = "email"
    PERIODIC = "periodic"
    DEFAULT = "default"

    @classmethod
    def all(cls) -> list[str]:
        return [cls.EMAIL, cls.PERIODIC, cls.DEFAULT]


class ConfigError(RuntimeError):
    """Raised at start-up when the environment describes an unsafe or impossible set-up."""


def _env(name: str, default: str | None = None) -> str | None:
    value = os.environ.get(name)
    return value if value not in (None, "") else default


def _int(name: str, default: int) -> int:
    raw = _env(name)
    if raw is None:
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise ConfigError(f"{name} must be a whole number, not {raw!r}") from exc


def _bool(name: str, default: bool) -> bool:
    raw = _env(name)
    if raw is None:
        return default
    return raw.strip().lower() in {"1", "true", "yes", "on"}


def _words(name: str) -> list[str]:
    """A list given separated by commas or spaces."""
    return [word for word in re.split(r"[,\s]+", _env(name, "")) if word]


def build_config(overrides: dict | None = None) -> dict:
    """Return the Flask config mapping for this process, validated."""
    env = _env("ENGAGE_ENV", "production")
    if overrides and "ENGAGE_ENV" in overrides:
        env = overrides["ENGAGE_ENV"]
    if env not in ENVIRONMENTS:
        raise ConfigError(f"ENGAGE_ENV must be one of {', '.join(ENVIRONMENTS)}, not {env!r}")

    instance = Path(_env("ENGAGE_INSTANCE_PATH", str(DEFAULT_INSTANCE)))
    database_url = _env("ENGAGE_DATABASE_URL", f"sqlite:///{instance / 'engage.db'}")
    broker_url = _env("ENGAGE_BROKER_URL", f"sqla+sqlite:///{instance / 'celery-broker.db'}")
    # The rate-limit counters must be shared by every web process: Redis in production. The
    # development default follows a Redis broker when there is one.
    default_limits_store = broker_url if broker_url.startswith("redis") else "memory://"
    secure_cookies = env == "production" or _bool("ENGAGE_SECURE_COOKIES", False)
    base_url = _env("ENGAGE_BASE_URL", "http://127.0.0.1:5000").rstrip("/")
    # Mail from a made-up domain is refused or filed as spam by the mail servers it reaches:
    # production sends from the service's own domain unless told otherwise.
    default_mail_from = (f"engage <no-reply@{urlsplit(base_url).hostname}>"
                         if env == "production" and urlsplit(base_url).hostname
                         else "engage <no-reply@engage.example.org>")

    config: dict = {
        "ENGAGE_ENV": env,
        "DEBUG": False,
        "TESTING": env == "test",
        "SECRET_KEY": _env("ENGAGE_SECRET_KEY", DEV_SECRET_KEY if env != "production" else None),
        # Earlier secret keys, still accepted while the new one takes over: sessions and emailed
        # links signed with them, and two-step secrets sealed with them (sealed again with the
        # new key at their next code).
        "SECRET_KEY_FALLBACKS": _words("ENGAGE_SECRET_KEY_FALLBACKS"),
        "ENGAGE_INSTANCE_PATH": str(instance),
        "ENGAGE_BASE_URL": base_url,
        "ENGAGE_SERVICE_NAME": "engage",
        # Whom the public contact when their borough (or group) has given no details of its own,
        # and the accessibility statement's contact: required in production (see validate).
        "ENGAGE_CONTACT_EMAIL": _env("ENGAGE_CONTACT_EMAIL",
                                     DEV_CONTACT_EMAIL if env != "production" else None),
        "ENGAGE_CONTACT_PHONE": _env("ENGAGE_CONTACT_PHONE",
                                     DEV_CONTACT_PHONE if env != "production" else None),
        # Where to report a security problem (/.well-known/security.txt); the contact email
        # when not set.
        "ENGAGE_SECURITY_CONTACT": _env("ENGAGE_SECURITY_CONTACT", None),
        # Database
        "SQLALCHEMY_DATABASE_URI": database_url,
        "SQLALCHEMY_ENGINE_OPTIONS": _engine_options(database_url),
        # Sessions and cookies
        "SESSION_COOKIE_NAME": "engage_session",
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": secure_cookies,
        "PERMANENT_SESSION_LIFETIME": timedelta(hours=_int("ENGAGE_SESSION_HOURS", 12)),
        "ENGAGE_SESSION_IDLE_MINUTES": _int("ENGAGE_SESSION_IDLE_MINUTES", 120),
        "REMEMBER_COOKIE_DURATION": timedelta(seconds=0),
        "WTF_CSRF_TIME_LIMIT": 3600 * 4,
        "MAX_CONTENT_LENGTH": _int("ENGAGE_MAX_UPLOAD_MB", 20) * 1024 * 1024,
        "ENGAGE_PAPER_MAX_MB": _int("ENGAGE_PAPER_MAX_MB", 10),
        "ENGAGE_MEETING_REMINDER_HOURS": _int("ENGAGE_MEETING_REMINDER_HOURS", 48),
        # Paper questionnaires: where they come back (lines split by |), and how long after a
        # consultation closes the names and addresses of people who asked for one are kept.
        "ENGAGE_PAPER_FREEPOST_ADDRESS": _env("ENGAGE_PAPER_FREEPOST_ADDRESS",
                                              "Freepost HAVE YOUR SAY LONDON"),
        "ENGAGE_PAPER_RETENTION_DAYS": _int("ENGAGE_PAPER_RETENTION_DAYS", 90),
        # Telephone interviews: when calls may be made (London time), and how long after a
        # consultation closes the names and numbers of people who asked to be called are kept.
        "ENGAGE_CALLING_HOURS": _env("ENGAGE_CALLING_HOURS", "mon-fri 09:00-20:30"),
        "ENGAGE_TELEPHONE_RETENTION_DAYS": _int("ENGAGE_TELEPHONE_RETENTION_DAYS", 90),
        # How long after a meeting ends the details of people who registered without an account
        # (and any access needs) are kept; how long unconfirmed and unsubscribed news
        # subscriptions are kept; how long a sent or failed email keeps its address and words.
        "ENGAGE_MEETING_RETENTION_DAYS": _int("ENGAGE_MEETING_RETENTION_DAYS", 90),
        "ENGAGE_NEWS_RETENTION_DAYS": _int("ENGAGE_NEWS_RETENTION_DAYS", 30),
        "ENGAGE_OUTBOX_RETENTION_DAYS": _int("ENGAGE_OUTBOX_RETENTION_DAYS", 30),
        # How long after a consultation closes the contact details of people who asked for a
        # reply are kept (engage.surveys.replies).
        "ENGAGE_REPLY_RETENTION_DAYS": _int("ENGAGE_REPLY_RETENTION_DAYS", 90),
        # How long after a consultation closes its lists of people invited by email are kept
        # (names, addresses, organisations, personal links, and which answer came through
        # each link: engage.surveys.invitations.purge).
        "ENGAGE_INVITATION_RETENTION_DAYS": _int("ENGAGE_INVITATION_RETENTION_DAYS", 90),
        # How long a response file made for analysts is kept (engage.datasets).
        "ENGAGE_RESPONSE_FILE_DAYS": _int("ENGAGE_RESPONSE_FILE_DAYS", 7),
        # Paper posted before a consultation closes is keyed in for this many days after.
        "ENGAGE_PAPER_GRACE_DAYS": _int("ENGAGE_PAPER_GRACE_DAYS", 28),
        # Have your say: POSTs per address to the question pages, and to send the answers.
        "ENGAGE_SURVEY_PAGE_LIMIT": _env("ENGAGE_SURVEY_PAGE_LIMIT", "60 per minute"),
        "ENGAGE_SURVEY_SUBMIT_LIMIT": _env("ENGAGE_SURVEY_SUBMIT_LIMIT", "10 per minute"),
        # Public report PDFs per address: each is drawn when asked for (about half a second).
        "ENGAGE_REPORT_PDF_LIMIT": _env("ENGAGE_REPORT_PDF_LIMIT", "20 per minute"),
        "ENGAGE_SURVEY_REMINDER_DAYS": _int("ENGAGE_SURVEY_REMINDER_DAYS", 7),
        # Email
        "ENGAGE_MAIL_FROM": _env("ENGAGE_MAIL_FROM", default_mail_from),
        "ENGAGE_SMTP_HOST": _env("ENGAGE_SMTP_HOST", "127.0.0.1"),
        "ENGAGE_SMTP_PORT": _int("ENGAGE_SMTP_PORT", 1025),
        "ENGAGE_SMTP_USERNAME": _env("ENGAGE_SMTP_USERNAME"),
        "ENGAGE_SMTP_PASSWORD": _env("ENGAGE_SMTP_PASSWORD"),
        "ENGAGE_SMTP_STARTTLS": _bool("ENGAGE_SMTP_STARTTLS", False),
        "ENGAGE_SMTP_TIMEOUT": _int("ENGAGE_SMTP_TIMEOUT", 15),
        "ENGAGE_EMAIL_MAX_ATTEMPTS": _int("ENGAGE_EMAIL_MAX_ATTEMPTS", 6),
        "ENGAGE_EMAIL_RETRY_BASE_SECONDS": _int("ENGAGE_EMAIL_RETRY_BASE_SECONDS", 30),
        "ENGAGE_OUTBOX_GRACE_SECONDS": _int("ENGAGE_OUTBOX_GRACE_SECONDS", 120),
        "ENGAGE_OUTBOX_LEASE_SECONDS": _int("ENGAGE_OUTBOX_LEASE_SECONDS", 600),
        "ENGAGE_DEV_MAIL_DIR": str(instance / "mail"),
        # Accounts and sign-in
        "ENGAGE_TOKEN_MAX_AGE_HOURS": _int("ENGAGE_TOKEN_MAX_AGE_HOURS", 48),
        "ENGAGE_INVITATION_DAYS": _int("ENGAGE_INVITATION_DAYS", 7),
        "ENGAGE_SIGNIN_LIMIT_PER_ACCOUNT": _env("ENGAGE_SIGNIN_LIMIT_PER_ACCOUNT",
                                                "5 per 15 minutes"),
        "ENGAGE_SIGNIN_LIMIT_PER_ADDRESS": _env("ENGAGE_SIGNIN_LIMIT_PER_ADDRESS",
                                                "20 per 15 minutes"),
        # Staff (and administrators) must set up two-step verification before any staff page:
        # on in production, off in development and test so the demo accounts sign in with a
        # password alone.
        "ENGAGE_STAFF_TWO_STEP": _bool("ENGAGE_STAFF_TWO_STEP", env == "production"),
        "RATELIMIT_STORAGE_URI": _env("ENGAGE_RATELIMIT_STORAGE_URL", default_limits_store),
        "RATELIMIT_HEADERS_ENABLED": False,
        "RATELIMIT_STRATEGY": "moving-window",
        # Published figures: counts below this are shown as "fewer than N".
        "ENGAGE_SUPPRESSION_THRESHOLD": _int("ENGAGE_SUPPRESSION_THRESHOLD", 10),
        # Behind a proxy (gunicorn behind nginx): how many proxies to trust for the client address.
        "ENGAGE_TRUSTED_PROXIES": _int("ENGAGE_TRUSTED_PROXIES", 0),
        # How tasks leave a committed transaction: "broker" sends them, "record" keeps them for a
        # test to run (tests only; see engage.tasks).
        "ENGAGE_TASK_DISPATCH": "broker",
        "CELERY": celery_config(broker_url, env, instance),
    }
    if overrides:
        config.update(overrides)
    validate(config)
    return config


def _engine_options(database_url: str) -> dict:
    if database_url.startswith("sqlite"):
        # Web, worker and beat share one file: wait for a lock rather than fail at once.
        return {"connect_args": {"timeout": 30}}
    return {"pool_pre_ping": True, "pool_size": _int("ENGAGE_DB_POOL_SIZE", 5)}


def celery_config(broker_url: str, env: str, instance: Path) -> dict:
    # (The SQLAlchemy transport hands its options to create_engine, so it gets none.)
    transport_options: dict = {}
    if broker_url.startswith("redis"):
        # Long delays live in the database (due_at columns swept by beat), never in the broker,
        # so the visibility timeout only has to outlast the longest single task.
        transport_options["visibility_timeout"] = 3600
    return {
        "broker_url": broker_url,
        "broker_transport_options": transport_options,
        "broker_connection_retry_on_startup": True,
        "task_ignore_result": True,
        "result_backend": None,
        "task_serializer": "json",
        "accept_content": ["json"],
        "timezone": "Europe/London",
        "enable_utc": True,
        "task_default_queue": QueueNames.DEFAULT,
        "task_queues_names": QueueNames.all(),
        "task_routes": {
            "engage.outbox.*": {"queue": QueueNames.EMAIL},
            "engage.meetings.*": {"queue": QueueNames.EMAIL},
            "engage.survey_mailings.*": {"queue": QueueNames.EMAIL},
            "engage.periodic.*": {"queue": QueueNames.PERIODIC},
            # Report collation is long, scheduled work: beside the other periodic jobs.
            "engage.reports.*": {"queue": QueueNames.PERIODIC},
        },
        # A publish that cannot reach the broker gives up quickly: the row is already committed
        # and the beat sweeper will queue it again.
        "task_publish_retry_policy": {
            "max_retries": 2,
            "interval_start": 0,
            "interval_step": 0.5,
            "interval_max": 1,
        },
        "worker_prefetch_multiplier": 1,
        "worker_hijack_root_logger": False,
        "beat_schedule_filename": str(instance / "celerybeat-schedule"),
        "beat_schedule": {
            "sweep-outbox": {
                "task": "engage.periodic.sweep_outbox",
                "schedule": 60.0,
            },
            "meeting-mailings": {
                "task": "engage.periodic.meeting_mailings",
                "schedule": 60.0,
            },
            "survey-mailings": {
                "task": "engage.periodic.survey_mailings",
                "schedule": 60.0,
            },
            "collate-open-reports": {
                "task": "engage.periodic.collate_open_reports",
                "schedule": crontab(minute=40, hour=2),
            },
            "collate-closed-reports": {
                "task": "engage.periodic.collate_closed_reports",
                "schedule": crontab(minute="*/15"),
            },
            # Each working day, before the post goes: waiting paper requests into print runs.
            "paper-print-runs": {
                "task": "engage.periodic.paper_print_runs",
                "schedule": crontab(minute=30, hour=7, day_of_week="mon-fri"),
            },
            "sweep-print-runs": {
                "task": "engage.periodic.sweep_print_runs",
                "schedule": 300.0,
            },
            "response-files": {
                "task": "engage.periodic.response_files",
                "schedule": 300.0,
            },
            "paper-retention": {
                "task": "engage.periodic.paper_retention",
                "schedule": crontab(minute=47, hour=3),
            },
            "telephone-retention": {
                "task": "engage.periodic.telephone_retention",
                "schedule": crontab(minute=52, hour=3),
            },
            "meeting-retention": {
                "task": "engage.periodic.meeting_retention",
                "schedule": crontab(minute=7, hour=4),
            },
            "news-retention": {
                "task": "engage.periodic.news_retention",
                "schedule": crontab(minute=12, hour=4),
            },
            "outbox-retention": {
                "task": "engage.periodic.outbox_retention",
                "schedule": crontab(minute=22, hour=4),
            },
            "prune-sessions": {
                "task": "engage.periodic.prune_sessions",
                "schedule": crontab(minute=17, hour=3),
            },
            "reply-retention": {
                "task": "engage.periodic.reply_retention",
                "schedule": crontab(minute=42, hour=3),
            },
            "invitation-retention": {
                "task": "engage.periodic.invitation_retention",
                "schedule": crontab(minute=57, hour=3),
            },
            "prune-survey-drafts": {
                "task": "engage.periodic.prune_survey_drafts",
                "schedule": crontab(minute=37, hour=3),
            },
        },
    }


def validate(config: dict) -> None:
    env = config["ENGAGE_ENV"]
    secret = config.get("SECRET_KEY")
    security = config.get("ENGAGE_SECURITY_CONTACT")
    if security and not (security.startswith(("mailto:", "https://", "tel:"))
                         or re.fullmatch(r"[^@\s:/]+@[^@\s:/]+\.[^@\s:/]+", security)):
        raise ConfigError(
            "ENGAGE_SECURITY_CONTACT must be an email address, or a mailto:, https:// or tel: "
            f"address (RFC 9116), not {security!r}"
        )
    if env == "production":
        if not secret or secret == DEV_SECRET_KEY or len(secret) < 32:
            raise ConfigError(
                "ENGAGE_SECRET_KEY must be set to a random value of at least 32 characters "
                "outside development (for example: python -c 'import secrets; "
                "print(secrets.token_urlsafe(48))')"
            )
        if DEV_SECRET_KEY in (config.get("SECRET_KEY_FALLBACKS") or []):
            raise ConfigError(
                "ENGAGE_SECRET_KEY_FALLBACKS must not hold the development secret key in "
                "production: anyone could sign a session with it"
            )
        if not config.get("ENGAGE_CONTACT_EMAIL") or \
                config["ENGAGE_CONTACT_EMAIL"] == DEV_CONTACT_EMAIL:
            raise ConfigError(
                "ENGAGE_CONTACT_EMAIL must be set in production: the accessibility statement, "
                "and every borough or group page without contact details of its own, give it "
                "for people to ask for another format or report a problem "
                "(ENGAGE_CONTACT_PHONE adds a telephone number)"
            )
        if not config["ENGAGE_BASE_URL"].startswith("https://"):
            raise ConfigError(
                "ENGAGE_BASE_URL must be the service's https:// address in production: every "
                "link in an email is made from it (sign-in cookies are sent over HTTPS only, and "
                "mail programs offer one-click unsubscribe only for an https:// link)"
            )
        # Every web and worker process, on every machine, must share one database and one
        # broker: SQLite's defaults are files on one machine's disk. A machine left on them
        # would quietly keep a world of its own (its own `flask db upgrade` makes one), or
        # queue tasks that no worker elsewhere reads.
        if config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
            raise ConfigError(
                "ENGAGE_DATABASE_URL must point at the PostgreSQL database every process shares "
                "(postgresql+psycopg://user:password@host/engage) in production, not a SQLite "
                "file on this machine"
            )
        if config["CELERY"]["broker_url"].startswith(("sqla+sqlite", "memory", "filesystem")):
            raise ConfigError(
                "ENGAGE_BROKER_URL must point at the Redis or RabbitMQ every process shares "
                "(redis://host:6379/0 or amqp://user:password@host:5672//) in production, not "
                "a broker on this machine"
            )
        if config["RATELIMIT_STORAGE_URI"].startswith("memory"):
            raise ConfigError(
                "ENGAGE_RATELIMIT_STORAGE_URL must point at a store every web process shares "
                "(redis://...) in production; per-process memory would let sign-in attempts "
                "through once per process"
            )
