#!/usr/bin/env bash
# Every benchmark, one after the other (they print JSON; none is a test). About 10 minutes on 2 cores, most
# of it the MDGP instances at their published time limits. Run on an idle machine: these are 2-core boxes,
# and a busy one says more about its neighbours than about the code. `BENCH=feeds,grouping make bench`
# runs a subset; PostgreSQL parts use a database of their own (created when missing, then wiped).
set -uo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python
PG="${BENCH_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/nieuw_geluid_bench}"
ONLY=",${BENCH:-ticket_rush,feeds,grouping,mdgp,board_page,waiting_list,voting,door},"
status=0

want() { [[ "$ONLY" == *",$1,"* ]]; }
run() { echo "=== $1 ($(uptime | sed 's/.*load average/load average/'))" >&2; shift; "$@" || status=1; }

# The feed benchmark drives load with wrk (a separate process); without it, with httpx in-process.
if want feeds && ! command -v wrk >/dev/null 2>&1 && [ "$(id -u)" -eq 0 ]; then
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null 2>&1 || echo "wrk not installed: httpx drives the feed benchmark" >&2
fi

want ticket_rush && run ticket_rush "$PY" bench/ticket_rush.py --database-url "$PG"
want feeds && run feeds-sqlite "$PY" -m bench.feeds
want feeds && run feeds-postgres "$PY" -m bench.feeds --database-url "$PG"
want grouping && run grouping "$PY" -m bench.grouping
want mdgp && run mdgp "$PY" -m bench.mdgp --cpu-clock
want board_page && run board_page "$PY" -m bench.board_page --sizes 100,1000,3000
want waiting_list && run waiting_list-postgres env BENCH_WAITLIST_DATABASE_URL="${PG}_waitlist" "$PY" bench/waiting_list.py
want waiting_list && run waiting_list-sqlite "$PY" bench/waiting_list.py --sqlite
want voting && run voting-postgres env BENCH_VOTES_DATABASE_URL="${PG}_votes" "$PY" bench/voting.py
want voting && run voting-sqlite "$PY" bench/voting.py --sqlite
want door && run door env BENCH_DOOR_DATABASE_URL="${PG}_door" "$PY" bench/door.py
exit $status
