"""Collate a consultation's borough reports from 100,000 and 1,000,000 responses in PostgreSQL.

    .venv/bin/python bench/collate.py [--sizes 100000 1000000] [--repeat 2]
    .venv/bin/python bench/collate.py --sizes 1000000 --keep engage_bench_kept  # to iterate

What it does, in one run (see /work/shared/BENCHMARKS.md):

1. Creates its own PostgreSQL database on 127.0.0.1 (engage_bench_<random>), builds the schema
   with the real migrations (where they lag behind the models, that is reported and the
   schema is made from the models instead), loads the 32 boroughs with their 2011 Census
   figures, and adds one open consultation with the ready residents' and businesses'
   questionnaires (engage.surveys.template).
2. For each size, tops the responses up to N with server-side INSERT ... SELECT FROM
   generate_series (never a Python loop): residents and businesses, online, paper and
   telephone, spread over the 32 boroughs (a few with no borough) and six weeks; each with a
   top-3 priorities ranking skewed towards some options, a confidence and a feeling-safe answer,
   and for two in three (those who agree) the three equality answers; each answer carrying its
   response's consultation, borough and consent, as store_response writes them. Then VACUUM
   ANALYZE (which also marks the pages all-visible, as autovacuum does after inserts).
3. engage: one collation round, run by calling the very tasks the workers run, in this
   process, one after another: engage.reports.tasks.collate_consultation, which queues the 32
   boroughs' collate_area, the last of which queues London's (which adds up the boroughs'
   snapshots): seconds. Best of --repeat runs.
4. The floor, same data, same process: one bare SQL statement that computes the same priority
   shares for every borough and London (one index-only pass over the priorities answers
   counting per borough and option, then GROUPING SETS by value code and shares by a window
   over the first places): floor_seconds. Best of --repeat runs.
5. Checks that engage's London snapshot has the same priority counts as the floor, prints the
   figures and, as the very last line, one JSON object. Always drops the database.

Peak memory is this process's high-water mark (ru_maxrss) after the largest collation.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import logging
import os
import resource
import secrets
import shutil
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
PROJECT_ROOT = BENCH_DIR.parent
sys.path.insert(0, str(BENCH_DIR))
sys.path.insert(0, str(PROJECT_ROOT))

from invitations import start_workers, stop_workers  # noqa: E402 - shared bench plumbing

HOST = "127.0.0.1"
PG_ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres"


def say(*parts) -> None:
    print(*parts, flush=True)


def create_database(name: str) -> None:
    import psycopg

    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')


def database_exists(name: str) -> bool:
    import psycopg

    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        return conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone() \
            is not None


def drop_database(name: str) -> None:
    import psycopg

    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def build_schema() -> dict:
    """The real migrations, then compared with the models. Where the migrations lag behind
    (tables, columns or indexes not made yet), that is reported and the schema is rebuilt
    from the models so the run measures the code as it is."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext
    from flask_migrate import upgrade
    from sqlalchemy import text

    from engage.extensions import db

    upgrade()
    logging.getLogger("alembic").setLevel(logging.WARNING)  # one line of notes, not fifty
    with db.engine.connect() as conn:
        differences = compare_metadata(MigrationContext.configure(conn), db.metadata)
    new_tables = {d[1].name for d in differences if isinstance(d, tuple) and d[0] == "add_table"}
    missing = sorted({_described(d) for d in differences if _described(d)
                      and not (d[0] == "add_index" and d[1].table.name in new_tables)})
    if missing:
        say(f"note: the migrations lag behind the models ({'; '.join(missing)}); "
            "building the schema from the models")
        with db.engine.begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
        db.metadata.create_all(db.engine)
    return {"missing_from_migrations": missing}


def _described(difference) -> str:
    """One of Alembic's differences in words, if it is something the models have and the
    migrated database lacks."""
    if isinstance(difference, list):  # column changes come grouped
        return ""
    kind, what = difference[0], difference[1:]
    if kind == "add_table":
        return f"table {what[0].name}"
    if kind == "add_column":
        return f"column {what[1]}.{what[2].name}"
    if kind == "add_index":
        return f"index {what[0].name}"
    return ""


def setup_consultation() -> int:
    from engage.boroughs.population import load_census
    from engage.cli import load_boroughs
    from engage.clock import utcnow
    from engage.extensions import db
    from engage.surveys.models import Consultation
    from engage.surveys.template import add_template_questionnaires

    load_boroughs()
    load_census()
    now = utcnow()
    consultation = Consultation(slug="bench", title="Have your say (bench)",
                                opens_at=now - timedelta(days=42), closes_at=now + timedelta(1))
    db.session.add(consultation)
    add_template_questionnaires(consultation)
    db.session.commit()
    return consultation.id


