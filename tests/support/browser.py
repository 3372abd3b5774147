"""What the browser tests stand on: Debian's Chromium, a live server, the checks every page must pass, and
``Browse`` (one person in one browser, checking every page on the way).

Run ``bash scripts/ensure-chromium.sh`` once (installs /usr/bin/chromium; Playwright cannot download its
own browser here). Tests use the plain sync Playwright API (never inside an anyio test: the app runs in
its own thread with its own loop) and are marked ``@pytest.mark.browser``::

    from tests.support.browser import LiveServer, NetworkGuard, PageWeight, chromium_browser, run_axe, ...

    @pytest.mark.browser
    def test_agenda(chromium_browser: Browser, live_app: LiveServer) -> None:
        context = new_context(chromium_browser, phone=True)
        guard = NetworkGuard().attach(context)
        page = context.new_page()
        weight = PageWeight(page)
        page.goto(live_app.url("/agenda"))
        assert serious_violations(run_axe(page)) == []
        assert weight.total_bytes() < PAGE_BUDGET_BYTES
        guard.assert_clean()
        screenshot(page, "agenda-phone")

Fixtures here (import them into a test module or a conftest): ``chromium_browser`` (session; built on
pytest-playwright's ``playwright`` fixture so there is only one Playwright per run) and
``browser_type_launch_args`` (the override pytest-playwright needs for its own ``browser``/``page``
fixtures to use /usr/bin/chromium).
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit

import pytest
import uvicorn
from playwright.sync_api import Browser, BrowserContext, CDPSession, Page, Playwright, Route
from playwright.sync_api import Error as PlaywrightError

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM_PATH = "/usr/bin/chromium"
CHROMIUM_ARGS: list[str] = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
AXE_PATH = ROOT / "tests" / "browser" / "vendor" / "axe-4.14.1.min.js"
SCREENSHOT_DIR = Path(os.environ.get("SCREENSHOT_DIR") or ROOT / "test-results" / "screenshots")
PAGE_BUDGET_BYTES = 60 * 1024  # every page, first visit, everything over the wire
PHONE_VIEWPORT = {"width": 390, "height": 844}
DESKTOP_VIEWPORT = {"width": 1280, "height": 900}
LOCAL_HOSTS: frozenset[str] = frozenset({"127.0.0.1"})
# Only when real Stripe is switched on may a page reach Stripe (Stripe.js and what it loads itself).
STRIPE_HOSTS: frozenset[str] = frozenset({"js.stripe.com", "api.stripe.com", "m.stripe.network",
                                          "m.stripe.com", "r.stripe.com", "hooks.stripe.com",
                                          "b.stripecdn.com", "q.stripe.com"})
SERIOUS_IMPACTS: tuple[str, ...] = ("serious", "critical")


# --- launching Chromium ---------------------------------------------------------------------------


def chromium_launch_options(**overrides: Any) -> dict[str, Any]:
    """Keyword arguments for ``playwright.chromium.launch`` that drive Debian's Chromium."""
    if not Path(CHROMIUM_PATH).exists():
        raise RuntimeError(f"{CHROMIUM_PATH} is missing: run `bash scripts/ensure-chromium.sh` first")
    return {"executable_path": CHROMIUM_PATH, "args": list(CHROMIUM_ARGS), "headless": True, **overrides}


def chromium_available() -> bool:
    return Path(CHROMIUM_PATH).exists() or shutil.which("chromium") == CHROMIUM_PATH


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict[str, Any]) -> dict[str, Any]:
    """pytest-playwright's launch arguments plus our executable and flags (import into a conftest)."""
    return {**browser_type_launch_args, **chromium_launch_options()}


@pytest.fixture(scope="session")
def chromium_browser(playwright: Playwright) -> Iterator[Browser]:
    """One headless Chromium for the whole run."""
    browser = playwright.chromium.launch(**chromium_launch_options())
    yield browser
    browser.close()


def new_context(browser: Browser, *, phone: bool = False, locale: str = "nl-NL", **options: Any
                ) -> BrowserContext:
    """A fresh context (empty cache and cookies): a phone (390×844, touch) or a desktop window."""
    if phone:
        options = {"viewport": PHONE_VIEWPORT, "device_scale_factor": 2, "is_mobile": True,
                   "has_touch": True, **options}
    else:
        options = {"viewport": DESKTOP_VIEWPORT, **options}
    return browser.new_context(locale=locale, timezone_id="Europe/Amsterdam", **options)


# --- serving an ASGI app --------------------------------------------------------------------------


