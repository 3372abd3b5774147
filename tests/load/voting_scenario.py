"""Voting under load, as one scenario the load test asserts on and bench/voting.py prints.

On a fresh database (SQLite file, or a PostgreSQL database of its own, reset first), the app runs in uvicorn with
N workers:

1. the organiser opens an approval vote (N = 3) on the seeded ideas;
2. every voter casts a ballot at once (POST …/ballot; a share of them sends the same cast twice at the same moment,
   as a double tap does: exactly one may be accepted);
3. every voter changes their ballot `changes` times with the receipt (PUT …/ballot), and the organiser closes the
   vote once half of those changes are answered, while the rest are in flight (or, `close_midway=False`, after all);

Voters arrive all at once (`spread_seconds=0`, the race the load test wants) or spread evenly over `spread_seconds`
(bench/voting.py: a room voting within two minutes), each thinking up to `think_seconds` before a change.
4. the results are read, and the two tables are counted from a connection of the scenario's own.

The expected ballot of each voter is the last one the app accepted (the cast, or the last change answered 200):
each must be in the published list under the id on the voter's receipt, with exactly those choices; the totals must
equal a count of the expected ballots. Returned as one dict: answers per operation, latency percentiles, ballots and
participations in the database, lost ballots (a voter whose accepted ballot is missing or different), doubles
(ballots beyond one per voter), whether the totals are exact; `problems` lists every way the run fell short.
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from tests.load.harness import ROOT, Database, free_port, start_app, stop_app, wait_until_up

CHOICES = 3


def sqlite_url() -> str:
    return f"sqlite:///{Path(tempfile.mkdtemp(prefix='ng-votes-')) / 'votes.sqlite3'}"


async def prepare(url: str, voters: int, ideas: int, pitch_chars: int = 400) -> dict[str, Any]:
    """Reset (PostgreSQL) or create (SQLite) the database, migrate it and seed it (tests/load/seed_votes.py)."""
    if url.startswith("postgres"):
        from devtools.pg import reset_postgres

        await reset_postgres(url)
    env = {**os.environ, "DATABASE_URL": url, "PICCOLO_CONF": "piccolo_conf"}
    for command in (["-m", "core.migrate"], ["-m", "tests.load.seed_votes", "--voters", str(voters), "--ideas",
                                             str(ideas), "--pitch-chars", str(pitch_chars)]):
        done = subprocess.run([sys.executable, *command], cwd=ROOT, env=env,  # noqa: ASYNC221 (set-up)
                              capture_output=True, text=True, timeout=300)
        if done.returncode != 0:
            raise RuntimeError(done.stdout + done.stderr)
    return json.loads(done.stdout.strip().splitlines()[-1])


def percentiles(values: list[float]) -> dict[str, float]:
    if not values:
        return {}
    ordered = sorted(values)

    def at(p: float) -> float:
        return round(1000 * ordered[min(len(ordered) - 1, int(p * len(ordered)))], 1)

    return {"p50_ms": at(0.50), "p95_ms": at(0.95), "p99_ms": at(0.99), "max_ms": round(1000 * ordered[-1], 1)}


@dataclass
class Calls:
    statuses: Counter[str] = field(default_factory=Counter)
    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    errors: list[str] = field(default_factory=list)

    async def send(self, what: str, request: Any) -> httpx.Response:
        started = time.perf_counter()
        response = await request
        self.latencies[what].append(time.perf_counter() - started)
        self.statuses[f"{what} {response.status_code}"] += 1
        if response.status_code >= 500:
            self.errors.append(f"{what}: {response.status_code} {response.text[:200]}")
        return response


async def run(url: str, *, workers: int, voters: int, ideas: int = 6, changes: int = 2, double_share: float = 0.1,
              concurrency: int = 100, spread_seconds: float = 0.0, think_seconds: float = 0.0,
              close_midway: bool = True, pitch_chars: int = 400, seed: int = 17,
              after: Any = None) -> dict[str, Any]:
    """The whole scenario on the database at `url`; returns the report (see the module's docstring)."""
    engine = "postgresql" if url.startswith("postgres") else "sqlite"
    seeded = await prepare(url, voters, ideas, pitch_chars)
    slug, idea_ids = seeded["slug"], seeded["ideas"]
    port = free_port()
    process = start_app(url, port, workers, APP_ENV="test", STRIPE_API_BASE="http://127.0.0.1:9",
                        DB_POOL_SIZE="20", BACKGROUND_JOBS="false", RATE_LIMIT_SCALE="1000",
                        MAIL_DIR=tempfile.mkdtemp(prefix="ng-votes-mail-"))
    base = f"http://127.0.0.1:{port}"
    rng = random.Random(seed)
    calls = Calls()
    expected: dict[int, list[int]] = {}
    receipts: dict[int, str] = {}
    problems: list[str] = []
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency, keepalive_expiry=2.0)
    gate = asyncio.Semaphore(concurrency)
    db = Database(url)
    try:
        await wait_until_up(base, process)
        await db.open()
        async with httpx.AsyncClient(base_url=base, timeout=120, limits=limits) as client:
            organiser = {"Authorization": f"Bearer {seeded['organiser']}"}
            opened = await client.post(f"/api/v1/events/{slug}/ideas/votes", headers=organiser,
                                       json={"method": "approval", "choices": CHOICES})
            if opened.status_code != 201:
                raise RuntimeError(f"open vote: {opened.status_code} {opened.text}")
            vote = opened.json()["id"]
            url_ballot = f"/api/v1/events/{slug}/ideas/votes/{vote}/ballot"

            def pick() -> list[int]:
                return rng.sample(idea_ids, rng.randint(0, min(CHOICES, len(idea_ids))))

            total_changes = voters * changes
            done_changes = done_casts = 0
            halfway, all_cast = asyncio.Event(), asyncio.Event()

            async def cast(i: int, headers: dict[str, str]) -> None:
                nonlocal done_casts
                choices = pick()
                copies = 2 if rng.random() < double_share else 1
                async with gate:
                    answers = await asyncio.gather(*(
                        calls.send("cast", client.post(url_ballot, json={"choices": choices}, headers=headers))
                        for _ in range(copies)))
                _take_cast(i, answers, expected, receipts, problems)
                done_casts += 1
                if done_casts == voters:
                    all_cast.set()

            async def change(i: int, headers: dict[str, str]) -> None:
                nonlocal done_changes
                async with gate:
                    answer = await calls.send("change", client.put(
                        url_ballot, json={"receipt": receipts[i], "choices": (choices := pick())}, headers=headers))
                done_changes += 1
                if close_midway and done_changes * 2 >= total_changes:
                    halfway.set()
                if answer.status_code == 200:
                    expected[i] = choices
                elif answer.status_code != 409 or answer.json().get("code") != "vote_closed":
                    problems.append(f"voter {i}: change answered {answer.status_code} {answer.text[:120]}")

            async def voter(i: int, token: str, arrival: float, think: float) -> None:
                headers = {"Authorization": f"Bearer {token}"}
                await asyncio.sleep(arrival)
                await cast(i, headers)
                for _ in range(changes if i in receipts else 0):
                    await asyncio.sleep(think)
                    await change(i, headers)

            async def close() -> None:
                answer = await calls.send("close", client.post(
                    f"/api/v1/events/{slug}/ideas/votes/{vote}/close", headers=organiser))
                if answer.status_code != 200:
                    problems.append(f"close answered {answer.status_code} {answer.text[:200]}")

            async def close_halfway() -> None:
                # Every voter has cast (the load test counts one ballot each); half the changes are answered.
                await all_cast.wait()
                await halfway.wait()
                await close()

            # Arrivals spread evenly over `spread_seconds` (0: all at once); a voter thinks a moment before a change.
            arrivals = [spread_seconds * i / max(1, voters) for i in range(voters)]
            rng.shuffle(arrivals)
            started = time.perf_counter()
            closer = asyncio.create_task(close_halfway()) if close_midway else None
            await asyncio.gather(*(voter(i, t, arrivals[i], rng.uniform(0, think_seconds))
                                   for i, t in enumerate(seeded["tokens"])))
            if closer is not None:
                all_cast.set()
                halfway.set()
                await closer
            else:
                await close()
            voting_seconds = time.perf_counter() - started

            results_response = await calls.send("results", client.get(
                f"/api/v1/events/{slug}/ideas/votes/{vote}/results"))
            results = results_response.json()
            extra = await after(client, base, seeded) if after is not None else {}
        rows = await db.fetch(f"SELECT (SELECT COUNT(*) FROM idea_ballot WHERE vote = {int(vote)}) AS ballots, "
                              f"(SELECT COUNT(*) FROM idea_vote_participation WHERE vote = {int(vote)}) AS voted")
    finally:
        await db.close()
        stop_app(process)

    return _report(
        results, rows, calls, expected, receipts, idea_ids, problems,
        {"engine": engine, "workers": workers, "voters": voters, "ideas": len(idea_ids), "changes_each": changes,
         "double_casts": calls.statuses.get("cast 409", 0), "voting_seconds": round(voting_seconds, 2),
         "spread_seconds": spread_seconds},
        extra,
    )


