"""Invite N members to one meeting through real Celery workers and a local SMTP sink.

    .venv/bin/python bench/invitations.py [--invitees 10000] [--timeout 140]

What it does, in one run (see /work/shared/BENCHMARKS.md):

1. Creates its own PostgreSQL database on 127.0.0.1 (engage_bench_<random>), builds the schema with
   the real migrations (flask_migrate.upgrade), loads the boroughs and their CPEGs, and adds N
   people who are active members of Camden's CPEG, one officer and a draft meeting (bulk inserts:
   setup, not measured).
2. Starts an SMTP sink (aiosmtpd, in a thread of this process, on a free port of 127.0.0.1) that
   only counts messages per envelope recipient, and real workers (`celery -A worker worker`,
   by default ONE worker process with the prefork pool and --concurrency 2) on Redis database 9
   of 127.0.0.1:6379 as the broker.
3. engage: publishes the meeting (engage.meetings.operations.publish + commit, which queues the
   fan-out task after the commit) and times until the sink has every invitee's email:
   engage_per_s = N / seconds. lost = N - distinct recipients, duplicates = extra copies.
   Then checks the database: every outbox row sent.
4. queries_per_batch: SQL statements one deliver_batch() call issues (counted with a
   before_cursor_execute listener in this process) for a second mailing, at 100 and at 500 people;
   the two must be equal. Tasks are recorded there, not sent.
5. The baseline, same run, same sink: one engage message is rendered and copied N times with a
   different To (before timing), then a separate process sends them with a plain smtplib loop over
   ONE connection: plain_smtplib_per_s. (A separate process, so it does not share this process's
   GIL with the sink, just as the workers do not.)
6. send_emails run in this process on 100 of the messages step 4 queued: SQL statements and
   commits per message sent (--profile: 500 messages under cProfile, and where the time goes;
   --verbose: the statements of one message and of one batch).
7. Prints the figures and, as the very last line, one JSON object. Always stops the workers,
   drops the database and flushes Redis database 9 (only that one).

The workers are stopped as soon as step 3 is over, so nothing competes with the baseline; past
--timeout, whatever has not arrived counts as lost and engage_timed_out is true.
"""

from __future__ import annotations

import argparse
import contextlib
import cProfile
import email
import email.policy
import io
import json
import os
import pstats
import secrets
import shutil
import signal
import smtplib
import socket
import subprocess
import sys
import tempfile
import time
from collections import Counter
from datetime import timedelta
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
HOST = "127.0.0.1"
PG_ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
NO_PASSWORD = "!"  # noqa: S105 - bench people never sign in: not a valid password hash


def say(*parts) -> None:
    print(*parts, flush=True)


# The SMTP sink ---------------------------------------------------------------------------------

class CountingHandler:
    """Counts each message once per envelope recipient; keeps nothing else (cheap by design)."""

    def __init__(self):
        self.reset()

    def reset(self) -> None:
        self.per_recipient: Counter[str] = Counter()
        self.messages = 0
        self.first_at: float | None = None
        self.last_at: float | None = None

    async def handle_DATA(self, server, session, envelope):
        now = time.monotonic()
        if self.first_at is None:
            self.first_at = now
        self.last_at = now
        for address in envelope.rcpt_tos:
            self.per_recipient[address] += 1
        self.messages += 1
        return "250 OK"

    @property
    def delivered(self) -> int:
        return len(self.per_recipient)

    @property
    def received(self) -> int:
        return sum(self.per_recipient.values())


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


# The plain smtplib baseline (runs as a child process) -------------------------------------------

def plain_sender(template_path: str, recipients_path: str, port: int) -> None:
    """Build the messages first, then time sending them over one connection. Prints JSON."""
    raw = Path(template_path).read_bytes()
    recipients = Path(recipients_path).read_text().split()
    messages = []
    for address in recipients:
        message = email.message_from_bytes(raw, policy=email.policy.default)
        message.replace_header("To", address)
        messages.append(message)
    started = time.perf_counter()
    smtp = smtplib.SMTP(HOST, port, timeout=30)
    for message in messages:
        smtp.send_message(message)
    smtp.quit()
    elapsed = time.perf_counter() - started
    print(json.dumps({"sent": len(messages), "seconds": elapsed}))