def kept_consultation() -> tuple[int, int]:
    """The bench consultation of a kept database, and how many responses it has."""
    from sqlalchemy import func, select

    from engage.extensions import db
    from engage.surveys.models import Consultation, Response

    consultation_id = db.session.scalar(select(Consultation.id).where(Consultation.slug == "bench"))
    have = db.session.scalar(select(func.count()).select_from(Response)
                             .where(Response.consultation_id == consultation_id))
    return consultation_id, have


# Generating responses, all in the database ------------------------------------------------------

RESPONSES = """
INSERT INTO responses (consultation_id, questionnaire_id, version_id, borough_id, channel,
                       reference, idempotency_key, submitted_at, equality_consent)
SELECT :consultation, CASE WHEN g % 20 < 3 THEN :b_questionnaire ELSE :r_questionnaire END,
       CASE WHEN g % 20 < 3 THEN :b_version ELSE :r_version END,
       CASE WHEN g % 97 = 0 THEN NULL ELSE (:boroughs)[1 + (g * 7919) % 32] END,
       CASE WHEN g % 10 < 7 THEN 'online' WHEN g % 10 < 9 THEN 'paper' ELSE 'telephone' END,
       'B' || g, 'bench-' || g,
       :opens_at + make_interval(mins => ((g * 7907) % (42 * 24 * 60))::int),
       g % 3 <> 0
FROM generate_series(CAST(:first AS bigint), CAST(:last AS bigint)) AS g
"""

# A top-3 ranking: the first choice skewed towards the start of the list (random()^2), the next
# two a fixed step on (a step coprime with the list's length, so the three differ).
RANKING = """
SELECT r.id AS response_id, r.consultation_id, r.borough_id, r.equality_consent,
       {question} AS question_id,
       (ARRAY{options})[1 + ((p.first + (k - 1) * p.step) % {m})] AS option_id, k AS rank
FROM responses r
CROSS JOIN LATERAL (SELECT floor({m} * random() ^ 2 + 0 * r.id)::int AS first,
                           (ARRAY{steps})[1 + floor(random() * 4 + 0 * r.id)::int] AS step) p
CROSS JOIN generate_series(1, 3) AS k
WHERE r.questionnaire_id = {questionnaire} AND r.id BETWEEN :low AND :high
"""

SINGLE = """
SELECT r.id, r.consultation_id, r.borough_id, r.equality_consent, {question},
       (ARRAY{options})[1 + floor(random() * {m} + 0 * r.id)::int], NULL::int
FROM responses r
WHERE r.questionnaire_id = {questionnaire} AND r.id BETWEEN :low AND :high
      AND ({every} OR r.equality_consent)
"""


def coprime_steps(m: int) -> list[int]:
    from math import gcd

    return [s for s in range(1, m) if gcd(s, m) == 1][:4]


def answer_selects(residents, businesses) -> list[str]:
    """One SELECT per tagged question (numbers only, formatted in: they come from our rows)."""
    from engage.surveys.models import ReportingTag

    selects = []
    for questionnaire in (residents, businesses):
        for question in questionnaire.current_version.ordered_questions():
            if question.tag is None or not question.options:
                continue
            options = [o.id for o in question.options]
            fields = {"question": question.id, "options": options, "m": len(options),
                      "questionnaire": questionnaire.id}
            if question.tag == ReportingTag.PRIORITIES:
                selects.append(RANKING.format(**fields, steps=coprime_steps(len(options))))
            else:
                selects.append(SINGLE.format(**fields,
                                             every=str(not question.tag.is_equality).upper()))
    return selects


