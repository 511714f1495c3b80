"""Render print runs of 100, 500 and 2,000 paper requests; print seconds, pages and peak memory.

    .venv/bin/python bench/print_run.py                   # 100, 500 and 2,000: about 3 minutes
    .venv/bin/python bench/print_run.py --sizes 100 500   # fewer sizes
    .venv/bin/python bench/print_run.py --size 100 --keep /tmp/run.pdf   # one size, keep the PDF

Each size runs in a fresh child process (this script again, with --size N), so the peak memory
(ru_maxrss) belongs to that size alone. The child builds its own SQLite database in a temporary
instance folder (the render is the same code on PostgreSQL; the database does little here): the
32 boroughs, a consultation with the ready residents' questionnaire, and N requests in Camden
(bulk inserts, not measured; 85% standard print, 10% large print, 5% easy read). It gathers them
into one print run and times engage.mailouts.tasks.render_print_run in that process: every chunk
rendered with WeasyPrint, the chunks joined (engage.mailouts.pdfjoin), the labels CSV written.

These machines are shared: seconds vary with what else runs, so cpu_seconds (the process's own
CPU time for the render) is printed beside them. The goal is memory that does not grow with the
run: it is rendered CHUNK recipients at a time, each chunk written to its own file and
forgotten. The child's high-water mark is reset (Linux's /proc/self/clear_refs) once setting up
is done, so peak_rss_mb (ru_maxrss) and render_peak_rss_mb (VmHWM) are the render's own;
setup_rss_mb is the peak before it. They should be about the same for 500 and 2,000 requests
(the first few chunks fill WeasyPrint's caches). The last line is one JSON object:
{"runs": [{"requests": N, "seconds": S, "peak_rss_mb": M, "pages": P, ...}, ...]}.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
SIZES = (100, 500, 2000)


def say(*parts) -> None:
    print(*parts, flush=True)


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: kilobytes


def reset_high_water_mark() -> bool:
    """Start Linux's VmHWM again from the current size, so the render's own peak shows even when
    setting up (imports, bulk inserts) reached more."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        return False
    return True


def high_water_mark_mb() -> float | None:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return None


def measure(size: int, keep: str | None) -> dict:
    """One print run of `size` requests, in this process. Returns its figures."""
    sys.path.insert(0, str(PROJECT_ROOT))
    os.environ["ENGAGE_ENV"] = "test"
    from sqlalchemy import insert, select

    from engage import create_app
    from engage.cli import load_boroughs
    from engage.clock import utcnow
    from engage.extensions import db
    from engage.mailouts import files, operations
    from engage.mailouts.models import PaperFormat, PaperRequest, PrintRun
    from engage.mailouts.operations import match_key
    from engage.mailouts.tasks import CHUNK, render_print_run
    from engage.surveys.models import Consultation
    from engage.surveys.references import new_reference
    from engage.surveys.template import add_template_questionnaires
    from tests.factories import borough

    instance = tempfile.mkdtemp(prefix="engage-bench-print-")
    app = create_app({"ENGAGE_ENV": "test", "SECRET_KEY": "bench-" + "x" * 40,
                      "ENGAGE_INSTANCE_PATH": instance,
                      "SQLALCHEMY_DATABASE_URI": f"sqlite:///{instance}/bench.db",
                      "ENGAGE_TASK_DISPATCH": "record"})
    with app.app_context():
        db.create_all()
        load_boroughs()
        now = utcnow()
        consultation = Consultation(slug="have-your-say", title="Have your say 2027",
                                    purpose="Tell us what the police should focus on.",
                                    opens_at=now - timedelta(days=1),
                                    closes_at=now + timedelta(days=30))
        db.session.add(consultation)
        residents = add_template_questionnaires(consultation)[0]
        camden = borough("camden")
        formats = ([PaperFormat.STANDARD] * 17 + [PaperFormat.LARGE_PRINT] * 2
                   + [PaperFormat.EASY_READ])
        rows = []
        for n in range(size):
            name, line = f"Resident Number {n}", f"{n} Gordon Square"
            rows.append({"questionnaire_id": residents.id, "borough_id": camden.id,
                         "reference": new_reference(), "name": name, "address_line_1": line,
                         "address_line_2": "", "town": "London", "postcode": "WC1H 0AG",
                         "match_key": match_key(name, line, "WC1H 0AG"),
                         "format": formats[n % len(formats)], "language": "", "notes": "",
                         "consented_at": now, "requested_at": now})
        db.session.execute(insert(PaperRequest), rows)
        run = operations.gather(camden)[0]
        db.session.commit()
        run_id = run.id
        db.session.remove()
        setup_rss = peak_rss_mb()
        resettable = reset_high_water_mark()

        started, cpu_started = time.perf_counter(), time.process_time()
        outcome = render_print_run(run_id)
        seconds = time.perf_counter() - started
        cpu_seconds = time.process_time() - cpu_started

        run = db.session.get(PrintRun, run_id)
        pdf = files.kept(run, run.pdf_name)
        figures = {"requests": size, "seconds": round(seconds, 1),
                   "cpu_seconds": round(cpu_seconds, 1),
                   "peak_rss_mb": round(peak_rss_mb(), 1), "pages": run.page_count,
                   "setup_rss_mb": round(setup_rss, 1), "outcome": outcome,
                   "render_peak_rss_mb": (round(high_water_mark_mb(), 1) if resettable
                                          else None),
                   "pdf_mb": round(pdf.size / 2**20, 1), "chunk": CHUNK,
                   "pages_per_s": round(run.page_count / seconds, 1),
                   "rendered": db.session.scalar(select(PrintRun.rendered_count)
                                                 .where(PrintRun.id == run_id))}
        if keep:
            Path(keep).write_bytes(files.read(run, run.pdf_name))
        db.session.remove()
        db.engine.dispose()
    shutil.rmtree(instance, ignore_errors=True)
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=list(SIZES))
    parser.add_argument("--size", type=int, help="measure one size in this process")
    parser.add_argument("--keep", help="with --size: copy the run's PDF here")
    args = parser.parse_args()

    if args.size:
        print(json.dumps(measure(args.size, args.keep)), flush=True)
        return

    runs = []
    for size in args.sizes:
        say(f"print run of {size:,} requests (a fresh process)...")
        child = subprocess.run([sys.executable, __file__, "--size", str(size)],
                               capture_output=True, text=True, cwd=PROJECT_ROOT, check=False)
        if child.returncode != 0:
            say(child.stdout, child.stderr)
            sys.exit(f"the run of {size} requests failed")
        figures = json.loads(child.stdout.strip().splitlines()[-1])
        runs.append(figures)
        say(f"  {figures['seconds']:>7.1f} s ({figures['cpu_seconds']:.1f} s of CPU)  "
            f"{figures['pages']:>6,} pages ({figures['pages_per_s']} a second)  "
            f"peak {figures['peak_rss_mb']:.0f} MB "
            f"(setting up {figures['setup_rss_mb']:.0f} MB, rendering "
            f"{figures['render_peak_rss_mb']} MB)  PDF {figures['pdf_mb']} MB")
    if len(runs) > 1:
        for key in ("peak_rss_mb", "render_peak_rss_mb"):
            if runs[0][key] is not None and runs[-1][key] is not None:
                say(f"{key} from {runs[0]['requests']:,} to {runs[-1]['requests']:,} requests: "
                    f"{runs[-1][key] - runs[0][key]:+.1f} MB")
    print(json.dumps({"runs": runs}))


if __name__ == "__main__":
    main()
