"""The test database: chosen once per run, migrated like `make run` does, emptied between tests.

TEST_DATABASE_URL picks it (default: a fresh SQLite file in a temporary folder of this process; under pytest-xdist
each worker has a database of its own). DATABASE_URL is set when this module is imported, before anything imports
piccolo_conf (Piccolo binds its engine at import time): tests/conftest.py imports it first.
"""

from __future__ import annotations

import concurrent.futures
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parents[2]
_tmp = Path(tempfile.mkdtemp(prefix="ng-test-"))
TEST_DATABASE_URL = os.environ.get("TEST_DATABASE_URL") or f"sqlite:///{_tmp / 'test.sqlite3'}"
if os.environ.get("PYTEST_XDIST_WORKER") and TEST_DATABASE_URL.startswith(("postgres://", "postgresql://")):
    # Under pytest-xdist each worker gets a PostgreSQL database of its own (the name + "_gw0", …, created when
    # missing), as each gets a SQLite file of its own above.
    _parts = urlsplit(TEST_DATABASE_URL)
    _name = f"{_parts.path.rstrip('/')}_{os.environ['PYTEST_XDIST_WORKER']}"
    TEST_DATABASE_URL = urlunsplit(_parts._replace(path=_name))
os.environ["DATABASE_URL"] = TEST_DATABASE_URL
os.environ.setdefault("APP_ENV", "test")
IS_POSTGRES = TEST_DATABASE_URL.startswith(("postgres://", "postgresql://"))
ON_CI = os.environ.get("CI", "").lower() == "true"


def reset_postgres(url: str) -> None:
    """Empty the PostgreSQL database at `url` (drop and recreate its public schema), creating it when missing."""
    import asyncio

    from devtools.pg import reset_postgres as reset

    # In its own thread: Playwright's sync API keeps an event loop running in this one.
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        pool.submit(asyncio.run, reset(url)).result()


def migrate(url: str) -> subprocess.CompletedProcess[str]:
    """Run every migration forwards in a child process, exactly as `make run` does."""
    env = {**os.environ, "DATABASE_URL": url, "PICCOLO_CONF": "piccolo_conf"}
    return subprocess.run(
        [sys.executable, "-m", "core.migrate"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=300,
    )


async def truncate_all() -> None:
    """Empty every table of the test database (the engine must be started): as `TRUNCATE … RESTART IDENTITY
    CASCADE` would, but cheaper on PostgreSQL (below)."""
    from piccolo.conf.apps import Finder
    from piccolo.table import sort_table_classes

    from core.db import engine, is_postgres

    tables = sort_table_classes(Finder().get_table_classes())
    names = [t._meta.tablename for t in tables]
    if is_postgres():
        await engine().run_ddl(await _postgres_reset_statement(names))
    else:
        for name in reversed(names):
            await engine().run_ddl(f"DELETE FROM {name}")


_postgres_reset: dict[tuple[str, ...], str] = {}


async def _postgres_reset_statement(names: list[str]) -> str:
    """One statement that empties `names` and every table referring to them, and restarts their sequences.

    `TRUNCATE` of all 43 tables took 1.0–1.8 s a test on the busy 2-core machine (new files for every table
    and index, synced at commit): most of an API test's wall time on PostgreSQL. `DELETE` of the few rows a
    test leaves takes milliseconds. A DO block runs it all in one round-trip: the DELETEs children first (in
    the order of the foreign keys the catalog lists, so ON DELETE RESTRICT never fires), then `setval` on every
    used sequence of those tables. Same outcome as `TRUNCATE … RESTART IDENTITY CASCADE` (no table has
    triggers).
    """
    from core.db import engine

    key = tuple(names)
    if key not in _postgres_reset:
        rows = await engine().run_ddl(
            "SELECT conrelid::regclass::text AS child, confrelid::regclass::text AS parent "
            "FROM pg_constraint WHERE contype = 'f' AND connamespace = 'public'::regnamespace"
        )
        edges = {(row["child"].strip('"'), row["parent"].strip('"')) for row in rows}
        todo = set(names)
        while True:  # CASCADE: every table that refers to one emptied is emptied too
            more = {child for child, parent in edges if parent in todo} - todo
            if not more:
                break
            todo |= more
        ordered: list[str] = []
        while todo:  # children first
            free = sorted(t for t in todo if not any(p == t and c in todo and c != t for c, p in edges))
            assert free, f"a cycle of foreign keys among {sorted(todo)}: use TRUNCATE"
            ordered += free
            todo -= set(free)
        deletes = "".join(f'DELETE FROM "{name}";' for name in ordered)
        regclasses = ", ".join(f"'\"{name}\"'" for name in ordered)
        _postgres_reset[key] = (
            f"DO $$ BEGIN {deletes} "
            "PERFORM setval(c.oid, s.seqstart, false) FROM pg_class c "
            "JOIN pg_sequence s ON s.seqrelid = c.oid "
            "JOIN pg_depend d ON d.objid = c.oid AND d.classid = 'pg_class'::regclass "
            "AND d.refclassid = 'pg_class'::regclass AND d.deptype IN ('a', 'i') "
            f"WHERE d.refobjid = ANY(ARRAY[{regclasses}]::regclass[]) "
            # CASE: the planner may test this before the join keeps sequences only (it did on a fresh database).
            "AND CASE WHEN c.relkind = 'S' THEN pg_sequence_last_value(c.oid) END IS NOT NULL; END $$"
        )
    return _postgres_reset[key]
