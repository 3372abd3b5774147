"""The door on the event day (issue 14), over HTTP against the app with 2 uvicorn workers, on SQLite and PostgreSQL.

    .venv/bin/python bench/door.py                      # both engines, the issue's sizes
    .venv/bin/python bench/door.py --engine sqlite      # one engine
    .venv/bin/python bench/door.py --holders 40 --window 5 --offline 20 --regroup-holders 60 --regroup-present 50

Three scenarios, each on an event of its own, one JSON line each per engine:

1. **Door**: `--holders` ticket holders (1,000) arrive at random moments within `--window` seconds (600: ten
   minutes) and are scanned by `--phones` door phones (4), each phone one scan at a time, as
   `POST /api/v1/events/{slug}/checkins` with its own door-role token; `--repeat` of them (5 %) are scanned a
   second time at another phone (the partner scanning again, a retry). Reports the latency per scan (client side,
   over loopback: p50, p95, p99, max), the answers, and from the database the check-ins lost (a holder scanned
   but not in) and double (more than one active check-in for a ticket, or a second "checked_in" answer).
   Aim: p95 ≤ 50 ms, 0 lost, 0 double.
2. **Offline batch**: `--offline` (500) scans queued on one phone, synced as one `POST …/checkins/batch`; then the
   same batch again (it must change nothing). Aim: ≤ 2 s.
3. **Regroup**: `--regroup-holders` (1,200) ticket holders in published groups, `--regroup-present` (1,000) checked
   in; the facilitator's preview (`POST …/breakouts/regroup/preview`) and publish (`…/regroup/publish`), timed
   over HTTP, with the people moved. Aim: ≤ 1 s.

The PostgreSQL database (`BENCH_DOOR_DATABASE_URL`, default nieuw_geluid_bench_door) is created when missing,
then RESET (schema dropped) and migrated: give it one of its own. SQLite uses a fresh file under var/. Not a timed
test: run it on an idle machine.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

DEFAULT_PG = "postgres://postgres@127.0.0.1:5432/nieuw_geluid_bench_door"


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))] if ordered else 0.0


def latency(values: list[float]) -> dict[str, float]:
    return {"p50_ms": round(statistics.median(values), 1) if values else 0.0,
            "p95_ms": round(percentile(values, 95), 1), "p99_ms": round(percentile(values, 99), 1),
            "max_ms": round(max(values), 1) if values else 0.0}


# --------------------------------------------------------------------------- seeding (in a child process)


async def _seed(sizes: dict[str, int]) -> dict[str, Any]:
    """Three published free hackathons with paid duos (codes issued), an organiser, four door phones."""
    from core import db
    from core.principal import Principal
    from events import service as events
    from events.team import grant_event_role
    from pairing.plans import BreakoutSettings, generate_plan
    from pairing.publish import publish_plan
    from tests.support.breakouts import free_hackathon, seed_duos
    from tests.support.members import quick_member
    from ticketing.tables import Ticket

    await db.start(4)
    try:
        owner = await quick_member("organiser", name="Bench Organisator")
        organiser = Principal(owner["id"], owner["email"], owner["name"], True, False, "api")
        out: dict[str, Any] = {"organiser": owner["headers"]["Authorization"]}
        for key, duos in (("door", sizes["holders"] // 2), ("offline", sizes["offline"] // 2),
                          ("regroup", sizes["regroup_holders"] // 2)):
            body = free_hackathon(title=f"Deur {key}", capacity_duos=max(duos, 10))
            for item in [body, *body["agenda"]]:  # the API's text times, as the service takes them
                for field in ("starts_at", "ends_at"):
                    item[field] = datetime.fromisoformat(item[field])
            created = await events.create_event(organiser, body)
            await events.publish_event(organiser, created.slug)
            await seed_duos(created.id, duos, prefix=key)
            tickets = await Ticket.select(Ticket.code).where(Ticket.event == created.id).order_by(Ticket.id)
            out[key] = {"slug": created.slug, "codes": [t["code"] for t in tickets]}
        doors = []
        for n in range(sizes["phones"]):
            phone = await quick_member(name=f"Deur {n + 1}")
            await grant_event_role(organiser, out["door"]["slug"], phone["email"], "door")
            doors.append(phone["headers"]["Authorization"])
        out["doors"] = doors
        await generate_plan(organiser, out["regroup"]["slug"], BreakoutSettings(seed=1))
        await publish_plan(organiser, out["regroup"]["slug"])
    finally:
        await db.stop()
    return out


async def prepare(url: str, sizes: dict[str, int]) -> dict[str, Any]:
    """Reset (PostgreSQL) the database, migrate and seed it in child processes (their own engine and pool)."""
    if url.startswith("postgres"):
        from devtools.pg import reset_postgres

        await reset_postgres(url)
    env = {**os.environ, "DATABASE_URL": url, "PICCOLO_CONF": "piccolo_conf"}
    for command in (["-m", "core.migrate"], [str(Path(__file__)), "--seed-database", json.dumps(sizes)]):
        done = subprocess.run([sys.executable, *command], cwd=ROOT, env=env,  # noqa: ASYNC221 (set-up)
                              capture_output=True, text=True, timeout=1800)
        if done.returncode != 0:
            raise SystemExit(done.stdout + done.stderr)
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


# --------------------------------------------------------------------------- the scenarios


async def door_rush(client: Any, seed: dict[str, Any], window: float, repeat: float, rng: random.Random,
                    fetch: Any) -> dict[str, Any]:
    codes: list[str] = seed["door"]["codes"]
    phones = len(seed["doors"])
    # (arrival second, code, phone); a repeat is the same code at another phone a few seconds later.
    plan = [(rng.uniform(0, window), code, rng.randrange(phones)) for code in codes]
    for at, code, phone in rng.sample(plan, round(repeat * len(plan))):
        plan.append((min(window, at + rng.uniform(1, 5)), code, (phone + 1) % phones))
    queues: list[list[tuple[float, str]]] = [[] for _ in range(phones)]
    for at, code, phone in sorted(plan):
        queues[phone].append((at, code))
    lat: list[float] = []
    answers: dict[str, int] = {}
    checked_in: dict[str, int] = {}
    statuses: dict[int, int] = {}
    started = time.perf_counter()

    async def phone(n: int) -> None:
        headers = {"Authorization": seed["doors"][n]}
        for at, code in queues[n]:
            wait = at - (time.perf_counter() - started)
            if wait > 0:
                await asyncio.sleep(wait)
            t0 = time.perf_counter()
            response = await client.post(f"/api/v1/events/{seed['door']['slug']}/checkins", headers=headers,
                                         json={"device": f"Deur {n + 1}", "code": code})
            lat.append((time.perf_counter() - t0) * 1000)
            statuses[response.status_code] = statuses.get(response.status_code, 0) + 1
            result = response.json().get("result", response.json().get("code", "?"))
            answers[result] = answers.get(result, 0) + 1
            if result == "checked_in":
                checked_in[code] = checked_in.get(code, 0) + 1

    await asyncio.gather(*(phone(n) for n in range(phones)))
    elapsed = time.perf_counter() - started
    rows = await fetch("SELECT t.code, COUNT(c.id) AS n FROM duo_ticket t JOIN event e ON e.id = t.event "
                       "LEFT JOIN door_checkin c ON c.ticket = t.id AND c.undone_at IS NULL "
                       f"WHERE e.slug = '{seed['door']['slug']}' GROUP BY t.code")
    active = {r["code"]: int(r["n"]) for r in rows}
    return {"scenario": "door", "holders": len(codes), "phones": phones, "scans": len(plan),
            "window_s": window, "seconds": round(elapsed, 1), **latency(lat), "answers": answers,
            "statuses": {str(k): v for k, v in sorted(statuses.items())},
            "lost": sum(1 for c in codes if active.get(c, 0) == 0),
            "double": sum(1 for n in active.values() if n > 1) + sum(1 for n in checked_in.values() if n > 1)}


async def offline_batch(client: Any, seed: dict[str, Any], fetch: Any) -> dict[str, Any]:
    codes: list[str] = seed["offline"]["codes"]
    now = time.time()
    items = [{"code": c, "client_id": f"q{i}",
              "scanned_at": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(now - 600 + i)) + "Z"}
             for i, c in enumerate(codes)]
    headers = {"Authorization": seed["organiser"]}
    url = f"/api/v1/events/{seed['offline']['slug']}/checkins/batch"
    t0 = time.perf_counter()
    first = await client.post(url, headers=headers, json={"device": "Telefoon offline", "items": items})
    sync_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    again = await client.post(url, headers=headers, json={"device": "Telefoon offline", "items": items})
    again_s = time.perf_counter() - t0
    rows = await fetch("SELECT COUNT(*) AS n FROM door_checkin c JOIN event e ON e.id = c.event "
                       f"WHERE e.slug = '{seed['offline']['slug']}'")
    outcomes: dict[str, int] = {}
    for r in first.json().get("results", []):
        outcomes[r["outcome"]] = outcomes.get(r["outcome"], 0) + 1
    return {"scenario": "offline_batch", "queued": len(items), "status": first.status_code,
            "sync_s": round(sync_s, 3), "outcomes": outcomes, "again_s": round(again_s, 3),
            "again_same_answer": again.json() == first.json(), "checkin_rows": int(rows[0]["n"])}


async def regroup(client: Any, seed: dict[str, Any], present: int) -> dict[str, Any]:
    headers = {"Authorization": seed["organiser"]}
    slug = seed["regroup"]["slug"]
    codes: list[str] = seed["regroup"]["codes"]
    arrived = await client.post(f"/api/v1/events/{slug}/checkins/batch", headers=headers, json={
        "device": "Deur A", "items": [{"code": c} for c in codes[len(codes) - present:]]})
    assert arrived.status_code == 200, arrived.text
    t0 = time.perf_counter()
    preview = await client.post(f"/api/v1/events/{slug}/breakouts/regroup/preview", headers=headers, json={})
    preview_s = time.perf_counter() - t0
    body = preview.json()
    t0 = time.perf_counter()
    published = await client.post(f"/api/v1/events/{slug}/breakouts/regroup/publish", headers=headers,
                                  json={"fingerprint": body.get("fingerprint", "")})
    publish_s = time.perf_counter() - t0
    return {"scenario": "regroup", "holders": len(codes), "present": body.get("present"),
            "status": [preview.status_code, published.status_code], "preview_s": round(preview_s, 3),
            "publish_s": round(publish_s, 3), "moved_people": body.get("moved_people"),
            "moves": len(body.get("moves", [])), "no_shows": len(body.get("no_shows", [])),
            "late_arrivals": len(body.get("late_arrivals", [])),
            "hard_violations": body.get("report", {}).get("hard_violations")}


async def run_engine(url: str, args: argparse.Namespace) -> list[dict[str, Any]]:
    import httpx

    from tests.load.harness import Database, free_port, start_app, stop_app, wait_until_up

    engine = "postgresql" if url.startswith("postgres") else "sqlite"
    sizes = {"holders": args.holders, "offline": args.offline, "regroup_holders": args.regroup_holders,
             "phones": args.phones}
    seed = await prepare(url, sizes)
    port = free_port()
    process = start_app(url, port, args.workers, APP_ENV="test", STRIPE_API_BASE="http://127.0.0.1:9",
                        DB_POOL_SIZE="10", BACKGROUND_JOBS="false", RATE_LIMIT_SCALE="1000",
                        MAIL_DIR=tempfile.mkdtemp(prefix="ng-door-mail-"))
    database = Database(url)
    try:
        await wait_until_up(f"http://127.0.0.1:{port}", process)
        await database.open()
        limits = httpx.Limits(max_connections=20, max_keepalive_connections=20, keepalive_expiry=2.0)
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=120, limits=limits) as client:
            lines = [await door_rush(client, seed, args.window, args.repeat, random.Random(args.seed),
                                     database.fetch),
                     await offline_batch(client, seed, database.fetch),
                     await regroup(client, seed, min(args.regroup_present, len(seed["regroup"]["codes"])))]
    finally:
        await database.close()
        stop_app(process)
    return [{"bench": "door", "engine": engine, "workers": args.workers, **line,
             "loadavg": round(os.getloadavg()[0], 2)} for line in lines]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--engine", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--holders", type=int, default=1000)
    parser.add_argument("--phones", type=int, default=4)
    parser.add_argument("--window", type=float, default=600.0, help="seconds over which the holders arrive")
    parser.add_argument("--repeat", type=float, default=0.05, help="share scanned a second time at another phone")
    parser.add_argument("--offline", type=int, default=500)
    parser.add_argument("--regroup-holders", type=int, default=1200)
    parser.add_argument("--regroup-present", type=int, default=1000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--seed", type=int, default=14)
    parser.add_argument("--seed-database", default=None, help=argparse.SUPPRESS)  # the child process of prepare()
    args = parser.parse_args()
    if args.seed_database:
        from tests.support.passwords import use_cheap_password_hashing

        use_cheap_password_hashing()
        print(json.dumps(asyncio.run(_seed(json.loads(args.seed_database)))), flush=True)
        return
    urls = []
    if args.engine in ("sqlite", "both"):
        path = ROOT / "var" / "bench-door.sqlite3"
        path.parent.mkdir(parents=True, exist_ok=True)
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        urls.append(f"sqlite:///{path}")
    if args.engine in ("postgresql", "both"):
        urls.append(os.environ.get("BENCH_DOOR_DATABASE_URL", DEFAULT_PG))
    for url in urls:
        for line in asyncio.run(run_engine(url, args)):
            print(json.dumps(line), flush=True)


if __name__ == "__main__":
    main()
