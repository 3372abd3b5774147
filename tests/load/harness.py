"""What the load tests (and bench/waiting_list.py) share: a database connection of their own beside the app's, and
the app served by uvicorn in a child process with N workers.

The engine follows the URL: `sqlite:///…` or `postgres://…`. Sampling uses its own connection, never the app's,
so it sees what any other client would see.
"""

from __future__ import annotations

import asyncio
import os
import socket
import sqlite3
import subprocess
import threading
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Database:
    """A connection of the test's own (not the app's): for sampling and for the final checks."""

    def __init__(self, url: str) -> None:
        self.url = url
        self._pg: Any = None
        self._lite: sqlite3.Connection | None = None
        self._lock = threading.Lock()
        self._pg_lock = asyncio.Lock()  # one asyncpg connection runs one query at a time (sampler + final checks)

    async def open(self) -> None:
        if self.url.startswith("postgres"):
            import asyncpg

            self._pg = await asyncpg.connect(self.url)
        else:
            self._lite = sqlite3.connect(self.url.removeprefix("sqlite:///"), timeout=30, check_same_thread=False)
            self._lite.row_factory = sqlite3.Row

    async def close(self) -> None:
        if self._pg is not None:
            await self._pg.close()
        if self._lite is not None:
            self._lite.close()

    def _lite_fetch(self, sql: str) -> list[Mapping[str, Any]]:
        assert self._lite is not None
        with self._lock:
            rows: list[Mapping[str, Any]] = [dict(r) for r in self._lite.execute(sql).fetchall()]
            self._lite.commit()
            return rows

    async def fetch(self, sql: str) -> list[Mapping[str, Any]]:
        if self._pg is not None:
            async with self._pg_lock:
                return [dict(r) for r in await self._pg.fetch(sql)]
        # sqlite3 blocks: off the event loop, so the sampler never stalls the clients.
        return await asyncio.to_thread(self._lite_fetch, sql)


def start_app(database_url: str, port: int, workers: int, **env: str) -> subprocess.Popen[bytes]:
    """`uvicorn app:create_app --factory --workers N` on 127.0.0.1:`port` with the given environment on top."""
    environment = {**os.environ, "DATABASE_URL": database_url, "PUBLIC_BASE_URL": f"http://127.0.0.1:{port}", **env}
    environment.pop("SMTP_HOST", None)
    return subprocess.Popen(
        [str(ROOT / ".venv" / "bin" / "uvicorn"), "app:create_app", "--factory", "--workers", str(workers),
         "--host", "127.0.0.1", "--port", str(port), "--log-level", "warning", "--no-access-log",
         "--no-proxy-headers"],
        cwd=ROOT, env=environment)


async def wait_until_up(base_url: str, process: subprocess.Popen[bytes], settle: float = 1.0) -> None:
    """Until /healthz answers, then `settle` seconds for the other workers' lifespans (pool, jobs)."""
    async with httpx.AsyncClient() as client:
        for _ in range(300):
            if process.poll() is not None:
                raise RuntimeError(f"the app exited with {process.returncode}")
            try:
                if (await client.get(f"{base_url}/healthz")).status_code == 200:
                    await asyncio.sleep(settle)
                    return
            except httpx.HTTPError:
                pass
            await asyncio.sleep(0.1)
    raise RuntimeError("the app did not start")


def stop_app(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
