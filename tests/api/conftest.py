"""API test fixtures: the app with its lifespan, an httpx client on the test's own event loop, and `members`.

(AsyncTestClient runs the app on another loop, which breaks asyncpg pools: docs/stack-notes.md.)
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import replace
from typing import Any

import httpx
import pytest

from settings import Settings
from tests.support.database import truncate_all
from tests.support.members import Members


@pytest.fixture
def settings(database_url: str) -> Settings:
    return replace(Settings(), database_url=database_url, background_jobs=False, app_env="test",
                   public_base_url="http://testserver")


# Built apps by their settings. Building one (create_app: ~440 route handlers) cost 0.3-0.5 CPU s, a third of an
# average API test; the routes keep no state between requests (counters, sessions and mail live in the database,
# emptied below), so tests with equal settings share one. Its lifespan (database pool, Stripe gateway) still runs
# per test, and `install` redoes the module settings another app may have changed since.
_built: dict[Settings, Any] = {}


@pytest.fixture
async def app(settings: Settings) -> AsyncIterator[Any]:
    from app import create_app, install

    application = _built.pop(settings, None)
    if application is None:
        application = create_app(settings)
        while len(_built) >= 3:  # settings that change per test (a temporary folder) must not pile up apps
            del _built[next(iter(_built))]  # the least recently used
    else:
        install(settings)
    _built[settings] = application
    async with application.lifespan():
        await truncate_all()
        yield application


@pytest.fixture
async def client(app: Any) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
        yield c


@pytest.fixture
def members(client: httpx.AsyncClient) -> Members:
    return Members(client)
