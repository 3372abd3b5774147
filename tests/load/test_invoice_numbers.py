"""Invoice numbers under concurrent payments: 100 duos paid at once, the app in 2 uvicorn workers, and every
payment delivered twice at the same moment (localstripe's own webhook, and the same payment as a signed event of
ours): numbers 1..100 in the organiser's series, no gap, no duplicate, one invoice per order.

Engine as in tests/api (TEST_DATABASE_URL: SQLite by default, PostgreSQL when set), on a database of its own
(TEST_LOAD_DATABASE_URL, default: the test database's name + `_invoices`). Figures: one JSON line, also written
to build/test-reports/invoice-numbers-<engine>.json.
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import httpx
import pytest
import stripe

from devtools.pg import reset_postgres
from tests.load.harness import Database, free_port, start_app, stop_app, wait_until_up
from tests.support.database import IS_POSTGRES, ROOT, TEST_DATABASE_URL, migrate
from tests.support.stripe import LocalStripe, event_payload, open_stripe_client, running_localstripe, sign_payload

pytestmark = [
    pytest.mark.slow,
    pytest.mark.anyio,
    pytest.mark.filterwarnings("ignore:Use 'content=<...>' to upload raw bytes:DeprecationWarning:httpx"),
]

DUOS = int(os.environ.get("INVOICE_LOAD_DUOS", "100"))
WEBHOOK_SECRET = "whsec_invoice_load"


def _database_url() -> str:
    if not IS_POSTGRES:
        return f"sqlite:///{Path(tempfile.mkdtemp(prefix='ng-invoices-')) / 'invoices.sqlite3'}"
    explicit = os.environ.get("TEST_LOAD_DATABASE_URL")
    if explicit:
        return explicit
    parts = urlsplit(TEST_DATABASE_URL)
    return urlunsplit(parts._replace(path=f"{parts.path.rstrip('/')}_invoices"))


@pytest.fixture(scope="module")
def localstripe() -> Iterator[LocalStripe]:
    with running_localstripe() as server:
        yield server


@dataclass
class App:
    base_url: str
    database_url: str
    slug: str
    tokens: list[str]


@pytest.fixture
async def app(localstripe: LocalStripe) -> Any:
    url = _database_url()
    if url.startswith("postgres"):
        await reset_postgres(url)
    migrated = migrate(url)
    assert migrated.returncode == 0, migrated.stdout + migrated.stderr
    seeded = subprocess.run(  # noqa: ASYNC221 (a short child process before the run)
        [sys.executable, "-m", "tests.load.seed", "--buyers", str(DUOS), "--capacity", str(DUOS), "--seller"],
        cwd=ROOT, env={**os.environ, "DATABASE_URL": url}, capture_output=True, text=True, timeout=120)
    assert seeded.returncode == 0, seeded.stdout + seeded.stderr
    seed = json.loads(seeded.stdout.strip().splitlines()[-1])
    port = free_port()
    process = start_app(url, port, 2, APP_ENV="development", STRIPE_API_BASE=localstripe.base_url,
                        STRIPE_SECRET_KEY="sk_test_invoices", STRIPE_WEBHOOK_SECRET=WEBHOOK_SECRET,
                        DB_POOL_SIZE="10", BACKGROUND_JOBS="true", JOB_INTERVAL_SECONDS="0.5",
                        RATE_LIMIT_SCALE="1000", MAIL_DIR=tempfile.mkdtemp(prefix="ng-invoices-mail-"))
    base = f"http://127.0.0.1:{port}"
    try:
        try:
            await wait_until_up(base, process)
        except RuntimeError as exc:
            pytest.fail(str(exc))
        await localstripe.register_webhook(f"{base}/api/v1/stripe/webhook", WEBHOOK_SECRET, webhook_id="invoices")
        yield App(base, url, seed["slug"], seed["tokens"])
    finally:
        await localstripe.disable_webhook("invoices")
        stop_app(process)


async def _order_and_intent(client: httpx.AsyncClient, app: App, i: int, token: str) -> tuple[int, str]:
    headers = {"Authorization": f"Bearer {token}"}
    body = {"companion": {"name": f"Partner {i}", "email": f"partner{i}@invoices.local", "industry": "retail"}}
    order = await client.post(f"/api/v1/events/{app.slug}/orders", json=body, headers=headers)
    assert order.status_code == 201, order.text
    payment = await client.post(f"/api/v1/orders/{order.json()['id']}/payment", headers=headers)
    assert payment.status_code == 200, payment.text
    return order.json()["id"], payment.json()["payment_intent_id"]


async def _pay_twice(client: httpx.AsyncClient, stripe_client: stripe.StripeClient, intent_id: str) -> int:
    """Confirm at localstripe (which sends its webhook about a second later) and post the same payment as a signed
    event of ours at once: two deliveries of one payment, racing. Returns our delivery's status."""
    await stripe_client.v1.payment_intents.update_async(intent_id, {"payment_method": "pm_card_visa"})
    intent = await stripe_client.v1.payment_intents.confirm_async(intent_id)
    body = event_payload("payment_intent.succeeded", intent.to_dict())
    response = await client.post("/api/v1/stripe/webhook", content=body, headers={
        "Stripe-Signature": sign_payload(body, WEBHOOK_SECRET), "Content-Type": "application/json"})
    return response.status_code


