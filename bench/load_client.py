"""The load generator's HTTP clients for bench/ticket_rush.py (and rush_floor.py): one answer type from either."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Answer:
    """What the rush keeps of a response (the same shape from either client)."""

    status_code: int
    content: bytes

    @property
    def text(self) -> str:
        return self.content.decode("utf-8", "replace")

    def json(self) -> Any:
        return json.loads(self.content)


class AiohttpClient:
    """The load generator's default client. One aiohttp session with keep-alive, `post` as httpx spells it.

    Why not httpx, which the rest of the project uses: on this 2-core machine the load generator shares the cores
    with both servers and PostgreSQL, and httpx's async client spent about 5 ms of CPU per request (4.9 s for the
    1,000 requests of a rush, against 1.6 s for both our workers together), so the client's own event loop was the
    queue the latencies measured. aiohttp spends a fraction of that; `--client httpx` keeps the old one to compare.
    """

    def __init__(self, base: str, concurrency: int) -> None:
        import aiohttp

        self.errors = (aiohttp.ClientError, asyncio.TimeoutError)
        self.base = base
        self.session = aiohttp.ClientSession(
            connector=aiohttp.TCPConnector(limit=concurrency, limit_per_host=concurrency),
            timeout=aiohttp.ClientTimeout(total=60))

    async def post(self, url: str, *, headers: dict[str, str] | None = None, json: Any = None) -> Answer:
        async with self.session.post(self.base + url, headers=headers, json=json) as response:
            return Answer(response.status, await response.read())

    async def close(self) -> None:
        await self.session.close()


class HttpxClient:
    def __init__(self, base: str, concurrency: int) -> None:
        import httpx

        limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
        self.errors = (httpx.HTTPError,)
        self.client = httpx.AsyncClient(base_url=base, timeout=60, limits=limits)

    async def post(self, url: str, *, headers: dict[str, str] | None = None, json: Any = None) -> Answer:
        response = await self.client.post(url, headers=headers, json=json)
        return Answer(response.status_code, response.content)

    async def close(self) -> None:
        await self.client.aclose()


CLIENTS: dict[str, Callable[[str, int], Any]] = {"aiohttp": AiohttpClient, "httpx": HttpxClient}
