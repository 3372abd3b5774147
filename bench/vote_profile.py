"""The vote's profile, one request at a time: database round-trips and CPU per cast and per change, in one process.

    .venv/bin/python bench/vote_profile.py [--database-url postgres://…/bench_vote_profile] [--voters 200]
                                           [--show-sql] [--cprofile cast|change]

Seeds a fresh database as bench/voting.py does (tests/load/seed_votes.py), runs the app in-process (ASGI, no server,
no jobs), opens an approval vote and sends the casts one after another, then one change each. Prints, per kind, the
round-trips per request (PostgreSQL: every statement asyncpg sends, BEGIN/COMMIT included) and this process's CPU
milliseconds per request (the in-process client included). Requests go one at a time, so the counts are exact and the
CPU figures hardly depend on the machine's other work, unlike bench/voting.py's timed run.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import random
import sys
from dataclasses import replace
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
os.environ.setdefault("APP_ENV", "test")


async def main_async(args: argparse.Namespace) -> None:
    os.environ["DATABASE_URL"] = args.database_url
    logging.getLogger("httpx").setLevel(logging.WARNING)
    from rush_profile import count_round_trips, measure

    from tests.load.voting_scenario import CHOICES, prepare

    seeded = await prepare(args.database_url, args.voters + 20, args.ideas)
    count_round_trips()
    import httpx

    from app import create_app
    from settings import Settings

    settings = replace(Settings(), database_url=args.database_url, background_jobs=False, app_env="test",
                       public_base_url="http://testserver", rate_limit_scale=1000)
    app = create_app(settings)
    rng = random.Random(17)
    slug, ideas, tokens = seeded["slug"], seeded["ideas"], seeded["tokens"]
    receipts: dict[int, str] = {}
    async with app.lifespan():
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            opened = await client.post(f"/api/v1/events/{slug}/ideas/votes",
                                       headers={"Authorization": f"Bearer {seeded['organiser']}"},
                                       json={"method": "approval", "choices": CHOICES})
            assert opened.status_code == 201, opened.text
            ballot = f"/api/v1/events/{slug}/ideas/votes/{opened.json()['id']}/ballot"

            def cast(offset: int) -> Any:
                async def one(i: int) -> None:
                    voter = offset + i
                    response = await client.post(ballot, headers={"Authorization": f"Bearer {tokens[voter]}"},
                                                 json={"choices": rng.sample(ideas, CHOICES)})
                    assert response.status_code == 201, (response.status_code, response.text)
                    receipts[voter] = response.json()["receipt"]
                return one

            def change(offset: int) -> Any:
                async def one(i: int) -> None:
                    voter = offset + i
                    response = await client.put(ballot, headers={"Authorization": f"Bearer {tokens[voter]}"},
                                                json={"receipt": receipts[voter],
                                                      "choices": rng.sample(ideas, CHOICES)})
                    assert response.status_code == 200, (response.status_code, response.text)
                return one

            for i in range(20):  # first-request costs stay out of the figures
                await cast(0)(i)
                await change(0)(i)
            lines = [
                await measure("cast", args.voters, cast(20), show_sql=args.show_sql,
                              profile=args.cprofile == "cast"),
                await measure("change", args.voters, change(20), show_sql=args.show_sql,
                              profile=args.cprofile == "change"),
            ]
    engine = "sqlite" if args.database_url.startswith("sqlite") else "postgresql"
    for line in lines:
        if engine == "sqlite":
            line.pop("round_trips_per_request")
        print(json.dumps({"bench": "vote_profile", "database": engine, **line}), flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=os.environ.get("BENCH_VOTE_PROFILE_DATABASE_URL")
                        or "postgres://postgres@127.0.0.1:5432/nieuw_geluid_bench_vote_profile")
    parser.add_argument("--voters", type=int, default=200)
    parser.add_argument("--ideas", type=int, default=60)
    parser.add_argument("--show-sql", action="store_true")
    parser.add_argument("--cprofile", choices=("cast", "change"), default=None)
    asyncio.run(main_async(parser.parse_args()))


if __name__ == "__main__":
    main()