async def test_concurrent_payments_get_invoice_numbers_1_to_n_without_gaps(app: App,
                                                                           localstripe: LocalStripe) -> None:
    engine = "postgresql" if app.database_url.startswith("postgres") else "sqlite"
    limits = httpx.Limits(max_connections=50, max_keepalive_connections=50, keepalive_expiry=2.0)
    async with httpx.AsyncClient(base_url=app.base_url, timeout=120, limits=limits) as client, \
            open_stripe_client(localstripe.base_url) as stripe_client:
        gate = asyncio.Semaphore(25)

        async def prepare(i: int, token: str) -> tuple[int, str]:
            async with gate:
                return await _order_and_intent(client, app, i, token)

        prepared = await asyncio.gather(*(prepare(i, t) for i, t in enumerate(app.tokens)))
        started = time.monotonic()
        statuses = await asyncio.gather(*(_pay_twice(client, stripe_client, intent) for _, intent in prepared))
        db = Database(app.database_url)
        await db.open()
        try:
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline:  # localstripe's own deliveries arrive over the next seconds
                paid = int((await db.fetch("SELECT COUNT(*) AS n FROM ticket_order WHERE status = 'paid'"))[0]["n"])
                handled = int((await db.fetch(
                    "SELECT COUNT(*) AS n FROM stripe_event WHERE type = 'payment_intent.succeeded'"))[0]["n"])
                if paid == DUOS and handled >= 2 * DUOS:
                    break
                await asyncio.sleep(0.2)
            seconds = time.monotonic() - started
            invoices = await db.fetch("SELECT order_id, sequence, number, year, total_incl_cents FROM invoice "
                                      "WHERE kind = 'invoice' ORDER BY sequence")
            outcomes = await db.fetch("SELECT outcome, COUNT(*) AS n FROM stripe_event GROUP BY outcome")
        finally:
            await db.close()

    sequences = [int(r["sequence"]) for r in invoices]
    report = {
        "engine": engine, "workers": 2, "duos_paid_at_once": DUOS, "deliveries_per_payment": 2,
        "seconds_until_all_paid": round(seconds, 1), "paid": paid, "invoices": len(invoices),
        "first_number": invoices[0]["number"] if invoices else None,
        "last_number": invoices[-1]["number"] if invoices else None,
        "gaps": sorted(set(range(1, DUOS + 1)) - set(sequences)),
        "duplicates": len(sequences) - len(set(sequences)),
        "orders_with_more_than_one_invoice": len(invoices) - len({r["order_id"] for r in invoices}),
        "webhook_outcomes": {r["outcome"]: int(r["n"]) for r in outcomes},
        "our_deliveries": {str(s): statuses.count(s) for s in sorted(set(statuses))},
    }
    print(json.dumps(report), flush=True)
    out = ROOT / "build" / "test-reports"
    out.mkdir(parents=True, exist_ok=True)
    (out / f"invoice-numbers-{engine}.json").write_text(json.dumps(report, indent=2))

    assert paid == DUOS, report
    assert sequences == list(range(1, DUOS + 1)), report  # 1..N: no gap, no duplicate
    assert len({r["order_id"] for r in invoices}) == DUOS, report  # one invoice per order
    assert {r["total_incl_cents"] for r in invoices} == {9500}, report
    assert report["webhook_outcomes"].get("paid") == DUOS, report
    assert set(statuses) == {200}, report
