"""pretix as the peer of the ticket rush: installed, started and stopped by this checkout alone.

    .venv/bin/python bench/peers/pretix/peer.py setup      # once: venv + pretix 2026.8.0 + database (~3-5 min)
    .venv/bin/python bench/peers/pretix/peer.py rush       # start, warm up, 1,000 orders for 100 places, stop
    .venv/bin/python bench/ticket_rush.py --with-peer      # pretix and ours in one run, with the ratio

Everything lives under var/peers/pretix/ (ignored by git): a venv of its own with pretix and gunicorn from
PyPI, its configuration, its data directory, a redis of its own (cache and sessions, as pretix's deployment
guide has it) and the PID files. Its PostgreSQL database is `pretix_peer` on the same server as ours
(PRETIX_DATABASE_URL to change it). It runs as pretix's docs deploy it: gunicorn, 2 sync workers, no celery
(tasks run in the request), loopback only, on a free port. Nothing of pretix is copied into this repository;
it is installed unmodified and only run (AGPL-3.0 with pretix's additional terms: see README.md here).

The event mirrors ours: one item "Duo" with a quota of N places (one order = one duo place, with the
companion's name and address on it), paid later (pretix's "manual" provider: the order is held pending payment,
like ours), no mails. The load comes from
bench/ticket_rush.py's own client (same httpx settings, same concurrency), through pretix's REST API.
"""

from __future__ import annotations

import argparse
import asyncio
import concurrent.futures
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parents[3]
PRETIX_VERSION = "2026.8.0"
PEER_DIR = Path(os.environ.get("PRETIX_PEER_DIR") or ROOT / "var" / "peers" / "pretix")
DATABASE_URL = os.environ.get("PRETIX_DATABASE_URL") or "postgres://postgres@127.0.0.1:5432/pretix_peer"
VENV = PEER_DIR / "venv"
STAMP = VENV / f".pretix-{PRETIX_VERSION}"  # installed
MIGRATED = VENV / f".pretix-{PRETIX_VERSION}-migrated"  # and its database created and migrated
CONFIG = PEER_DIR / "pretix.cfg"
ORGANIZER = "bench"

# Run inside `python -m pretix shell`: a fresh event with one item and one quota, and an API token.
SETUP_EVENT = """
import json, os
from datetime import timedelta
from decimal import Decimal
from django.db import transaction
from django.utils.timezone import now
from django_scopes import scopes_disabled
from pretix.base.models import Event, Item, Organizer, Quota, Team

slug, places = os.environ["PEER_EVENT"], int(os.environ["PEER_PLACES"])
with scopes_disabled(), transaction.atomic():
    org, _ = Organizer.objects.get_or_create(slug="bench", defaults={"name": "Bench"})
    event = Event.objects.create(organizer=org, name=f"Ticket rush {slug}", slug=slug, currency="EUR",
                                 date_from=now() + timedelta(days=60), live=True,
                                 plugins="pretix.plugins.banktransfer")
    event.set_defaults()
    event.settings.payment_banktransfer__enabled = True
    event.settings.mail_send_order_placed_attendee = False
    item = Item.objects.create(event=event, name="Duo", default_price=Decimal("95.00"), admission=True)
    quota = Quota.objects.create(event=event, name="Duo places", size=places)
    quota.items.add(item)
    team, _ = Team.objects.get_or_create(organizer=org, name="Bench API", defaults=dict(
        all_events=True, all_event_permissions=True, all_organizer_permissions=True))
    token = team.tokens.filter(name="bench").first() or team.tokens.create(name="bench")
print("PEER_EVENT " + json.dumps({"event": slug, "item": item.pk, "token": token.token}))
"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _run(cmd: list[str], **kwargs: Any) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(cmd, text=True, capture_output=True, **kwargs)
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(map(str, cmd))} failed:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}")
    return done


def _redis_server() -> str:
    found = shutil.which("redis-server")
    if found:
        return found
    if os.geteuid() == 0 and shutil.which("apt-get"):
        _run(["apt-get", "install", "-y", "-qq", "redis-server"],
             env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"})
        found = shutil.which("redis-server")
    if not found:
        raise SystemExit("redis-server is needed for the pretix peer (Debian: apt-get install redis-server)")
    return found


def _write_config(port: int, redis_port: int) -> None:
    db = urlsplit(DATABASE_URL)
    (PEER_DIR / "data").mkdir(parents=True, exist_ok=True)
    CONFIG.write_text(f"""[pretix]