def grow(consultation_id: int, have: int, want: int) -> None:
    """Top the responses up to `want`. Answers go in ordered by response, as store_response
    writes them (all of one response together); foreign-key triggers are off and the answers'
    indexes are rebuilt afterwards, as a bulk load would do."""
    from sqlalchemy import select, text

    from engage.boroughs.models import Borough
    from engage.extensions import db
    from engage.surveys.models import Answer, Audience, Consultation, QuestionKind, ReportingTag

    consultation = db.session.get(Consultation, consultation_id)
    by_audience = {q.audience: q for q in consultation.questionnaires}
    residents, businesses = by_audience[Audience.RESIDENTS], by_audience[Audience.BUSINESSES]
    boroughs = list(db.session.scalars(select(Borough.id).order_by(Borough.id)))
    low = db.session.scalar(text("SELECT coalesce(max(id), 0) + 1 FROM responses"))
    db.session.execute(text(RESPONSES), {
        "consultation": consultation_id, "r_questionnaire": residents.id,
        "b_questionnaire": businesses.id, "r_version": residents.current_version.id,
        "b_version": businesses.current_version.id, "boroughs": boroughs,
        "opens_at": consultation.opens_at, "first": have + 1, "last": want})
    high = db.session.scalar(text("SELECT max(id) FROM responses"))
    union = " UNION ALL ".join(answer_selects(residents, businesses))
    db.session.execute(text("SET LOCAL session_replication_role = replica"))
    for index in Answer.__table__.indexes:
        db.session.execute(text(f"DROP INDEX IF EXISTS {index.name}"))
    # Each answer carries its response's weighting cell, as store_response writes it: the
    # options of the response's own consented single-choice equality answers.
    cells = {tag: [q.id for q in residents.current_version.ordered_questions()
                   if q.tag == tag and q.kind != QuestionKind.MULTIPLE_CHOICE]
             for tag in (ReportingTag.ETHNIC_GROUP, ReportingTag.AGE_BAND,
                         ReportingTag.DISABILITY)}
    insert = (
        "INSERT INTO answers (response_id, consultation_id, borough_id, equality_consent, "  # noqa: S608 - ids from our rows
        "question_id, option_id, rank, cell_ethnic_group_id, cell_age_band_id, "
        "cell_disability_id) "
        f"WITH generated AS (SELECT * FROM ({union}) AS g (response_id, consultation_id, "
        "borough_id, equality_consent, question_id, option_id, rank)), "
        "cells AS (SELECT response_id, "
        "max(option_id) FILTER (WHERE question_id = ANY(:ethnic)) AS ethnic, "
        "max(option_id) FILTER (WHERE question_id = ANY(:age)) AS age, "
        "max(option_id) FILTER (WHERE question_id = ANY(:disability)) AS disability "
        "FROM generated WHERE equality_consent GROUP BY response_id) "
        "SELECT g.*, c.ethnic, c.age, c.disability FROM generated g "
        "LEFT JOIN cells c ON c.response_id = g.response_id ORDER BY 1, 5, 7")
    db.session.execute(text(insert), {
        "low": low, "high": high, "ethnic": cells[ReportingTag.ETHNIC_GROUP],
        "age": cells[ReportingTag.AGE_BAND], "disability": cells[ReportingTag.DISABILITY]})
    connection = db.session.connection()
    for index in Answer.__table__.indexes:
        index.create(connection)
    db.session.commit()
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("VACUUM ANALYZE responses"))
        conn.execute(text("VACUUM ANALYZE answers"))


# Measuring ----------------------------------------------------------------------------------------

# The best single statement: the answers carry their response's consultation and borough, so
# it reads the collation index alone (as engage does), counts per (borough, option) id first
# and only then joins the few hundred counts to the options' value codes.
FLOOR = """
WITH counted AS (
    SELECT a.borough_id, a.option_id, count(*) AS chosen,
           count(*) FILTER (WHERE a.rank = 1) AS firsts
    FROM answers a
    WHERE a.consultation_id = :consultation AND a.question_id = ANY(:questions)
    GROUP BY a.borough_id, a.option_id
)
SELECT c.borough_id, grouping(c.borough_id) AS london, o.value, sum(c.chosen)::bigint AS chosen,
       sum(c.chosen)::float8 / sum(sum(c.firsts))
           OVER (PARTITION BY grouping(c.borough_id), c.borough_id) AS share
FROM counted c
JOIN question_options o ON o.id = c.option_id
GROUP BY GROUPING SETS ((c.borough_id, o.value), (o.value))
"""


def priority_questions(consultation_id: int) -> list[int]:
    from sqlalchemy import select

    from engage.extensions import db
    from engage.surveys.models import Question, Questionnaire, QuestionnaireVersion, ReportingTag

    return list(db.session.scalars(
        select(Question.id)
        .join(QuestionnaireVersion, QuestionnaireVersion.id == Question.version_id)
        .join(Questionnaire, Questionnaire.id == QuestionnaireVersion.questionnaire_id)
        .where(Questionnaire.consultation_id == consultation_id,
               Question.tag == ReportingTag.PRIORITIES)))


