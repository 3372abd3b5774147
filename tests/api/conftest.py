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


@pytest.fixture
async def app(settings: Settings) -> AsyncIterator[Any]:
    from app import create_app

    application = create_app(settings)
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
