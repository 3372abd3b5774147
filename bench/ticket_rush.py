"""Ticket rush: 1,000 buyers (50 at a time) for 100 duos over HTTP, against the app with 2 workers.

    .venv/bin/python bench/ticket_rush.py                    # PostgreSQL (nieuw_geluid_bench), 2 workers
    .venv/bin/python bench/ticket_rush.py --with-peer        # pretix first, then ours, in one run; the ratio
    .venv/bin/python bench/ticket_rush.py --with-peer --rounds 2   # peer, ours, peer, ours
    .venv/bin/python bench/ticket_rush.py --scale            # 10,000 buyers, 200 at a time, 1,000 duos
    .venv/bin/python bench/ticket_rush.py --scale --repeat 3 # the same rush three times on one app: RSS after each
    .venv/bin/python bench/ticket_rush.py --sqlite           # the embedded default: SQLite, 1 worker
    .venv/bin/python bench/ticket_rush.py --all --rounds 2   # all of the above, the floor, and each aim checked

Prints JSON lines: for each rush (ours, and pretix with --with-peer) the requests, latency percentiles, 5xx,
oversold counted in the database, CPU seconds of the server, of the database server and of the load client
(per request and per order held), and the RSS of each worker before and after; then the paid path of the held
duos through localstripe (payment intent → confirm → webhook → tickets); with --with-peer, last, one line
comparing both (sell-out times, p99s, the ratio). The sell-out time is when the last seat's 201 arrived, from
the first request on, the same for both.

Each side gets a warm-up first (a separate event, 100 orders, 10 at a time, not measured), so neither pays its
first-request costs in the rush. The PostgreSQL database is created when missing, then RESET (schema dropped)
and migrated: give it one of its own. The pretix peer installs itself under var/peers/pretix on first use
(a few minutes; `bench/peers/pretix/peer.py setup` does it beforehand). Not a timed test: run it on an idle
machine, the figures of a busy one say more about its neighbours than about the code.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import re
import socket
import sqlite3
import statistics
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
import procstats  # noqa: E402
from load_client import CLIENTS  # noqa: E402

WEBHOOK_SECRET = "whsec_bench_ticket_rush"
WARMUP_ORDERS = 100
WARMUP_CONCURRENCY = 10


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def is_sqlite(url: str) -> bool:
    return url.startswith("sqlite")


def sqlite_path(url: str) -> Path:
    return Path(url.split("sqlite:///", 1)[1])


# --------------------------------------------------------------------------- the load client (both sides)


@dataclass
class Rush:
    latencies: list[float] = field(default_factory=list)
    kinds: list[str] = field(default_factory=list)  # held | sold_out | other
    statuses: list[int] = field(default_factory=list)
    held: list[tuple[int, Any]] = field(default_factory=list)  # (buyer index, answer)
    elapsed: float = 0.0
    sold_out_s: float | None = None


Send = Callable[[Any, int], Awaitable[Any]]  # (client, buyer index) -> response
Classify = Callable[[Any], str]  # response -> held | sold_out | other


CLIENT = "aiohttp"  # set from --client


async def rush(base: str, buyers: int, concurrency: int, capacity: int, send: Send, classify: Classify,
               keep: Callable[[Any], Any] = lambda r: None) -> Rush:
    """`buyers` requests, at most `concurrency` in flight, one client: the same for ours and the peer."""
    semaphore = asyncio.Semaphore(concurrency)
    out = Rush()
    client = CLIENTS[CLIENT](base, concurrency)
    try:
        started = time.perf_counter()

        async def buy(i: int) -> None:
            async with semaphore:
                t0 = time.perf_counter()
                try:
                    response = await send(client, i)
                except client.errors:  # refused, reset, timed out: counted as "other", not raised
                    out.latencies.append((time.perf_counter() - t0) * 1000)
                    out.statuses.append(0)
                    out.kinds.append("other")
                    return
                out.latencies.append((time.perf_counter() - t0) * 1000)
                out.statuses.append(response.status_code)
                kind = classify(response)
                out.kinds.append(kind)
                if kind == "held":
                    out.held.append((i, keep(response)))
                    if len(out.held) == capacity:
                        out.sold_out_s = time.perf_counter() - started

        await asyncio.gather(*(buy(i) for i in range(buyers)))
        out.elapsed = time.perf_counter() - started
    finally:
        await client.close()
    return out


@dataclass
class Meter:
    """CPU seconds of the server tree, the database server and this client, and the machine, over a span."""

    server_pids: list[int]
    db_pid: int | None
    start: dict[str, float] = field(default_factory=dict)

    def _read(self) -> dict[str, float]:
        times = os.times()
        return {"server": sum(procstats.tree_cpu_seconds(p) for p in self.server_pids),
                "db": procstats.tree_cpu_seconds(self.db_pid) if self.db_pid else 0.0,
                "client": times.user + times.system, "machine": procstats.machine_busy_seconds()}

    def __enter__(self) -> Meter:
        self.start = self._read()
        return self

    def __exit__(self, *_: object) -> None:
        end = self._read()
        self.used = {k: end[k] - self.start[k] for k in end}


def summary(name: str, result: Rush, meter: Meter, extra: dict[str, Any]) -> dict[str, Any]:
    lat = result.latencies
    held = len(result.held)
    used = meter.used
    requests = len(result.statuses)
    return {
        "bench": name, **extra, "requests": requests, "held": held,
        "sold_out_answers": result.kinds.count("sold_out"), "other_answers": result.kinds.count("other"),
        "other_status": sorted({s for s, k in zip(result.statuses, result.kinds, strict=True) if k == "other"}),
        "status_5xx": sum(1 for s in result.statuses if s >= 500),
        "seconds_to_sell_out": round(result.sold_out_s, 3) if result.sold_out_s else None,
        "seconds_total": round(result.elapsed, 3), "requests_per_s": round(requests / result.elapsed, 1),
        "p50_ms": round(statistics.median(lat), 1), "p95_ms": round(percentile(lat, 95), 1),
        "p99_ms": round(percentile(lat, 99), 1), "max_ms": round(max(lat), 1),
        "p99_held_ms": round(percentile([x for x, k in zip(lat, result.kinds, strict=True) if k == "held"], 99), 1)
        if held else None,
        "p99_sold_out_ms": round(percentile([x for x, k in zip(lat, result.kinds, strict=True) if k == "sold_out"],
                                            99), 1) if "sold_out" in result.kinds else None,
        "cpu_s": {"server": round(used["server"], 2), "database_server": round(used["db"], 2),
                  "load_client": round(used["client"], 2), "whole_machine": round(used["machine"], 2)},
        "server_cpu_ms_per_request": round(used["server"] * 1000 / requests, 2),
        "database_cpu_ms_per_request": round(used["db"] * 1000 / requests, 2),
        "machine_cores_busy": round(used["machine"] / result.elapsed, 2),
        "loadavg": os.getloadavg()[0],
    }


# --------------------------------------------------------------------------- our side


def remove_sqlite(path: Path) -> None:
    for suffix in ("", "-wal", "-shm"):
        Path(str(path) + suffix).unlink(missing_ok=True)
    path.parent.mkdir(parents=True, exist_ok=True)


async def reset_and_seed(url: str, buyers: int, capacity: int) -> tuple[str, list[str]]:
    if is_sqlite(url):
        remove_sqlite(sqlite_path(url))
    else:
        from devtools.pg import reset_postgres

        await reset_postgres(url)
    done = subprocess.run([sys.executable, "-m", "core.migrate"], cwd=ROOT, capture_output=True, text=True,  # noqa: ASYNC221
                          env={**os.environ, "DATABASE_URL": url})
    if done.returncode != 0:
        raise SystemExit(done.stdout + done.stderr)

    from core import db
    from events.tables import Event
    from members.tables import AuthToken, Member
    from members.tokens import hash_token, new_token

    await db.start(10)
    try:
        now = datetime.now(UTC)
        organiser = (await Member.insert(Member(email="org@bench.local", name="Org", password_hash="!",
                                                is_organiser=True, created_at=now, updated_at=now))
                     .returning(Member.id))[0]["id"]
        start = (now + timedelta(days=60)).replace(microsecond=0)
        for slug, places in (("ticket-rush", capacity), ("warm-up", WARMUP_ORDERS)):
            await Event.insert(Event(slug=slug, title=slug, starts_at=start, ends_at=start + timedelta(hours=8),
                                     capacity_duos=places, seats_taken=0, price_cents=9500, status="published",
                                     published_at=now, organiser=organiser, created_at=now, updated_at=now))
        tokens = []
        for chunk in range(0, buyers, 1000):  # asyncpg takes at most 32,767 arguments a statement
            rows = await Member.insert(*[
                Member(email=f"buyer{i}@bench.local", name=f"Buyer {i}", password_hash="!", created_at=now,
                       updated_at=now) for i in range(chunk, min(buyers, chunk + 1000))
            ]).returning(Member.id)
            new = [new_token() for _ in rows]
            await AuthToken.insert(*[
                AuthToken(member=r["id"], token_hash=hash_token(t), kind="api", created_at=now,
                          expires_at=now + timedelta(days=1)) for r, t in zip(rows, new, strict=True)
            ])
            tokens += new
    finally:
        await db.stop()
    return "ticket-rush", tokens


async def add_event(url: str, like: str, slug: str) -> str:
    """Another event like `like` (same capacity and price, nothing sold), for --repeat."""
    from core import db
    from events.tables import Event

    await db.start(2)
    try:
        row = await Event.select().where(Event.slug == like).first()
        assert row is not None
        await Event.insert(Event(**{**{k: v for k, v in row.items() if k != "id"}, "slug": slug, "seats_taken": 0}))
    finally:
        await db.stop()
    return slug


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

    deadline = time.monotonic() + 180  # a loaded machine starts the workers slowly
    async with httpx.AsyncClient() as client:
        while time.monotonic() < deadline:
            try:
                if (await client.get(f"{base}/healthz")).status_code == 200:
                    await asyncio.sleep(0.5)  # let the second worker finish its lifespan too
                    return
            except httpx.HTTPError:
                pass
            await asyncio.sleep(0.1)
    raise SystemExit("app did not start")


async def fetch(url: str, sql: str, *args: Any) -> list[Any]:
    """Rows of one query on the bench database (PostgreSQL `$n` placeholders, turned into `?` for SQLite)."""
    if is_sqlite(url):
        conn = sqlite3.connect(sqlite_path(url))
        try:
            return conn.execute(re.sub(r"\$\d+", "?", sql), args).fetchall()
        finally:
            conn.close()
    import asyncpg

    conn = await asyncpg.connect(url)
    try:
        return [tuple(r) for r in await conn.fetch(sql, *args)]
    finally:
        await conn.close()


async def database_counts(url: str) -> dict[str, int]:
    async def one(sql: str, *args: Any) -> Any:
        return (await fetch(url, sql, *args))[0]

    event_id, seats_taken, capacity = await one(
        "SELECT id, seats_taken, capacity_duos FROM event WHERE slug='ticket-rush'")
    (live,) = await one("SELECT count(*) FROM ticket_order WHERE event=$1 AND status IN ('pending_payment','paid')",
                        event_id)
    (paid,) = await one("SELECT count(*) FROM ticket_order WHERE status='paid' AND event=$1", event_id)
    (tickets,) = await one("SELECT count(*) FROM duo_ticket WHERE status='valid' AND event=$1", event_id)
    (doubles,) = await one("SELECT count(*) FROM (SELECT attendee FROM duo_ticket GROUP BY attendee "
                           "HAVING count(*) > 1) d")
    (wrong,) = await one("SELECT count(*) FROM ticket_order o WHERE o.status='paid' AND "
                         "(SELECT count(*) FROM duo_ticket t WHERE t.\"order\"=o.id AND t.status='valid') <> 2")
    (live_places,) = await one("SELECT count(*) FROM ticket_attendee WHERE live AND event=$1", event_id)
    return {"seats_taken": seats_taken, "capacity": capacity, "live_orders": live, "paid": paid,
            "tickets": tickets, "double_tickets": doubles + wrong, "live_places": live_places}


async def postmaster_pid(url: str) -> int | None:
    """The PostgreSQL server's main process, when it runs on this machine (for its CPU seconds)."""
    if is_sqlite(url):
        return None
    import asyncpg

    conn = await asyncpg.connect(url)
    try:  # read while the backend lives: it is gone once the connection closes
        return procstats.parent_pid(await conn.fetchval("SELECT pg_backend_pid()"))
    finally:
        await conn.close()


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