# Counting SQL statements ------------------------------------------------------------------------

class StatementCounter:
    def __init__(self, engine):
        from sqlalchemy import event

        self.engine = engine
        self.statements: list[str] = []
        self.commits = 0
        self.active = False
        event.listen(engine, "before_cursor_execute", self._on_execute)
        event.listen(engine, "commit", self._on_commit)

    def _on_execute(self, conn, cursor, statement, parameters, context, executemany):
        if self.active:
            self.statements.append(" ".join(statement.split())[:110])

    def _on_commit(self, conn):
        if self.active:
            self.commits += 1

    @contextlib.contextmanager
    def counting(self):
        self.statements, self.commits, self.active = [], 0, True
        try:
            yield self
        finally:
            self.active = False


# Setup ------------------------------------------------------------------------------------------

def create_database(name: str) -> None:
    import psycopg

    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')


def drop_database(name: str) -> None:
    import psycopg

    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def build_schema(app) -> dict:
    """The real migrations; tables they do not make yet are reported (and made from the models,
    so the run can go on), never hidden."""
    from flask_migrate import upgrade
    from sqlalchemy import inspect

    from engage.extensions import db

    upgrade()
    have = set(inspect(db.engine).get_table_names())
    missing = sorted(set(db.metadata.tables) - have)
    if missing:
        say(f"WARNING: the migrations do not create {', '.join(missing)}; "
            "creating them from the models (report this: a migration is missing)")
        db.metadata.create_all(db.engine, tables=[db.metadata.tables[t] for t in missing])
    return {"schema_from_migrations": not missing, "tables_missing_from_migrations": missing}


def populate(invitees: int) -> tuple[int, int, list[str]]:
    """N active members of Camden's CPEG, one officer, a draft meeting with an agenda.
    Returns (meeting id, group id, member emails)."""
    from sqlalchemy import insert, select

    from engage.auth.models import StaffRole, StaffRoleName, User
    from engage.boroughs.models import Borough
    from engage.cli import load_boroughs
    from engage.clock import utcnow
    from engage.extensions import db
    from engage.groups.models import Group, GroupRole, Membership, MembershipStatus, Represents
    from engage.groups.operations import ensure_cpegs
    from engage.meetings.models import (
        AgendaItem,
        Meeting,
        MeetingMode,
        MeetingStatus,
        MeetingVisibility,
    )

    load_boroughs()
    ensure_cpegs()
    db.session.commit()
    camden = db.session.scalar(select(Borough).where(Borough.slug == "camden"))
    group = db.session.scalar(select(Group).where(Group.borough_id == camden.id,
                                                  Group.slug == "cpeg"))
    now = utcnow()
    officer = User(name="Olive Officer", email="officer@bench.invalid", password_hash=NO_PASSWORD,
                   email_confirmed_at=now)
    officer.staff_roles.append(StaffRole(role=StaffRoleName.OFFICER, borough=camden))
    db.session.add(officer)
    db.session.flush()

    emails = [f"member{n:06d}@bench.invalid" for n in range(invitees)]
    user_ids = list(db.session.scalars(
        insert(User).returning(User.id, sort_by_parameter_order=True),
        [{"name": f"Member {n}", "email": address, "password_hash": NO_PASSWORD,
          "email_confirmed_at": now, "home_borough_id": camden.id, "is_admin": False,
          "created_at": now} for n, address in enumerate(emails)]))
    db.session.execute(insert(Membership), [
        {"group_id": group.id, "user_id": user_id, "status": MembershipStatus.ACTIVE,
         "represents": Represents.SELF, "role": GroupRole.MEMBER, "requested_at": now,
         "decided_at": now, "joined_at": now, "meeting_emails": True}
        for user_id in user_ids])

    starts = (now + timedelta(days=30)).replace(hour=18, minute=30, second=0, microsecond=0)
    meeting = Meeting(group=group, title="Spring meeting",
                      description="Neighbourhood priorities for the spring.",
                      starts_at=starts, ends_at=starts + timedelta(minutes=90),
                      mode=MeetingMode.HYBRID, venue="Camden Town Hall",
                      address="Judd Street\nLondon WC1H 9JE",
                      access_notes="Step-free entrance on Judd Street. Hearing loop.",
                      online_link="https://meet.example.org/camden-cpeg", capacity=None,
                      visibility=MeetingVisibility.PUBLIC, status=MeetingStatus.DRAFT,
                      sequence=0, created_by_id=officer.id)
    for position, title in enumerate(["Welcome and apologies", "Ward priorities",
                                      "Stop and search figures"], start=1):
        meeting.agenda.append(AgendaItem(position=position, title=title,
                                         presenter="Chair" if position == 1 else None,
                                         minutes=20))
    db.session.add(meeting)
    db.session.commit()
    # A live database has planner statistics (autovacuum); fresh bulk-loaded tables have none.
    with db.engine.connect() as conn:
        conn.exec_driver_sql("ANALYZE")
        conn.commit()
    return meeting.id, group.id, emails


