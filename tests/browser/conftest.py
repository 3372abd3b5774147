"""Browser-test fixtures: the REAL app (create_app) on a migrated test database, served by uvicorn.

``site`` is one live server for the whole run, on the database of tests/conftest.py (SQLite by default,
``TEST_DATABASE_URL`` for PostgreSQL), emptied and seeded with the demo hackathon and accounts first;
background jobs are off. ``Browse`` opens a fresh browser context (desktop or 390×844 phone) and checks
every page it visits: axe (no serious/critical), page weight (< 60 KB over the wire, gzip on), no request
off 127.0.0.1, no sideways scrolling on a phone, a screenshot under test-results/screenshots/.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from datetime import date
from typing import Any

import anyio
import pytest
from playwright.sync_api import Browser, Page

from tests.browser.support import (
    PAGE_BUDGET_BYTES,
    PHONE_VIEWPORT,
    SCREENSHOT_DIR,
    LiveServer,
    NetworkGuard,
    PageWeight,
    axe_serious,
    browser_type_launch_args,
    chromium_available,
    chromium_browser,
    describe_violations,
    new_context,
    screenshot,
    serve,
)
from tests.support.stripe import LocalStripe, running_localstripe

__all__ = ["Browse", "browser_type_launch_args", "chromium_browser"]

WEIGHTS_FILE = SCREENSHOT_DIR.parent / "page-weights.json"  # test-results/page-weights.json by default
_weights: dict[str, int] = {}


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if chromium_available():
        return
    skip = pytest.mark.skip(reason="no /usr/bin/chromium: run scripts/ensure-chromium.sh")
    for item in items:
        if item.get_closest_marker("browser"):
            item.add_marker(skip)


async def _empty_and_seed() -> None:
    from piccolo.conf.apps import Finder
    from piccolo.table import sort_table_classes

    from core import db
    from core.demo import seed_demo

    await db.start(1)
    try:
        names = [t._meta.tablename for t in sort_table_classes(Finder().get_table_classes())]
        if db.is_postgres():
            await db.engine().run_ddl(f"TRUNCATE {', '.join(names)} RESTART IDENTITY CASCADE")
        else:
            for name in reversed(names):
                await db.engine().run_ddl(f"DELETE FROM {name}")
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
    from ticketing.payments import WEBHOOK_EVENTS, WEBHOOK_PATH

    # Playwright's sync API keeps an event loop running on this thread: seed from a thread of our own.
    with ThreadPoolExecutor(max_workers=1) as pool:
        pool.submit(anyio.run, _empty_and_seed).result()
    settings = replace(Settings(), database_url=database_url, background_jobs=False, app_env="test",
                       public_base_url="http://127.0.0.1", stripe_api_base=localstripe.base_url)
    with serve(create_app(settings)) as server:
        # Payments complete for real: localstripe delivers its signed webhooks to this server.
        with ThreadPoolExecutor(max_workers=1) as pool:
            pool.submit(anyio.run, localstripe.register_webhook, server.url(WEBHOOK_PATH),
                        settings.stripe_webhook_secret, WEBHOOK_EVENTS, "browser-tests").result()
        yield server
    WEIGHTS_FILE.parent.mkdir(parents=True, exist_ok=True)
    WEIGHTS_FILE.write_text(json.dumps(dict(sorted(_weights.items())), indent=2) + "\n", encoding="utf-8")


class Browse:
    """One person in one browser (desktop or phone); ``check(name)`` runs the page checks on the current page."""

    def __init__(self, browser: Browser, site: LiveServer, *, phone: bool, journey: str) -> None:
        self.site = site
        self.phone = phone
        self.device = "phone" if phone else "desktop"
        self.journey = journey
        self.context = new_context(browser, phone=phone)
        self.guard = NetworkGuard().attach(self.context)
        self.page: Page = self.context.new_page()
        self.weight = PageWeight(self.page)
        self.console_errors: list[str] = []
        self.page.on("console", lambda m: self.console_errors.append(m.text) if m.type == "error" else None)

    def url(self, path: str) -> str:
        return self.site.url(path)

    def goto(self, path: str) -> Page:
        self.will_navigate()
        self.page.goto(self.url(path))
        return self.page

    def will_navigate(self) -> None:
        """Call before a click that loads a new page, so its weight is measured on its own.

        Waiting for the network to go quiet first lets the previous page's late byte counts arrive before
        the reset (CDP events reach us only while Playwright is busy), instead of landing on the next page.
        """
        self.page.wait_for_load_state("networkidle")
        self.weight.reset()

    def check(self, name: str, **axe: Any) -> int:
        page = self.page
        total = self.weight.total_bytes()
        _weights[f"{self.journey}/{name}/{self.device}"] = total
        assert total < PAGE_BUDGET_BYTES, f"{name}: {total} B over budget\n{self.weight.report()}"
        violations = axe_serious(page)
        assert not violations, f"{name}: " + describe_violations(violations)
        self.guard.assert_clean()
        csp = [t for t in self.console_errors if "Content Security Policy" in t]
        assert not csp, csp
        if self.phone:
            width = page.evaluate("() => document.documentElement.scrollWidth")
            assert width <= PHONE_VIEWPORT["width"], f"{name}: the page scrolls sideways ({width}px)"
        screenshot(page, f"{self.journey}-{name}-{self.device}")
        screenshot(page, f"{self.journey}-{name}-{self.device}-top", full_page=False)  # the first screenful
        return total

    def close(self) -> None:
        self.context.close()


@pytest.fixture(params=[False, True], ids=["desktop", "phone"])
def phone(request: pytest.FixtureRequest) -> bool:
    return bool(request.param)