def _take_cast(i: int, answers: Sequence[httpx.Response], expected: dict[int, list[int]], receipts: dict[int, str],
               problems: list[str]) -> None:
    """Voter i's cast, sent once or twice at the same moment: exactly one accepted (its choices and receipt
    kept), the double refused with 409."""
    accepted = [a for a in answers if a.status_code == 201]
    if len(accepted) != 1:
        problems.append(f"voter {i}: {len(accepted)} casts accepted of {len(answers)}")
    if accepted:
        expected[i], receipts[i] = accepted[0].json()["choices"], accepted[0].json()["receipt"]
    problems.extend(f"voter {i}: cast answered {a.status_code} {a.text[:120]}"
                    for a in answers if a.status_code not in (201, 409))


def _report(results: dict[str, Any], rows: Sequence[Mapping[str, Any]], calls: Calls, expected: dict[int, list[int]],
            receipts: dict[int, str], idea_ids: list[int], problems: list[str], run_facts: dict[str, Any],
            extra: dict[str, Any]) -> dict[str, Any]:
    """The run's report (the module's docstring): the published ballots and totals checked against what each
    voter was last told, the database's counts against the receipts."""
    voters = run_facts["voters"]
    published = {b["ballot_id"]: b["choices"] for b in results.get("published_ballots", [])}
    lost = [i for i, receipt in receipts.items() if published.get(receipt[:9]) != expected[i]]
    ballots_in_db, voted_in_db = int(rows[0]["ballots"]), int(rows[0]["voted"])
    totals = {idea: 0 for idea in idea_ids}
    for choices in expected.values():
        for idea in choices:
            totals[idea] += 1
    reported = {s["idea"]: s["points"] for s in results.get("standings", [])}
    report = {
        **run_facts,
        "answers": dict(sorted(calls.statuses.items())),
        "latency": {what: percentiles(values) for what, values in sorted(calls.latencies.items())},
        "status_5xx": len(calls.errors),
        "ballots_in_db": ballots_in_db, "participations_in_db": voted_in_db, "published": len(published),
        "lost": len(lost), "double": max(0, ballots_in_db - len(receipts)),
        "changes_accepted": calls.statuses.get("change 200", 0),
        "changes_refused_after_close": calls.statuses.get("change 409", 0),
        "totals_exact": reported == totals, "recount_matches": results.get("recount_matches"),
        "eligible": results.get("eligible"), "turnout_percent": results.get("turnout_percent"),
        **extra,
    }
    problems += calls.errors[:5]
    if len(receipts) != voters:
        problems.append(f"{voters - len(receipts)} voters got no receipt")
    if lost:
        problems.append(f"{len(lost)} voters do not find their last accepted ballot, e.g. voter {lost[0]}")
    if not (ballots_in_db == voted_in_db == len(published) == len(receipts)):
        problems.append(f"ballots {ballots_in_db}, participations {voted_in_db}, published {len(published)}, "
                        f"voters {len(receipts)}")
    if not report["totals_exact"] or not report["recount_matches"]:
        problems.append("the totals are not exact")
    report["problems"] = problems
    return report
