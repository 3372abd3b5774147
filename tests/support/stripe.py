"""localstripe for tests: start it, point the Stripe SDK at it, receive and forge webhooks.

Typical fixtures (anyio plugin, asyncio backend)::

    @pytest.fixture(scope="session")
    def localstripe() -> Iterator[LocalStripe]:
        with running_localstripe() as server:
            yield server

    @pytest.fixture
    async def stripe_client(localstripe: LocalStripe) -> AsyncIterator[stripe.StripeClient]:
        await localstripe.wipe()
        async with open_stripe_client(localstripe.base_url) as client:
            yield client

The server runs as a subprocess (devtools/localstripe_server.py): loopback only, a port chosen by the
kernel, its store in memory. localstripe is GPL-3.0 and is never imported here nor by the app: tests
talk to it over HTTP only.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import secrets
import selectors
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import anyio
import httpx
import stripe
from aiohttp import web

PROJECT_ROOT = Path(__file__).resolve().parents[2]
READY_PREFIX = "localstripe ready on "  # printed by devtools.localstripe_server
# localstripe accepts any key that starts with "sk_" and is longer than five characters.
LOCALSTRIPE_API_KEY = "sk_test_localstripe"


@dataclass
class LocalStripe:
    base_url: str
    process: subprocess.Popen[str]

    def client(self, api_key: str = LOCALSTRIPE_API_KEY) -> stripe.StripeClient:
        return make_stripe_client(self.base_url, api_key)

    async def register_webhook(
        self, target_url: str, secret: str, events: list[str] | None = None, webhook_id: str = "tests"
    ) -> None:
        await register_webhook(self.base_url, target_url, secret, events, webhook_id)

    async def disable_webhook(self, webhook_id: str = "tests") -> None:
        await disable_webhook(self.base_url, webhook_id)

    async def wipe(self) -> None:
        await wipe(self.base_url)


def _read_ready_line(process: subprocess.Popen[str], timeout: float) -> str:
    """Wait for the server's ready line without blocking forever on a server that died or hangs."""
    assert process.stdout is not None
    deadline = time.monotonic() + timeout
    with selectors.DefaultSelector() as selector:
        selector.register(process.stdout, selectors.EVENT_READ)
        while (remaining := deadline - time.monotonic()) > 0:
            if not selector.select(remaining):
                break
            line = process.stdout.readline()
            if not line:
                raise RuntimeError(f"localstripe exited before it was ready (exit code {process.wait()})")
            if line.startswith(READY_PREFIX):
                return line[len(READY_PREFIX) :].strip()
    raise TimeoutError(f"localstripe not ready within {timeout} s")


def start_localstripe(timeout: float = 15.0) -> LocalStripe:
    """Start the server on 127.0.0.1 and a free port, and return once it answers HTTP."""
    pythonpath = os.environ.get("PYTHONPATH", "")
    process = subprocess.Popen(
        [sys.executable, "-m", "devtools.localstripe_server", "--port", "0", "--host", "127.0.0.1"],
        cwd=PROJECT_ROOT,
        stdout=subprocess.PIPE,
        text=True,
        # Make sure `devtools` is importable even when the project is not installed in this environment.
        env={**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(PROJECT_ROOT), pythonpath]))},
    )
    try:
        base_url = _read_ready_line(process, timeout)
        # The fake Stripe.js needs no key, so it is the cheapest "do you answer?" request.
        httpx.get(f"{base_url}/js.stripe.com/v3/", timeout=timeout).raise_for_status()
    except BaseException:
        stop_localstripe_process(process)
        raise
    return LocalStripe(base_url=base_url, process=process)


def stop_localstripe_process(process: subprocess.Popen[str]) -> None:
    if process.poll() is None:
        process.terminate()  # SIGTERM: the server closes its runner and exits 0
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
    if process.stdout is not None:
        process.stdout.close()


@contextmanager
def running_localstripe(timeout: float = 15.0) -> Iterator[LocalStripe]:
    server = start_localstripe(timeout)
    try:
        yield server
    finally:
        stop_localstripe_process(server.process)


def make_stripe_client(
    base_url: str, api_key: str = LOCALSTRIPE_API_KEY, http_client: stripe.HTTPClient | None = None
) -> stripe.StripeClient:
    """A StripeClient aimed at localstripe. Only the `*_async` methods work with the default
    HTTPXClient (it refuses sync calls unless built with allow_sync_methods=True). Retries are off so a
    failing call fails at once instead of hiding a bug behind back-off."""
    return stripe.StripeClient(
        api_key,
        base_addresses={"api": base_url},
        http_client=http_client or stripe.HTTPXClient(),
        max_network_retries=0,
    )