def ours_send(slug: str, tokens: list[str]) -> Send:
    async def send(client: Any, i: int) -> Any:
        return await client.post(
            f"/api/v1/events/{slug}/orders", headers={"Authorization": f"Bearer {tokens[i]}"},
            json={"companion": {"name": f"Partner {i}", "email": f"partner{i}@bench.local", "industry": "retail"}})
    return send


def ours_classify(response: Any) -> str:
    if response.status_code == 201:
        return "held"
    if response.status_code == 409 and b'"sold_out"' in response.content:
        return "sold_out"
    return "other"


async def ours_rush(args: argparse.Namespace) -> dict[str, Any]:
    url = args.database_url
    os.environ["DATABASE_URL"] = url
    repeat = max(1, args.repeat)
    slug, tokens = await reset_and_seed(url, args.buyers * repeat, args.capacity)
    localstripe, stripe_base = start_localstripe()
    port = free_port()
    app = start_app(url, port, stripe_base, args.workers)
    base = f"http://127.0.0.1:{port}"
    try:
        await wait_healthy(base)
        rss_before = procstats.worker_rss_mib(app.pid)
        await rush(base, WARMUP_ORDERS, WARMUP_CONCURRENCY, WARMUP_ORDERS, ours_send("warm-up", tokens),
                   ours_classify)
        rss_warm = procstats.worker_rss_mib(app.pid)
        cpu_warm = procstats.worker_cpu_seconds(app.pid)
        with Meter([app.pid], await postmaster_pid(url)) as meter:
            result = await rush(base, args.buyers, args.concurrency, args.capacity, ours_send(slug, tokens),
                                ours_classify, keep=lambda r: r.json()["id"])
        rss_after = procstats.worker_rss_mib(app.pid)
        cpu_rush = [round(b - a, 2) for a, b in zip(cpu_warm, procstats.worker_cpu_seconds(app.pid), strict=False)]
        counts = await database_counts(url)
        # --repeat: the same rush again on a new event with new buyers, the same workers: is their memory flat?
        rss_each = [rss_after]
        for n in range(2, repeat + 1):
            again = await add_event(url, slug, f"{slug}-{n}")
            await rush(base, args.buyers, args.concurrency, args.capacity,
                       ours_send(again, tokens[(n - 1) * args.buyers:n * args.buyers]), ours_classify)
            rss_each.append(procstats.worker_rss_mib(app.pid))
        line = summary("ticket_rush", result, meter, {
            "side": "ours", "database": "sqlite" if is_sqlite(url) else "postgresql", "workers": args.workers,
            "buyers": args.buyers, "concurrency": args.concurrency, "capacity": args.capacity})
        line.update({
            "oversold": max(0, counts["live_orders"] - counts["capacity"]), "seats_taken": counts["seats_taken"],
            "live_orders_in_db": counts["live_orders"],
            "server_cpu_ms_per_order": round(meter.used["server"] * 1000 / max(1, len(result.held)), 2),
            "worker_rss_mib": {"started": rss_before, "warmed_up": rss_warm, "after_rush": rss_after},
            "worker_cpu_s_in_rush": cpu_rush,
        })
        if repeat > 1:
            line["worker_rss_mib_after_each_rush"] = rss_each
        print(json.dumps(line), flush=True)
        if not args.no_paid:
            held = [(tokens[i], order_id) for i, order_id in result.held]
            paid = await paid_path(base, stripe_base, url, held, args.pay_concurrency)
            print(json.dumps({"bench": "ticket_rush_paid_path", **paid}), flush=True)
        return line
    finally:
        app.terminate()
        try:
            app.wait(timeout=15)
        except subprocess.TimeoutExpired:
            app.kill()
        localstripe.terminate()
        localstripe.wait(timeout=5)


