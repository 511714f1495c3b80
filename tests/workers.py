"""Real Celery worker processes for the tests that prove delivery through the broker."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from tests.conftest import SECRET_KEY

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def start_worker(backend: dict, smtp_server, log_path: Path, **settings: str):
    """Start `celery -A worker worker` on this run's database, broker and SMTP server, with any
    other ENGAGE_* settings given, and wait until it is ready."""
    env = dict(os.environ)
    env.update({
        "ENGAGE_ENV": "test",
        "ENGAGE_SECRET_KEY": SECRET_KEY,
        "ENGAGE_INSTANCE_PATH": backend["instance"],
        "ENGAGE_DATABASE_URL": backend["database"],
        "ENGAGE_BROKER_URL": backend["broker"],
        "ENGAGE_SMTP_HOST": smtp_server.host,
        "ENGAGE_SMTP_PORT": str(smtp_server.port),
        "ENGAGE_BASE_URL": "http://localhost",
        **settings,
    })
    with open(log_path, "a") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "worker", "worker", "--pool=solo",
             "--loglevel=INFO", "--without-gossip", "--without-mingle", "--without-heartbeat",
             f"--hostname=engage-test-{time.monotonic_ns()}@%h"],
            cwd=PROJECT_ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
        )
    _wait_until_ready(process, log_path)
    return process


def _wait_until_ready(process, log_path: Path, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    seen = log_path.read_text().count(" ready.") if log_path.exists() else 0
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"the worker exited:\n{log_path.read_text()}")
        if log_path.read_text().count(" ready.") > seen:
            return
        time.sleep(0.2)
    raise AssertionError(f"the worker did not start:\n{log_path.read_text()}")


def stop_worker(process) -> None:
    if process.poll() is not None:
        return
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
