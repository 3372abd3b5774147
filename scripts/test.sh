#!/usr/bin/env bash
# Run the whole suite (`make test`; CI runs it with CI=true): the pure unit tests once; the API tests, the slow
# load group and the browser journeys on SQLite and on PostgreSQL; the engine-independent page checks (layout,
# axe, page budget) once, with the app on SQLite. The groups run from a queue, five at a time (longest first, a
# free slot takes the next), so the browser's waiting (page loads, webhooks) and PostgreSQL's overlap the other
# groups' work on a 2-core machine. Each group's output is printed whole when it ends; the summary at the end has
# every group's time and CPU seconds, how busy the machine was, and the totals. docs/testing.md says what runs
# where and why.
set -uo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python
PG_URL="${TEST_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/test}"
RESULTS=build/test-reports  # not test-results/: screenshots and page weights go there
started="${NG_TEST_STARTED:-$(date +%s.%N)}"  # `make test` passes the time it began (set-up included)
rm -rf "$RESULTS/junit" "$RESULTS/logs" "$RESULTS/times" && mkdir -p "$RESULTS/junit" "$RESULTS/logs" "$RESULTS/times"
head -n1 /proc/stat >"$RESULTS/times/.proc-stat" 2>/dev/null || true  # the machine's CPU counters: how busy the run kept it
status=0

PG_HOST=$("$PY" -c 'import sys, urllib.parse as u; print(u.urlsplit(sys.argv[1]).hostname or "127.0.0.1")' "$PG_URL")
# The browser runs beside the PostgreSQL API group, so its app gets a database of its own: the name + "_browser".
PG_BROWSER_URL=$("$PY" -c 'import sys, urllib.parse as u; p = u.urlsplit(sys.argv[1]); print(u.urlunsplit(p._replace(path=p.path.rstrip("/") + "_browser")))' "$PG_URL")
PG_PORT=$("$PY" -c 'import sys, urllib.parse as u; print(u.urlsplit(sys.argv[1]).port or 5432)' "$PG_URL")

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

# One group: pytest with its own JUnit file, log, playwright output and cache folder (groups run side by side),
# its slowest tests listed; its log printed whole (under a lock, so groups never interleave) when it ends.
run_group() {  # name, database URL ("" = a temporary SQLite file), then pytest arguments
  local name=$1 url=$2; shift 2
  local t0
  t0=$(date +%s.%N)
  local TIMEFORMAT='%U %S' rc  # the CPU seconds of the group and the children it reaped (user, system)
  { time TEST_DATABASE_URL="$url" "$PY" -m pytest -q --junitxml="$RESULTS/junit/$name.xml" --durations=8 \
    --durations-min=2 --output="build/playwright/$name" -o cache_dir=".pytest_cache/$name" "$@" \
    >"$RESULTS/logs/$name.log" 2>&1; rc=$?; } 2>"$RESULTS/times/$name.cpu"
  finish_group "$name" "$t0" $rc
}

# A group's bookkeeping: its time, a failure noted, its log printed whole (under a lock, so groups never interleave).
finish_group() {  # name, start time, exit status
  local name=$1 t0=$2 rc=$3 t1
  t1=$(date +%s.%N)
  # 5 = no tests collected (a folder that is still empty): not a failure of the suite.
  if [ "$rc" -ne 0 ] && [ "$rc" -ne 5 ]; then echo "$name" >>"$RESULTS/times/failed"; fi
  printf '%s %s %s %s\n' "$name" "$t0" "$t1" "$rc" >"$RESULTS/times/$name"
  {
    flock 9
    printf '\n=== %s (%.0f s, exit %s) ===\n' "$name" "$(awk "BEGIN { print $t1 - $t0 }")" "$rc"
    cat "$RESULTS/logs/$name.log"
  } 9>"$RESULTS/times/.print-lock"
}

chromium=0
if bash scripts/ensure-chromium.sh; then
  chromium=1
else
  echo "Chromium could not be installed: browser tests failed to run" >&2
  status=1
