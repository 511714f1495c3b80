"""Make a borough's response file (engage.datasets) from 1,000,000 responses in PostgreSQL.

    .venv/bin/python bench/response_file.py [--responses 1000000] [--repeat 2]
    .venv/bin/python bench/response_file.py --keep engage_bench_kept  # reuse collate.py's data

What it does, in one run:

1. Creates its own PostgreSQL database on 127.0.0.1 and fills it as bench/collate.py does (the
   ready residents' and businesses' questionnaires, N responses spread over the 32 boroughs,
   each with its ranked priorities, confidence, feeling safe and, for two in three, the
   equality answers), or uses a database kept by either script.
2. engage: the task the workers run (engage.datasets.tasks.make_response_file) makes Camden's
   residents' file, in this process: the ZIP written and kept in the database's file store.
   Seconds, best of --repeat; and this process's peak memory.
3. The floor, same data, same process: the same rows (each Camden resident's response with its
   answers, in order) read by one bare SQL statement and thrown away: what any file of them
   costs before a byte is written.
4. Prints the figures and, as the very last line, one JSON object. Drops the database it made.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import secrets
import shutil
import sys
import tempfile
import time
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH_DIR))
sys.path.insert(0, str(BENCH_DIR.parent))

from collate import (  # noqa: E402 - the same data as the collation bench
    HOST,
    build_schema,
    create_database,
    database_exists,
    drop_database,
    grow,
    kept_consultation,
    peak_rss_mb,
    say,
    setup_consultation,
)

FLOOR = """
SELECT r.id, r.version_id, r.channel, r.submitted_at, a.question_id, a.option_id, a.rank,
       a.text, a.number, a.date
FROM responses r
LEFT JOIN answers a ON a.response_id = r.id AND a.question_id = ANY(:questions)
WHERE r.questionnaire_id = :questionnaire AND r.borough_id = :borough
ORDER BY r.id, a.id
"""


def camden_residents():
    from sqlalchemy import select

    from engage.boroughs.models import Borough
    from engage.extensions import db
    from engage.surveys.models import Audience, Consultation

    consultation = db.session.scalar(select(Consultation).where(Consultation.slug == "bench"))
    borough = db.session.scalar(select(Borough).where(Borough.slug == "camden"))
    return consultation, consultation.questionnaire_for(Audience.RESIDENTS), borough


def time_engage() -> tuple[float, int, int]:
    """Seconds to make the file, its responses and its size."""
    from engage import storage
    from engage.datasets.models import ResponseFile
    from engage.datasets.tasks import make_response_file
    from engage.extensions import db

    consultation, questionnaire, borough = camden_residents()
    file = ResponseFile(consultation=consultation, questionnaire=questionnaire, borough=borough,
                        file_name="bench.zip")
    db.session.add(file)
    db.session.commit()
    file_id = file.id
    db.session.remove()
    started = time.perf_counter()
    outcome = make_response_file.apply(args=[file_id]).get()
    seconds = time.perf_counter() - started
    file = db.session.get(ResponseFile, file_id)
    if outcome != "made":
        raise SystemExit(f"the file was not made: {outcome} {file.last_error}")
    found = (seconds, file.responses, file.size_bytes)
    storage.remove(file.key)
    db.session.delete(file)
    db.session.commit()
    return found


def time_floor() -> tuple[float, int]:
    """Seconds to read the same rows with one bare statement, and how many responses."""
    from sqlalchemy import text

    from engage.datasets.building import Layout
    from engage.extensions import db

    _, questionnaire, borough = camden_residents()
    questions = list(Layout.of(questionnaire).by_question)
    db.session.remove()
    started = time.perf_counter()
    seen, last = 0, None
    with db.engine.connect() as conn:
        rows = conn.execution_options(yield_per=2000).execute(
            text(FLOOR), {"questions": questions, "questionnaire": questionnaire.id,
                          "borough": borough.id})
        for row in rows:
            if row[0] != last:
                seen, last = seen + 1, row[0]
    return time.perf_counter() - started, seen


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--responses", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=2, help="runs of each; the best counts")
    parser.add_argument("--keep", metavar="NAME",
                        help="use the database NAME (bench/collate.py's --keep makes one) and "
                        "keep it afterwards")
    args = parser.parse_args()

    db_name = args.keep or f"engage_bench_{secrets.token_hex(4)}"
    workdir = Path(tempfile.mkdtemp(prefix="engage-bench-"))
    os.environ.update({
        "ENGAGE_ENV": "development",
        "ENGAGE_INSTANCE_PATH": str(workdir / "instance"),
        "ENGAGE_DATABASE_URL": f"postgresql+psycopg://postgres@{HOST}:5432/{db_name}",
    })
    created, app, report = False, None, {}
    try:
        say(f"bench/response_file.py: {args.responses:,} responses; database {db_name}")
        kept = bool(args.keep) and database_exists(db_name)
        if not kept:
            create_database(db_name)
        created = not args.keep
        from engage import create_app
        from engage.extensions import db

        app = create_app()
        with app.app_context():
            if kept:
                from flask_migrate import upgrade

                upgrade()
                consultation_id, have = kept_consultation()
            else:
                build_schema()
                consultation_id, have = setup_consultation(), 0
            db.session.commit()
            if have < args.responses:
                started = time.perf_counter()
                grow(consultation_id, have, args.responses)
                say(f"{args.responses - have:,} responses generated in "
                    f"{time.perf_counter() - started:.1f}s")
                have = args.responses
            engage, responses, size = min(time_engage() for _ in range(args.repeat))
            floor, seen = min(time_floor() for _ in range(args.repeat))
            if seen != responses:
                raise SystemExit(f"MISMATCH: the file has {responses:,} responses, the floor "
                                 f"read {seen:,}")
            say(f"  engage: Camden's residents' file, {responses:,} responses "
                f"({size / 2**20:.1f} MB zipped), in {engage:.2f}s")
            say(f"  floor:  the same rows read by one bare statement in {floor:.2f}s")
            say(f"  ratio {engage / floor:.2f}; peak memory {peak_rss_mb():.0f} MB")
            report = {"responses_in_database": have, "responses": responses,
                      "seconds": round(engage, 3), "floor_seconds": round(floor, 3),
                      "ratio": round(engage / floor, 2), "zip_mb": round(size / 2**20, 2),
                      "peak_rss_mb": round(peak_rss_mb(), 1)}
        return 0
    finally:
        if app is not None:
            with app.app_context():
                from engage.extensions import db

                db.session.remove()
                db.engine.dispose()
        if created:
            drop_database(db_name)
        shutil.rmtree(workdir, ignore_errors=True)
        if report:
            print(json.dumps(report), flush=True)


if __name__ == "__main__":
    with contextlib.suppress(KeyboardInterrupt):
        sys.exit(main())