def time_floor(consultation_id: int) -> tuple[float, dict[str, int]]:
    from sqlalchemy import text

    from engage.extensions import db

    questions = priority_questions(consultation_id)
    db.session.rollback()
    started = time.perf_counter()
    rows = db.session.execute(text(FLOOR), {"consultation": consultation_id,
                                            "questions": questions}).all()
    elapsed = time.perf_counter() - started
    db.session.rollback()
    london = {value: chosen for _, is_london, value, chosen, _ in rows if is_london}
    return elapsed, london


def time_engage(consultation_id: int) -> float:
    """One collation round, as the workers run it: collate_consultation queues every borough,
    the borough that completes the round queues London. The queue is this process's (the
    app records what it dispatches), and each task runs as a worker would run it."""
    from flask import current_app

    from engage.reports.tasks import collate_area_task, collate_consultation

    app = current_app._get_current_object()
    app.config["ENGAGE_TASK_DISPATCH"] = "record"
    queue = app.extensions.setdefault("engage_recorded_tasks", [])
    queue.clear()
    tasks = app.extensions["celery"].tasks
    outcomes = []
    started = time.perf_counter()
    queue.append((collate_consultation.name, (consultation_id,)))
    while queue:
        name, args = queue.pop(0)
        outcome = tasks[name](*args)
        if name == collate_area_task.name:
            outcomes.append((args[1], outcome))
    elapsed = time.perf_counter() - started
    if len(outcomes) != 33 or any(outcome != "collated" for _, outcome in outcomes) \
            or outcomes[-1][0] is not None:
        raise RuntimeError(f"the round did not collate 32 boroughs then London: {outcomes}")
    return elapsed


def time_workers(consultation_id: int) -> float:
    """One round through the broker and the worker, as deployed: from queueing
    collate_consultation until London's snapshot of that round is committed."""
    from flask import current_app
    from sqlalchemy import select

    from engage.extensions import db
    from engage.reports.models import LONDON, ReportSnapshot

    def london_round():
        db.session.rollback()
        return db.session.scalar(select(ReportSnapshot.round_id).where(
            ReportSnapshot.consultation_id == consultation_id, ReportSnapshot.area == LONDON))

    before = london_round()
    started = time.perf_counter()
    current_app.extensions["celery"].send_task("engage.reports.collate_consultation",
                                               args=[consultation_id])
    while london_round() in (before, None):
        if time.perf_counter() - started > 600:
            raise RuntimeError("the worker did not finish the round in 10 minutes")
        time.sleep(0.02)
    return time.perf_counter() - started


def london_counts(consultation_id: int) -> dict[str, int]:
    from sqlalchemy import select

    from engage.extensions import db
    from engage.reports.models import LONDON, ReportSnapshot

    figures = db.session.scalar(select(ReportSnapshot.figures).where(
        ReportSnapshot.consultation_id == consultation_id, ReportSnapshot.area == LONDON))
    return {o["value"]: o["chosen"] for o in figures["questions"]["priorities"]["options"]
            if o["chosen"]}


