# DataChat: `make run` serves the demo, `make test` runs the whole suite. Both set up the venv.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
STAMP := $(VENV)/.installed

.PHONY: install run test lint format bench seed clean drills

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
	$(PY) manage.py runserver 127.0.0.1:8000

test: install
	$(PY) -m pytest -n 2 --dist loadfile $(PYTEST_ARGS)

# Fault drills (tests/faults, marker `drill`): Redis down, the broker down and a worker killed
# mid-index, the app database down, reindex_knowledge under load. Bounded, loopback only; each
# asserts its outcome (nobody logged out, no edit missing from the index after recovery).
drills: install
	DATACHAT_REQUIRE_SERVICES=1 $(PY) -m pytest -m drill -p no:cacheprovider $(PYTEST_ARGS)

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

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
