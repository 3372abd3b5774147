"""The floor under the ticket rush: a bare Litestar app, served like ours, that does the least an order can do.

    POST /sold-out   answers 409 with a small problem+json body: no database (the framework and server alone)
    POST /read       one asyncpg round-trip (reads the seat counter), then 409
    POST /take       one asyncpg round-trip that takes a seat (conditional UPDATE … RETURNING, autocommit), 201

Started by bench/rush_floor.py with uvicorn (`bench.floor_app:create_app --factory`); FLOOR_DATABASE_URL names
the PostgreSQL database holding the one-row `floor_seat` table. Not part of the application.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import asyncpg
from litestar import Litestar, Response, post

_pool: Any = None
_PROBLEM = {"type": "about:blank", "title": "Conflict", "status": 409, "code": "sold_out",
            "detail": "Uitverkocht: er zijn geen duoplekken meer."}


def _sold_out() -> Response[dict[str, Any]]:
    return Response(_PROBLEM, status_code=409, media_type="application/problem+json")


@post("/sold-out", status_code=409)
async def sold_out() -> Response[dict[str, Any]]:
    return _sold_out()


@post("/read", status_code=409)
async def read() -> Response[dict[str, Any]]:
    await _pool.fetchval("SELECT taken FROM floor_seat WHERE id = 1")
    return _sold_out()


@post("/take", status_code=201)
async def take() -> Response[dict[str, Any]]:
    row = await _pool.fetchval(
        "UPDATE floor_seat SET taken = taken + 1 WHERE id = 1 AND taken < capacity RETURNING taken")
    return Response({"seat": row}, status_code=201) if row is not None else _sold_out()


def create_app() -> Litestar:
    @asynccontextmanager
    async def lifespan(_: Litestar) -> AsyncIterator[None]:
        global _pool
        # No reset query on release, as the application's own pool (core/db.py).
        _pool = await asyncpg.create_pool(os.environ["FLOOR_DATABASE_URL"], min_size=2, max_size=20,
                                          reset=_no_reset)
        try:
            yield
        finally:
            await _pool.close()

    return Litestar(route_handlers=[sold_out, read, take], lifespan=[lifespan], debug=False)


async def _no_reset(_: Any) -> None:
    return None