class LiveServer:
    """Run an ASGI app with uvicorn in a thread on 127.0.0.1 and a free port.

    The socket is bound before the thread starts, so there is no race for the port. ``start()``
    returns once uvicorn has finished the app's startup (lifespan) and accepts connections.
    """

    def __init__(self, app: Any, *, host: str = "127.0.0.1", lifespan: Literal["auto", "on", "off"] = "on",
                 startup_timeout: float = 15.0) -> None:
        self.app = app
        self.host = host
        self.startup_timeout = startup_timeout
        self._socket = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._socket.bind((host, 0))
        self.port: int = self._socket.getsockname()[1]
        config = uvicorn.Config(app, host=host, port=self.port, lifespan=lifespan, log_level="warning",
                                access_log=False, proxy_headers=False)  # as core.serve: the app decides
        self._server = uvicorn.Server(config)
        self._thread: threading.Thread | None = None

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def url(self, path: str = "/") -> str:
        return self.base_url + (path if path.startswith("/") else f"/{path}")

    def start(self) -> LiveServer:
        self._thread = threading.Thread(target=self._server.run, kwargs={"sockets": [self._socket]},
                                        name=f"uvicorn-{self.port}", daemon=True)
        self._thread.start()
        deadline = time.monotonic() + self.startup_timeout
        while not self._server.started:
            if not self._thread.is_alive():
                raise RuntimeError("uvicorn stopped during startup (see the log above)")
            if time.monotonic() > deadline:
                self.stop()
                raise TimeoutError(f"uvicorn did not start within {self.startup_timeout} s")
            time.sleep(0.02)
        return self

    def stop(self, timeout: float = 10.0) -> None:
        self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout)
            if self._thread.is_alive():
                self._server.force_exit = True
                self._thread.join(timeout)
        self._socket.close()

    def __enter__(self) -> LiveServer:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()


@contextmanager
def serve(app: Any, **options: Any) -> Iterator[LiveServer]:
    """``with serve(app) as server: page.goto(server.url("/"))``."""
    server = LiveServer(app, **options).start()
    try:
        yield server
    finally:
        server.stop()


# --- no request may leave the machine -------------------------------------------------------------


@dataclass
class NetworkGuard:
    """Abort, and record, every request to a host other than 127.0.0.1 (plus an allow-list).

    Attach to a context before opening pages. ``NetworkGuard(allow=STRIPE_HOSTS)`` when real Stripe is on.
    """

    allow: frozenset[str] | set[str] | Sequence[str] = frozenset()
    blocked: list[str] = field(default_factory=list)

    def is_allowed(self, url: str) -> bool:
        parts = urlsplit(url)
        if parts.scheme in ("data", "blob", "about"):
            return True
        host = (parts.hostname or "").lower()
        return host in LOCAL_HOSTS or host in set(self.allow)

    def _handle(self, route: Route) -> None:
        url = route.request.url
        if self.is_allowed(url):
            route.continue_()
        else:
            self.blocked.append(url)
            route.abort("blockedbyclient")

    def attach(self, target: BrowserContext | Page) -> NetworkGuard:
        target.route("**/*", self._handle)
        return self

    def assert_clean(self) -> None:
        assert not self.blocked, "requests left the app's origin:\n" + "\n".join(self.blocked)


# --- accessibility --------------------------------------------------------------------------------


def run_axe(page: Page, context: str | None = None, options: dict[str, Any] | None = None
            ) -> list[dict[str, Any]]:
    """Run axe-core (vendored, offline) on the page; returns every violation (see serious_violations).

    The script is evaluated through the DevTools protocol, which a Content-Security-Policy does not
    block (a <script> tag injected by the test would be).
    """
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.evaluate(AXE_PATH.read_text(encoding="utf-8") + "\n;undefined")
    script = "async ([ctx, opts]) => (await axe.run(ctx || document, opts)).violations"
    run_options = {"resultTypes": ["violations"], **(options or {})}
    return list(page.evaluate(script, [context, run_options]))


def serious_violations(violations: list[dict[str, Any]], impacts: Sequence[str] = SERIOUS_IMPACTS
                       ) -> list[dict[str, Any]]:
    """Only the violations with impact serious or critical, reduced to what a failure message needs."""
    return [
        {"id": v["id"], "impact": v["impact"], "help": v["help"],
         "targets": [node.get("target") for node in v.get("nodes", [])][:5]}
        for v in violations if v.get("impact") in impacts
    ]


def axe_serious(page: Page) -> list[dict[str, Any]]:
    return serious_violations(run_axe(page))


def describe_violations(violations: list[dict[str, Any]]) -> str:
    return json.dumps(violations, indent=2, ensure_ascii=False)


