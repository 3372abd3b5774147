"""Fixtures of the calendar-feed API tests: a fresh render cache per test, localstripe for the tests that pay,
and `tickets`, a stand-in for ticketing's seam (member id → event ids)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import replace

import pytest
import stripe

from events import feeds
from settings import Settings
from tests.support.feeds import TicketMap
from tests.support.stripe import LOCALSTRIPE_API_KEY, LocalStripe, open_stripe_client, running_localstripe


@pytest.fixture(autouse=True)
def fresh_render_cache(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    # Tests change tickets and events and re-fetch at once: no reuse of a member's sources here
    # (test_member_sources_are_reused_briefly checks that reuse on its own).
    monkeypatch.setattr(feeds, "SOURCES_TTL_SECONDS", 0.0)
    feeds.clear_cache()
    yield
    feeds.clear_cache()


@pytest.fixture(scope="session")
def localstripe() -> Iterator[LocalStripe]:
    with running_localstripe() as server:
        yield server


@pytest.fixture
def settings(settings: Settings, request: pytest.FixtureRequest) -> Settings:
    """Payments through localstripe for the tests that ask for `stripe_client` (a real payment and refund)."""
    if "stripe_client" not in request.fixturenames:
        return settings
    server: LocalStripe = request.getfixturevalue("localstripe")
    return replace(settings, stripe_api_base=server.base_url, stripe_secret_key=LOCALSTRIPE_API_KEY)


@pytest.fixture
async def stripe_client(localstripe: LocalStripe) -> AsyncIterator[stripe.StripeClient]:
    await localstripe.wipe()
    async with open_stripe_client(localstripe.base_url) as client:
        yield client


@pytest.fixture
def tickets(monkeypatch: pytest.MonkeyPatch) -> TicketMap:
    """A stand-in for ticketing.tickets.calendar_event_ids: member id → event ids (tests the seam)."""
    held: TicketMap = {}

    async def live_ticket_event_ids(member_id: int) -> list[int]:
        return list(held.get(member_id, []))

    def source() -> Callable[[int], Awaitable[list[int]]]:
        return live_ticket_event_ids

    monkeypatch.setattr(feeds, "ticket_source", source)
    return held
