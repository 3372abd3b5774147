from __future__ import annotations

import tempfile
from pathlib import Path

from tests.support.database import IS_POSTGRES, migrate


def test_migrations_run_forwards_on_an_empty_database_and_are_idempotent(database_url: str) -> None:
    if IS_POSTGRES:
        # The session fixture already migrated this PostgreSQL database from an empty schema.
        url = database_url
    else:
        url = f"sqlite:///{Path(tempfile.mkdtemp()) / 'fresh.sqlite3'}"
        first = migrate(url)
        assert first.returncode == 0, first.stdout + first.stderr
    again = migrate(url)
    assert again.returncode == 0, again.stdout + again.stderr
    assert "Traceback" not in again.stderr


def test_tables_match_their_migrations(database_url: str) -> None:
    """Every table and column the code declares exists after migrating: no model change lacks a migration."""
    import anyio
    from piccolo.conf.apps import Finder

    async def check() -> list[str]:
        from core.db import is_postgres

        missing = []
        for table in Finder().get_table_classes():
            name = table._meta.tablename
            if is_postgres():
                rows = await table.raw(
                    "SELECT column_name AS name FROM information_schema.columns WHERE table_name = {}", name
                )
            else:
                rows = await table.raw(f"PRAGMA table_info({name})")
            present = {r["name"] for r in rows}
            missing += [f"{name}.{c._meta.db_column_name}" for c in table._meta.columns
                        if c._meta.db_column_name not in present]
        return missing

    assert anyio.run(check) == []


def test_moved_tables_stay_with_the_migrations_that_made_them() -> None:
    """The outbox (notifications/) and the rate-limit counters (core/) moved folder, not table: same names, listed by
    the app whose migrations made them, so Piccolo's auto-migration finds nothing to drop, create or alter for them
    (docs/architecture.md, "Layers"): a fresh database and an existing one stay the same."""
    import anyio
    from piccolo.apps.migrations.commands.new import AutoMigrationManager
    from piccolo.conf.apps import Finder

    from core.tables import RateLimitBucket
    from notifications.tables import OutboxMail

    registry = Finder().get_app_registry()
    listed = {table._meta.tablename: [app for app, config in registry.app_configs.items()
                                      if table in config.table_classes] for table in (OutboxMail, RateLimitBucket)}
    assert listed == {"mail_outbox": ["ticketing"], "rate_limit_bucket": ["members"]}

    async def alterations(app: str) -> list[str]:
        found = await AutoMigrationManager().get_alter_statements(registry.get_app_config(app))
        return [line for statements in found for line in statements.statements]

    moved = {"ticketing": ("OutboxMail", "mail_outbox"), "members": ("RateLimitBucket", "rate_limit_bucket")}
    for app, names in moved.items():
        assert [line for line in anyio.run(alterations, app) if any(name in line for name in names)] == []


_BEFORE_PER_EVENT_ROLES = '''
import asyncio
from datetime import datetime, timedelta, timezone

from piccolo.apps.migrations.commands.forwards import run_forwards
from piccolo.engine import engine_finder
from piccolo.querystring import QueryString


async def main() -> None:
    # The schema as it was before per-event roles: members and events up to their previous migrations.
    for app, last in (("members", "2026-12-03T09:09:08:752287"), ("events", "2026-11-23T18:08:40:632198")):
        result = await run_forwards(app_name=app, migration_id=last)
        assert result.success, result.message
    engine, now = engine_finder(), datetime.now(timezone.utc)
    ids = []
    for email, organiser, facilitator in (("fac@x.nl", False, True), ("org@x.nl", True, False)):
        rows = await engine.run_querystring(QueryString(
            "INSERT INTO member (email, name, password_hash, organisation, industry, experience_level, is_organiser, "
            "is_facilitator, language, created_at, updated_at) VALUES ({}, 'X', '!', '', 'customer_contact', 0, {}, "
            "{}, 'nl', {}, {}) RETURNING id", email, organiser, facilitator, now, now))
        ids.append(rows[0]["id"])
    for slug, ends, status in (("voorbij", now - timedelta(days=1), "published"),
                               ("komt-nog", now + timedelta(days=9), "published"),
                               ("afgelast", now + timedelta(days=9), "cancelled")):
        await engine.run_querystring(QueryString(
            "INSERT INTO event (slug, title, description, kind, starts_at, ends_at, timezone, venue_name, address, "
            "online_url, capacity_duos, seats_taken, price_cents, age_limit, home_industry, status, cancel_reason, "
            "sequence, organiser, created_at, updated_at) VALUES ({}, 't', '', 'hackathon', {}, {}, "
            "'Europe/Amsterdam', '', '', '', 5, 0, 0, 30, 'customer_contact', {}, '', 0, {}, {}, {})",
            slug, ends - timedelta(hours=5), ends, status, ids[1], now, now))
    print("seeded")


asyncio.run(main())
'''


def test_former_global_facilitators_keep_the_boards_of_events_to_come(tmp_path: Path) -> None:
    """The per-event roles migration: a member who was facilitator everywhere becomes facilitator of every event
    that has not ended and is not cancelled, and the role log says so (the retired global role, each grant)."""
    import os
    import subprocess
    import sys

    import anyio

    from tests.support.database import ROOT

    url = f"sqlite:///{tmp_path / 'before.sqlite3'}"
    env = {**os.environ, "DATABASE_URL": url, "PICCOLO_CONF": "piccolo_conf"}
    seeded = subprocess.run([sys.executable, "-c", _BEFORE_PER_EVENT_ROLES], cwd=ROOT, env=env, capture_output=True,
                            text=True, timeout=300)
    assert seeded.returncode == 0, seeded.stdout + seeded.stderr
    assert "seeded" in seeded.stdout, seeded.stdout + seeded.stderr
    done = migrate(url)
    assert done.returncode == 0, done.stdout + done.stderr

    async def read() -> tuple[list[dict], list[dict]]:
        from piccolo.engine.sqlite import SQLiteEngine
        from piccolo.querystring import QueryString

        engine = SQLiteEngine(path=str(tmp_path / "before.sqlite3"))

        roles = await engine.run_querystring(QueryString(
            "SELECT m.email, r.role, e.slug, r.granted_by FROM event_role r JOIN member m ON m.id = r.member "
            "JOIN event e ON e.id = r.event"))
        log = await engine.run_querystring(QueryString(
            "SELECT m.email, l.role, l.action, l.event_slug, l.actor FROM role_log l JOIN member m ON m.id = l.subject "
            "ORDER BY l.id"))
        return roles, log

    roles, log = anyio.run(read)
    assert roles == [{"email": "fac@x.nl", "role": "facilitator", "slug": "komt-nog", "granted_by": None}]
    assert log == [{"email": "fac@x.nl", "role": "facilitator", "action": "revoke", "event_slug": "", "actor": None},
                   {"email": "fac@x.nl", "role": "facilitator", "action": "grant", "event_slug": "komt-nog",
                    "actor": None}]