# --- page weight ----------------------------------------------------------------------------------


# How long a page's network must stay quiet, once every request it started has finished (its icon included),
# before its weight is summed (below). Playwright's "networkidle" waits until no request has been in flight for
# 500 ms: half a second on every page check and before every navigation, a fifth of the browser group's time.
# Measured on the busy machine, the latest request a page starts by itself after the previous one ended (a script's
# fetch) began 0.1 s later; Chromium asks for the page's icon up to 0.22 s after the load, so that is waited for.
NETWORK_QUIET_SECONDS = 0.15
STUCK_SECONDS = 2.0  # nothing started or ended for this long, yet something is still pending: ask Playwright
_ICON_HREF = "() => document.querySelector('link[rel~=\"icon\"]')?.href ?? null"


class PageWeight:
    """Bytes over the wire (headers + encoded body, i.e. gzipped) of every response a page loads.

    Create it before ``page.goto``; it listens to CDP ``Network.loadingFinished`` (encodedDataLength).
    Use a fresh context so nothing comes from the cache.
    """

    def __init__(self, page: Page) -> None:
        self.page = page
        self._cdp: CDPSession = page.context.new_cdp_session(page)
        self._urls: dict[str, str] = {}
        self.sizes: dict[str, int] = {}
        self._pending: dict[str, str] = {}  # request id → URL: started, not yet finished or failed
        self._last_activity = time.monotonic()
        self._document_at = 0.0  # when the main frame last asked for a document
        self._finished_at: dict[str, float] = {}  # URL → when a request for it last finished
        self._main_frame = str(self._cdp.send("Page.getFrameTree")["frameTree"]["frame"]["id"])
        self._cdp.on("Network.requestWillBeSent", self._on_request)
        self._cdp.on("Network.responseReceived", self._on_response)
        self._cdp.on("Network.loadingFinished", self._on_finished)
        self._cdp.on("Network.loadingFailed", self._on_failed)
        self._cdp.send("Network.enable")
        self._cdp.send("Network.setCacheDisabled", {"cacheDisabled": True})

    def _on_request(self, event: dict[str, Any]) -> None:
        self._pending[event["requestId"]] = event["request"]["url"]
        self._last_activity = time.monotonic()
        if event.get("type") == "Document" and event.get("frameId") == self._main_frame:
            self._document_at = self._last_activity

    def _on_response(self, event: dict[str, Any]) -> None:
        self._urls[event["requestId"]] = event["response"]["url"]

    def _on_finished(self, event: dict[str, Any]) -> None:
        url = self._urls.get(event["requestId"], event["requestId"])
        self.sizes[url] = self.sizes.get(url, 0) + int(event.get("encodedDataLength", 0))
        self._pending.pop(event["requestId"], None)
        self._last_activity = self._finished_at[url] = time.monotonic()

    def _on_failed(self, event: dict[str, Any]) -> None:
        self._pending.pop(event["requestId"], None)
        self._last_activity = time.monotonic()

    def settle(self) -> None:
        """Wait until the page has loaded, every request it started has finished or failed (as this session saw
        them, so their byte counts are in), its icon among them, and none started for NETWORK_QUIET_SECONDS.

        When nothing has started or ended for STUCK_SECONDS and yet a request is pending (its end was not
        reported to this session: an htmx live check aborted by the next keystroke, seen on the busy machine,
        after which every later wait of that journey ran into a timeout) or the icon never came, Playwright's
        "networkidle" decides, and what was pending is forgotten."""
        self.page.wait_for_load_state("load")
        try:
            icon = self.page.evaluate(_ICON_HREF)
        except PlaywrightError:  # the page navigated meanwhile: no icon to wait for, the rest still holds
            icon = None
        while True:
            quiet = time.monotonic() - self._last_activity
            icon_in = icon is None or self._finished_at.get(icon, -1.0) >= self._document_at
            if not self._pending and icon_in and quiet >= NETWORK_QUIET_SECONDS:
                return
            if quiet >= STUCK_SECONDS:
                self.page.wait_for_load_state("networkidle")
                self._pending.clear()
                return
            # Playwright delivers this session's events while it waits here.
            self.page.wait_for_timeout(max(5.0, (NETWORK_QUIET_SECONDS - quiet) * 1000) if icon_in and not
                                       self._pending else 20)

    def reset(self) -> None:
        self.sizes.clear()

    def total_bytes(self) -> int:
        """Wait for the network to go quiet (``settle``), then sum what came in."""
        self.settle()
        return sum(self.sizes.values())

    def report(self) -> str:
        rows = sorted(self.sizes.items(), key=lambda item: -item[1])
        return "\n".join(f"{size:>8} B  {url}" for url, size in rows) + f"\n{self.total_bytes():>8} B  total"


