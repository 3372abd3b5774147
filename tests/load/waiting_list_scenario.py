"""The waiting list under load, as one scenario the load test asserts on and bench/waiting_list.py prints.

On a fresh database (SQLite file, or a PostgreSQL database of its own, reset first), the app runs in uvicorn with
N workers and its background jobs on (every worker runs them):

1. `seats` buyers hold every duo place of the event (POST …/orders, concurrently);
2. `duos` members join its waiting list with a companion (POST …/waiting-list, concurrently);
3. every hold is made to expire at the same instant (one UPDATE from a connection of the scenario's own), so the
   expiry job of each worker frees seats at once and offers them on;
4. until `seats` offers exist (or time runs out), then a few more job ticks to see that nothing else moves.

Sampled every ~20 ms from its own connection: seats taken, seat-holding orders, offers. Returned as one dict:
offers made, whether they went to the first `seats` duos and in queue order, doubles, oversold (the most seats
ever held beyond capacity), the ticketing invariants, the time from the expiry to the first and the last offer,
and the HTTP answers. `problems` lists every way the run fell short (empty when all is well).
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from tests.load.harness import ROOT, Database, free_port, start_app, stop_app, wait_until_up
from tests.support.invariants import ticketing_violations

JOB_INTERVAL = 0.5
SAMPLE_EVERY = 0.02
CONCURRENCY = 40
SAMPLE_SQL = ("SELECT e.seats_taken, e.capacity_duos, (SELECT COUNT(*) FROM ticket_order o WHERE o.event = e.id "
              "AND o.status IN ('pending_payment', 'paid')) AS holding, (SELECT COUNT(*) FROM waiting_entry w "
              "WHERE w.event = e.id AND w.status = 'offered') AS offers FROM event e WHERE e.slug = 'load'")


def sqlite_url() -> str:
    return f"sqlite:///{Path(tempfile.mkdtemp(prefix='ng-waitlist-')) / 'waitlist.sqlite3'}"


async def prepare(url: str, buyers: int, capacity: int) -> dict[str, Any]:
    """Reset (PostgreSQL) or create (SQLite) the database, migrate it and seed it (tests/load/seed.py)."""
    if url.startswith("postgres"):
        from devtools.pg import reset_postgres

        await reset_postgres(url)
    env = {**os.environ, "DATABASE_URL": url, "PICCOLO_CONF": "piccolo_conf"}
    for command in (["-m", "core.migrate"],
                    ["-m", "tests.load.seed", "--buyers", str(buyers), "--capacity", str(capacity)]):
        done = subprocess.run([sys.executable, *command], cwd=ROOT, env=env,  # noqa: ASYNC221 (set-up)
                              capture_output=True, text=True, timeout=300)
        if done.returncode != 0:
            raise RuntimeError(done.stdout + done.stderr)
    return json.loads(done.stdout.strip().splitlines()[-1])


@dataclass
class Watch:
    samples: int = 0
    max_seats_taken: int = 0
    max_holding: int = 0
    first_offer_at: float | None = None
    last_offers: int = 0
    all_offered_at: float | None = None

    def add(self, row: dict[str, Any], now: float, seats: int) -> None:
        self.samples += 1
        self.max_seats_taken = max(self.max_seats_taken, int(row["seats_taken"]))
        self.max_holding = max(self.max_holding, int(row["holding"]))
        offers = int(row["offers"])
        if offers and self.first_offer_at is None:
            self.first_offer_at = now
        if offers >= seats and self.all_offered_at is None:
            self.all_offered_at = now
        self.last_offers = offers


@dataclass
class Calls:
    statuses: Counter[str] = field(default_factory=Counter)
    errors: list[str] = field(default_factory=list)
    positions: list[int] = field(default_factory=list)

    def record(self, what: str, response: httpx.Response) -> None:
        self.statuses[f"{what} {response.status_code}"] += 1
        if response.status_code >= 500:
            self.errors.append(f"{what}: {response.status_code} {response.text[:200]}")


async def _hold_all(client: httpx.AsyncClient, slug: str, tokens: list[str], calls: Calls) -> None:
    gate = asyncio.Semaphore(CONCURRENCY)

    async def one(i: int, token: str) -> None:
        body = {"companion": {"name": f"Houder {i}", "email": f"houder{i}@load.local", "industry": "retail"}}
        async with gate:
            response = await client.post(f"/api/v1/events/{slug}/orders", json=body,
                                         headers={"Authorization": f"Bearer {token}"})
        calls.record("order", response)

    await asyncio.gather(*(one(i, t) for i, t in enumerate(tokens)))


async def _join_all(client: httpx.AsyncClient, slug: str, tokens: list[str], calls: Calls) -> None:
    gate = asyncio.Semaphore(CONCURRENCY)

    async def one(i: int, token: str) -> None:
        body = {"companion": {"name": f"Wachter {i}", "email": f"wachter{i}@load.local", "industry": "retail"}}
        async with gate:
            response = await client.post(f"/api/v1/events/{slug}/waiting-list", json=body,
                                         headers={"Authorization": f"Bearer {token}"})
        calls.record("join", response)
        if response.status_code == 201:
            calls.positions.append(int(response.json()["position"]))

    await asyncio.gather(*(one(i, t) for i, t in enumerate(tokens)))


async def run(url: str, *, workers: int, duos: int, seats: int, wait_seconds: float = 90.0) -> dict[str, Any]:
    """The whole scenario on the database at `url`; returns the report (see the module's docstring)."""
    engine = "postgresql" if url.startswith("postgres") else "sqlite"
    seed = await prepare(url, seats + duos, seats)
    holders, waiters = seed["tokens"][:seats], seed["tokens"][seats:]
    port = free_port()
    process = start_app(url, port, workers, APP_ENV="test", STRIPE_API_BASE="http://127.0.0.1:9",
                        DB_POOL_SIZE="10", BACKGROUND_JOBS="true", JOB_INTERVAL_SECONDS=str(JOB_INTERVAL),
                        HOLD_SECONDS="3600", RATE_LIMIT_SCALE="1000",
                        MAIL_DIR=tempfile.mkdtemp(prefix="ng-waitlist-mail-"))
    base = f"http://127.0.0.1:{port}"
    db = Database(url)
    calls, watch = Calls(), Watch()
    stop = asyncio.Event()
    expired_at = 0.0

    async def sample() -> None:
        while not stop.is_set():
            watch.add(dict((await db.fetch(SAMPLE_SQL))[0]), time.monotonic(), seats)
            try:
                await asyncio.wait_for(stop.wait(), SAMPLE_EVERY)
            except TimeoutError:
                pass

    try:
        await wait_until_up(base, process)
        await db.open()
        sampler = asyncio.create_task(sample())
        # Idle connections are dropped by the client before uvicorn closes them (tests/load/test_no_oversell.py).
        limits = httpx.Limits(max_connections=CONCURRENCY, max_keepalive_connections=CONCURRENCY,
                              keepalive_expiry=2.0)
        async with httpx.AsyncClient(base_url=base, timeout=60, limits=limits) as client:
            started = time.monotonic()
            await _hold_all(client, seed["slug"], holders, calls)
            held_seconds = time.monotonic() - started
            started = time.monotonic()
            await _join_all(client, seed["slug"], waiters, calls)
            join_seconds = time.monotonic() - started
        # Every hold ends at once: each worker's expiry job frees seats in the same tick.
        await db.fetch("UPDATE ticket_order SET expires_at = created_at WHERE status = 'pending_payment'")
        expired_at = time.monotonic()
        deadline = expired_at + wait_seconds
        while watch.all_offered_at is None and time.monotonic() < deadline and process.poll() is None:  # noqa: ASYNC110
            await asyncio.sleep(0.05)  # the sampler sets all_offered_at; polling it is the simplest wait here
        await asyncio.sleep(4 * JOB_INTERVAL + 1)  # more ticks of every worker's jobs: nothing else may move
        stop.set()
        await sampler
        entries = [dict(r) for r in await db.fetch(
            "SELECT w.id, w.status, w.\"order\" AS order_id, o.status AS order_status FROM waiting_entry w "
            "LEFT JOIN ticket_order o ON o.id = w.\"order\" ORDER BY w.id")]
        final = dict((await db.fetch(SAMPLE_SQL))[0])
        problems, figures = await ticketing_violations(db.fetch)
    finally:
        stop.set()
        await db.close()
        stop_app(process)

    offered = [e for e in entries if e["status"] == "offered"]
    offer_orders = [e["order_id"] for e in offered]
    first_in_line = [e["id"] for e in entries[:seats]]
    report: dict[str, Any] = {
        "engine": engine, "workers": workers, "duos_waiting": duos, "seats_freed": seats,
        "offers": len(offered),
        "offers_to_the_first_in_line": [e["id"] for e in offered] == first_in_line,
        "offers_in_queue_order": offer_orders == sorted(offer_orders),
        "double_offers": len(offer_orders) - len(set(offer_orders)),
        "offers_open": sum(1 for e in offered if e["order_status"] == "pending_payment"),
        "still_waiting": sum(1 for e in entries if e["status"] == "waiting"),
        "oversold": max(0, watch.max_seats_taken - seats, watch.max_holding - seats),
        "max_seats_taken_seen": watch.max_seats_taken, "max_held_seen": watch.max_holding,
        "end": {"seats_taken": int(final["seats_taken"]), "held": figures["held"], "paid": figures["paid"]},
        "seconds": {"hold_all": round(held_seconds, 2), "join_all": round(join_seconds, 2),
                    "expiry_to_first_offer": None if watch.first_offer_at is None
                    else round(watch.first_offer_at - expired_at, 2),
                    "expiry_to_all_offers": None if watch.all_offered_at is None
                    else round(watch.all_offered_at - expired_at, 2)},
        "job_interval_seconds": JOB_INTERVAL, "samples": watch.samples,
        "responses": dict(sorted(calls.statuses.items())), "status_5xx": len(calls.errors),
        "join_positions_unique": sorted(calls.positions) == list(range(1, duos + 1)),
        "invariant_violations": len(problems),
    }
    report["problems"] = _problems(report, seats, duos) + problems + calls.errors[:5]
    return report


def _problems(report: dict[str, Any], seats: int, duos: int) -> list[str]:
    wanted = {"offers": seats, "offers_to_the_first_in_line": True, "offers_in_queue_order": True,
              "double_offers": 0, "offers_open": seats, "still_waiting": duos - seats, "oversold": 0,
              "status_5xx": 0, "join_positions_unique": True}
    found = [f"{key}: {report[key]!r}, expected {value!r}" for key, value in wanted.items() if report[key] != value]
    responses = report["responses"]
    if responses.get("order 201") != seats or responses.get("join 201") != duos:
        found.append(f"not every hold and join succeeded: {responses}")
    if report["end"]["seats_taken"] != seats or report["end"]["held"] != seats:
        found.append(f"at the end {report['end']} (expected every seat held by an offer)")
    return found
