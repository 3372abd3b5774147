"""Piccolo's SQLite engine, with open connections reused while the application runs.

Piccolo opens a new SQLite connection for every query outside a transaction: a new thread (aiosqlite), the file
opened, `PRAGMA foreign_keys` set, then closed again — most of what a simple read costs. Between `open_pool()`
and `close_pool()` (the app's lifespan, core.db.start/stop) this engine keeps up to `size` idle connections and
reuses them; each query still runs alone on its connection and is committed exactly as Piccolo does it. A
connection that saw an error is closed, never reused. Transactions borrow one too and give it back after their
COMMIT or ROLLBACK (closed instead when either fails, or BEGIN does); their statements skip the
`PRAGMA foreign_keys = 1` Piccolo sends before each one (every connection was opened with it).
Outside the lifespan (CLI, migrations) it is Piccolo's engine unchanged, so no thread outlives its process.
"""

from __future__ import annotations

from typing import Any

import aiosqlite
from piccolo.engine.sqlite import SQLiteEngine, SQLiteTransaction, TransactionType, dict_factory


class ReusingSQLiteEngine(SQLiteEngine):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._idle: list[aiosqlite.Connection] = []
        self._keep = 0

    async def open_pool(self, size: int) -> None:
        self._keep = max(1, size)

    async def close_pool(self) -> None:
        self._keep = 0
        idle, self._idle = self._idle, []
        for connection in idle:
            await connection.close()

    async def _connect(self) -> aiosqlite.Connection:
        connection = await aiosqlite.connect(**self.connection_kwargs)
        connection.row_factory = dict_factory  # type: ignore[assignment]
        await connection.execute("PRAGMA foreign_keys = 1")
        return connection

    async def _borrow(self) -> aiosqlite.Connection:
        return self._idle.pop() if self._idle else await self._connect()

    async def _give_back(self, connection: aiosqlite.Connection) -> None:
        if len(self._idle) < self._keep:
            self._idle.append(connection)
        else:
            await connection.close()

    def transaction(self, transaction_type: TransactionType = TransactionType.deferred,
                    allow_nested: bool = True) -> SQLiteTransaction:
        if not self._keep:
            return super().transaction(transaction_type=transaction_type, allow_nested=allow_nested)
        return _ReusingTransaction(engine=self, transaction_type=transaction_type, allow_nested=allow_nested)

    async def _run_in_new_connection(self, query: str, args: list[Any] | None = None, query_type: str = "generic",
                                     table: Any = None) -> Any:
        if not self._keep:
            return await super()._run_in_new_connection(query, args, query_type, table)
        connection = await self._borrow()
        try:
            async with connection.execute(query, args or []) as cursor:
                await connection.commit()
                rows = await cursor.fetchall()
        except BaseException:
            await connection.close()
            raise
        await self._give_back(connection)
        return rows

    async def _run_in_existing_connection(self, connection: Any, query: str, args: list[Any] | None = None,
                                          query_type: str = "generic", table: Any = None) -> Any:
        connection.row_factory = dict_factory
        async with connection.execute(query, args or []) as cursor:
            return await cursor.fetchall()


class _ReusingTransaction(SQLiteTransaction):
    """Piccolo's SQLite transaction on a borrowed connection (the same steps, then the connection goes back)."""

    engine: ReusingSQLiteEngine

    async def __aenter__(self) -> SQLiteTransaction:
        if self._parent is not None:
            return self._parent
        self.connection = await self.engine._borrow()
        try:
            await self.begin()
        except BaseException:
            await self.connection.close()
            raise
        self.context = self.engine.current_transaction.set(self)
        return self

    async def __aexit__(self, exception_type: Any, exception: BaseException | None, traceback: Any) -> bool:
        if self._parent:
            return exception is None
        try:
            if exception:
                if not self._rolled_back:
                    await self.rollback()
            elif not self._committed and not self._rolled_back:
                await self.commit()
        except BaseException:
            await self.connection.close()
            raise
        finally:
            self.engine.current_transaction.reset(self.context)
        await self.engine._give_back(self.connection)
        return exception is None
