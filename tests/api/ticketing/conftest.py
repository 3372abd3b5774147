"""Ticketing fixtures: localstripe, a real SMTP sink, the app served over real HTTP on the test's own loop
(so localstripe can deliver webhooks to it), fast buyers, and a published event."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator, Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
import stripe
import uvicorn

from settings import Settings
from tests.api.conftest import Members
from tests.support.smtp import SmtpSink, smtp_sink
from tests.support.stripe import LocalStripe, open_stripe_client, running_localstripe

WEBHOOK_SECRET = "whsec_test_ticketing"


@pytest.fixture(scope="session")
def localstripe() -> Iterator[LocalStripe]:
    with running_localstripe() as server:
        yield server


@pytest.fixture
async def smtp() -> AsyncIterator[SmtpSink]:
    async with smtp_sink() as sink:
        yield sink


@pytest.fixture
def settings(database_url: str, localstripe: LocalStripe, smtp: SmtpSink) -> Settings:
    return replace(Settings(), database_url=database_url, background_jobs=False, app_env="test",
                   public_base_url="http://testserver", stripe_api_base=localstripe.base_url,
                   stripe_secret_key="sk_test_localstripe", stripe_webhook_secret=WEBHOOK_SECRET,
                   smtp_host=smtp.host, smtp_port=smtp.port, db_pool_size=20)


@pytest.fixture
async def stripe_client(localstripe: LocalStripe) -> AsyncIterator[stripe.StripeClient]:
    await localstripe.wipe()
    async with open_stripe_client(localstripe.base_url) as client:
        yield client


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
async def live_url(app: Any, localstripe: LocalStripe) -> AsyncIterator[str]:
    """The app served by uvicorn on 127.0.0.1 (lifespan already run by the `app` fixture), with
    localstripe delivering its webhooks there."""
    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, lifespan="off", log_level="warning",
                                           proxy_headers=False,
                                           access_log=False, limit_concurrency=1000, backlog=2048))
    server.install_signal_handlers = lambda: None  # type: ignore[method-assign]
    task = asyncio.create_task(server.serve())
    while not server.started:  # noqa: ASYNC110  (uvicorn offers no event to wait on)
        await asyncio.sleep(0.01)
    url = f"http://127.0.0.1:{port}"
    await localstripe.register_webhook(f"{url}/api/v1/stripe/webhook", WEBHOOK_SECRET, webhook_id="nieuw-geluid")
    try:
        yield url
    finally:
        await localstripe.disable_webhook("nieuw-geluid")
        server.should_exit = True
        await task


@pytest.fixture
async def http(live_url: str) -> AsyncIterator[httpx.AsyncClient]:
    limits = httpx.Limits(max_connections=300, max_keepalive_connections=300)
    async with httpx.AsyncClient(base_url=live_url, timeout=60, limits=limits) as client:
        yield client


async def quick_members(count: int, prefix: str = "koper") -> list[dict[str, Any]]:
    """Members with bearer tokens, straight through the tables (argon2 per member would take minutes)."""
    from members.service import hash_token, new_token
    from members.tables import AuthToken, Member

    now = datetime.now(UTC)
    rows = await Member.insert(*[
        Member(email=f"{prefix}{i}@example.nl", name=f"Koper {i}", password_hash="!", organisation="Org",
               industry="customer_contact", email_verified_at=now, created_at=now, updated_at=now)
        for i in range(count)
    ]).returning(Member.id, Member.email)
    tokens = [new_token() for _ in rows]
    await AuthToken.insert(*[
        AuthToken(member=r["id"], token_hash=hash_token(t), kind="api", created_at=now,
                  expires_at=now + timedelta(days=1))
        for r, t in zip(rows, tokens, strict=True)
    ])
    return [{"id": r["id"], "email": r["email"], "headers": {"Authorization": f"Bearer {t}"}}
            for r, t in zip(rows, tokens, strict=True)]


def event_body(**overrides: Any) -> dict[str, Any]:
    start = (datetime.now(UTC) + timedelta(days=60)).replace(hour=12, minute=0, second=0, microsecond=0)
    body = {
        "title": "Hackathon Nieuw Geluid",
        "starts_at": start.isoformat(),
        "ends_at": (start + timedelta(hours=8)).isoformat(),
        "venue_name": "De Kennismakerij",
        "address": "Stationsplein 1, Utrecht",
        "capacity_duos": 40,
        "price_cents": 9500,
    }
    body.update(overrides)
    return body


class Shop:
    """An organiser with a published event, and helpers to order."""

    def __init__(self, client: httpx.AsyncClient, members: Members) -> None:
        self.client, self.members = client, members
        self.organiser: dict[str, Any] = {}

    async def event(self, **overrides: Any) -> dict[str, Any]:
        if not self.organiser:
            self.organiser = await self.members.create("organiser", email="org@example.nl")
        h = self.organiser["headers"]
        created = await self.client.post("/api/v1/events", json=event_body(**overrides), headers=h)
        assert created.status_code == 201, created.text
        slug = created.json()["slug"]
        published = await self.client.post(f"/api/v1/events/{slug}/publish", headers=h)
        assert published.status_code == 200, published.text
        return published.json()

    async def order(self, slug: str, buyer: dict[str, Any], **companion: Any) -> httpx.Response:
        body = {"name": "Sam Jong", "email": f"partner-of-{buyer['email']}", "industry": "retail",
                "birth_date": None, "organisation": "Bakkerij"}
        body.update(companion)
        return await self.client.post(f"/api/v1/events/{slug}/orders", json={"companion": body},
                                      headers=buyer["headers"])


@pytest.fixture
def shop(client: httpx.AsyncClient, members: Members) -> Shop:
    return Shop(client, members)
