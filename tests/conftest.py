"""Test configuration shared by every folder.

The database is chosen once per run by TEST_DATABASE_URL (default: a fresh SQLite file; tests/support/database.py).
`make test` runs the suite on SQLite and again on PostgreSQL. Helpers live in tests/support/, not here.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.passwords import use_cheap_password_hashing

use_cheap_password_hashing()  # before anything imports the app's password hasher (tests/support/passwords.py)

from tests.support.database import (  # noqa: E402  (sets DATABASE_URL before anything imports piccolo_conf)
    IS_POSTGRES,
    ON_CI,
    TEST_DATABASE_URL,
    migrate,
    reset_postgres,
)


def pytest_report_header(config: pytest.Config) -> str:
    engine = "PostgreSQL" if IS_POSTGRES else "SQLite"
    return f"database: {engine} ({TEST_DATABASE_URL.split('@')[-1]})"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """A test about one engine's behaviour (a row lock PostgreSQL takes, SQLite's single writer) is deselected on
    the other engine, not skipped: it does not apply there, and a skip in the summary keeps meaning that something
    a test needed was missing. `make test` runs both engines, so each such test runs once."""
    other = "sqlite_only" if IS_POSTGRES else "postgres_only"
    kept, dropped = [], []
    for item in items:
        (dropped if item.get_closest_marker(other) else kept).append(item)
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = kept


@pytest.fixture(scope="session")
def database_url() -> str:
    """A migrated, empty database for this run."""
    if IS_POSTGRES:
        import asyncpg

        try:
            reset_postgres(TEST_DATABASE_URL)
        except (OSError, asyncpg.PostgresError) as exc:  # not reachable; anything else is a bug
            if ON_CI:
                pytest.fail(f"PostgreSQL at {TEST_DATABASE_URL} is required on CI: {exc}")
            pytest.skip(f"PostgreSQL not reachable: {exc}")
    else:
        Path(TEST_DATABASE_URL.removeprefix("sqlite:///")).unlink(missing_ok=True)
    result = migrate(TEST_DATABASE_URL)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Traceback" not in result.stderr + result.stdout, result.stdout + result.stderr
    return TEST_DATABASE_URL


@pytest.fixture(scope="session")
def anyio_backend() -> str:
    return "asyncio"
