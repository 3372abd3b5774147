"""The floor: how fast can this machine answer "sold out" and take one seat, with nothing of ours in the way?

    .venv/bin/python bench/rush_floor.py [--database-url postgres://…/nieuw_geluid_bench_floor] [--workers 2]

Serves bench/floor_app.py (a bare Litestar app) with uvicorn like bench/ticket_rush.py serves ours, and sends it
the rush's load (1,000 requests, 50 at a time, the same client) three times: answers with no database
(`/sold-out`), answers after one asyncpg round-trip (`/read`), and seat-taking with one conditional UPDATE per
request (`/take`, capacity 100, so 100 × 201 then 409s). Also times a bare asyncpg round-trip from one client
(`SELECT 1`, sequential). Prints one JSON line per case: requests/s, p50/p99, seconds until the 100th seat for
`/take`, and the server's CPU milliseconds per request — the figure to hold ours against (`server_cpu_ms_per_request`
in bench/ticket_rush.py's output).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))
import procstats  # noqa: E402
import ticket_rush  # noqa: E402


async def prepare(url: str, capacity: int) -> None:
    import asyncpg

    from devtools.pg import reset_postgres

    await reset_postgres(url)
    conn = await asyncpg.connect(url)
    try:
        await conn.execute("CREATE TABLE floor_seat (id int PRIMARY KEY, taken int NOT NULL, capacity int NOT NULL)")
        await conn.execute("INSERT INTO floor_seat VALUES (1, 0, $1)", capacity)
    finally:
        await conn.close()


async def bare_round_trip(url: str, n: int = 2000) -> dict[str, Any]:
    import asyncpg

    conn = await asyncpg.connect(url)
    try:
        await conn.fetchval("SELECT 1")
        cpu0, t0 = time.process_time(), time.perf_counter()
        for _ in range(n):
            await conn.fetchval("SELECT 1")
        wall, cpu = time.perf_counter() - t0, time.process_time() - cpu0
    finally:
        await conn.close()
    return {"bench": "rush_floor", "case": "asyncpg SELECT 1, one client, sequential",
            "round_trip_us": round(wall / n * 1e6, 1), "client_cpu_us_per_round_trip": round(cpu / n * 1e6, 1)}


async def main_async(args: argparse.Namespace) -> None:
    logging.getLogger("httpx").setLevel(logging.WARNING)
    await prepare(args.database_url, args.capacity)
    print(json.dumps(await bare_round_trip(args.database_url)), flush=True)
    port = ticket_rush.free_port()
    env = {**os.environ, "FLOOR_DATABASE_URL": args.database_url}
    server = subprocess.Popen(  # noqa: ASYNC220  (a benchmark's own server, started once)
        [str(ROOT / ".venv" / "bin" / "uvicorn"), "bench.floor_app:create_app", "--factory", "--workers",
         str(args.workers), "--host", "127.0.0.1", "--port", str(port), "--log-level", "warning",
         "--no-access-log", "--no-proxy-headers"], cwd=ROOT, env=env)
    base = f"http://127.0.0.1:{port}"
    try:
        import httpx

        for _ in range(300):
            try:
                httpx.post(f"{base}/sold-out", timeout=1)  # noqa: ASYNC210  (waiting for it to start)
                break
            except httpx.HTTPError:
                await asyncio.sleep(0.1)
        await asyncio.sleep(0.5)
        db_pid = await ticket_rush.postmaster_pid(args.database_url)
        for path in ("/sold-out", "/read", "/take"):
            async def send(client: Any, i: int, path: str = path) -> Any:
                return await client.post(path)

            def classify(response: Any) -> str:
                return {201: "held", 409: "sold_out"}.get(response.status_code, "other")

            await ticket_rush.rush(base, 100, 10, 10 ** 9, send, classify)  # warm-up, not measured
            if path == "/take":
                await prepare_seat(args.database_url, args.capacity)
            with ticket_rush.Meter([server.pid], db_pid) as meter:
                result = await ticket_rush.rush(base, args.requests, args.concurrency, args.capacity, send, classify)
            lat = result.latencies
            print(json.dumps({
                "bench": "rush_floor", "case": path, "workers": args.workers, "requests": len(lat),
                "concurrency": args.concurrency, "statuses": sorted(set(result.statuses)),
                "requests_per_s": round(len(lat) / result.elapsed, 1),
                "seconds_to_take_all_seats": round(result.sold_out_s, 3) if result.sold_out_s else None,
                "p50_ms": round(statistics.median(lat), 1), "p99_ms": round(ticket_rush.percentile(lat, 99), 1),
                "server_cpu_ms_per_request": round(meter.used["server"] * 1000 / len(lat), 3),
                "database_cpu_ms_per_request": round(meter.used["db"] * 1000 / len(lat), 3),
                "worker_rss_mib": procstats.worker_rss_mib(server.pid), "loadavg": os.getloadavg()[0],
            }), flush=True)
    finally:
        server.terminate()
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.kill()


async def prepare_seat(url: str, capacity: int) -> None:
    import asyncpg

    conn = await asyncpg.connect(url)
    try:
        await conn.execute("UPDATE floor_seat SET taken = 0, capacity = $1 WHERE id = 1", capacity)
    finally:
        await conn.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=os.environ.get("BENCH_FLOOR_DATABASE_URL")
                        or "postgres://postgres@127.0.0.1:5432/nieuw_geluid_bench_floor")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--requests", type=int, default=1000)
    parser.add_argument("--concurrency", type=int, default=50)
    parser.add_argument("--capacity", type=int, default=100)
    asyncio.run(main_async(parser.parse_args()))


if __name__ == "__main__":
    main()
