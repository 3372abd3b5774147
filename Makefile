# Two commands: `make run` (set up and serve on http://127.0.0.1:8000) and `make test` (set up and run
# the whole suite on SQLite and PostgreSQL). `make check` is the fast inner loop (docs/testing.md).
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3.12 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp

.PHONY: run test check setup lint bench messages clean

# --no-compile: pip would compile every installed package's .pyc up front (~11 of a clean clone's 28 s); Python
# writes them on first import instead, for the modules actually used.
$(STAMP): pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet --no-compile -e '.[test]'
	@touch $(STAMP)

setup: $(STAMP)

run: $(STAMP)
	@bash scripts/run.sh

# Timed from here, set-up included: the summary at the end says how long `make test` took, and each group.
test:
	@started=$$(date +%s.%N); $(MAKE) --no-print-directory setup && NG_TEST_STARTED=$$started bash scripts/test.sh

# The inner loop: ruff, mypy, import-linter, the unit tests and the API tests on SQLite (no PostgreSQL, no browser, no load test).
check: $(STAMP)
	@bash scripts/check.sh $(ARGS)

lint: $(STAMP)
	$(PY) scripts/static_checks.py

bench: $(STAMP)
	@bash scripts/bench.sh

# The translation catalogues from the code: extract frontend/locale/messages.pot, update nl and en (devtools/messages.py).
messages: $(STAMP)
	$(PY) -m devtools.messages

clean:
	rm -rf $(VENV) var test-results .pytest_cache .mypy_cache