# Workers ----------------------------------------------------------------------------------------

def start_workers(count: int, pool: str, concurrency: int, env: dict, logdir: Path):
    workers = []
    for n in range(count):
        log_path = logdir / f"worker-{n}.log"
        with open(log_path, "w") as log:
            process = subprocess.Popen(
                [sys.executable, "-m", "celery", "-A", "worker", "worker", f"--pool={pool}",
                 f"--concurrency={concurrency}", "--loglevel=INFO", "--without-gossip",
                 "--without-mingle", "--without-heartbeat", f"--hostname=bench{n}@%h"],
                cwd=PROJECT_ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
                start_new_session=True)
        workers.append((process, log_path))
    deadline = time.monotonic() + 60
    for process, log_path in workers:
        while " ready." not in log_path.read_text():
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"worker did not start:\n{log_path.read_text()[-4000:]}")
            time.sleep(0.2)
    return workers


def stop_workers(workers, grace: float = 20) -> None:
    """SIGTERM (a warm shutdown: the running task finishes), then SIGKILL after `grace`."""
    for process, _ in workers:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
    for process, _ in workers:
        try:
            process.wait(timeout=grace)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)  # the worker's own group: its pool
            process.wait()


def worker_errors(workers) -> list[str]:
    lines = []
    for _, log_path in workers:
        for line in log_path.read_text().splitlines():
            if "ERROR" in line or "Traceback" in line or "CRITICAL" in line:
                lines.append(line[:300])
    return lines


# The measurements -------------------------------------------------------------------------------

