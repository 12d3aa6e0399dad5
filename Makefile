# voiceplatform — two commands on a fresh clone: `make run` and `make test`.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8000
export PORT

.PHONY: run test test-fast lint lock setup system-deps venv bench schema clean

## Set everything up, then run web (gunicorn), a Celery worker and Celery beat in the foreground.
# Links handed out (share pages, emails) point at this server; honcho gives each process its
# own PORT, so the web's address is fixed here for all three.
run: export PUBLIC_BASE_URL ?= http://127.0.0.1:$(PORT)
run: setup
	$(PY) manage.py migrate --noinput
	$(PY) manage.py collectstatic --noinput -v 0
	$(PY) manage.py seed_demo
	@echo "Serving on http://127.0.0.1:$(PORT)  (API docs: /api/docs/, admin: /admin/). Ctrl-C stops all three."
	$(VENV)/bin/honcho -f Procfile start

## Set everything up, then run the whole suite: in parallel where it is safe (pytest-xdist, one
## process per core, each with its own database, data dir, queue and cache prefix), then the fault
## tests on their own, since they kill processes, stop servers, race requests and time the outcome.
test: setup
	$(VENV)/bin/pytest -n auto -m "not fault"
	$(VENV)/bin/pytest -m fault

## The inner loop: the suite without the tests that start a Celery worker, drive chromium or
## cause faults (killed workers, stopped and black-holed Redis, races).
test-fast: setup
	$(VENV)/bin/pytest -n auto -m "not worker and not browser and not fault"

setup: system-deps venv

system-deps:
	@bash scripts/install-system-deps.sh

venv: $(VENV)/.installed

# The development lock holds the runtime lock's versions plus the test and dev tools, all hashed.
$(VENV)/.installed: requirements.txt requirements-dev.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet --require-hashes -r requirements-dev.txt
	touch $@

## Lint and formatting (ruff's settings are in pyproject.toml).
lint: venv
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

## Re-lock after editing requirements.in or requirements-dev.in (versions already locked are kept).
lock: venv
	$(VENV)/bin/uv pip compile --quiet --universal --python-version 3.11 --generate-hashes requirements.in -o requirements.txt
	$(VENV)/bin/uv pip compile --quiet --universal --python-version 3.11 --generate-hashes requirements-dev.in -o requirements-dev.txt

## Benchmarks (prints ratios measured side by side in one run).
bench: setup
	$(PY) benchmarks/run.py

## Write the OpenAPI schema to stdout.
schema: venv
	$(PY) manage.py spectacular --validate

clean:
	rm -rf var/test var/test-gw* .pytest_cache
