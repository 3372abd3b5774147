"""API test fixtures: the app with its lifespan and an httpx client on the test's own event loop.

(AsyncTestClient runs the app on another loop, which breaks asyncpg pools: docs/stack-notes.md.)
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import replace
from typing import Any

import httpx
import pytest
from piccolo.conf.apps import Finder
from piccolo.table import sort_table_classes

from settings import Settings


async def truncate_all() -> None:
    from core.db import engine, is_postgres

    tables = sort_table_classes(Finder().get_table_classes())
    names = [t._meta.tablename for t in tables]
    if is_postgres():
        await engine().run_ddl(f"TRUNCATE {', '.join(names)} RESTART IDENTITY CASCADE")
    else:
        for name in reversed(names):
            await engine().run_ddl(f"DELETE FROM {name}")


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


class Members:
    """Creates members with roles and hands out bearer headers."""

    def __init__(self, client: httpx.AsyncClient) -> None:
        self.client = client
        self.count = 0

    async def create(self, *roles: str, verified: bool = True, **profile: Any) -> dict[str, Any]:
        """A member (through ensure_member, like the CLI: e-mail verified at creation unless `verified=False`,
        which gives an account as sign-up makes it, with its verification mail queued)."""
        from members.service import NewMember, ensure_member

        self.count += 1
        email = profile.pop("email", f"lid{self.count}@example.nl")
        password = profile.pop("password", "een-goed-wachtwoord-42")
        data = NewMember(email=email, password=password, name=profile.pop("name", f"Lid {self.count}"), **profile)
        member, _ = await ensure_member(data, roles=tuple(roles), verified=verified)
        response = await self.client.post("/api/v1/auth/login", json={"email": email, "password": password})
        assert response.status_code == 200, response.text
        token = response.json()["token"]
        return {**member, "password": password, "token": token, "headers": {"Authorization": f"Bearer {token}"}}


@pytest.fixture
def members(client: httpx.AsyncClient) -> Members:
    return Members(client)