# --------------------------------------------------------------------------- the peer (pretix)


async def peer_rush(buyers: int, concurrency: int, capacity: int, workers: int = 2) -> dict[str, Any]:
    """pretix started from bench/peers/pretix, warmed up, then the same rush through its REST API."""
    sys.path.insert(0, str(ROOT / "bench" / "peers" / "pretix"))
    import peer

    pretix = peer.Pretix(workers=workers)
    pretix.start()
    try:
        label = datetime.now(UTC).strftime("%Y%m%d%H%M%S")

        def send_for(target: Any) -> Send:
            headers = {"Authorization": f"Token {target.token}"}

            async def send(client: Any, i: int) -> Any:
                return await client.post(target.url, headers=headers, json=peer.order_body(target, i))
            return send

        def classify(response: Any) -> str:
            if response.status_code == 201:
                return "held"
            return "sold_out" if peer.is_sold_out(response.status_code, response.text) else "other"

        warm = pretix.new_event(f"warm-{label}", WARMUP_ORDERS)
        rss_before = procstats.worker_rss_mib(pretix.pid)
        await rush(pretix.base, WARMUP_ORDERS, WARMUP_CONCURRENCY, WARMUP_ORDERS, send_for(warm), classify)
        rss_warm = procstats.worker_rss_mib(pretix.pid)
        target = pretix.new_event(f"rush-{label}", capacity)
        with Meter(pretix.pids, await postmaster_pid(peer.DATABASE_URL)) as meter:
            result = await rush(pretix.base, buyers, concurrency, capacity, send_for(target), classify)
        rss_after = procstats.worker_rss_mib(pretix.pid)
        live = await peer.live_places(target)
        line = summary("ticket_rush", result, meter, {
            "side": f"pretix {peer.PRETIX_VERSION}", "database": "postgresql", "workers": workers,
            "buyers": buyers, "concurrency": concurrency, "capacity": capacity})
        line.update({"oversold": max(0, live - capacity), "live_orders_in_db": live,
                     "server_cpu_ms_per_order": round(meter.used["server"] * 1000 / max(1, len(result.held)), 2),
                     "worker_rss_mib": {"started": rss_before, "warmed_up": rss_warm, "after_rush": rss_after}})
        return line
    finally:
        pretix.stop()


