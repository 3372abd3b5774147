"""Database helpers shared by the services: one write-transaction shape for both engines.

SQLite takes its write lock at BEGIN IMMEDIATE (a deferred transaction that upgrades later can fail with
"database is locked" instead of waiting); PostgreSQL uses an ordinary transaction with row locks.
"""

from __future__ import annotations

import asyncio
import sqlite3
import weakref
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from datetime import UTC, datetime
from typing import Any, overload

from piccolo.engine.base import Engine
from piccolo.engine.postgres import PostgresEngine
from piccolo.engine.sqlite import SQLiteEngine, TransactionType

from core.sqlite_engine import ReusingSQLiteEngine

try:  # asyncpg is only present with PostgreSQL support installed
    from asyncpg.exceptions import UniqueViolationError
except ImportError:  # pragma: no cover
    UniqueViolationError = None


def engine() -> Engine:
    from piccolo_conf import DB

    return DB


def is_postgres() -> bool:
    return isinstance(engine(), PostgresEngine)


def utcnow() -> datetime:
    return datetime.now(UTC)


@overload
def as_utc(value: datetime | str) -> datetime: ...
@overload
def as_utc(value: None) -> None: ...
def as_utc(value: datetime | str | None) -> datetime | None:
    """Rows from SQLite may come back naive or as text; normalise to aware UTC."""
    if value is None:
        return None
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


_sqlite_writers: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Lock] = weakref.WeakKeyDictionary()


def _sqlite_writer_lock() -> asyncio.Lock:
    loop = asyncio.get_running_loop()
    lock = _sqlite_writers.get(loop)
    if lock is None:
        lock = _sqlite_writers[loop] = asyncio.Lock()
    return lock


@asynccontextmanager
async def write_transaction() -> AsyncIterator[Any]:
    db = engine()
    if isinstance(db, SQLiteEngine):
        if db.current_transaction.get() is not None:  # nested: joins the outer one (and its place in line)
            async with db.transaction(transaction_type=TransactionType.immediate) as txn:
                yield txn
            return
        # The writers of this process wait in line here, first come first served, and go to SQLite one at a
        # time. Left to SQLite's busy handler (which polls with growing sleeps and is not fair) some writers of a
        # burst waited seconds while later ones went first (p99 8.7 s for 50 buyers at once on one worker).
        # Other processes' writers still meet the busy timeout, as before.
        async with _sqlite_writer_lock(), db.transaction(transaction_type=TransactionType.immediate) as txn:
            yield txn
    else:
        async with db.transaction() as txn:
            yield txn


def is_unique_violation(exc: BaseException) -> bool:
    if isinstance(exc, sqlite3.IntegrityError) and "UNIQUE" in str(exc).upper():
        return True
    return UniqueViolationError is not None and isinstance(exc, UniqueViolationError)


@contextmanager
def unique_violation_raises(error: Exception) -> Iterator[None]:
    """Raise `error` (a domain error) instead of a duplicate key from the block, on either engine; any other
    exception passes unchanged. The block may hold a whole transaction: the unique index has the last word."""
    try:
        yield
    except Exception as exc:
        if is_unique_violation(exc):
            raise error from exc
        raise


async def _keep_session(_: Any) -> None:
    """The pool's reset on release, which we do not need (see `start`)."""


async def start(pool_size: int) -> None:
    db = engine()
    if isinstance(db, PostgresEngine):
        # asyncpg opens 10 connections up front by default and refuses a max_size below that (the CLI
        # commands ask for 1): never more up front than the pool may hold.
        # By default asyncpg sends `SELECT pg_advisory_unlock_all(); CLOSE ALL; UNLISTEN *; RESET ALL` each time
        # a connection goes back to the pool — with Piccolo taking one per query, a second round-trip for every
        # query. Nothing here leaves session state behind (no advisory locks, cursors, LISTEN or SET), so the
        # pool skips it; an open transaction is still rolled back on release (asyncpg does that regardless).
        await db.start_connection_pool(min_size=min(10, pool_size), max_size=pool_size, reset=_keep_session)
    elif isinstance(db, SQLiteEngine):
        # WAL lets readers work while one writer commits; the setting persists in the file.
        await db.run_ddl("PRAGMA journal_mode=WAL")
        if isinstance(db, ReusingSQLiteEngine):
            await db.open_pool(pool_size)


async def stop() -> None:
    db = engine()
    if isinstance(db, PostgresEngine) and db.pool is not None:
        await db.close_connection_pool()
    elif isinstance(db, ReusingSQLiteEngine):
        await db.close_pool()


@asynccontextmanager
async def connected(pool_size: int) -> AsyncIterator[None]:
    """The database for the length of the block (`start`, then `stop` however the block ends): the app's
    lifespan and the CLI's commands open it this way."""
    await start(pool_size)
    try:
        yield
    finally:
        await stop()
