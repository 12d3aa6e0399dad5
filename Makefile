# voiceplatform — two commands on a fresh clone: `make run` and `make test`.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8000
export PORT

.PHONY: run test test-fast setup system-deps venv bench schema clean

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

## Set everything up, then run the whole suite.
test: setup
	$(VENV)/bin/pytest

## The suite without the fault tests (killed workers, stopped and black-holed Redis, races).
test-fast: setup
	$(VENV)/bin/pytest -m "not fault"

setup: system-deps venv

system-deps:
	@bash scripts/install-system-deps.sh

venv: $(VENV)/.installed

$(VENV)/.installed: requirements.txt requirements-test.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements-test.txt
	touch $@

## Benchmarks (prints ratios measured side by side in one run).
bench: setup
	$(PY) benchmarks/run.py

## Write the OpenAPI schema to stdout.
schema: venv
	$(PY) manage.py spectacular --validate

clean:
	rm -rf var/test .pytest_cache
