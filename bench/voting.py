"""Voting: 1,000 voters casting (a tenth of them tapping twice) and changing their ballots within two minutes, against
the app with 2 uvicorn workers on PostgreSQL (1 on SQLite with --sqlite); then the projector view of the 60 ideas.

Prints one JSON line: answers per operation with latency percentiles (the issue's target: p95 ≤ 100 ms), ballots
and participations in the database, lost ballots (a voter whose last accepted ballot is not in the published list
as accepted) and doubles (ballots beyond one per voter), whether the totals are exact; and `projector`: the bytes of
the projector view over the wire (gzip) and of a first visit (the page, its CSS and htmx; the target: ≤ 60 KB), and
the page's latency percentiles over `--projector-requests` sequential requests (the target: ≤ 100 ms); and
`results_page`: the results with every ballot listed, its bytes and latency. The scenario is
tests/load/voting_scenario.py, which the slow test tests/load/test_votes_load.py asserts on.

    .venv/bin/python bench/voting.py                      # PostgreSQL (nieuw_geluid_bench_votes), 2 workers
    .venv/bin/python bench/voting.py --sqlite             # SQLite, 1 worker
    .venv/bin/python bench/voting.py --voters 50 --spread 5 --ideas 60   # a quick look

The PostgreSQL database is created when missing, then RESET (schema dropped) and migrated: give it one of its own
(BENCH_VOTES_DATABASE_URL). Not a timed test: run it on an idle machine.
"""

from __future__ import annotations

import argparse
import asyncio
import gzip
import json
import os
import re
import sys
import time
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("APP_ENV", "test")

DEFAULT_PG = "postgres://postgres@127.0.0.1:5432/nieuw_geluid_bench_votes"
BUDGET_BYTES = 60 * 1024


def _percentiles(values: list[float]) -> dict[str, float]:
    ordered = sorted(values)
    return {f"p{p}_ms": round(1000 * ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))], 1)
            for p in (50, 95, 99)}


def projector(requests: int) -> Any:
    async def measure(client: httpx.AsyncClient, base: str, seeded: dict[str, Any]) -> dict[str, Any]:
        path = f"/e/{seeded['slug']}/ideeen/scherm"
        gzip_headers = {"Accept-Encoding": "gzip"}
        page = await client.get(path, headers=gzip_headers)
        html = page.text
        wire = len(gzip.compress(page.content))  # what gzip makes of it (httpx hands back the decoded body)
        assets = re.findall(r'(?:href|src)="(/static/[^"]+)"', html)
        asset_bytes = 0
        for asset in assets:
            response = await client.get(asset, headers=gzip_headers)
            asset_bytes += len(gzip.compress(response.content))
        timings = []
        for _ in range(requests):
            started = time.perf_counter()
            response = await client.get(path, headers=gzip_headers)
            timings.append(time.perf_counter() - started)
            assert response.status_code == 200
        fragment = await client.get(f"{path}/muur", headers=gzip_headers)
        votes = (await client.get(f"/api/v1/events/{seeded['slug']}/ideas/votes")).json()["votes"]
        results_path = f"/e/{seeded['slug']}/stemmen/{votes[-1]['id']}/uitslag"
        results = await client.get(results_path, headers=gzip_headers)
        results_timings = []
        for _ in range(max(1, requests // 10)):
            started = time.perf_counter()
            await client.get(results_path, headers=gzip_headers)
            results_timings.append(time.perf_counter() - started)
        return {"results_page": {
            "ballots_listed": results.text.count("<code>"), "html_gzip_bytes": len(gzip.compress(results.content)),
            "first_visit_gzip_bytes": len(gzip.compress(results.content)) + asset_bytes,
            "latency": _percentiles(results_timings)},
            "projector": {
            "ideas_shown": html.count('class="screen__idea"'), "html_bytes": len(page.content),
            "html_gzip_bytes": wire, "first_visit_gzip_bytes": wire + asset_bytes, "assets": assets,
            "within_60_kb": wire + asset_bytes <= BUDGET_BYTES, "fragment_gzip_bytes": len(gzip.compress(
                fragment.content)), "latency": _percentiles(timings), "requests": requests,
        }}

    return measure


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--voters", type=int, default=1000)
    parser.add_argument("--ideas", type=int, default=60, help="ideas on the ballot paper and the projector")
    parser.add_argument("--spread", type=float, default=110.0, help="seconds over which the voters arrive")
    parser.add_argument("--changes", type=int, default=1, help="changes per voter (with the receipt)")
    parser.add_argument("--projector-requests", type=int, default=100)
    parser.add_argument("--workers", type=int, default=None, help="uvicorn workers (2 on PostgreSQL, 1 on SQLite)")
    parser.add_argument("--sqlite", action="store_true", help="a fresh SQLite file instead of PostgreSQL")
    args = parser.parse_args()
    from tests.load import voting_scenario

    url = voting_scenario.sqlite_url() if args.sqlite else os.environ.get("BENCH_VOTES_DATABASE_URL", DEFAULT_PG)
    workers = args.workers or (1 if args.sqlite else 2)
    report = asyncio.run(voting_scenario.run(
        url, workers=workers, voters=args.voters, ideas=args.ideas, changes=args.changes, spread_seconds=args.spread,
        think_seconds=5.0, close_midway=False, pitch_chars=600, after=projector(args.projector_requests)))
    report["within_two_minutes"] = report["voting_seconds"] <= 120
    print(json.dumps(report), flush=True)
    if report["problems"]:
        sys.exit(1)


if __name__ == "__main__":
    main()
