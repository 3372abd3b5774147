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
