# engage: the README's commands. `make help` lists them.
#
# Nothing here needs a running service: the defaults are SQLite files and an SQLite-backed Celery
# broker under instance/. Point ENGAGE_DATABASE_URL, ENGAGE_BROKER_URL and
# ENGAGE_RATELIMIT_STORAGE_URL at PostgreSQL and Redis for production-like runs.

SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app engage
PYTEST_ARGS ?=
CHROMIUM ?= /usr/bin/chromium

# Stamp files: their age against their inputs tells make whether a step is already done.
PIP_STAMP := $(VENV)/.engage-pip-installed
NPM_STAMP := node_modules/.engage-npm-installed
STATIC_STAMP := engage/static/.engage-built
LOCKFILE := $(wildcard package-lock.json)

.PHONY: help install run test worker beat web lint clean distclean check-ports chromium constraints

help: ## List the commands
	@echo "engage: make targets"
	@grep -E '^[a-z][a-zA-Z_-]*:.*## ' $(MAKEFILE_LIST) \
		| awk 'BEGIN {FS = ":.*## "} {printf "  make %-10s %s\n", $$1, $$2}'
	@echo
	@echo "  make test PYTEST_ARGS='-k signin -x'   passes arguments to pytest"

install: $(PIP_STAMP) $(STATIC_STAMP) ## Create .venv, install Python and npm packages, build CSS/JS (fast when done)

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(PIP_STAMP): pyproject.toml setup.py constraints.txt | $(BIN)/python
	$(BIN)/python -m pip install --disable-pip-version-check -q -c constraints.txt -e '.[dev]'
	@touch $@

$(NPM_STAMP): package.json $(LOCKFILE)
	@# --ignore-scripts: no package here needs an install script (sass's optional file watcher
	@# would try to compile one).
	if [ -f package-lock.json ]; then npm ci --ignore-scripts --no-audit --no-fund; \
	else npm install --ignore-scripts --no-audit --no-fund; fi
	@touch $@

$(STATIC_STAMP): $(NPM_STAMP) package.json $(wildcard engage/assets/*.scss engage/assets/*.js)
	npm run --silent build
	@touch $@

# ---- development ---------------------------------------------------------------------------

# Only these targets default to development; everything else is production unless told.
run check-ports: export ENGAGE_ENV ?= development

check-ports:
	@$(BIN)/python -c 'import socket, sys; \
	busy = [p for p in (5000, int(sys.argv[1])) if socket.socket().connect_ex(("127.0.0.1", p)) == 0]; \
	busy and sys.exit("Something is already listening on 127.0.0.1 port(s) %s: is engage already running (make run in another terminal)? Stop it first." % ", ".join(map(str, busy)))' \
		"$${ENGAGE_SMTP_PORT:-1025}"

run: install check-ports ## Run web, worker, beat and the mail catcher (Ctrl-C stops all)
	$(FLASK) db upgrade
	$(FLASK) engage boroughs
	$(FLASK) engage demo
	@echo
	@echo "  engage is starting at      http://127.0.0.1:5000"
	@echo "  mail it sends is shown at  http://127.0.0.1:5000/dev/mail"
	@echo "  Ctrl-C stops everything."
	@echo
	exec $(BIN)/honcho -f Procfile.dev start

# One test process per core (at most 4): each has its own database, broker and counters
# (tests/conftest.py). PYTEST_WORKERS=0 runs them all in this one process. Not --dist worksteal:
# it runs a module's tests out of their order, and the modules that build one world for all their
# tests (tests/test_wrong_parent.py) change it in a later test.
PYTEST_WORKERS ?= auto

test: install chromium ## Run the tests (embedded SQLite defaults; see ENGAGE_TEST_* in the README)
	$(BIN)/pytest -n $(PYTEST_WORKERS) --maxprocesses=4 $(PYTEST_ARGS)

# Browser tests drive Debian's Chromium (/usr/bin/chromium); install it when we can.
chromium:
	@if [ ! -x "$(CHROMIUM)" ]; then \
		if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
			echo "Installing Chromium for the browser tests (apt-get)..."; \
			export DEBIAN_FRONTEND=noninteractive; \
			apt-get update -qq && apt-get install -y -qq chromium chromium-driver libpango-1.0-0 libpangoft2-1.0-0 >/dev/null \
				|| { echo "Could not install chromium: browser tests will fail." >&2; exit 1; }; \
		else \
			echo "WARNING: $(CHROMIUM) is missing and this is not a root Debian shell," \
				"so the browser tests will fail. Install it with:" >&2; \
			echo "    sudo apt-get install chromium chromium-driver" >&2; \
		fi; \
	fi

# ---- production-like processes (one each; set ENGAGE_* in the environment) ----------------

worker: install ## Run one Celery worker (all queues)
	exec $(BIN)/celery -A worker worker --loglevel=INFO

beat: install ## Run Celery beat (the periodic tasks; exactly one per deployment)
	exec $(BIN)/celery -A worker beat --loglevel=INFO

web: install ## Serve with gunicorn (gunicorn.conf.py: 127.0.0.1:5000, WEB_CONCURRENCY workers, default 2)
	exec $(BIN)/gunicorn 'engage:create_app()'

# ---- housekeeping --------------------------------------------------------------------------

lint: $(PIP_STAMP) ## Check the Python code with ruff
	$(BIN)/ruff check .

clean: ## Remove built assets, node_modules and caches (keeps .venv and instance/)
	rm -rf engage/static node_modules build dist .pytest_cache .ruff_cache tests/screenshots
	rm -rf ./*.egg-info $(PIP_STAMP)
	find . -path ./$(VENV) -prune -o -name __pycache__ -type d -print0 | xargs -0 rm -rf

distclean: clean ## Also remove .venv (instance/, your local data, is never removed)
	rm -rf $(VENV)

# A throwaway venv takes the newest releases pyproject.toml allows; its versions become the
# constraints. Then `make install` brings .venv up to them: run the tests before committing.
constraints: ## Refresh constraints.txt with the newest releases pyproject.toml allows
	rm -rf build/constraints-venv
	$(PYTHON) -m venv build/constraints-venv
	build/constraints-venv/bin/python -m pip install --disable-pip-version-check -q -e '.[dev]'
	{ sed -n '/^#/p' constraints.txt; \
	  build/constraints-venv/bin/python -m pip freeze --exclude-editable; } > constraints.txt.new
	mv constraints.txt.new constraints.txt
	rm -rf build/constraints-venv
	@echo "constraints.txt refreshed: git diff constraints.txt shows what changed."
