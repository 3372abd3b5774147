"""Test configuration shared by every folder.

The database is chosen once per run by TEST_DATABASE_URL (default: a fresh SQLite file). `make test`
runs the suite on SQLite and again on PostgreSQL. DATABASE_URL is set before anything imports
piccolo_conf, because Piccolo binds its engine at import time.
"""

from __future__ import annotations

import concurrent.futures
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
_tmp = Path(tempfile.mkdtemp(prefix="ng-test-"))
TEST_DATABASE_URL = os.environ.get("TEST_DATABASE_URL") or f"sqlite:///{_tmp / 'test.sqlite3'}"
os.environ["DATABASE_URL"] = TEST_DATABASE_URL
os.environ.setdefault("APP_ENV", "test")
IS_POSTGRES = TEST_DATABASE_URL.startswith(("postgres://", "postgresql://"))
ON_CI = os.environ.get("CI", "").lower() == "true"


def pytest_report_header(config: pytest.Config) -> str:
    engine = "PostgreSQL" if IS_POSTGRES else "SQLite"
    return f"database: {engine} ({TEST_DATABASE_URL.split('@')[-1]})"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        if item.get_closest_marker("postgres_only") and not IS_POSTGRES:
            item.add_marker(pytest.mark.skip(reason="PostgreSQL only"))
        if item.get_closest_marker("sqlite_only") and IS_POSTGRES:
            item.add_marker(pytest.mark.skip(reason="SQLite only"))


def _reset_postgres(url: str) -> None:
    import asyncio

    import asyncpg

    async def reset() -> None:
        conn = await asyncpg.connect(url)
        try:
            await conn.execute("DROP SCHEMA public CASCADE; CREATE SCHEMA public;")
        finally:
            await conn.close()

    # In its own thread: Playwright's sync API keeps an event loop running in this one.
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        pool.submit(asyncio.run, reset()).result()


def migrate(url: str) -> subprocess.CompletedProcess[str]:
    """Run every migration forwards in a child process, exactly as `make run` does."""
    env = {**os.environ, "DATABASE_URL": url, "PICCOLO_CONF": "piccolo_conf"}
    return subprocess.run(
        [sys.executable, "-m", "core.migrate"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=300,
    )


@pytest.fixture(scope="session")
def database_url() -> str:
    """A migrated, empty database for this run."""
    if IS_POSTGRES:
        import asyncpg

        try:
            _reset_postgres(TEST_DATABASE_URL)
        except (OSError, asyncpg.PostgresError) as exc:  # not reachable; anything else is a bug
            if ON_CI:
                pytest.fail(f"PostgreSQL at {TEST_DATABASE_URL} is required on CI: {exc}")
            pytest.skip(f"PostgreSQL not reachable: {exc}")
    else:
        Path(TEST_DATABASE_URL.removeprefix("sqlite:///")).unlink(missing_ok=True)
    result = migrate(TEST_DATABASE_URL)
    assert result.returncode == 0 and "Traceback" not in result.stderr + result.stdout, (
        result.stdout + result.stderr
    )
    return TEST_DATABASE_URL


@pytest.fixture(scope="session")
def anyio_backend() -> str:
    return "asyncio"