@asynccontextmanager
async def open_stripe_client(
    base_url: str, api_key: str = LOCALSTRIPE_API_KEY
) -> AsyncIterator[stripe.StripeClient]:
    """Like `make_stripe_client`, and closes the underlying httpx client afterwards."""
    http_client = stripe.HTTPXClient()
    try:
        yield make_stripe_client(base_url, api_key, http_client)
    finally:
        await http_client.close_async()


async def register_webhook(
    base_url: str, target_url: str, secret: str, events: list[str] | None = None, webhook_id: str = "tests"
) -> None:
    """Make localstripe POST events to `target_url`, signed with `secret`; `events=None` means all.

    Registering again under the same id replaces the earlier one. Webhooks survive `wipe()`: they live
    outside localstripe's data store, so a session-scoped server keeps sending to old targets unless the
    id is reused or disabled.
    """
    body: dict[str, Any] = {"url": target_url, "secret": secret}
    if events is not None:
        body["events"] = events
    async with httpx.AsyncClient() as client:
        response = await client.post(f"{base_url}/_config/webhooks/{webhook_id}", json=body)
        response.raise_for_status()


async def disable_webhook(base_url: str, webhook_id: str = "tests") -> None:
    """localstripe cannot delete a webhook; an empty event list makes it send nothing."""
    async with httpx.AsyncClient() as client:
        response = await client.post(
            f"{base_url}/_config/webhooks/{webhook_id}",
            json={"url": "http://127.0.0.1:9/disabled", "secret": "whsec_disabled", "events": []},
        )
        response.raise_for_status()


async def wipe(base_url: str) -> None:
    """Empty localstripe's store (customers, payments, events) so each test starts clean and fast."""
    async with httpx.AsyncClient() as client:
        response = await client.delete(f"{base_url}/_config/data")
        response.raise_for_status()


def sign_payload(payload: bytes, secret: str, timestamp: int | None = None) -> str:
    """A `Stripe-Signature` header value, as Stripe (and localstripe) compute it:
    `t=<unix time>,v1=<hex HMAC-SHA256 of "<t>.<body>" keyed with the whole whsec_ secret>`."""
    ts = int(time.time()) if timestamp is None else timestamp
    signature = hmac.new(secret.encode(), b"%d.%s" % (ts, payload), hashlib.sha256).hexdigest()
    return f"t={ts},v1={signature}"


def event_payload(
    event_type: str, data_object: dict[str, Any], *, event_id: str | None = None, created: int | None = None
) -> bytes:
    """A Stripe event body, for the events localstripe never sends (`charge.refunded`,
    `refund.updated`, `payment_intent.canceled`, …); sign it with `sign_payload`."""
    event = {
        "id": event_id or f"evt_test_{secrets.token_hex(12)}",
        "object": "event",
        "api_version": stripe.api_version,
        "created": int(time.time()) if created is None else created,
        "livemode": False,
        "pending_webhooks": 1,
        "request": {"id": None, "idempotency_key": None},
        "type": event_type,
        "data": {"object": data_object},
    }
    return json.dumps(event).encode()


@dataclass(frozen=True)
class ReceivedWebhook:
    body: bytes
    signature: str | None

    @property
    def event_type(self) -> str | None:
        try:
            return json.loads(self.body).get("type")
        except ValueError:
            return None


@dataclass
class WebhookReceiver:
    """A tiny HTTP endpoint on 127.0.0.1 that records every POST it gets (answers 200)."""

    url: str = ""
    received: list[ReceivedWebhook] = field(default_factory=list)

    async def _handle(self, request: web.Request) -> web.Response:
        self.received.append(ReceivedWebhook(await request.read(), request.headers.get("Stripe-Signature")))
        return web.Response(text="ok")

    async def wait_for(self, event_type: str, seconds: float = 5.0) -> ReceivedWebhook:
        """localstripe sends about 1 s after the triggering call, so poll rather than sleep blindly."""
        with anyio.fail_after(seconds):
            while True:
                for hook in self.received:
                    if hook.event_type == event_type:
                        return hook
                await anyio.sleep(0.05)


@asynccontextmanager
async def webhook_receiver(path: str = "/stripe/webhook") -> AsyncIterator[WebhookReceiver]:
    receiver = WebhookReceiver()
    app = web.Application()
    app.router.add_post(path, receiver._handle)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    host, port = runner.addresses[0][:2]
    receiver.url = f"http://{host}:{port}{path}"
    try:
        yield receiver
    finally:
        await runner.cleanup()