def measure_engage(app, sink: CountingHandler, meeting_id: int, emails: list[str],
                   timeout: float) -> dict:
    from sqlalchemy import func, select

    from engage.extensions import db
    from engage.meetings.models import Mailing, Meeting
    from engage.meetings.operations import publish
    from engage.outbox.models import OutboxMessage

    invitees = len(emails)
    sink.reset()
    meeting = db.session.get(Meeting, meeting_id)
    t0 = time.monotonic()
    publish(meeting)
    db.session.commit()
    published = time.monotonic() - t0
    deadline = t0 + timeout
    next_report = t0 + 5
    while sink.delivered < invitees and time.monotonic() < deadline:
        time.sleep(0.05)
        now = time.monotonic()
        if now >= next_report:
            elapsed = now - t0
            say(f"  {elapsed:6.1f}s  {sink.delivered:>6} delivered  "
                f"({sink.delivered / elapsed:7.1f}/s so far)")
            next_report += 5
    t1 = sink.last_at if sink.delivered >= invitees else time.monotonic()
    seconds = t1 - t0
    timed_out = sink.delivered < invitees
    # The workers mark each row sent just after the sink has it: give them a moment.
    statuses: dict[str, int] = {}
    settle = time.monotonic() + 15
    while time.monotonic() < settle:
        statuses = dict(db.session.execute(select(OutboxMessage.status, func.count())
                                           .group_by(OutboxMessage.status)).all())
        db.session.rollback()
        if statuses.get("sent", 0) >= invitees or timed_out:
            break
        time.sleep(0.2)
    time.sleep(0.5)  # a late duplicate would show here
    mailing = db.session.scalar(select(Mailing).where(Mailing.meeting_id == meeting_id))
    fan_out_seconds = None
    if mailing is not None and mailing.finished_at is not None:
        fan_out_seconds = (mailing.finished_at - mailing.created_at).total_seconds()
    db.session.rollback()
    counts = dict(sink.per_recipient)
    expected = set(emails)
    delivered = sum(1 for address in emails if counts.get(address))
    return {
        "seconds": seconds, "timed_out": timed_out, "publish_commit_s": published,
        "first_email_s": (sink.first_at - t0) if sink.first_at else None,
        "fan_out_s": fan_out_seconds,
        "delivered": delivered,
        "duplicates": sum(counts.get(address, 0) - 1 for address in emails
                          if counts.get(address, 0) > 1),
        "strangers": sum(v for k, v in counts.items() if k not in expected),
        "outbox": {str(k): v for k, v in statuses.items()},
        "still_queued": statuses.get("pending", 0) + statuses.get("sending", 0),
        "per_s": delivered / seconds if seconds > 0 else 0.0,
    }


def measure_queries(app, counter: StatementCounter, meeting_id: int, group_id: int,
                    verbose: bool) -> dict:
    """deliver_batch on a second mailing, tasks recorded rather than sent: 100 then 500."""
    from engage.clock import utcnow
    from engage.extensions import db
    from engage.meetings.mailings import deliver_batch, invite_members
    from engage.meetings.models import Mailing, MailingKind, Meeting, MeetingStatus

    app.config["ENGAGE_TASK_DISPATCH"] = "record"
    first = db.session.get(Meeting, meeting_id)
    second = Meeting(group_id=group_id, title="Summer meeting", description=first.description,
                     starts_at=first.starts_at + timedelta(days=90),
                     ends_at=first.ends_at + timedelta(days=90), mode=first.mode,
                     venue=first.venue, address=first.address, access_notes=first.access_notes,
                     online_link=first.online_link, visibility=first.visibility,
                     status=MeetingStatus.PUBLISHED, published_at=utcnow(), sequence=0,
                     created_by_id=first.created_by_id)
    db.session.add(second)
    db.session.flush()
    invite_members(second)
    mailing = Mailing(meeting_id=second.id, kind=MailingKind.INVITATION, sequence=0)
    db.session.add(mailing)
    db.session.commit()
    results = {}
    for limit in (100, 500):
        with counter.counting():
            started = time.perf_counter()
            queued = deliver_batch(mailing, limit=limit)
            elapsed = time.perf_counter() - started
        kinds = Counter(statement.split()[0] for statement in counter.statements)
        results[limit] = {"people": queued, "statements": len(counter.statements),
                          "commits": counter.commits, "seconds": elapsed, "kinds": dict(kinds),
                          "list": list(counter.statements)}
        say(f"  deliver_batch(limit={limit}): {queued} people, "
            f"{len(counter.statements)} statements {dict(kinds)}, {counter.commits} commit(s), "
            f"{elapsed * 1000:.0f} ms")
        if verbose:
            for statement in counter.statements:
                say(f"      {statement}")
    recorded = app.extensions.get("engage_recorded_tasks", [])
    app.extensions["engage_recorded_tasks"] = []
    app.config["ENGAGE_TASK_DISPATCH"] = "broker"
    return {"results": results, "recorded_tasks": recorded}


def render_template_message(meeting_id: int) -> bytes:
    """One engage invitation exactly as a worker renders it (from the first outbox row)."""
    from sqlalchemy import select

    from engage.email import render
    from engage.extensions import db
    from engage.outbox.models import OutboxMessage

    row = db.session.scalar(select(OutboxMessage).order_by(OutboxMessage.id).limit(1))
    data = render(row).as_bytes()
    db.session.rollback()
    return data


