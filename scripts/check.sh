#!/usr/bin/env bash
# The inner loop (`make check`): ruff, mypy and import-linter, the unit tests and the API tests on SQLite, spread over every core
# (pytest-xdist; each worker has a SQLite file of its own). No PostgreSQL, no browser, no load test: `make test`
# runs those. Extra arguments go to pytest (e.g. `make check ARGS="-x -k orders"`, or `ARGS="-n 0"` for one process).
set -euo pipefail
cd "$(dirname "$0")/.."
started=$(date +%s)
.venv/bin/python scripts/static_checks.py
TEST_DATABASE_URL="" .venv/bin/python -m pytest -q -n auto tests/unit tests/api "$@"
echo "make check: $(( $(date +%s) - started )) s"
