"""gunicorn settings for engage's web processes.

    gunicorn 'engage:create_app()'          # reads this file from the working directory
    make web                                # the same, on 127.0.0.1:5000

Every setting can still be given on the command line, which wins (`-w 8`, `-b 0.0.0.0:8000`).

The app is loaded once, in the master, with every template compiled, and the workers are forked
from it: a worker starts serving at once (no 3 s of imports and 2 s of compiling templates while
the first people wait), workers share those pages of memory, and a worker that gunicorn replaces
starts warm too. What must not be shared across a fork is reset in each worker: the database
connection pool (SQLAlchemy's advice for forking servers).
"""

from __future__ import annotations

import os

bind = os.environ.get("ENGAGE_BIND", "127.0.0.1:5000")
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
# Threads let a worker wait on PostgreSQL and Redis for one person while serving another.
worker_class = "gthread"
threads = int(os.environ.get("ENGAGE_WEB_THREADS", "4"))
preload_app = True
# Room for a burst of people arriving at once rather than refused connections.
backlog = 2048


def when_ready(server) -> None:
    """In the master, before any worker is forked: send engage's own log lines where gunicorn
    writes its own, and compile every template once."""
    import logging

    from engage.templating import compile_templates

    # engage logs what an operator must see (a form refused, a task that could not be queued,
    # a two-step secret that cannot be decrypted) on the "engage" logger. With no handler of its
    # own it would reach only Python's last resort: warnings alone, with no time or process,
    # and nothing at all at INFO. Gunicorn's error log has both, and its --log-level and
    # --error-logfile then apply to engage's lines too.
    engage_log = logging.getLogger("engage")
    for handler in server.log.error_log.handlers:
        if handler not in engage_log.handlers:
            engage_log.addHandler(handler)

    app = server.app.wsgi()
    server.log.info("engage: %d templates compiled before forking", compile_templates(app))


def post_fork(server, worker) -> None:
    """In each new worker: forget the master's database connections (if it opened any) without
    closing them, so no two processes ever talk over one connection."""
    from engage.extensions import db

    app = server.app.wsgi()
    with app.app_context():
        for engine in db.engines.values():
            engine.dispose(close=False)
