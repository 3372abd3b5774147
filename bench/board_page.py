"""The facilitator's board page for 100 and 1,000 ticket holders: server time and bytes over the wire.

Usage: ``python -m bench.board_page [--sizes 100,1000] [--repeat 5]``. A fresh SQLite file per run; paid duos are
written straight into the tables (as tests/support/breakouts.py does: argon2 per buyer would take minutes), the
plan is generated through pairing.plans, then the page is fetched through the ASGI app (no network) as the
demo facilitator. Prints one JSON object per size: plan_view time alone, full page time (median and max of
--repeat, and the CPU time of this process, which other load on the machine disturbs less), HTML bytes and
gzip bytes, and a move: the htmx answer (service + board area) and the service alone. Not a timed test.
"""

from __future__ import annotations

import argparse
import asyncio
import gzip
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


async def measure(sizes: list[int], repeat: int) -> list[dict[str, Any]]:
    import httpx

    from app import create_app
    from core.principal import Principal
    from devtools.demo import DEMO_FACILITATOR, seed_demo
    from events.tables import Event
    from members.tables import Member
    from pairing import board, plans
    from settings import Settings
    from tests.support.breakouts import seed_duos

    app = create_app(replace(Settings(), database_url=os.environ["DATABASE_URL"], background_jobs=False,
                             app_env="test"))
    out = []
    async with app.lifespan():
        await seed_demo(date.today())
        facilitator = await Member.select().where(Member.email == DEMO_FACILITATOR[0]).first()
        assert facilitator is not None
        actor = Principal(facilitator["id"], facilitator["email"], facilitator["name"], False, False, "bench",
                          True)
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://bench") as client:
            login = await client.post("/api/v1/auth/login", json={"email": DEMO_FACILITATOR[0],
                                                                  "password": DEMO_FACILITATOR[1]})
            headers = {"Authorization": f"Bearer {login.json()['token']}"}
            for size in sizes:
                # A copy of the demo hackathon (three breakout rounds) per size, with size/2 paid duos.
                demo = await Event.select().first()
                assert demo is not None
                slug = f"bord-{size}"
                row = {k: v for k, v in demo.items() if k != "id"} | {"slug": slug, "capacity_duos": size}
                event_id = (await Event.insert(Event(**row)).returning(Event.id))[0]["id"]
                from events.tables import AgendaSession, Theme

                for theme in await Theme.select().where(Theme.event == demo["id"]):
                    await Theme.insert(Theme(**{k: v for k, v in theme.items() if k != "id"} | {"event": event_id}))
                for session in await AgendaSession.select().where(AgendaSession.event == demo["id"]):
                    await AgendaSession.insert(AgendaSession(**{k: v for k, v in session.items() if k != "id"}
                                                             | {"event": event_id}))
                from tests.support.members import give_event_role

                await give_event_role(slug, DEMO_FACILITATOR[0])
                await seed_duos(event_id, size // 2, prefix=f"b{size}-", organisations=size // 6)
                started = time.perf_counter()
                await plans.generate_plan(actor, slug, plans.BreakoutSettings(min_size=4, max_size=6))
                generate_s = time.perf_counter() - started
                view_times, page_times, page_cpu = [], [], []
                body = b""
                for _ in range(repeat):
                    t = time.perf_counter()
                    plan = await board.plan_view(actor, slug)
                    view_times.append(time.perf_counter() - t)
                    t, cpu = time.perf_counter(), time.process_time()
                    response = await client.get(f"/begeleiden/{slug}", headers=headers)
                    page_times.append(time.perf_counter() - t)
                    page_cpu.append(time.process_time() - cpu)
                    assert response.status_code == 200, response.text[:500]
                    body = response.content
                # A move as the page makes it: within the part of the board shown, with its view fields.
                from frontend.pages.board_parts import board_view

                view = board_view(plan)
                shown = view.rounds[0]
                group = shown.groups[1]
                person = shown.groups[0].members[0]
                view_fields = {k: v for k, v in (("ronde", view.round), ("thema", view.theme)) if v}
                csrf = client.cookies.get("csrftoken") or ""
                t = time.perf_counter()
                moved = await client.post(f"/begeleiden/{slug}/verplaatsen",
                                          data={"attendee": person.id, "round": shown.round,
                                                "theme": group.theme, "group": group.number, **view_fields},
                                          headers={**headers, "hx-request": "true", "x-csrftoken": csrf})
                move_s = time.perf_counter() - t
                assert moved.status_code == 200, moved.text[:500]
                back = shown.groups[0]
                t = time.perf_counter()
                await board.move_attendee(actor, slug, person.id, shown.round, back.theme, back.number)
                move_service_s = time.perf_counter() - t
                out.append({
                    "ticket_holders": plan.ticket_holders,
                    "cards_in_plan": sum(g.size for r in plan.rounds for g in r.groups),
                    "cards_on_page": body.count(b'class="board__card"'),
                    "page_shows": "every round" if view.round is None else
                    f"round {view.round}" + (f", theme {view.theme}" if view.theme else ""),
                    "generate_s": round(generate_s, 3),
                    "plan_view_ms_median": round(statistics.median(view_times) * 1000, 1),
                    "page_ms_median": round(statistics.median(page_times) * 1000, 1),
                    "page_ms_max": round(max(page_times) * 1000, 1),
                    "page_cpu_ms_median": round(statistics.median(page_cpu) * 1000, 1),
                    "move_htmx_ms": round(move_s * 1000, 1),
                    "move_answer_gzip_bytes": len(gzip.compress(moved.content, 6)),
                    "move_service_ms": round(move_service_s * 1000, 1),
                    "html_bytes": len(body),
                    "html_gzip_bytes": len(gzip.compress(body, 6)),
                })
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="100,1000")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    if "DATABASE_URL" not in os.environ or os.environ.get("BENCH_CHILD") != "1":
        path = Path(tempfile.mkdtemp(prefix="ng-bench-board-")) / "bench.sqlite3"
        env = {**os.environ, "DATABASE_URL": f"sqlite:///{path}", "PICCOLO_CONF": "piccolo_conf",
               "APP_ENV": "test", "BENCH_CHILD": "1"}
        subprocess.run([sys.executable, "-m", "core.migrate"], cwd=ROOT, env=env, check=True, capture_output=True)
        child = subprocess.run([sys.executable, "-m", "bench.board_page", *sys.argv[1:]], cwd=ROOT, env=env)
        sys.exit(child.returncode)
    sizes = [int(s) for s in args.sizes.split(",")]
    print(json.dumps(asyncio.run(measure(sizes, args.repeat)), indent=2))


if __name__ == "__main__":
    main()
