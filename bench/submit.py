"""N concurrent people complete the residents' questionnaire against gunicorn and PostgreSQL.

    .venv/bin/python bench/submit.py [--clients 50] [--seconds 30] [--web-workers 3]

What it does, in one run (see /work/shared/BENCHMARKS.md):

1. Creates its own PostgreSQL database on 127.0.0.1, builds the schema with the real migrations,
   loads the boroughs and opens a "Have your say" consultation made from the ready template.
2. engage: starts gunicorn (production settings: PostgreSQL, rate-limit counters in Redis
   database 9 with limits raised so one address can drive the load) and runs N clients for
   --seconds. Each client is a person: GET the start page, POST "start", then for every step
   GET the page and POST the answers (a postcode, every page of questions, the optional
   sections, "check your answers"), and reads the reference on the confirmation page. Every
   tenth person sends their answers twice (a double click): that must not store a second
   response. The client fills each form from the HTML it is served, as a browser would,
   choosing answers at random (valid ones: the page's own options).
3. The ceiling, same run, same database, same clients: a minimal Flask app under the same
   gunicorn settings, with the same number of requests per person (GET a small page, POST it,
   ...), whose last POST inserts the same answers as ONE row (JSON, with a unique key).
4. Prints submissions per second for both, p50/p95 latency of every request, errors, and checks
   stored == accepted in the database (lost = accepted but not stored, duplicates = stored
   twice). The last line is one JSON object. Always stops gunicorn and drops the database.
"""

from __future__ import annotations

import argparse
import http.client
import json
import multiprocessing
import os
import random
import re
import secrets
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from html.parser import HTMLParser
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
PROJECT_ROOT = BENCH_DIR.parent
sys.path.insert(0, str(BENCH_DIR))
sys.path.insert(0, str(PROJECT_ROOT))

from invitations import (  # noqa: E402 - the shared bench plumbing lives there
    HOST,
    build_schema,
    create_database,
    drop_database,
    free_port,
    say,
)

# Postcodes in districts that lie wholly in one borough, so no "which borough?" step is needed.
POSTCODES = ["SW3 4AB", "W11 3JE", "N1 9GU", "SE5 8QZ", "E8 1DY", "NW3 2PN", "CR0 2AB"]


# A browser's worth of HTML form handling -------------------------------------------------------