# --- screenshots ----------------------------------------------------------------------------------


# What lands in test-results/screenshots/ (BROWSER_SCREENSHOTS): "top" (the default) the first screenful of each
# checked page, what a person sees first; "full" the whole page as well, scrolled to its end; "off" nothing. A
# full-page capture lays the page out and paints it again at its whole height (a phone's at twice the pixels):
# measured on the Dutch page sweep, the two screenshots a page were a quarter of the CPU of the browser and its
# test process (26.5 → 20.6 CPU s without them), almost all of it the full page (docs/testing.md). Screenshots
# are for looking at, no test reads them; `BROWSER_SCREENSHOTS=full make test` takes them all.
SCREENSHOTS = os.environ.get("BROWSER_SCREENSHOTS", "top").lower()


def screenshot(page: Page, name: str, *, full_page: bool = True) -> Path | None:
    """Save ``test-results/screenshots/<name>.png`` (look at it!) and return its path: the whole page only with
    BROWSER_SCREENSHOTS=full (else its first screenful), nothing with BROWSER_SCREENSHOTS=off."""
    if SCREENSHOTS == "off":
        return None
    SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
    safe = "".join(ch if ch.isalnum() or ch in "-_." else "-" for ch in name)
    path = SCREENSHOT_DIR / f"{safe}.png"
    page.screenshot(path=str(path), full_page=full_page and SCREENSHOTS == "full")
    return path


def page_screenshots(page: Page, name: str) -> None:
    """A checked page's screenshots: ``<name>-top``, its first screenful, and with BROWSER_SCREENSHOTS=full also
    ``<name>``, the whole page."""
    if SCREENSHOTS == "full":
        screenshot(page, name)
    screenshot(page, f"{name}-top", full_page=False)


def check_page(page: Page, guard: NetworkGuard, weight: PageWeight | None = None,
               budget: int = PAGE_BUDGET_BYTES, name: str | None = None,
               extra: Callable[[Page], None] | None = None) -> None:
    """The checks every page passes: axe serious/critical clean, within budget, nothing off-origin."""
    violations = axe_serious(page)
    assert not violations, describe_violations(violations)
    if weight is not None:
        total = weight.total_bytes()
        assert total < budget, f"page weight {total} B over the {budget} B budget:\n{weight.report()}"
    guard.assert_clean()
    if extra is not None:
        extra(page)
    if name:
        screenshot(page, name)


# --- one person in one browser ---------------------------------------------------------------------

# The page checks (axe, weight, screenshots, sideways scrolling, and the phone as a second device) look at
# layout, which is the same whatever database the app runs on: `make test` runs them with the app on SQLite
# and the journeys alone (desktop) with the app on PostgreSQL, where they cover the SQL. BROWSER_PAGE_CHECKS=off
# switches them off (docs/testing.md).
PAGE_CHECKS = os.environ.get("BROWSER_PAGE_CHECKS", "on").lower() not in ("off", "0", "false", "no")
PAGE_WEIGHTS: dict[str, int] = {}  # "journey/page/device" → bytes, written to test-results/page-weights.json


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
        self.weight = PageWeight(self.page) if PAGE_CHECKS else None
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
        if self.weight is not None:
            self.weight.settle()
            self.weight.reset()

    def check(self, name: str) -> None:
        """Nothing left the origin and the CSP logged no error; with the page checks on, also the weight within
        the budget, axe serious/critical clean, no sideways scrolling on a phone, and its screenshots (SCREENSHOTS)."""
        page = self.page
        if self.weight is None:
            page.wait_for_load_state("load")  # scripts (htmx) have run: what follows may type into the page
        total = self.weight.total_bytes() if self.weight is not None else None  # waits for the network to settle
        self.guard.assert_clean()
        csp = [t for t in self.console_errors if "Content Security Policy" in t]
        assert not csp, csp
        if self.weight is None or total is None:
            return
        PAGE_WEIGHTS[f"{self.journey}/{name}/{self.device}"] = total
        assert total < PAGE_BUDGET_BYTES, f"{name}: {total} B over budget\n{self.weight.report()}"
        violations = axe_serious(page)
        assert not violations, f"{name}: " + describe_violations(violations)
        if self.phone:
            width = page.evaluate("() => document.documentElement.scrollWidth")
            assert width <= PHONE_VIEWPORT["width"], f"{name}: the page scrolls sideways ({width}px)"
        page_screenshots(page, f"{self.journey}-{name}-{self.device}")

    def close(self) -> None:
        self.context.close()