fi

postgres=0
if ensure_postgres; then
  postgres=1
elif [ "${CI:-}" = "true" ]; then
  echo "PostgreSQL is required on CI but not reachable at $PG_HOST:$PG_PORT" >&2
  status=1
else
  echo "PostgreSQL not reachable: skipping the PostgreSQL groups (they are required when CI=true)." >&2
fi

# ruff, mypy and import-linter, as a group of their own (scripts/static_checks.py writes its JUnit file).
run_static_checks() {
  local t0
  t0=$(date +%s.%N)
  "$PY" scripts/static_checks.py --junit "$RESULTS/junit/static-checks.xml" >"$RESULTS/logs/static-checks.log" 2>&1
  finish_group static-checks "$t0" $?
}

# The groups, longest first (their times in the clean-clone runs, docs/testing.md): a queue, not fixed lanes.
# NG_TEST_SLOTS of them (default 5) run at once, and a slot that frees takes the next group: the five long groups
# start together (the browser's mostly wait), the two short load groups take the first slots that free, so the
# run does not end with one long group alone on a machine whose other core is idle (the fixed lanes of 2026-12-05
# did: api-sqlite ran alone for its last 83 s). The static checks start first, beside the kernels' warm-up, in a
# slot of their own.
QUEUE=(api-postgres api-sqlite unit browser-sqlite browser-postgres load-postgres load-sqlite)

run_queued() {  # one group of QUEUE by name
  case $1 in
    unit) run_group unit "" tests/unit ;;
    api-sqlite) run_group api-sqlite "" tests/api ;;
    # One process: in two (pytest-xdist) it took 185 CPU s instead of 126 (each worker builds its apps and
    # draws the fuzzer's cases) and ended no sooner on the saturated machine (clean clone, 2026-12-05).
    api-postgres) if [ $postgres -eq 1 ]; then run_group api-postgres "$PG_URL" tests/api; fi ;;
    # The page checks run here, once: they look at layout, which no database changes. Two processes (each with
    # its own live server, database, Chromium and ports; a worker takes the next test when it is free), so the two
    # page sweeps and the longest journeys run side by side instead of one after the other.
    browser-sqlite) if [ $chromium -eq 1 ]; then run_group browser-sqlite "" -n 2 --dist worksteal -m browser tests/browser; fi ;;
    # The journeys again, desktop only and without the layout checks: here they cover the SQL on PostgreSQL, with a
    # database of their own (the name + "_browser").
    browser-postgres)
      if [ $chromium -eq 1 ] && [ $postgres -eq 1 ]; then
        BROWSER_PAGE_CHECKS=off run_group browser-postgres "$PG_BROWSER_URL" -m browser tests/browser
      fi ;;
    load-sqlite) run_group load-sqlite "" -m slow tests/load ;;
    # 2 workers under load, held + paid sampled against capacity, on databases of their own
    # (TEST_LOAD_DATABASE_URL, or the test database's name + "_load", "_invoices", … created when missing).
    load-postgres) if [ $postgres -eq 1 ]; then run_group load-postgres "$PG_URL" -m slow tests/load; fi ;;
  esac
}

slots="${NG_TEST_SLOTS:-5}"
run_static_checks &  # ruff and mypy: one core, from the first second

# The grouping engine's numba kernels compiled once, alone among the test groups, before those that use them start
# side by side (devtools/warm_kernels.py says why); cached on disk, a rerun only loads them.
"$PY" -m devtools.warm_kernels >"$RESULTS/logs/warm-kernels.log" 2>&1 || { echo "warming the grouping kernels failed:" >&2; cat "$RESULTS/logs/warm-kernels.log" >&2; status=1; }

for group in "${QUEUE[@]}"; do
  while [ "$(jobs -rp | wc -l)" -ge "$slots" ]; do wait -n; done
  run_queued "$group" &
done
wait

[ -s "$RESULTS/times/failed" ] && status=1
"$PY" scripts/summarise_junit.py "$RESULTS" "$started" || status=1
exit $status