def measure_plain(sink: CountingHandler, template: bytes, emails: list[str], port: int,
                  workdir: Path, timeout: float) -> dict:
    template_path = workdir / "template.eml"
    recipients_path = workdir / "recipients.txt"
    template_path.write_bytes(template)
    recipients_path.write_text("\n".join(emails))
    sink.reset()
    result = subprocess.run(
        [sys.executable, __file__, "--plain-sender", str(template_path), str(recipients_path),
         str(port)], capture_output=True, text=True, timeout=timeout + 60, check=False)
    if result.returncode != 0:
        raise RuntimeError(f"plain smtplib loop failed:\n{result.stderr[-3000:]}")
    figures = json.loads(result.stdout.strip().splitlines()[-1])
    return {"seconds": figures["seconds"], "sent": figures["sent"],
            "delivered": sink.delivered, "received": sink.received,
            "per_s": figures["sent"] / figures["seconds"]}


def measure_sending(app, counter: StatementCounter, recorded: list, profile: bool,
                    sink: CountingHandler, verbose: bool) -> dict:
    """send_emails in this process, on the messages measure_queries queued: statements and
    commits per message, and (with --profile) where the time goes."""
    from engage.outbox.tasks import send_emails

    ids = [i for name, args in recorded if name == "engage.outbox.send_emails" for i in args[0]]
    ids = ids[:500 if profile else 100]
    if not ids:
        return {}
    sink.reset()
    if verbose:
        with counter.counting():
            send_emails.run(ids[:1])
        say(f"  send_emails, one message: {len(counter.statements)} statements, "
            f"{counter.commits} commits")
        for statement in counter.statements:
            say(f"      {statement}")
        ids = ids[1:]
    profiler = cProfile.Profile() if profile else None
    with counter.counting():
        started = time.perf_counter()
        if profiler:
            profiler.enable()
        outcomes = send_emails.run(ids)
        if profiler:
            profiler.disable()
        elapsed = time.perf_counter() - started
    sent = outcomes.count("sent")
    kinds = Counter(statement.split()[0] for statement in counter.statements)
    figures = {"messages": len(ids), "sent": sent, "seconds": elapsed,
               "per_s": len(ids) / elapsed,
               "statements_per_message": len(counter.statements) / len(ids),
               "commits_per_message": counter.commits / len(ids),
               "kinds_per_message": {k: v / len(ids) for k, v in kinds.items()}}
    say(f"  send_emails in-process on {len(ids)} messages: {figures['per_s']:.0f}/s, "
        f"{figures['statements_per_message']:.1f} statements and "
        f"{figures['commits_per_message']:.1f} commits per message "
        f"{ {k: round(v, 2) for k, v in figures['kinds_per_message'].items()} }")
    if profiler:
        out = io.StringIO()
        stats = pstats.Stats(profiler, stream=out)
        stats.sort_stats("cumulative").print_stats(35)
        say(out.getvalue())
        buckets = profile_buckets(stats, elapsed)
        figures["profile_share"] = buckets
        say("  where the time goes (share of send_emails wall time): "
            + ", ".join(f"{k} {v:.0%}" for k, v in buckets.items()))
    return figures


def profile_buckets(stats: pstats.Stats, total: float) -> dict:
    """Cumulative time of the functions that matter, as a share of the whole."""
    wanted = {
        "claim (UPDATE + commit)": ("engage/outbox/operations.py", "claim"),
        "render (templates + MIME + ics)": ("engage/email.py", "render"),
        "  of which meeting_ics": ("engage/meetings/mailings.py", "meeting_ics"),
        "deliver (smtplib, incl. flattening)": ("engage/email.py", "deliver"),
        "session.commit (all)": ("sqlalchemy/orm/session.py", "commit"),
        "session.get": ("sqlalchemy/orm/session.py", "get"),
    }
    shares = {}
    for label, (path, name) in wanted.items():
        cumulative = 0.0
        for (filename, _, function), (_, _, _, ct, _) in stats.stats.items():
            if function == name and filename.endswith(path):
                cumulative = max(cumulative, ct)
        shares[label] = cumulative / total if total else 0.0
    return shares


