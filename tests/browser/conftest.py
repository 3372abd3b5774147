"""Browser-test fixtures: the REAL app (create_app) on a migrated test database, served by uvicorn.

``site`` is one live server for the whole run (for each process under pytest-xdist), on the database of
tests/conftest.py (SQLite by default, ``TEST_DATABASE_URL`` for PostgreSQL; each xdist worker has its own),
emptied and seeded with the demo hackathon and accounts first;
background jobs are off. ``Browse`` (tests/support/browser.py) opens a fresh browser context (desktop or
390×844 phone) and checks every page it visits: axe (no serious/critical), page weight (< 60 KB over the wire,
gzip on), no request off 127.0.0.1, no sideways scrolling on a phone, a screenshot under test-results/screenshots/.
With BROWSER_PAGE_CHECKS=off only the journeys run (desktop), without those layout checks.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from datetime import date

import anyio
import pytest

from tests.support.browser import (
    PAGE_CHECKS,
    PAGE_WEIGHTS,
    SCREENSHOT_DIR,
    LiveServer,
    browser_type_launch_args,
    chromium_available,
    chromium_browser,
    serve,
)
from tests.support.database import truncate_all
from tests.support.stripe import LocalStripe, running_localstripe

__all__ = ["browser_type_launch_args", "chromium_browser"]

WEIGHTS_FILE = SCREENSHOT_DIR.parent / "page-weights.json"  # test-results/page-weights.json by default


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if not PAGE_CHECKS:
        # Without the page checks, the tests that are nothing but page checks, and the phone as a second
        # device, have nothing left to show: deselected (and counted as such), not skipped.
        def layout_only(item: pytest.Item) -> bool:
            phone = getattr(item, "callspec", None) is not None and item.callspec.params.get("phone") is True
            return bool(item.get_closest_marker("page_checks")) or phone

        deselected = [item for item in items if item.get_closest_marker("browser") and layout_only(item)]
        if deselected:
            config.hook.pytest_deselected(items=deselected)
            items[:] = [item for item in items if item not in deselected]
    if chromium_available():
        return
    skip = pytest.mark.skip(reason="no /usr/bin/chromium: run scripts/ensure-chromium.sh")
    for item in items:
        if item.get_closest_marker("browser"):
            item.add_marker(skip)


async def _empty_and_seed() -> None:
    from core import db
    from devtools.demo import seed_demo

    await db.start(1)
    try:
        await truncate_all()
        await seed_demo(date.today())
    finally:
        await db.stop()


@pytest.fixture(scope="session")
def localstripe() -> Iterator[LocalStripe]:
    """The local Stripe-compatible server (its fake Stripe.js included) on 127.0.0.1 and a free port."""
    with running_localstripe() as server:
        yield server


@pytest.fixture(scope="session")
def site(database_url: str, localstripe: LocalStripe) -> Iterator[LiveServer]:
    from app import create_app
    from settings import Settings
    from ticketing.stripe_gateway import WEBHOOK_EVENTS, WEBHOOK_PATH

    # Playwright's sync API keeps an event loop running on this thread: seed from a thread of our own.
    with ThreadPoolExecutor(max_workers=1) as pool:
        pool.submit(anyio.run, _empty_and_seed).result()
    # One server, one client address and a few demo accounts serve every journey of the run, so the per-address
    # limits (sign-up per hour, sign-in per account) are raised tenfold: they still count on the production path,
    # but forty journeys in a few minutes are not one person trying too often. No browser test is about a limit
    # (tests/api covers them at scale 1).
    settings = replace(Settings(), database_url=database_url, background_jobs=False, app_env="test",
                       public_base_url="http://127.0.0.1", stripe_api_base=localstripe.base_url,
                       rate_limit_scale=10.0)
    with serve(create_app(settings)) as server:
        # Payments complete for real: localstripe delivers its signed webhooks to this server.
        with ThreadPoolExecutor(max_workers=1) as pool:
            pool.submit(anyio.run, localstripe.register_webhook, server.url(WEBHOOK_PATH),
                        settings.stripe_webhook_secret, WEBHOOK_EVENTS, "browser-tests").result()
        yield server


# The page weights go to WEIGHTS_FILE at the end of the run. Under pytest-xdist (`make test` runs this folder in
# two processes, each with its own live server, database, Chromium and ports) every worker hands its weights to
# the controller, which writes them all.
def pytest_sessionfinish(session: pytest.Session) -> None:
    workeroutput = getattr(session.config, "workeroutput", None)
    if workeroutput is not None:  # an xdist worker
        workeroutput["page_weights"] = json.dumps(PAGE_WEIGHTS)
        return
    if not PAGE_CHECKS or not PAGE_WEIGHTS:
        return  # no weights measured: leave the file of the run that measured them
    WEIGHTS_FILE.parent.mkdir(parents=True, exist_ok=True)
    WEIGHTS_FILE.write_text(json.dumps(dict(sorted(PAGE_WEIGHTS.items())), indent=2) + "\n", encoding="utf-8")


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node: object, error: object) -> None:
    """xdist, in the controller: a worker finished; keep its page weights."""
    PAGE_WEIGHTS.update(json.loads(getattr(node, "workeroutput", {}).get("page_weights", "{}")))


@pytest.fixture(params=[False, True], ids=["desktop", "phone"])
def phone(request: pytest.FixtureRequest) -> bool:
    return bool(request.param)
