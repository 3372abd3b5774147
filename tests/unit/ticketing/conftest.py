from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import pytest
import stripe

from tests.support.stripe import LocalStripe, open_stripe_client, running_localstripe


@pytest.fixture
def anyio_backend() -> str:
    # aiohttp (webhook receiver) and aiosmtpd are asyncio-only.
    return "asyncio"


@pytest.fixture(scope="session")
def localstripe() -> Iterator[LocalStripe]:
    # One server per session (~0.3 s to start); each test wipes the store instead.
    with running_localstripe() as server:
        yield server


@pytest.fixture
async def stripe_client(localstripe: LocalStripe) -> AsyncIterator[stripe.StripeClient]:
    await localstripe.wipe()
    async with open_stripe_client(localstripe.base_url) as client:
        yield client
