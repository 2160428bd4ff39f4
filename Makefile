# DataChat: `make run` serves the demo, `make test` runs the whole suite. Both set up the venv.
# `make up` runs the production process model (web, worker, beat) against PostgreSQL and Redis.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
STAMP := $(VENV)/.installed

.PHONY: install run up test lint format bench seed clean drills loadtest

# `make up`: the local PostgreSQL and Redis by default; override on the command line.
UP_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/datachat
UP_REDIS_URL ?= redis://127.0.0.1:6379/0
UP_DATA_DIR ?= var/up
UP_ENV := DJANGO_SETTINGS_MODULE=datachat.settings.local DATABASE_URL=$(UP_DATABASE_URL) \
	REDIS_URL=$(UP_REDIS_URL) DATACHAT_DATA_DIR=$(UP_DATA_DIR)
# The demo's server: gunicorn, as in production (datachat/gunicorn.conf.py), with local settings
# (wsgi.py alone would load the production ones, which need real secrets).
RUN_ENV := DJANGO_SETTINGS_MODULE=datachat.settings.local GUNICORN_BIND=127.0.0.1:8000 \
	GUNICORN_WORKERS=$${GUNICORN_WORKERS:-2}

$(STAMP): requirements.txt requirements-dev.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --disable-pip-version-check -r requirements-dev.txt
	$(PY) -m datachat.assets
	touch $(STAMP)

install: $(STAMP)

run: install
	$(PY) manage.py migrate --noinput
	$(PY) manage.py seed_demo
	@echo ""
	@echo "DataChat is starting on http://127.0.0.1:8000/ — log in as analista / datachat-demo"
	@echo "(other demo users: admin, cientifica, visor, steward, auditor, globex_analyst; demo only)"
	$(RUN_ENV) $(VENV)/bin/gunicorn --config datachat/gunicorn.conf.py datachat.wsgi:application

up: install
	DATABASE_URL=$(UP_DATABASE_URL) $(PY) -m datachat.createdb
	$(UP_ENV) $(PY) manage.py migrate --noinput
	$(UP_ENV) $(PY) manage.py seed_demo
	@echo ""
	@echo "DataChat (web, worker, beat) is starting on http://127.0.0.1:8000/ — log in as analista / datachat-demo"
	$(UP_ENV) GUNICORN_BIND=127.0.0.1:8000 GUNICORN_WORKERS=$${GUNICORN_WORKERS:-2} \
		PATH=$(CURDIR)/$(VENV)/bin:$$PATH $(VENV)/bin/honcho start --procfile Procfile --app-root .

test: install
	$(PY) -m pytest -n 2 --dist loadfile $(PYTEST_ARGS)

# Fault drills (tests/faults, marker `drill`): Redis down, the broker down and a worker killed
# mid-index, the app database down, reindex_knowledge under load. Bounded, loopback only; each
# asserts its outcome (nobody logged out, no edit missing from the index after recovery).
drills: install
	DATACHAT_REQUIRE_SERVICES=1 $(PY) -m pytest -m drill -p no:cacheprovider $(PYTEST_ARGS)

# Load test (locust, headless, bounded): gunicorn on loopback against PostgreSQL and Redis as
# `make up`, 32 concurrent users for 30 s; prints requests/s and p50/p95/p99 per scenario
# (cached answer, uncached answer, /health baseline). docs/deploy.md has the figures.
LOADTEST_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/datachat_loadtest
LOADTEST_REDIS_URL ?= redis://127.0.0.1:6379/3
LOADTEST_ARGS ?= --users 32 --seconds 30 --workers 3
loadtest: install
	DATABASE_URL=$(LOADTEST_DATABASE_URL) REDIS_URL=$(LOADTEST_REDIS_URL) \
		DATACHAT_DATA_DIR=var/loadtest $(PY) -m datachat.loadtest $(LOADTEST_ARGS)

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports

format: install
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

bench: install
	$(PY) manage.py migrate --noinput
	$(PY) manage.py seed_demo
	$(PY) manage.py bench --llm-stub

seed: install
	$(PY) manage.py migrate --noinput
	$(PY) manage.py seed_demo

clean:
	rm -rf $(VENV) var .pytest_cache
