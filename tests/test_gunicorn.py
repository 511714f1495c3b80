"""The web processes as deployed: gunicorn with engage's own gunicorn.conf.py loads the app once
in its master, compiles every template there before forking, and its workers then serve pages
from the database over connections of their own."""

from __future__ import annotations

import http.client
import os
import re
import signal
import subprocess
import sys
import time
import weakref
from pathlib import Path

from engage.templating import compile_templates
from tests.conftest import SECRET_KEY
from tests.mailbox import free_port
from tests.surveys.support import make_consultation

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def test_every_template_compiles(app):
    """What gunicorn's master does before forking: it fails on any template that does not."""
    compiled = compile_templates(app)
    names = app.jinja_env.list_templates(extensions=("html",))
    assert "surveys/public/section.html" in names
    assert compiled >= len(names) > 100
    # Each is in the cache under the key Jinja looks it up by: a later render compiles nothing.
    loader = weakref.ref(app.jinja_env.loader)
    assert all(app.jinja_env.cache.get((loader, name)) is not None for name in names)


def get(port: int, path: str) -> tuple[int, str]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        connection.request("GET", path)
        response = connection.getresponse()
        return response.status, response.read().decode()
    finally:
        connection.close()


def post(port: int, path: str, body: str) -> int:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        connection.request("POST", path, body,
                           {"Content-Type": "application/x-www-form-urlencoded"})
        response = connection.getresponse()
        response.read()
        return response.status
    finally:
        connection.close()


def test_gunicorn_serves_the_public_pages_from_forked_workers(app, backend, tmp_path):
    made = make_consultation(app, title="Have your say 2027 to 2028")
    port = free_port()
    log = tmp_path / "gunicorn.log"
    env = dict(os.environ, ENGAGE_ENV="test", ENGAGE_SECRET_KEY=SECRET_KEY,
               ENGAGE_INSTANCE_PATH=backend["instance"], ENGAGE_DATABASE_URL=backend["database"],
               ENGAGE_BROKER_URL=backend["broker"],
               ENGAGE_RATELIMIT_STORAGE_URL=backend["limits"])
    with open(log, "w") as out:
        server = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "--config", "gunicorn.conf.py", "--workers", "2",
             "--bind", f"127.0.0.1:{port}", "--log-level", "info", "engage:create_app()"],
            cwd=PROJECT_ROOT, env=env, stdout=out, stderr=subprocess.STDOUT,
            start_new_session=True)
    try:
        deadline = time.monotonic() + 60
        while True:
            assert server.poll() is None, log.read_text()
            try:
                status, _ = get(port, "/")
                break
            except OSError:
                assert time.monotonic() < deadline, log.read_text()
                time.sleep(0.2)
        assert status == 200
        start = f"/have-your-say/{made.questionnaire_ids['residents']}"
        # Enough requests that both workers serve some, each from its own connections.
        pages = [get(port, start) for _ in range(12)]
        assert all(status == 200 for status, _ in pages), pages[0]
        assert all("Have your say 2027 to 2028" in body for _, body in pages)
        # The second worker may still be writing its line when the first has served them all.
        deadline = time.monotonic() + 30
        while (text := log.read_text()).count("Booting worker") < 2 \
                and time.monotonic() < deadline:
            time.sleep(0.1)
        assert "templates compiled before forking" in text
        assert text.count("Booting worker") == 2, text
        assert "Traceback" not in text

        # engage's own log lines go where gunicorn's do, with the time, process and level.
        assert post(port, "/sign-in", "email=ada%40example.org&password=x") == 400
        deadline = time.monotonic() + 10
        while "refused a form" not in (text := log.read_text()) and time.monotonic() < deadline:
            time.sleep(0.1)
        [line] = [x for x in text.splitlines() if "refused a form" in x]
        assert re.match(r"\[\d{4}-\d\d-\d\d [\d:]+ [+-]\d{4}\] \[\d+\] \[WARNING\] "
                        r"refused a form: The CSRF token is missing", line), line
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