def comparison(peer_line: dict[str, Any], ours_line: dict[str, Any]) -> dict[str, Any]:
    p, o = peer_line["seconds_to_sell_out"], ours_line["seconds_to_sell_out"]
    return {"bench": "ticket_rush_vs_peer", "peer": peer_line["side"],
            "peer_sell_out_s": p, "ours_sell_out_s": o,
            "sell_out_ratio": round(p / o, 1) if p and o else None,
            "peer_p99_ms": peer_line["p99_ms"], "ours_p99_ms": ours_line["p99_ms"],
            "peer_server_cpu_ms_per_request": peer_line["server_cpu_ms_per_request"],
            "ours_server_cpu_ms_per_request": ours_line["server_cpu_ms_per_request"],
            "peer_oversold": peer_line["oversold"], "ours_oversold": ours_line["oversold"],
            "ours_5xx": ours_line["status_5xx"], "loadavg": os.getloadavg()[0]}


async def everything(args: argparse.Namespace) -> None:
    """--all: the comparison with the peer (args.rounds times), the scale run, SQLite with one worker and the
    floor, then one line saying for each aim of issue 18 whether this run met it."""
    import copy

    base = await main_async(args)
    scale = copy.copy(args)
    # 10× the buyers and the duos, 4× the concurrency: 10,000 buyers, 200 at a time, 1,000 duos by default.
    scale.buyers, scale.concurrency, scale.capacity = args.buyers * 10, args.concurrency * 4, args.capacity * 10
    scale.no_paid, scale.with_peer, scale.rounds = True, False, 1
    scale.repeat = 3  # and twice more on new events with the same workers: their RSS after each rush
    scaled = (await main_async(scale))["ours"][0]
    # SQLite in a process of its own: Piccolo binds its engine to DATABASE_URL once per process.
    lite = await asyncio.create_subprocess_exec(
        sys.executable, str(ROOT / "bench" / "ticket_rush.py"), "--sqlite", "--no-paid", "--buyers", str(args.buyers),
        "--concurrency", str(args.concurrency), "--capacity", str(args.capacity), stdout=asyncio.subprocess.PIPE)
    out, _ = await lite.communicate()
    sqlite_line: dict[str, Any] = {}
    for text in out.decode().splitlines():
        if text.startswith("{"):
            print(text, flush=True)
            line = json.loads(text)
            if line.get("bench") == "ticket_rush":
                sqlite_line = line
    if not sqlite_line:
        raise SystemExit("the SQLite run printed no result")
    import rush_floor

    await rush_floor.main_async(argparse.Namespace(
        database_url=args.database_url.rsplit("/", 1)[0] + "/nieuw_geluid_bench_floor", workers=args.workers,
        requests=args.buyers, concurrency=args.concurrency, capacity=args.capacity))
    pairs, ours = base["pairs"], base["ours"]
    ratios = [p["sell_out_ratio"] for p in pairs if p["sell_out_ratio"]]
    sell_outs = [o["seconds_to_sell_out"] for o in ours if o["seconds_to_sell_out"]]
    print(json.dumps({
        "bench": "ticket_rush_aims",
        "ratio_to_peer_min": min(ratios, default=None), "ten_times_peer": bool(ratios) and min(ratios) >= 10,
        "p99_ms_max": max(o["p99_ms"] for o in ours), "p99_under_300_ms": max(o["p99_ms"] for o in ours) <= 300,
        "oversold": sum(o["oversold"] for o in [*ours, scaled, sqlite_line]),
        "status_5xx": sum(o["status_5xx"] for o in [*ours, scaled, sqlite_line]),
        "scale_sell_out_s": scaled["seconds_to_sell_out"], "scale_p99_ms": scaled["p99_ms"],
        "scale_within_10x": bool(sell_outs) and bool(scaled["seconds_to_sell_out"])
        and scaled["seconds_to_sell_out"] <= 10 * statistics.median(sell_outs),
        "scale_p99_under_500_ms": scaled["p99_ms"] <= 500,
        "scale_worker_rss_mib": scaled["worker_rss_mib"],
        "scale_worker_rss_mib_after_each_rush": scaled.get("worker_rss_mib_after_each_rush"),
        "sqlite_sell_out_s": sqlite_line["seconds_to_sell_out"],
        "sqlite_under_1_s": bool(sqlite_line["seconds_to_sell_out"]) and sqlite_line["seconds_to_sell_out"] <= 1,
        "loadavg": os.getloadavg(),
    }), flush=True)