instance_name=pretix peer (ticket rush)
url=http://127.0.0.1:{port}
currency=EUR
datadir={PEER_DIR / "data"}
ecb_rates=off

[django]
debug=off

[database]
backend=postgresql
name={db.path.lstrip("/")}
user={db.username or "postgres"}
password={db.password or ""}
host={db.hostname or "127.0.0.1"}
port={db.port or 5432}

[redis]
location=redis://127.0.0.1:{redis_port}/0
sessions=true

[mail]
from=tickets@localhost
host=127.0.0.1
port=9
""")


def _pretix_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_", "PYTHON", "VIRTUAL_ENV"))}
    return {**env, "PRETIX_CONFIG_FILE": str(CONFIG)}


async def _ensure_database() -> None:
    import asyncpg

    name = urlsplit(DATABASE_URL).path.lstrip("/")
    admin = await asyncpg.connect(urlunsplit(urlsplit(DATABASE_URL)._replace(path="/postgres")))
    try:
        if not await admin.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", name):
            await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()


def setup(force: bool = False) -> None:
    """Install pretix into its own venv, create and migrate its database (idempotent; quick when done)."""
    PEER_DIR.mkdir(parents=True, exist_ok=True)
    _redis_server()
    if force or not STAMP.exists():
        if not (VENV / "bin" / "python").exists():
            _run([shutil.which("python3.11") or shutil.which("python3") or "python3", "-m", "venv", str(VENV)])
        pip = [str(VENV / "bin" / "python"), "-m", "pip", "install", "-q"]
        print(f"installing pretix {PRETIX_VERSION} into {VENV} (a few minutes)", file=sys.stderr, flush=True)
        _run([*pip, "--upgrade", "pip", "wheel", "setuptools"])
        _run([*pip, f"pretix=={PRETIX_VERSION}", "gunicorn"])
        STAMP.touch()
    # A thread of its own: setup() is also called from inside ticket_rush's running event loop (pretix not yet
    # installed on a fresh machine), where asyncio.run() is refused.
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        pool.submit(asyncio.run, _ensure_database()).result()
    _write_config(8345, 6380)  # ports are chosen afresh at every start; migrate needs no server
    print("migrating pretix's database", file=sys.stderr, flush=True)
    _run([str(VENV / "bin" / "python"), "-m", "pretix", "migrate", "--noinput"], env=_pretix_env(), cwd=PEER_DIR)
    MIGRATED.touch()


def is_set_up() -> bool:
    # Only once migrated: a set-up broken off after the install is finished at the next start.
    return MIGRATED.exists()


@dataclass
class Target:
    base: str
    event: str
    item: int
    token: str

    @property
    def url(self) -> str:
        return f"/api/v1/organizers/{ORGANIZER}/events/{self.event}/orders/"


class Pretix:
    """A running pretix: redis and gunicorn (2 sync workers) on free loopback ports, stopped by PID."""

    def __init__(self, workers: int = 2) -> None:
        self.workers = workers
        self.port = _free_port()
        self.redis_port = _free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.gunicorn: subprocess.Popen[bytes] | None = None
        self.redis: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        if not is_set_up():
            setup()
        _write_config(self.port, self.redis_port)
        (PEER_DIR / "redis").mkdir(exist_ok=True)
        self.redis = subprocess.Popen(
            [_redis_server(), "--port", str(self.redis_port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--dir", str(PEER_DIR / "redis"), "--loglevel", "warning"],
            stdout=subprocess.DEVNULL)
        # pretix's documented deployment: gunicorn with sync workers, these flags (docs: "Installation").
        self.gunicorn = subprocess.Popen(
            [str(VENV / "bin" / "gunicorn"), "pretix.wsgi", "--name", "pretix", "--workers", str(self.workers),
             "--max-requests", "1200", "--max-requests-jitter", "50", "--timeout", "60", "--backlog", "2048",
             "--log-level", "warning", "--bind", f"127.0.0.1:{self.port}"],
            cwd=PEER_DIR, env=_pretix_env(), stdout=subprocess.DEVNULL, stderr=open(PEER_DIR / "gunicorn.log", "ab"))
        import httpx

        for _ in range(300):
            if self.gunicorn.poll() is not None:
                raise SystemExit(f"pretix's gunicorn exited; see {PEER_DIR / 'gunicorn.log'}")
            try:
                if httpx.get(f"{self.base}/healthcheck/", timeout=2).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        raise SystemExit("pretix did not start")

    def new_event(self, slug: str, places: int) -> Target:
        done = _run([str(VENV / "bin" / "python"), "-m", "pretix", "shell", "-c", SETUP_EVENT],
                    env={**_pretix_env(), "PEER_EVENT": slug, "PEER_PLACES": str(places)}, cwd=PEER_DIR)
        line = next(x for x in done.stdout.splitlines() if x.startswith("PEER_EVENT "))
        made = json.loads(line.split(" ", 1)[1])
        return Target(self.base, made["event"], made["item"], made["token"])

    @property
    def pid(self) -> int:
        assert self.gunicorn is not None
        return self.gunicorn.pid

    @property
    def pids(self) -> list[int]:
        """The server side: gunicorn (master and workers) and redis."""
        return [p.pid for p in (self.gunicorn, self.redis) if p is not None]

    def stop(self) -> None:
        for process in (self.gunicorn, self.redis):
            if process is not None and process.poll() is None:
                process.send_signal(signal.SIGTERM)
                try:
                    process.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait()


def order_body(target: Target, i: int) -> dict[str, Any]:
    """One duo place for buyer i, as a shop front would send it (like ours: a buyer and a companion)."""
    return {"email": f"buyer{i}@bench.local", "locale": "en", "sales_channel": "web",
            "payment_provider": "manual", "send_email": False,
            "positions": [{"item": target.item, "price": "95.00", "attendee_name": f"Partner {i}",
                           "attendee_email": f"partner{i}@bench.local"}]}


def is_sold_out(status: int, text: str) -> bool:
    return status == 400 and "quota" in text.lower()


async def live_places(target: Target) -> int:
    """Places held or paid for the event, counted in pretix's database (for the oversell check)."""
    import asyncpg

    conn = await asyncpg.connect(DATABASE_URL)
    try:
        return int(await conn.fetchval(
            "SELECT count(*) FROM pretixbase_orderposition op JOIN pretixbase_order o ON o.id = op.order_id "
            "JOIN pretixbase_event e ON e.id = o.event_id WHERE e.slug = $1 AND op.item_id = $2 "
            "AND NOT op.canceled AND o.status IN ('n', 'p')", target.event, target.item))
    finally:
        await conn.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    setup_cmd = sub.add_parser("setup", help="install pretix and migrate its database")
    setup_cmd.add_argument("--force", action="store_true", help="reinstall the packages")
    rush_cmd = sub.add_parser("rush", help="start pretix, run the rush against it alone, stop it")
    rush_cmd.add_argument("--buyers", type=int, default=1000)
    rush_cmd.add_argument("--concurrency", type=int, default=50)
    rush_cmd.add_argument("--capacity", type=int, default=100)
    args = parser.parse_args()
    if args.command == "setup":
        setup(force=args.force)
        print(f"pretix {PRETIX_VERSION} ready in {PEER_DIR}")
        return
    sys.path.insert(0, str(ROOT / "bench"))
    import ticket_rush

    print(json.dumps(asyncio.run(ticket_rush.peer_rush(args.buyers, args.concurrency, args.capacity))))


if __name__ == "__main__":
    main()
