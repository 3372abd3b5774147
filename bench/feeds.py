"""Calendar-feed benchmark: a member feed of 50 events with their agenda, served by 2 uvicorn workers.

Usage: ``python -m bench.feeds [--database-url postgres://…] [--duration 3] [--rounds 3] [--connections 32]``.
Without --database-url a fresh SQLite file is used. Prints one JSON object: requests/s for 200 responses
and for 304 responses of the personal feed (and of the community feed), and for the same bytes served as a
static file by the same server, with the ratios. Load comes from `wrk` when installed, else from httpx in
this process (bounded concurrency). Not a timed test: figures depend on the machine.

`bench_app` is the server side: the normal app plus a static route with the feed's bytes (the reference).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
STATIC_PATH = "/bench-static"
EVENTS = 50


def bench_app() -> Any:
    """uvicorn factory: the real app plus the reference static file (BENCH_STATIC_DIR/feed.ics)."""
    from litestar.static_files import create_static_files_router

    from app import create_app

    app = create_app()
    app.register(create_static_files_router(path=STATIC_PATH, directories=[os.environ["BENCH_STATIC_DIR"]]))
    return app


# --------------------------------------------------------------------------- data


async def seed() -> str:
    """50 published events with 5 agenda items each, a member with a live ticket for each; returns the token."""
    from core import db
    from core.principal import Principal
    from events.service import create_event, publish_event
    from members.accounts import NewMember, ensure_member
    from members.feed_tokens import rotate_feed_token
    from ticketing.tables import Attendee, Ticket, TicketOrder

    await db.start(10)
    try:
        organiser, _ = await ensure_member(NewMember("bench-org@example.nl", "een-goed-wachtwoord-42", "Org"),
                                           roles=("organiser",))
        member, _ = await ensure_member(NewMember("bench-lid@example.nl", "een-goed-wachtwoord-42", "Lid",
                                                  birth_date=date(1995, 5, 5)), roles=())
        actor = Principal(organiser.id, organiser.email, organiser.name, True, False, "api")
        start = date(2027, 1, 12)
        for n in range(EVENTS):
            day = start + timedelta(days=7 * n)
            at = lambda hour, minute=0, d=day: datetime(d.year, d.month, d.day, hour, minute)  # noqa: E731
            agenda = [
                {"title": "Welkom en koffie", "starts_at": at(13), "ends_at": at(13, 30), "room": "Foyer"},
                {"title": "Ronde 1", "starts_at": at(14), "ends_at": at(15), "is_breakout_round": True},
                {"title": "Ronde 2", "starts_at": at(15, 30), "ends_at": at(16, 30), "is_breakout_round": True},
                {"title": "Pitches", "starts_at": at(17), "ends_at": at(18), "room": "Grote zaal"},
                {"title": "Borrel", "starts_at": at(18), "ends_at": at(20), "room": "Café"},
            ]
            event = await create_event(actor, {
                "title": f"Klantcontact-hackathon #{n + 1}: coöperatie & één geluid",
                "description": "Samen werken aan beter klantcontact. " * 12,
                "starts_at": at(13), "ends_at": at(21), "venue_name": "De Kennismakerij",
                "address": "Stationsplein 1, Utrecht", "capacity_duos": 40, "agenda": agenda,
            })
            await publish_event(actor, event.slug)
            now = datetime.now(UTC)
            order = (await TicketOrder.insert(TicketOrder(
                event=event.id, buyer=member.id, status="paid", amount_cents=0, paid_at=now, created_at=now,
                updated_at=now)).returning(TicketOrder.id))[0]["id"]
            attendee = (await Attendee.insert(Attendee(
                order=order, event=event.id, role="buyer", name="Lid", email=member.email, live=True,
                created_at=now)).returning(Attendee.id))[0]["id"]
            await Ticket.insert(Ticket(order=order, attendee=attendee, event=event.id, code=f"BENCH-{n:04d}",
                                       status="valid", issued_at=now))
        return await rotate_feed_token(member.id)
    finally:
        await db.stop()


# --------------------------------------------------------------------------- load


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wrk(url: str, headers: dict[str, str], duration: int, connections: int) -> dict[str, Any]:
    command = ["wrk", "-t2", f"-c{connections}", f"-d{duration}s", "--latency"]
    for name, value in headers.items():
        command += ["-H", f"{name}: {value}"]
    out = subprocess.run([*command, url], capture_output=True, text=True, check=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    p50 = re.search(r"50%\s+([\d.]+\w+)", out)
    p99 = re.search(r"99%\s+([\d.]+\w+)", out)
    return {"rps": round(rps, 1), "errors": int(bad.group(1)) if bad else 0,
            "p50": p50.group(1) if p50 else None, "p99": p99.group(1) if p99 else None}


async def httpx_load(url: str, headers: dict[str, str], duration: int, connections: int) -> dict[str, Any]:
    import httpx

    done, errors = 0, 0
    deadline = time.perf_counter() + duration
    async with httpx.AsyncClient(headers=headers, limits=httpx.Limits(max_connections=connections)) as client:
        async def worker() -> None:
            nonlocal done, errors
            while time.perf_counter() < deadline:
                response = await client.get(url)
                done += 1
                errors += response.status_code >= 400
        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(connections)))
        elapsed = time.perf_counter() - started
    return {"rps": round(done / elapsed, 1), "errors": errors}


def load(url: str, headers: dict[str, str], duration: int, connections: int) -> dict[str, Any]:
    if shutil.which("wrk"):
        return wrk(url, headers, duration, connections)
    return asyncio.run(httpx_load(url, headers, duration, connections))


# --------------------------------------------------------------------------- main


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--database-url", default="")
    parser.add_argument("--duration", type=int, default=3)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="ng-bench-feeds-"))
    url = args.database_url or f"sqlite:///{work / 'bench.sqlite3'}"
    if url.startswith("postgres"):
        import asyncpg

        async def reset() -> None:
            conn = await asyncpg.connect(url)
            await conn.execute("DROP SCHEMA public CASCADE; CREATE SCHEMA public;")
            await conn.close()

        asyncio.run(reset())
    env = {**os.environ, "DATABASE_URL": url, "BACKGROUND_JOBS": "false", "BENCH_STATIC_DIR": str(work),
           "DB_POOL_SIZE": "10", "PUBLIC_BASE_URL": "http://127.0.0.1:8000"}
    os.environ.update(env)
    subprocess.run([sys.executable, "-m", "core.migrate"], cwd=ROOT, env=env, check=True, capture_output=True)
    token = asyncio.run(seed())

    import httpx

    port = free_port()
    base = f"http://127.0.0.1:{port}"
    log_path = work / "server.log"
    with open(log_path, "w") as log:
        server = subprocess.Popen(
            [sys.executable, "-m", "uvicorn", "bench.feeds:bench_app", "--factory", "--workers", str(args.workers),
             "--host", "127.0.0.1", "--port", str(port), "--no-proxy-headers"],
            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
        )
    try:
        for _ in range(100):
            try:
                if httpx.get(f"{base}/healthz").status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.1)
        identity = {"Accept-Encoding": "identity"}
        feed_url = f"{base}/feeds/{token}.ics"
        first = httpx.get(feed_url, headers=identity)
        assert first.status_code == 200, first.text
        (work / "feed.ics").write_bytes(first.content)
        static_url = f"{base}{STATIC_PATH}/feed.ics"
        assert httpx.get(static_url, headers=identity).content == first.content
        etag = first.headers["etag"]
        assert httpx.get(feed_url, headers={**identity, "If-None-Match": etag}).status_code == 304
        community = httpx.get(f"{base}/calendar.ics", headers=identity)
        gzip_bytes = httpx.get(feed_url, headers={"Accept-Encoding": "gzip"}).headers["content-length"]

        d, c = args.duration, args.connections
        load(feed_url, identity, 1, c)  # warm every worker's cache and connections
        scenarios = {
            "static_200": (static_url, identity),
            "member_feed_200": (feed_url, identity),
            "member_feed_304": (feed_url, {**identity, "If-None-Match": etag}),
            "member_feed_200_gzip": (feed_url, {"Accept-Encoding": "gzip"}),
            "community_feed_200": (f"{base}/calendar.ics", identity),
            "community_feed_304": (f"{base}/calendar.ics", {**identity, "If-None-Match": community.headers["etag"]}),
        }
        # Rounds interleave the scenarios so that a noisy neighbour on the machine hits all of them alike;
        # the round with the median rate is reported.
        runs: dict[str, list[dict[str, Any]]] = {name: [] for name in scenarios}
        for _ in range(args.rounds):
            for name, (target, headers) in scenarios.items():
                runs[name].append(load(target, headers, d, c))
        results = {name: sorted(r, key=lambda x: x["rps"])[len(r) // 2] | {"all_rps": [x["rps"] for x in r]}
                   for name, r in runs.items()}
    finally:
        server.terminate()
        server.wait(timeout=30)
    server_log = log_path.read_text()
    static_rps = results["static_200"]["rps"]
    events_in_feed = first.text.count("BEGIN:VEVENT")
    print(json.dumps({
        "database": "postgresql" if url.startswith("postgres") else "sqlite",
        "workers": args.workers,
        "load": "wrk" if shutil.which("wrk") else "httpx",
        "connections": c,
        "duration_s": d,
        "rounds": args.rounds,
        "cpus": os.cpu_count(),
        "feed_bytes": len(first.content),
        "feed_gzip_bytes": int(gzip_bytes),
        "feed_vevents": events_in_feed,
        "results": results,
        "member_200_vs_static": round(results["member_feed_200"]["rps"] / static_rps, 2),
        "member_304_vs_static": round(results["member_feed_304"]["rps"] / static_rps, 2),
        "member_304_vs_200": round(results["member_feed_304"]["rps"] / results["member_feed_200"]["rps"], 2),
        "token_in_server_log": token in server_log,
        "masked_paths_in_server_log": server_log.count("/feeds/[token].ics"),
    }, indent=2))
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
