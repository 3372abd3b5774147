"""Ticketing fixtures: localstripe, a real SMTP sink, the app served over real HTTP on the test's own loop
(so localstripe can deliver webhooks to it), and the `shop` (tests/support/shop.py)."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator, Iterator
from dataclasses import replace
from typing import Any

import httpx
import pytest
import stripe
import uvicorn

from settings import Settings
from tests.support.members import Members
from tests.support.shop import WEBHOOK_SECRET, Shop
from tests.support.smtp import SmtpSink, smtp_sink
from tests.support.stripe import LocalStripe, open_stripe_client, running_localstripe


@pytest.fixture(scope="session")
def localstripe() -> Iterator[LocalStripe]:
    with running_localstripe() as server:
        yield server


@pytest.fixture(scope="session")
def smtp_port() -> list[int]:
    """The SMTP sink's port, kept from test to test: the settings then stay equal, and so tests share one app
    (tests/api/conftest.py)."""
    return [0]


@pytest.fixture
async def smtp(smtp_port: list[int]) -> AsyncIterator[SmtpSink]:
    async with smtp_sink(port=smtp_port[0]) as sink:
        smtp_port[0] = sink.port
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


@pytest.fixture
def shop(client: httpx.AsyncClient, members: Members) -> Shop:
    return Shop(client, members)