class FormParser(HTMLParser):
    """The first POST form of a page: its action and fields, and the page's reference if any."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.in_form = False
        self.done = False
        self.action = None
        self.fields: list[dict] = []
        self.select: dict | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if self.done:
            return
        if tag == "form" and (attrs.get("method") or "").lower() == "post" and not self.in_form:
            self.in_form, self.action = True, attrs.get("action")
        elif not self.in_form:
            return
        elif tag == "input":
            self.fields.append({"tag": "input", "type": (attrs.get("type") or "text").lower(),
                                "name": attrs.get("name"), "value": attrs.get("value") or "",
                                "inputmode": attrs.get("inputmode"),
                                "checked": "checked" in attrs})
        elif tag == "textarea":
            self.fields.append({"tag": "textarea", "name": attrs.get("name"), "value": ""})
        elif tag == "select":
            self.select = {"tag": "select", "name": attrs.get("name"), "options": []}
            self.fields.append(self.select)
        elif tag == "option" and self.select is not None:
            self.select["options"].append(attrs.get("value") or "")

    def handle_endtag(self, tag):
        if tag == "select":
            self.select = None
        elif tag == "form" and self.in_form:
            self.in_form, self.done = False, True


def fill(fields: list[dict], rng: random.Random) -> list[tuple[str, str]]:
    """Answers a person might give: a valid choice for every question on the page."""
    data: list[tuple[str, str]] = []
    radios: dict[str, list[str]] = {}
    boxes: dict[str, list[str]] = {}
    ranked: dict[str, set[str]] = {}
    dates: dict[str, int] = {}
    for field in fields:
        name = field.get("name")
        if not name:
            continue
        kind = field.get("type")
        if field["tag"] == "select":
            stem = name.rsplit("_", 1)[0]
            taken = ranked.setdefault(stem, set())
            choices = [v for v in field["options"] if v and v not in taken and v != "other"]
            value = rng.choice(choices) if choices else ""
            taken.add(value)
            data.append((name, value))
        elif kind == "hidden":
            data.append((name, field["value"]))
        elif kind == "radio":
            radios.setdefault(name, []).append(field["value"])
        elif kind == "checkbox":
            boxes.setdefault(name, []).append(field["value"])
        elif kind in ("submit", "button"):
            continue
        elif name == "website":  # the honeypot: people never see it
            data.append((name, ""))
        elif field["tag"] == "textarea":
            data.append((name, rng.choice(["", "More patrols near the station, please."])))
        elif "postcode" in name:
            data.append((name, rng.choice(POSTCODES)))
        elif field.get("inputmode") == "numeric" and name in dates:
            dates[name] += 1
            data.append((name, ["12", "6", "2026"][min(dates[name], 2)]))
        elif field.get("inputmode") == "numeric":
            dates.setdefault(name, 0)
            data.append((name, str(rng.randint(1, 3))))
        elif name.endswith("_other"):
            # Kept only if its option is chosen (which the page's labels, not its values, show).
            data.append((name, "Fly-tipping"))
        elif kind == "email" or "email" in name or "phone" in name:
            data.append((name, ""))
        else:
            data.append((name, "A short answer"))
    for name, values in radios.items():
        plain = [v for v in values if v != "other"] or values
        # Decline the optional extras (a reply, the "about you" questions) half the time.
        data.append((name, "no" if "no" in plain and rng.random() < 0.5 else rng.choice(plain)))
    for name, values in boxes.items():
        if not name.startswith("q_"):
            continue  # "I would like a reply" and the like: left unticked
        plain = [v for v in values if v not in ("other", "none", "prefer-not-to-say")]
        data.append((name, rng.choice(plain or values)))
    return data


class Person:
    """One client: a keep-alive connection, its own cookies (set by hand: production cookies are
    Secure, and this bench talks plain HTTP on 127.0.0.1), and the latency of every request."""

    def __init__(self, port: int, latencies: list[float]):
        self.connection = http.client.HTTPConnection(HOST, port, timeout=30)
        self.cookies: dict[str, str] = {}
        self.latencies = latencies

    def request(self, method: str, path: str, form: list[tuple[str, str]] | None = None
                ) -> tuple[int, str, str]:
        headers = {"Host": f"{HOST}", "User-Agent": "engage-bench"}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if form is not None:
            body = urllib.parse.urlencode(form)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        started = time.perf_counter()
        self.connection.request(method, path, body=body, headers=headers)
        response = self.connection.getresponse()
        text = response.read().decode("utf-8", "replace")
        self.latencies.append(time.perf_counter() - started)
        for header, value in response.getheaders():
            if header.lower() == "set-cookie":
                name, _, rest = value.partition("=")
                self.cookies[name.strip()] = rest.split(";", 1)[0]
        return response.status, response.getheader("Location") or "", text


def path_of(location: str) -> str:
    parts = urllib.parse.urlsplit(location)
    return parts.path + (f"?{parts.query}" if parts.query else "")


FORM_START = re.compile(r'<form[^>]*method="post"', re.IGNORECASE)
REFERENCE = re.compile(r"\b([0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z])\b")


def complete_engage(person: Person, start: str, rng: random.Random, double: bool) -> str:
    """Answer every step of the questionnaire; returns the reference on the confirmation page."""
    path = start
    for _step in range(60):
        status, location, page = person.request("GET", path)
        if status in (301, 302, 303):
            path = path_of(location)
            continue
        if status != 200:
            raise RuntimeError(f"GET {path}: {status}")
        found = REFERENCE.search(page)
        if "confirmation" in path and found:
            return found.group(1)
        parser = FormParser()
        # Only the form is parsed: the clients share the machine with the server, and parsing
        # whole GOV.UK pages in Python would take CPU from it.
        begin = FORM_START.search(page)
        parser.feed(page[begin.start():page.find("</form>", begin.start()) + 7] if begin else "")
        if not parser.fields:
            raise RuntimeError(f"no form on {path}")
        action = path_of(parser.action) if parser.action else path
        data = fill(parser.fields, rng)
        status, location, page = person.request("POST", action, data)
        if double and "check-answers" in action:
            status, location, page = person.request("POST", action, data)  # a double click
        if status not in (301, 302, 303):
            errors = re.findall(r'govuk-error-message">\s*<span[^>]*>[^<]*</span>([^<]*)', page)
            raise RuntimeError(f"POST {action}: {status} {errors[:2]}")
        path = path_of(location)
    raise RuntimeError("did not reach the confirmation page in 60 steps")


class InProcessPerson(Person):
    """The same person through Flask's test client, in this process: no sockets, no gunicorn,
    no other load. Over HTTPS (production cookies are Secure) with a Referer, as a browser
    sends it to a site on HTTPS (Flask-WTF checks it)."""

    def __init__(self, client, latencies: list[float]):
        self.client = client
        self.latencies = latencies

    def request(self, method: str, path: str, form: list[tuple[str, str]] | None = None
                ) -> tuple[int, str, str]:
        from werkzeug.datastructures import MultiDict

        started = time.perf_counter()
        response = self.client.open(path, method=method,
                                    data=MultiDict(form) if form is not None else None,
                                    base_url=f"https://{HOST}",
                                    headers={"Referer": f"https://{HOST}/"})
        self.latencies.append(time.perf_counter() - started)
        return (response.status_code, response.headers.get("Location") or "",
                response.get_data(as_text=True))


def in_process_cpu_ms(app, start: str, people: int, rounds: int) -> tuple[float, list[str]]:
    """The app's CPU a request (the client's parsing included), people walked through one after
    another in this process: the best of `rounds`, as the least disturbed by the machine's other
    work. Steadier than rates under load, so small changes show. Also returns the references of
    the responses it stored (the load's check leaves them out)."""
    from engage.templating import compile_templates

    compile_templates(app)
    rng = random.Random(7)
    references = [complete_engage(InProcessPerson(app.test_client(), []), start, rng, False)
                  for _ in range(5)]  # first requests: connections, caches
    best = float("inf")
    for _ in range(rounds):
        latencies: list[float] = []
        used = time.process_time()
        for n in range(people):
            references.append(complete_engage(InProcessPerson(app.test_client(), latencies),
                                              start, rng, double=n % 10 == 9))
        best = min(best, 1000 * (time.process_time() - used) / len(latencies))
    return best, references


def complete_ceiling(person: Person, steps: int, rng: random.Random, double: bool) -> str:
    key = secrets.token_urlsafe(16)
    answers = {f"q{n}": rng.choice(["burglary", "robbery", "drugs", "good", "fair"])
               for n in range(20)}
    for step in range(steps - 1):
        person.request("GET", f"/page/{step}")
        person.request("POST", f"/page/{step}", [("answer", "x")])
    person.request("GET", "/check")
    form = [("key", key), ("answers", json.dumps(answers))]
    status, _location, _page = person.request("POST", "/submit", form)
    if double:
        status, _location, _page = person.request("POST", "/submit", form)
    if status != 303:
        raise RuntimeError(f"ceiling submit: {status}")
    _status, _location, page = person.request("GET", f"/done/{key}")
    return page.strip()


# The ceiling: a minimal Flask app inserting the answers as one row ------------------------------

def ceiling_app():
    """gunicorn 'submit:ceiling_app()': the least any web app must do for the same requests."""
    from flask import Flask, redirect, request
    from sqlalchemy import create_engine, text

    app = Flask(__name__)
    engine = create_engine(os.environ["ENGAGE_DATABASE_URL"], pool_size=5)
    page = ("<!doctype html><title>Question</title><form method=post>"
            "<input name=answer><button>Continue</button></form>")

    @app.get("/page/<int:step>")
    @app.get("/check")
    def show(step: int = 0):
        return page

    @app.post("/page/<int:step>")
    def answer(step: int):
        return redirect(f"/page/{step + 1}", 303)

    @app.post("/submit")
    def submit():
        with engine.begin() as connection:
            connection.execute(text(
                "INSERT INTO ceiling_responses (key, answers)"
                " VALUES (:key, CAST(:answers AS jsonb)) ON CONFLICT (key) DO NOTHING"),
                {"key": request.form["key"], "answers": request.form["answers"]})
        return redirect(f"/done/{request.form['key']}", 303)

    @app.get("/done/<key>")
    def done(key: str):
        return key

    return app


# Load ------------------------------------------------------------------------------------------

def client_process(target: str, port: int, start: str, steps: int, clients: int, seconds: float,
                   seed: int, results: multiprocessing.Queue) -> None:
    """Some of the clients, as threads of one process (the clients' own CPU is split over a few
    processes so that parsing HTML does not become the bottleneck)."""
    accepted: list[str] = []
    errors: list[str] = []
    latencies: list[float] = []
    lock = threading.Lock()
    deadline = time.monotonic() + seconds

    def run(index: int) -> None:
        rng = random.Random(seed * 1000 + index)
        mine: list[float] = []
        done: list[str] = []
        failures: list[str] = []
        count = 0
        while time.monotonic() < deadline:
            person = Person(port, mine)
            double = count % 10 == 9
            count += 1
            try:
                if target == "engage":
                    done.append(complete_engage(person, start, rng, double))
                else:
                    done.append(complete_ceiling(person, steps, rng, double))
            except Exception as error:  # noqa: BLE001 - every failure is counted and shown
                failures.append(f"{type(error).__name__}: {error}")
            finally:
                person.connection.close()
        with lock:
            accepted.extend(done)
            errors.extend(failures)
            latencies.extend(mine)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    results.put({"accepted": accepted, "errors": errors, "latencies": latencies})


def drive(target: str, port: int, start: str, steps: int, clients: int, seconds: float,
          processes: int) -> dict:
    results: multiprocessing.Queue = multiprocessing.Queue()
    share = [clients // processes + (1 if i < clients % processes else 0)
             for i in range(processes)]
    procs = [multiprocessing.Process(target=client_process, args=(
        target, port, start, steps, n, seconds, i, results)) for i, n in enumerate(share) if n]
    started = time.monotonic()
    for proc in procs:
        proc.start()
    merged = {"accepted": [], "errors": [], "latencies": []}
    for _ in procs:
        part = results.get()
        for key in merged:
            merged[key].extend(part[key])
    for proc in procs:
        proc.join()
    elapsed = time.monotonic() - started
    latencies = sorted(merged["latencies"])
    return {
        "seconds": elapsed,
        "accepted": merged["accepted"],
        "errors": merged["errors"],
        "requests": len(latencies),
        "per_s": len(merged["accepted"]) / elapsed,
        "p50_ms": statistics.median(latencies) * 1000 if latencies else 0.0,
        "p95_ms": latencies[int(len(latencies) * 0.95) - 1] * 1000 if latencies else 0.0,
    }


def cpu_seconds(master: subprocess.Popen) -> float:
    """CPU time (user + system) used so far by gunicorn's master and its live workers: the
    server's own cost, apart from the clients' and the database's on the same machine."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            fields = Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue  # gone meanwhile
        pid, ppid = int(entry), int(fields[1])
        if pid == master.pid or ppid == master.pid:
            total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / tick


def start_gunicorn(app_spec: str, port: int, workers: int, threads: int, env: dict,
                   log: Path, chdir: Path, config: Path | None = None) -> subprocess.Popen:
    """gunicorn with `config` (engage's own gunicorn.conf.py), or none; either way the app is
    loaded once in the master and forked (--preload), as deployed."""
    command = [sys.executable, "-m", "gunicorn", "--bind", f"{HOST}:{port}", "--workers",
               str(workers), "--threads", str(threads), "--worker-class", "gthread",
               "--backlog", "2048", "--chdir", str(chdir), "--log-level", "warning",
               "--preload", *(["--config", str(config)] if config else []), app_spec]
    # Started in `chdir`, so gunicorn finds no ./gunicorn.conf.py but the one it is given.
    proc = subprocess.Popen(command, env=env, stdout=log.open("w"), stderr=subprocess.STDOUT,
                            start_new_session=True, cwd=chdir if config is None else None)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            connection = http.client.HTTPConnection(HOST, port, timeout=2)
            connection.request("GET", "/")
            connection.getresponse().read()
            return proc
        except OSError:
            if proc.poll() is not None:
                raise RuntimeError(f"gunicorn exited: {log.read_text()[-2000:]}") from None
            time.sleep(0.2)
    raise RuntimeError("gunicorn did not start in 30 s")


def stop_gunicorn(proc: subprocess.Popen | None) -> None:
    if proc is None or proc.poll() is not None:
        return
    os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()


def set_up(app) -> tuple[int, int]:
    """The consultation, open now for every borough, from the ready template. Returns the
    residents' questionnaire id and the number of steps a person goes through."""
    from datetime import timedelta

    from sqlalchemy import text

    from engage.cli import load_boroughs
    from engage.clock import utcnow
    from engage.extensions import db
    from engage.surveys.models import Audience, Consultation
    from engage.surveys.template import add_template_questionnaires

    load_boroughs()
    consultation = Consultation(slug="have-your-say-bench", title="Have your say (bench)",
                                purpose="Benchmark", opens_at=utcnow() - timedelta(hours=1),
                                closes_at=utcnow() + timedelta(days=1))
    db.session.add(consultation)
    db.session.flush()
    add_template_questionnaires(consultation)
    db.session.execute(text("CREATE TABLE ceiling_responses (id bigserial PRIMARY KEY, "
                            "key text NOT NULL UNIQUE, answers jsonb NOT NULL, "
                            "created_at timestamptz NOT NULL DEFAULT now())"))
    db.session.commit()
    questionnaire = consultation.questionnaire_for(Audience.RESIDENTS)
    return questionnaire.id, len(questionnaire.current_version.sections)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--web-workers", type=int, default=3)
    parser.add_argument("--threads", type=int, default=4, help="gunicorn threads per worker")
    parser.add_argument("--client-processes", type=int, default=2)
    parser.add_argument("--redis-db", type=int, default=9)
    parser.add_argument("--warmup", type=float, default=5,
                        help="seconds of the same load, untimed, before each timed run (the "
                        "same for both: database caches, connection pools, first requests)")
    parser.add_argument("--in-process", type=int, default=30, metavar="PEOPLE",
                        help="also walk this many people through in this process, three times, "
                        "for the app's CPU a request without load (0: don't)")
    args = parser.parse_args()

    import redis
    from sqlalchemy import func, select, text

    redis_url = f"redis://{HOST}:6379/{args.redis_db}"
    db_name = f"engage_bench_{secrets.token_hex(4)}"
    database_url = f"postgresql+psycopg://postgres@{HOST}:5432/{db_name}"
    workdir = Path(tempfile.mkdtemp(prefix="engage-bench-submit-"))
    env = {
        **os.environ,
        "ENGAGE_ENV": "production",
        "ENGAGE_SECRET_KEY": secrets.token_urlsafe(48),
        "ENGAGE_CONTACT_EMAIL": "engage@bench.example.org",
        "ENGAGE_INSTANCE_PATH": str(workdir / "instance"),
        "ENGAGE_DATABASE_URL": database_url,
        "ENGAGE_BROKER_URL": redis_url,
        "ENGAGE_RATELIMIT_STORAGE_URL": redis_url,
        "ENGAGE_BASE_URL": f"https://{HOST}",  # production refuses http:// (links in emails)
        # One address drives the whole load: the limits stay on (their Redis round trip is part
        # of the cost) but high enough never to refuse.
        "ENGAGE_SURVEY_PAGE_LIMIT": "1000000 per minute",
        "ENGAGE_SURVEY_SUBMIT_LIMIT": "1000000 per minute",
    }
    os.environ.update(env)
    redis.Redis(host=HOST, port=6379, db=args.redis_db).flushdb()
    web = None
    created = False
    try:
        create_database(db_name)
        created = True
        from engage import create_app
        from engage.extensions import db
        from engage.surveys.models import Response

        app = create_app()
        with app.app_context():
            schema = build_schema(app)
            questionnaire_id, sections = set_up(app)
        in_process, in_process_references = None, []
        if args.in_process:
            in_process, in_process_references = in_process_cpu_ms(
                app, f"/have-your-say/{questionnaire_id}", args.in_process, rounds=3)
            say(f"engage in-process: {in_process:.2f} ms of CPU a request (best of 3 rounds of "
                f"{args.in_process} people, no load)")
            with app.app_context():
                db.engine.dispose()  # the load's connections are gunicorn's
        say(f"bench/submit.py: {args.clients} clients for {args.seconds:.0f}s each run; "
            f"gunicorn {args.web_workers} workers x {args.threads} threads; database {db_name}")

        port = free_port()
        web = start_gunicorn("engage:create_app()", port, args.web_workers, args.threads, env,
                             workdir / "engage.log", PROJECT_ROOT,
                             config=PROJECT_ROOT / "gunicorn.conf.py")
        start = f"/have-your-say/{questionnaire_id}"
        probe = Person(port, [])
        complete_engage(probe, start, random.Random(0), double=False)
        requests_per_person = len(probe.latencies)  # the pairs and the confirmation page
        steps = requests_per_person // 2
        say(f"engage: one person makes {len(probe.latencies)} requests ({steps} GET + POST "
            "pairs); running the load")
        engage_warm = drive("engage", port, start, steps, args.clients, args.warmup,
                            args.client_processes)
        used = cpu_seconds(web)
        engage = drive("engage", port, start, steps, args.clients, args.seconds,
                       args.client_processes)
        engage["cpu_ms"] = 1000 * (cpu_seconds(web) - used) / max(engage["requests"], 1)
        stop_gunicorn(web)
        say(f"engage: {len(engage['accepted'])} accepted in {engage['seconds']:.1f}s = "
            f"{engage['per_s']:.1f}/s; {engage['requests']} requests, p50 "
            f"{engage['p50_ms']:.1f} ms, p95 {engage['p95_ms']:.1f} ms, server CPU "
            f"{engage['cpu_ms']:.2f} ms a request; errors "
            f"{len(engage['errors'])} {engage['errors'][:3]}")

        web = start_gunicorn("submit:ceiling_app()", port, args.web_workers, args.threads, env,
                             workdir / "ceiling.log", BENCH_DIR)
        ceiling_warm = drive("ceiling", port, start, steps, args.clients, args.warmup,
                             args.client_processes)
        used = cpu_seconds(web)
        ceiling = drive("ceiling", port, start, steps, args.clients, args.seconds,
                        args.client_processes)
        ceiling["cpu_ms"] = 1000 * (cpu_seconds(web) - used) / max(ceiling["requests"], 1)
        stop_gunicorn(web)
        web = None
        say(f"ceiling: {len(ceiling['accepted'])} accepted in {ceiling['seconds']:.1f}s = "
            f"{ceiling['per_s']:.1f}/s; {ceiling['requests']} requests, p50 "
            f"{ceiling['p50_ms']:.1f} ms, p95 {ceiling['p95_ms']:.1f} ms, server CPU "
            f"{ceiling['cpu_ms']:.2f} ms a request; errors {len(ceiling['errors'])}")

        with app.app_context():
            stored_refs = set(db.session.scalars(select(Response.reference)))
            # Less the probe and the people walked through in-process.
            stored = (db.session.scalar(select(func.count()).select_from(Response)) - 1
                      - len(set(in_process_references)))
            ceiling_rows = db.session.scalar(text("SELECT count(*) FROM ceiling_responses"))
            db.session.remove()
            db.engine.dispose()
        # Everything accepted is checked, the warm-up's too; only the timed run is rated.
        accepted = engage_warm["accepted"] + engage["accepted"]
        lost = len([r for r in accepted if r not in stored_refs])
        duplicates = max(0, stored - len(set(accepted)))
        ratio = engage["per_s"] / ceiling["per_s"] if ceiling["per_s"] else 0.0
        say(f"ratio engage / ceiling: {ratio:.2f} (goal >= 0.6); p95 {engage['p95_ms']:.0f} ms "
            f"(goal < 100 ms at 50 clients); stored {stored} for {len(accepted)} accepted "
            f"({len(set(accepted))} distinct): lost {lost}, duplicates {duplicates}; ceiling "
            f"rows {ceiling_rows} for "
            f"{len(ceiling_warm['accepted']) + len(ceiling['accepted'])} accepted")
        report = {
            "engage_per_s": round(engage["per_s"], 2),
            "ceiling_per_s": round(ceiling["per_s"], 2),
            "ratio": round(ratio, 3),
            "p50_ms": round(engage["p50_ms"], 1),
            "p95_ms": round(engage["p95_ms"], 1),
            "clients": args.clients,
            "accepted": len(accepted),
            "stored": stored,
            "lost": lost,
            "duplicates": duplicates,
            "errors": len(engage["errors"]),
            "requests_per_submission": requests_per_person,
            "server_cpu_ms_per_request": round(engage["cpu_ms"], 3),
            "in_process_cpu_ms_per_request": round(in_process, 3) if in_process else None,
            "ceiling_server_cpu_ms_per_request": round(ceiling["cpu_ms"], 3),
            "ceiling_p50_ms": round(ceiling["p50_ms"], 1),
            "ceiling_p95_ms": round(ceiling["p95_ms"], 1),
            "ceiling_accepted": len(ceiling_warm["accepted"]) + len(ceiling["accepted"]),
            "ceiling_stored": ceiling_rows,
            "web_workers": args.web_workers,
            "threads": args.threads,
            "seconds": args.seconds,
            "warmup_seconds": args.warmup,
            "cpus": os.cpu_count(),
            **schema,
        }
    finally:
        stop_gunicorn(web)
        if created:
            drop_database(db_name)
        redis.Redis(host=HOST, port=6379, db=args.redis_db).flushdb()
    print(json.dumps(report), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