# Main -------------------------------------------------------------------------------------------

def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--invitees", type=int, default=10000)
    parser.add_argument("--timeout", type=float, default=140,
                        help="seconds to wait for engage to deliver every invitation")
    parser.add_argument("--workers", type=int, default=1, help="worker processes (default 1)")
    parser.add_argument("--concurrency", type=int, default=2,
                        help="pool size of each worker (default 2)")
    parser.add_argument("--pool", default="prefork", help="celery pool (default prefork)")
    parser.add_argument("--redis-db", type=int, default=9)
    parser.add_argument("--profile", action="store_true",
                        help="also profile send_emails in-process (cProfile)")
    parser.add_argument("--verbose", action="store_true",
                        help="list the statements of one deliver_batch and of one sent message")
    parser.add_argument("--plain-sender", nargs=3, metavar=("TEMPLATE", "RECIPIENTS", "PORT"),
                        help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.plain_sender:
        template, recipients, port = args.plain_sender
        plain_sender(template, recipients, int(port))
        return 0

    import redis

    n = args.invitees
    broker = f"redis://{HOST}:6379/{args.redis_db}"
    redis_client = redis.Redis(host=HOST, port=6379, db=args.redis_db)
    if redis_client.dbsize():
        say(f"Redis database {args.redis_db} is not empty: choose another with --redis-db")
        return 2
    db_name = f"engage_bench_{secrets.token_hex(4)}"
    database_url = f"postgresql+psycopg://postgres@{HOST}:5432/{db_name}"
    workdir = Path(tempfile.mkdtemp(prefix="engage-bench-"))
    port = free_port()
    env = {
        "ENGAGE_ENV": "production",
        "ENGAGE_SECRET_KEY": secrets.token_urlsafe(48),
        "ENGAGE_CONTACT_EMAIL": "engage@bench.example.org",
        "ENGAGE_INSTANCE_PATH": str(workdir / "instance"),
        "ENGAGE_DATABASE_URL": database_url,
        "ENGAGE_BROKER_URL": broker,
        "ENGAGE_RATELIMIT_STORAGE_URL": broker,
        "ENGAGE_SMTP_HOST": HOST,
        "ENGAGE_SMTP_PORT": str(port),
        "ENGAGE_BASE_URL": "https://engage.example.org",
    }
    os.environ.update(env)
    worker_env = dict(os.environ)

    from aiosmtpd.controller import Controller

    sink = CountingHandler()
    controller = None
    workers = []
    app = None
    report: dict = {}
    created = False
    try:
        say(f"bench/invitations.py: {n} invitees; database {db_name}; broker {broker}; "
            f"SMTP sink {HOST}:{port}")
        started = time.monotonic()
        create_database(db_name)
        created = True
        from engage import create_app
        from engage.extensions import db

        app = create_app()
        with app.app_context():
            report.update(build_schema(app))
            meeting_id, group_id, emails = populate(n)
            counter = StatementCounter(db.engine)
        say(f"setup: schema and {n} members in {time.monotonic() - started:.1f}s")

        controller = Controller(sink, hostname=HOST, port=port, ready_timeout=10)
        controller.start()
        workers = start_workers(args.workers, args.pool, args.concurrency, worker_env,
                                workdir)
        say(f"workers: {args.workers} x `celery worker --pool={args.pool} "
            f"--concurrency={args.concurrency}`, ready")

        with app.app_context():
            say("engage: publish the meeting, wait for every invitation at the sink")
            engage = measure_engage(app, sink, meeting_id, emails, args.timeout)
            say(f"engage: {engage['delivered']}/{n} delivered in {engage['seconds']:.2f}s = "
                f"{engage['per_s']:.1f}/s (publish+commit {engage['publish_commit_s'] * 1000:.0f}"
                f" ms, first email at {engage['first_email_s'] or 0:.2f}s, fan-out finished "
                f"after {engage['fan_out_s'] or 0:.2f}s); outbox {engage['outbox']}")
            errors = worker_errors(workers)
            if errors:
                say(f"worker log errors ({len(errors)}), first: " + " | ".join(errors[:3]))
            if engage["timed_out"]:
                say(f"engage: TIMED OUT after {args.timeout:.0f}s with {n - engage['delivered']}"
                    " invitations not yet delivered (counted as lost below; outbox rows still "
                    f"waiting: {engage['still_queued']}); the rate is over the time allowed")
            # Done with the workers: stop them, so nothing competes with the baseline.
            stop_workers(workers, grace=5 if engage["timed_out"] else 20)
            template = render_template_message(meeting_id)

            say("queries per batch (a second mailing; tasks recorded, not sent):")
            queries = measure_queries(app, counter, meeting_id, group_id, args.verbose)

        say(f"plain smtplib: {n} copies of one engage message ({len(template)} bytes), "
            "one connection, separate process")
        plain = measure_plain(sink, template, emails, port, workdir, args.timeout)
        say(f"plain smtplib: {plain['delivered']}/{n} delivered in {plain['seconds']:.2f}s = "
            f"{plain['per_s']:.1f}/s")

        sending = {}
        with app.app_context():
            sending = measure_sending(app, counter, queries["recorded_tasks"], args.profile,
                                      sink, args.verbose)

        q100 = queries["results"][100]["statements"]
        q500 = queries["results"][500]["statements"]
        ratio = engage["per_s"] / plain["per_s"] if plain["per_s"] else 0.0
        lost = n - engage["delivered"]
        duplicates = engage["duplicates"]
        say(f"ratio engage / plain smtplib: {ratio:.3f} (goal >= 0.5); lost {lost}, "
            f"duplicates {duplicates}; queries per batch: {q100} at 100, {q500} at 500 "
            f"({'constant' if q100 == q500 else 'NOT constant'})")
        report.update({
            "engage_per_s": round(engage["per_s"], 1),
            "plain_smtplib_per_s": round(plain["per_s"], 1),
            "ratio": round(ratio, 3),
            "invitees": n,
            "delivered": engage["delivered"],
            "lost": lost,
            "duplicates": duplicates,
            "queries_per_batch": q500,
            "queries_per_batch_100": q100,
            "engage_seconds": round(engage["seconds"], 2),
            "engage_timed_out": engage["timed_out"],
            "fan_out_seconds": engage["fan_out_s"] and round(engage["fan_out_s"], 2),
            "first_email_seconds": engage["first_email_s"] and round(engage["first_email_s"], 2),
            "outbox_sent": engage["outbox"].get("sent", 0),
            "outbox_still_queued": engage["still_queued"],
            "sent_to_others": engage["strangers"],
            "plain_seconds": round(plain["seconds"], 2),
            "plain_delivered": plain["delivered"],
            "message_bytes": len(template),
            "send_statements_per_message": sending.get("statements_per_message")
            and round(sending["statements_per_message"], 2),
            "send_commits_per_message": sending.get("commits_per_message")
            and round(sending["commits_per_message"], 2),
            "workers": args.workers, "pool": args.pool, "concurrency": args.concurrency,
        })
        if "profile_share" in sending:
            report["send_profile_share"] = {k: round(v, 3)
                                            for k, v in sending["profile_share"].items()}
        return 0 if lost == 0 and duplicates == 0 and not engage["strangers"] else 1
    finally:
        stop_workers(workers)
        if controller is not None:
            controller.stop()
        if app is not None:
            with app.app_context():
                from engage.extensions import db

                db.session.remove()
                db.engine.dispose()
        if created:
            drop_database(db_name)
        redis_client.flushdb()
        shutil.rmtree(workdir, ignore_errors=True)
        if report.get("engage_per_s") is not None:
            print(json.dumps(report), flush=True)


if __name__ == "__main__":
    with contextlib.suppress(KeyboardInterrupt):
        sys.exit(main())
