"""Ticket rush: 1,000 buyers (50 at a time) for 100 duos, against the app on PostgreSQL with 2 workers.

    .venv/bin/python bench/ticket_rush.py [--database-url postgres://postgres@127.0.0.1:5432/nieuw_geluid_bench]

Prints two JSON lines: the rush (requests, latency percentiles, 5xx, oversold counted in the database),
and the paid path of the held duos through localstripe (payment intent → confirm → webhook → tickets).
The database is created when missing, then RESET (schema dropped) and migrated: give it one of its own.
Not a timed test.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import socket
import statistics
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
WEBHOOK_SECRET = "whsec_bench_ticket_rush"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


async def reset_and_seed(url: str, buyers: int, capacity: int) -> tuple[str, list[str]]:
    from devtools.pg import reset_postgres

    await reset_postgres(url)
    done = subprocess.run([sys.executable, "-m", "core.migrate"], cwd=ROOT, capture_output=True, text=True,  # noqa: ASYNC221
                          env={**os.environ, "DATABASE_URL": url})
    if done.returncode != 0:
        raise SystemExit(done.stdout + done.stderr)

    from core import db
    from events.tables import Event
    from members.service import hash_token, new_token
    from members.tables import AuthToken, Member

    await db.start(10)
    try:
        now = datetime.now(UTC)
        organiser = (await Member.insert(Member(email="org@bench.local", name="Org", password_hash="!",
                                                is_organiser=True, created_at=now, updated_at=now))
                     .returning(Member.id))[0]["id"]
        start = (now + timedelta(days=60)).replace(microsecond=0)
        await Event.insert(Event(slug="ticket-rush", title="Ticket rush", starts_at=start,
                                 ends_at=start + timedelta(hours=8), capacity_duos=capacity, seats_taken=0,
                                 price_cents=9500, status="published", published_at=now, organiser=organiser,
                                 created_at=now, updated_at=now))
        rows = await Member.insert(*[
            Member(email=f"buyer{i}@bench.local", name=f"Buyer {i}", password_hash="!", created_at=now,
                   updated_at=now) for i in range(buyers)
        ]).returning(Member.id)
        tokens = [new_token() for _ in rows]
        await AuthToken.insert(*[
            AuthToken(member=r["id"], token_hash=hash_token(t), kind="api", created_at=now,
                      expires_at=now + timedelta(days=1)) for r, t in zip(rows, tokens, strict=True)
        ])
    finally:
        await db.stop()
    return "ticket-rush", tokens


def start_localstripe() -> tuple[subprocess.Popen[str], str]:
    process = subprocess.Popen([sys.executable, "-m", "devtools.localstripe_server", "--port", "0"], cwd=ROOT,
                               stdout=subprocess.PIPE, text=True)
    assert process.stdout is not None
    line = process.stdout.readline()
    if not line.startswith("localstripe ready on "):
        raise SystemExit(f"localstripe did not start: {line!r}")
    return process, line.split("ready on ", 1)[1].strip()


def start_app(url: str, port: int, stripe_base: str, workers: int) -> subprocess.Popen[bytes]:
    env = {**os.environ, "DATABASE_URL": url, "APP_ENV": "development", "STRIPE_API_BASE": stripe_base,
           "STRIPE_WEBHOOK_SECRET": WEBHOOK_SECRET, "PUBLIC_BASE_URL": f"http://127.0.0.1:{port}",
           "DB_POOL_SIZE": "20", "JOB_INTERVAL_SECONDS": "1", "RATE_LIMIT_SCALE": "1000",
           "MAIL_DIR": str(ROOT / "var" / "bench-mail")}
    env.pop("SMTP_HOST", None)
    return subprocess.Popen(
        [str(ROOT / ".venv" / "bin" / "uvicorn"), "app:create_app", "--factory", "--workers", str(workers),
         "--host", "127.0.0.1", "--port", str(port), "--log-level", "warning", "--no-access-log",
         "--no-proxy-headers"],
        cwd=ROOT, env=env,
    )


async def wait_healthy(base: str) -> None:
    import httpx

    async with httpx.AsyncClient() as client:
        for _ in range(200):
            try:
                if (await client.get(f"{base}/healthz")).status_code == 200:
                    await asyncio.sleep(0.5)  # let the second worker finish its lifespan too
                    return
            except httpx.HTTPError:
                pass
            await asyncio.sleep(0.1)
    raise SystemExit("app did not start")


async def rush(base: str, slug: str, tokens: list[str], concurrency: int, capacity: int) -> dict[str, Any]:
    import httpx

    semaphore = asyncio.Semaphore(concurrency)
    latencies: list[float] = []
    statuses: list[int] = []
    held: list[tuple[str, int]] = []
    sold_out_at: list[float] = []
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(base_url=base, timeout=30, limits=limits) as client:
        started = time.perf_counter()

        async def buy(i: int, token: str) -> None:
            async with semaphore:
                t0 = time.perf_counter()
                response = await client.post(
                    f"/api/v1/events/{slug}/orders", headers={"Authorization": f"Bearer {token}"},
                    json={"companion": {"name": f"Partner {i}", "email": f"partner{i}@bench.local",
                                        "industry": "retail"}})
                latencies.append((time.perf_counter() - t0) * 1000)
                statuses.append(response.status_code)
                if response.status_code == 201:
                    held.append((token, response.json()["id"]))
                    if len(held) == capacity:
                        sold_out_at.append(time.perf_counter() - started)

        await asyncio.gather(*(buy(i, t) for i, t in enumerate(tokens)))
        elapsed = time.perf_counter() - started
    return {"latencies": latencies, "statuses": statuses, "held": held, "elapsed": elapsed,
            "sold_out_s": sold_out_at[0] if sold_out_at else None}


async def database_counts(url: str) -> dict[str, int]:
    import asyncpg

    conn = await asyncpg.connect(url)
    try:
        event = await conn.fetchrow("SELECT id, seats_taken, capacity_duos FROM event WHERE slug='ticket-rush'")
        live = await conn.fetchval("SELECT count(*) FROM ticket_order WHERE event=$1 AND status IN "
                                   "('pending_payment','paid')", event["id"])
        paid = await conn.fetchval("SELECT count(*) FROM ticket_order WHERE status='paid'")
        tickets = await conn.fetchval("SELECT count(*) FROM duo_ticket WHERE status='valid'")
        doubles = await conn.fetchval(
            "SELECT count(*) FROM (SELECT attendee FROM duo_ticket GROUP BY attendee HAVING count(*) > 1) d")
        wrong = await conn.fetchval(
            "SELECT count(*) FROM ticket_order o WHERE o.status='paid' AND "
            "(SELECT count(*) FROM duo_ticket t WHERE t.order=o.id AND t.status='valid') <> 2")
        live_places = await conn.fetchval("SELECT count(*) FROM ticket_attendee WHERE live")
    finally:
        await conn.close()
    return {"seats_taken": event["seats_taken"], "capacity": event["capacity_duos"], "live_orders": live,
            "paid": paid, "tickets": tickets, "double_tickets": doubles + wrong, "live_places": live_places}


async def paid_path(base: str, stripe_base: str, url: str, held: list[tuple[str, int]],
                    concurrency: int) -> dict[str, Any]:
    import httpx
    import stripe

    http_client = stripe.HTTPXClient()
    client = stripe.StripeClient("sk_test_bench", base_addresses={"api": stripe_base}, http_client=http_client,
                                 max_network_retries=0)
    semaphore = asyncio.Semaphore(concurrency)
    errors = 0
    started = time.perf_counter()
    async with httpx.AsyncClient(base_url=base, timeout=30) as app_client:

        async def pay(token: str, order_id: int) -> None:
            nonlocal errors
            async with semaphore:
                response = await app_client.post(f"/api/v1/orders/{order_id}/payment",
                                                 headers={"Authorization": f"Bearer {token}"})
                if response.status_code != 200:
                    errors += 1
                    return
                intent_id = response.json()["payment_intent_id"]
                await client.v1.payment_intents.update_async(intent_id, {"payment_method": "pm_card_visa"})
                await client.v1.payment_intents.confirm_async(intent_id)

        await asyncio.gather(*(pay(t, o) for t, o in held))
        confirmed = time.perf_counter() - started
        counts = await database_counts(url)
        deadline = time.perf_counter() + 60
        while counts["paid"] < len(held) - errors and time.perf_counter() < deadline:
            await asyncio.sleep(0.1)
            counts = await database_counts(url)
    await http_client.close_async()
    return {"seconds_until_all_paid": round(time.perf_counter() - started, 2),
            "seconds_to_confirm_all": round(confirmed, 2), "orders": len(held), "paid": counts["paid"],
            "payment_errors": errors, "tickets_issued": counts["tickets"],
            "double_tickets": counts["double_tickets"]}


async def main_async(args: argparse.Namespace) -> None:
    for noisy in ("httpx", "stripe"):  # one log line per request would drown the figures
        logging.getLogger(noisy).setLevel(logging.WARNING)
    os.environ["DATABASE_URL"] = args.database_url
    slug, tokens = await reset_and_seed(args.database_url, args.buyers, args.capacity)
    localstripe, stripe_base = start_localstripe()
    port = free_port()
    app = start_app(args.database_url, port, stripe_base, args.workers)
    base = f"http://127.0.0.1:{port}"
    try:
        await wait_healthy(base)
        result = await rush(base, slug, tokens, args.concurrency, args.capacity)
        counts = await database_counts(args.database_url)
        statuses = result["statuses"]
        latencies = result["latencies"]
        print(json.dumps({
            "bench": "ticket_rush", "workers": args.workers, "database": "postgresql",
            "requests": len(statuses), "concurrency": args.concurrency, "capacity": args.capacity,
            "held": statuses.count(201), "sold_out_409": statuses.count(409),
            "oversold": max(0, counts["live_orders"] - counts["capacity"]),
            "seats_taken": counts["seats_taken"], "live_orders_in_db": counts["live_orders"],
            "seconds_to_sell_out": round(result["sold_out_s"], 3) if result["sold_out_s"] else None,
            "seconds_total": round(result["elapsed"], 3),
            "requests_per_s": round(len(statuses) / result["elapsed"], 1),
            "p50_ms": round(statistics.median(latencies), 1), "p95_ms": round(percentile(latencies, 95), 1),
            "p99_ms": round(percentile(latencies, 99), 1), "max_ms": round(max(latencies), 1),
            "status_5xx": sum(1 for s in statuses if s >= 500),
            "other_status": sorted({s for s in statuses if s not in (201, 409)}),
        }), flush=True)
        paid = await paid_path(base, stripe_base, args.database_url, result["held"], args.pay_concurrency)
        print(json.dumps({"bench": "ticket_rush_paid_path", **paid}), flush=True)
    finally:
        app.terminate()
        try:
            app.wait(timeout=15)
        except subprocess.TimeoutExpired:
            app.kill()
        localstripe.terminate()
        localstripe.wait(timeout=5)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL")
                        or "postgres://postgres@127.0.0.1:5432/nieuw_geluid_bench")
    parser.add_argument("--buyers", type=int, default=1000)
    parser.add_argument("--concurrency", type=int, default=50)
    parser.add_argument("--capacity", type=int, default=100)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--pay-concurrency", type=int, default=10)
    asyncio.run(main_async(parser.parse_args()))


if __name__ == "__main__":
    main()
