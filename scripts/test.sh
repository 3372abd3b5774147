#!/usr/bin/env bash
# Set up and run the whole suite: pure unit tests once, API tests and the slow load group on SQLite and on
# PostgreSQL, browser tests in Debian's Chromium on both. Prints one closing line with the totals.
set -uo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python
export TEST_DATABASE_URL_PG="${TEST_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/test}"
RESULTS=build/test-reports  # not test-results/: pytest-playwright empties that folder when it starts
rm -rf "$RESULTS/junit" && mkdir -p "$RESULTS/junit"
status=0

PG_HOST=$("$PY" -c 'import sys, urllib.parse as u; print(u.urlsplit(sys.argv[1]).hostname or "127.0.0.1")' "$TEST_DATABASE_URL_PG")
PG_PORT=$("$PY" -c 'import sys, urllib.parse as u; print(u.urlsplit(sys.argv[1]).port or 5432)' "$TEST_DATABASE_URL_PG")

ensure_postgres() {
  if pg_isready -q -h "$PG_HOST" -p "$PG_PORT" 2>/dev/null; then return 0; fi
  # Only a local server can be started from here.
  case "$PG_HOST" in 127.0.0.1|localhost|::1) ;; *) return 1 ;; esac
  # A local cluster that is merely stopped can be started (trust auth, database `test`).
  if command -v pg_ctlcluster >/dev/null 2>&1 && [ -d /etc/postgresql ]; then
    pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -n1)" main start >/dev/null 2>&1 || true
    for _ in $(seq 1 20); do pg_isready -q -h "$PG_HOST" -p "$PG_PORT" && return 0; sleep 0.5; done
  fi
  return 1
}

run_pytest() {  # name, then pytest arguments
  local name=$1; shift
  echo "=== $name ==="
  "$PY" -m pytest -q --junitxml="$RESULTS/junit/$name.xml" "$@"
  local rc=$?
  # 5 = no tests collected (a folder that is still empty): not a failure of the suite.
  if [ $rc -ne 0 ] && [ $rc -ne 5 ]; then status=1; fi
}

run_pytest unit tests/unit
TEST_DATABASE_URL="" run_pytest api-sqlite tests/api
# The long-running group (about a minute per engine): 2 workers under load, held + paid sampled against capacity.
TEST_DATABASE_URL="" run_pytest load-sqlite tests/load -m slow

chromium=0
if bash scripts/ensure-chromium.sh; then
  chromium=1
  TEST_DATABASE_URL="" run_pytest browser-sqlite tests/browser -m browser
else
  echo "Chromium could not be installed: browser tests failed to run" >&2
  status=1
fi

if ensure_postgres; then
  TEST_DATABASE_URL="$TEST_DATABASE_URL_PG" run_pytest api-postgres tests/api
  # On a database of its own: TEST_LOAD_DATABASE_URL, or the test database's name + "_load" (created).
  TEST_DATABASE_URL="$TEST_DATABASE_URL_PG" run_pytest load-postgres tests/load -m slow
  if [ $chromium -eq 1 ]; then
    TEST_DATABASE_URL="$TEST_DATABASE_URL_PG" run_pytest browser-postgres tests/browser -m browser
  fi
elif [ "${CI:-}" = "true" ]; then
  echo "PostgreSQL is required on CI but not reachable at $PG_HOST:$PG_PORT" >&2
  status=1
else
  echo "PostgreSQL not reachable: skipping the PostgreSQL run (it is required when CI=true)." >&2
fi

"$PY" scripts/summarise_junit.py "$RESULTS/junit" || status=1
exit $status
