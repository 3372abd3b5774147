"""The waiting list under load: 200 duos waiting, 50 holds expiring at the same instant, the app with 2 uvicorn
workers on PostgreSQL (and 1 on SQLite with --sqlite). Prints one JSON line: offers made (exactly one per freed
seat), whether they went to the first duos in queue order, double offers, oversold, the time from the expiry to
the first and the last offer (the expiry job runs every 0.5 s in every worker), how long holding every seat and
joining took, and the HTTP answers. The scenario is tests/load/waiting_list_scenario.py, which the slow test
tests/load/test_waiting_list_load.py asserts on.

    .venv/bin/python bench/waiting_list.py                     # PostgreSQL (nieuw_geluid_bench_waitlist), 2 workers
    .venv/bin/python bench/waiting_list.py --sqlite            # SQLite, 1 worker
    .venv/bin/python bench/waiting_list.py --duos 2000 --seats 500

The PostgreSQL database is created when missing, then RESET (schema dropped) and migrated: give it one of its own
(BENCH_WAITLIST_DATABASE_URL). Not a timed test: run it on an idle machine.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("APP_ENV", "test")

DEFAULT_PG = "postgres://postgres@127.0.0.1:5432/nieuw_geluid_bench_waitlist"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duos", type=int, default=200, help="duos on the waiting list")
    parser.add_argument("--seats", type=int, default=50, help="holds that expire at once (the event's capacity)")
    parser.add_argument("--workers", type=int, default=None, help="uvicorn workers (2 on PostgreSQL, 1 on SQLite)")
    parser.add_argument("--sqlite", action="store_true", help="a fresh SQLite file instead of PostgreSQL")
    args = parser.parse_args()
    from tests.load import waiting_list_scenario

    url = waiting_list_scenario.sqlite_url() if args.sqlite else os.environ.get("BENCH_WAITLIST_DATABASE_URL",
                                                                                 DEFAULT_PG)
    workers = args.workers or (1 if args.sqlite else 2)
    report = asyncio.run(waiting_list_scenario.run(url, workers=workers, duos=args.duos, seats=args.seats))
    print(json.dumps(report), flush=True)
    if report["problems"]:
        sys.exit(1)


if __name__ == "__main__":
    main()