async def main_async(args: argparse.Namespace) -> dict[str, Any]:
    for noisy in ("httpx", "stripe"):  # one log line per request would drown the figures
        logging.getLogger(noisy).setLevel(logging.WARNING)
    pairs: list[dict[str, Any]] = []
    ours_lines: list[dict[str, Any]] = []
    for _ in range(args.rounds):
        peer_line = None
        if args.with_peer:
            peer_line = await peer_rush(args.buyers, args.concurrency, args.capacity, args.peer_workers)
            print(json.dumps(peer_line), flush=True)
        ours_line = await ours_rush(args)
        ours_lines.append(ours_line)
        if peer_line is not None:
            pairs.append(comparison(peer_line, ours_line))
            print(json.dumps(pairs[-1]), flush=True)
    if len(pairs) > 1:
        ratios = [p["sell_out_ratio"] for p in pairs if p["sell_out_ratio"]]
        print(json.dumps({"bench": "ticket_rush_vs_peer_rounds", "rounds": len(pairs),
                          "sell_out_ratio_min": min(ratios, default=None),
                          "sell_out_ratio_median": statistics.median(ratios) if ratios else None,
                          "ours_p99_ms_max": max(p["ours_p99_ms"] for p in pairs)}), flush=True)
    return {"pairs": pairs, "ours": ours_lines}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=None,
                        help="default: BENCH_DATABASE_URL or postgres://…/nieuw_geluid_bench (var/… with --sqlite)")
    parser.add_argument("--sqlite", action="store_true", help="the embedded default: SQLite file, 1 worker")
    parser.add_argument("--scale", action="store_true", help="10,000 buyers, 200 at a time, for 1,000 duos")
    parser.add_argument("--buyers", type=int, default=None)
    parser.add_argument("--concurrency", type=int, default=None)
    parser.add_argument("--capacity", type=int, default=None)
    parser.add_argument("--workers", type=int, default=None)
    parser.add_argument("--pay-concurrency", type=int, default=10)
    parser.add_argument("--no-paid", action="store_true", help="skip the paid path (default with --scale)")
    parser.add_argument("--with-peer", action="store_true", help="run pretix (bench/peers/pretix) before ours")
    parser.add_argument("--peer-workers", type=int, default=2)
    parser.add_argument("--client", choices=sorted(CLIENTS), default="aiohttp",
                        help="the load generator's HTTP client (aiohttp: cheap enough not to be the queue)")
    parser.add_argument("--rounds", type=int, default=1, help="repeat (peer, ours) this many times")
    parser.add_argument("--repeat", type=int, default=1,
                        help="rush ours this many times with the same workers (a new event and new buyers each "
                             "time): their RSS after each")
    parser.add_argument("--all", action="store_true",
                        help="everything issue 18 asks, one after the other: the peer comparison (--rounds), the "
                             "scale run, SQLite with 1 worker, the floor, then a line checking each aim")
    args = parser.parse_args()
    global CLIENT
    CLIENT = args.client
    scale = (10_000, 200, 1_000) if args.scale else (1_000, 50, 100)
    args.buyers = args.buyers or scale[0]
    args.concurrency = args.concurrency or scale[1]
    args.capacity = args.capacity or scale[2]
    args.workers = args.workers or (1 if args.sqlite else 2)
    args.no_paid = args.no_paid or args.scale
    if args.database_url is None:
        args.database_url = (f"sqlite:///{ROOT / 'var' / 'bench' / 'ticket_rush.sqlite3'}" if args.sqlite else
                             os.environ.get("BENCH_DATABASE_URL")
                             or "postgres://postgres@127.0.0.1:5432/nieuw_geluid_bench")
    if args.all:
        args.with_peer = True
        asyncio.run(everything(args))
    else:
        asyncio.run(main_async(args))


if __name__ == "__main__":
    main()