def profile(consultation_id: int) -> None:
    import cProfile
    import pstats

    profiler = cProfile.Profile()
    profiler.runcall(time_engage, consultation_id)
    say("\nwhere one collation of every area spends its time:")
    pstats.Stats(profiler).sort_stats("cumulative").print_stats(25)
    say("\n...and in which functions themselves:")
    pstats.Stats(profiler).sort_stats("tottime").print_stats(20)


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--repeat", type=int, default=2, help="runs of each; the best counts")
    parser.add_argument("--profile", action="store_true",
                        help="also profile one collation of the largest size (cProfile)")
    parser.add_argument("--concurrency", type=int, default=2,
                        help="also time a round through one real worker with this many "
                        "processes, as deployed (0: don't)")
    parser.add_argument("--redis-db", type=int, default=10,
                        help="the Redis database the worker's broker uses (must be empty)")
    parser.add_argument("--keep", metavar="NAME",
                        help="use the database NAME and keep it afterwards: a second run with "
                        "the same NAME skips generating what is already there")
    args = parser.parse_args()
    sizes = sorted(args.sizes)

    db_name = args.keep or f"engage_bench_{secrets.token_hex(4)}"
    workdir = Path(tempfile.mkdtemp(prefix="engage-bench-"))
    os.environ.update({
        "ENGAGE_ENV": "development",
        "ENGAGE_INSTANCE_PATH": str(workdir / "instance"),
        "ENGAGE_DATABASE_URL": f"postgresql+psycopg://postgres@{HOST}:5432/{db_name}",
        "ENGAGE_BROKER_URL": f"redis://{HOST}:6379/{args.redis_db}",
    })
    if args.concurrency:
        import redis

        if redis.Redis(host=HOST, port=6379, db=args.redis_db).dbsize():
            raise SystemExit(f"Redis database {args.redis_db} is not empty: pick another with "
                             "--redis-db")
    created = False
    app = None
    worker = None
    report: dict = {}
    try:
        say(f"bench/collate.py: sizes {', '.join(f'{n:,}' for n in sizes)}; database {db_name}")
        kept = bool(args.keep) and database_exists(db_name)
        if not kept:
            create_database(db_name)
        created = not args.keep
        from engage import create_app
        from engage.extensions import db

        app = create_app()
        by_size, floor_by_size, ratio_by_size = {}, {}, {}
        with app.app_context():
            if kept:
                from flask_migrate import upgrade

                upgrade()  # the kept schema follows the code's migrations
                consultation_id, have = kept_consultation()
                say(f"using the kept database {db_name}: {have:,} responses")
            else:
                report.update(build_schema())
                consultation_id, have = setup_consultation(), 0
            db.session.commit()
            if args.concurrency:
                worker = start_workers(1, "prefork", args.concurrency, dict(os.environ), workdir)
            workers_by_size, workers_ratio_by_size = {}, {}
            for n in sizes:
                started = time.perf_counter()
                if n > have:
                    grow(consultation_id, have, n)
                    have = n
                elif n < have:
                    raise SystemExit(f"the kept database has {have:,} responses, more than {n:,}")
                answers = db.session.scalar(db.text("SELECT count(*) FROM answers"))
                say(f"\n{n:,} responses ({answers:,} answers) generated in "
                    f"{time.perf_counter() - started:.1f}s")
                engage = min(time_engage(consultation_id) for _ in range(args.repeat))
                floor, floor_london = min(time_floor(consultation_id)
                                          for _ in range(args.repeat))
                if london_counts(consultation_id) != floor_london:
                    say("MISMATCH: engage's London priority counts differ from the floor's")
                    report["mismatch"] = True
                by_size[n], floor_by_size[n] = round(engage, 3), round(floor, 3)
                ratio_by_size[n] = round(engage / floor, 2)
                say(f"  engage: 33 areas collated in {engage:.2f}s "
                    f"({engage / 33 * 1000:.0f} ms an area)")
                say(f"  floor:  bare priority-shares query in {floor:.2f}s")
                say(f"  ratio {engage / floor:.2f}; peak memory so far {peak_rss_mb():.0f} MB")
                if worker is not None:
                    deployed = min(time_workers(consultation_id) for _ in range(args.repeat))
                    workers_by_size[n] = round(deployed, 3)
                    workers_ratio_by_size[n] = round(deployed / floor, 2)
                    say(f"  through the broker and one worker of {args.concurrency} processes: "
                        f"{deployed:.2f}s, ratio {deployed / floor:.2f}")
            if args.profile:
                profile(consultation_id)
        largest = sizes[-1]
        growth = (by_size[largest] / by_size[sizes[0]]) / (largest / sizes[0])
        report.update({
            "responses": largest, "seconds": by_size[largest],
            "floor_seconds": floor_by_size[largest], "ratio": ratio_by_size[largest],
            "peak_rss_mb": round(peak_rss_mb(), 1), "by_size": by_size,
            "floor_by_size": floor_by_size, "ratio_by_size": ratio_by_size,
            "areas": 33, "growth_vs_linear": round(growth, 2)})
        if workers_by_size:
            report.update({"workers_concurrency": args.concurrency,
                           "workers_seconds": workers_by_size[largest],
                           "workers_ratio": workers_ratio_by_size[largest],
                           "workers_by_size": workers_by_size})
        say(f"\ntime grows {growth:.2f}x as fast as the responses (1.00 is linear); "
            f"peak memory {report['peak_rss_mb']} MB")
        return 0 if not report.get("mismatch") else 1
    finally:
        if worker is not None:
            stop_workers(worker)
            if args.concurrency:
                import redis

                redis.Redis(host=HOST, port=6379, db=args.redis_db).flushdb()
        if app is not None:
            with app.app_context():
                from engage.extensions import db

                db.session.remove()
                db.engine.dispose()
        if created:
            drop_database(db_name)
        shutil.rmtree(workdir, ignore_errors=True)
        if report.get("seconds") is not None:
            print(json.dumps(report), flush=True)


if __name__ == "__main__":
    with contextlib.suppress(KeyboardInterrupt):
        sys.exit(main())
