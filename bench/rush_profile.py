"""The ticket rush's profile, one request at a time: database round-trips and CPU per order, in one process.

    .venv/bin/python bench/rush_profile.py [--database-url postgres://…/bench_profile] [--orders 100]
                                           [--sold-out 200] [--show-sql] [--cprofile held|sold_out]

Runs the app in-process (ASGI, no server, no jobs) on a fresh database seeded like bench/ticket_rush.py, and
sends the orders one after another: first `--orders` buyers who each get a seat (the event has exactly that
many), then `--sold-out` buyers who are told it is sold out. For each kind of answer it prints the database
round-trips per request (PostgreSQL: every statement sent over asyncpg, BEGIN/COMMIT and the pool's reset on
release included; not counted on SQLite) and the CPU milliseconds of this process per request (the in-process
client included: `/healthz` is measured the same way as the floor). Requests go one at a time, so the counts are
exact and the CPU figures hardly depend on what else runs on the machine, unlike a timed rush.
`--show-sql` lists the statements of one request of each kind; `--cprofile KIND` prints the top functions.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import io
import json
import logging
import os
import pstats
import sys
import time
from collections.abc import Awaitable, Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

STATEMENTS: list[str] = []


def count_round_trips() -> None:
    """Record every statement asyncpg sends (a statement = a round-trip once its plan is cached)."""
    from asyncpg.connection import Connection

    plain_execute, bound_execute = Connection.execute, Connection._execute

    async def execute(self: Any, query: str, *args: Any, timeout: float | None = None) -> Any:  # noqa: ASYNC109 (asyncpg's own signature)
        if not args:  # with arguments it goes through _execute, counted there
            STATEMENTS.append(query)
        return await plain_execute(self, query, *args, timeout=timeout)

    async def _execute(self: Any, query: str, *args: Any, **kwargs: Any) -> Any:
        STATEMENTS.append(query)
        return await bound_execute(self, query, *args, **kwargs)

    Connection.execute = execute  # type: ignore[method-assign]
    Connection._execute = _execute  # type: ignore[method-assign]


async def measure(name: str, n: int, one: Callable[[int], Awaitable[Any]], *, show_sql: bool,
                  profile: bool) -> dict[str, Any]:
    STATEMENTS.clear()
    # The profiler counts this process's CPU time, not wall time: on a shared machine a send() that was merely
    # descheduled would otherwise top the list.
    profiler = cProfile.Profile(time.process_time) if profile else None
    first_sql: list[str] = []
    cpu0, wall0 = time.process_time(), time.perf_counter()
    if profiler:
        profiler.enable()
    for i in range(n):
        await one(i)
        if i == 0:
            first_sql = list(STATEMENTS)
    if profiler:
        profiler.disable()
        if os.environ.get("PROFILE_DUMP"):
            profiler.dump_stats(os.environ["PROFILE_DUMP"])
    cpu, wall = time.process_time() - cpu0, time.perf_counter() - wall0
    line = {"kind": name, "requests": n, "round_trips_per_request": round(len(STATEMENTS) / n, 2),
            "cpu_ms_per_request": round(cpu * 1000 / n, 3), "wall_ms_per_request": round(wall * 1000 / n, 3)}
    if show_sql:
        line["statements_of_one"] = [" ".join(s.split())[:160] for s in first_sql]
    if profiler:
        out = io.StringIO()
        # PROFILE_SORT=cumulative, PROFILE_LINES=70: another view of the same profile.
        stats = pstats.Stats(profiler, stream=out).sort_stats(os.environ.get("PROFILE_SORT", "tottime"))
        stats.print_stats(int(os.environ.get("PROFILE_LINES", "30")))
        print(out.getvalue(), file=sys.stderr)
    return line


async def main_async(args: argparse.Namespace) -> None:
    os.environ["DATABASE_URL"] = args.database_url
    logging.getLogger("httpx").setLevel(logging.WARNING)
    import ticket_rush

    slug, tokens = await ticket_rush.reset_and_seed(args.database_url, args.orders + args.sold_out + 20,
                                                    args.orders)
    count_round_trips()
    import httpx

    from app import create_app
    from settings import Settings

    settings = replace(Settings(), database_url=args.database_url, background_jobs=False, app_env="test",
                       public_base_url="http://testserver", rate_limit_scale=1000)
    app = create_app(settings)
    async with app.lifespan():
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:

            def order(slug: str, offset: int, expect: int) -> Callable[[int], Awaitable[Any]]:
                async def one(i: int) -> None:
                    buyer = offset + i
                    response = await client.post(
                        f"/api/v1/events/{slug}/orders", headers={"Authorization": f"Bearer {tokens[buyer]}"},
                        json={"companion": {"name": f"Partner {buyer}", "email": f"partner{buyer}@bench.local",
                                            "industry": "retail"}})
                    assert response.status_code == expect, (response.status_code, response.text)
                return one

            async def health(_: int) -> None:
                assert (await client.get("/healthz")).status_code == 200

            warm = order("warm-up", 0, 201)
            for i in range(20):  # first-request costs (imports, statement caches) stay out of the figures
                await warm(i)
                await health(i)
            await order("warm-up", 0, 409)(0)  # and a refusal's (its problem+json): buyer 0 again, a duplicate
            lines = [
                await measure("healthz", 200, health, show_sql=False, profile=False),
                await measure("held", args.orders, order(slug, 20, 201), show_sql=args.show_sql,
                              profile=args.cprofile == "held"),
                await measure("sold_out", args.sold_out, order(slug, 20 + args.orders, 409),
                              show_sql=args.show_sql, profile=args.cprofile == "sold_out"),
            ]
    engine = "sqlite" if ticket_rush.is_sqlite(args.database_url) else "postgresql"
    for line in lines:
        if engine == "sqlite":
            line.pop("round_trips_per_request")
        print(json.dumps({"bench": "rush_profile", "database": engine, **line}), flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=os.environ.get("BENCH_PROFILE_DATABASE_URL")
                        or "postgres://postgres@127.0.0.1:5432/nieuw_geluid_bench_profile")
    parser.add_argument("--orders", type=int, default=100)
    parser.add_argument("--sold-out", type=int, default=200)
    parser.add_argument("--show-sql", action="store_true")
    parser.add_argument("--cprofile", choices=["held", "sold_out"])
    asyncio.run(main_async(parser.parse_args()))


if __name__ == "__main__":
    main()
