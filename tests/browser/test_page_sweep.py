"""Every page, in Dutch and in English, on a phone: axe serious/critical clean, within the 60 KB budget,
nothing off-origin, no CSP error, no sideways scrolling (``Browse.check``).

The journeys check the pages on their way; this sweep also covers the ones no journey ends on — the board
list, a board before any plan, the cancel confirmations, "my agenda" before groups are published, the 403 and
404 pages — and every page again in English, where labels and messages are other strings. Its organiser and
facilitator are seeded with sessions of their own (tests/browser/seed.py), so the sweep spends none of the
sign-in attempts the journeys need (the limit counts per address, and every browser test is 127.0.0.1).
"""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import Browser, expect

from core.auth import SESSION_COOKIE
from devtools.demo import DEMO_SLUG
from tests.browser.seed import seed
from tests.support.browser import Browse, LiveServer

pytestmark = [pytest.mark.browser, pytest.mark.page_checks]

PUBLIC = ["/", f"/e/{DEMO_SLUG}", "/inloggen", "/aanmelden", "/wachtwoord-vergeten", "/privacy", "/voorwaarden",
          "/contact", f"/e/{DEMO_SLUG}/ideeen", f"/e/{DEMO_SLUG}/ideeen/scherm"]


def organiser_pages(slug: str) -> list[str]:
    return ["/organiseren", "/organiseren/nieuw", "/organiseren/factuurgegevens", f"/organiseren/{slug}",
            f"/organiseren/{slug}/deelnemers", f"/organiseren/{slug}/deelnemers?toon=geannuleerd",
            f"/organiseren/{slug}/uitzonderingen", f"/organiseren/{slug}/wachtlijst", f"/e/{slug}/wachtlijst",
            f"/organiseren/{slug}/annuleren", f"/begeleiden/{slug}", f"/organiseren/{slug}/inchecken",
            f"/organiseren/{slug}/team", f"/organiseren/{slug}/ideeen", "/beheer", "/mijn/tickets",
            "/mijn/agenda", "/profiel"]


def facilitator_pages(slug: str) -> list[str]:
    return ["/begeleiden", f"/begeleiden/{slug}", f"/organiseren/{slug}/inchecken", "/mijn/agenda"]


@pytest.fixture(scope="module")
def staff(site: LiveServer) -> dict[str, Any]:
    return seed("sweep", title="Sweep hackathon")


def visit(me: Browse, path: str, lang: str, status: int = 200) -> None:
    me.will_navigate()
    response = me.page.goto(me.url(path))
    assert response is not None, (path, response and response.status)
    assert response.status == status, (path, response and response.status)
    expect(me.page.locator("html")).to_have_attribute("lang", lang)
    me.check(f"{lang}{path.replace('/', '_') or '_root'}")


@pytest.mark.parametrize("lang", ["nl", "en"])
def test_every_page_passes_the_page_checks(chromium_browser: Browser, site: LiveServer, staff: dict[str, Any],
                                           lang: str) -> None:
    slug = staff["slug"]
    for session, paths in ((None, PUBLIC), (staff["organiser"], organiser_pages(slug)),
                           (staff["facilitator"], facilitator_pages(slug))):
        me = Browse(chromium_browser, site, phone=True, journey=f"sweep-{lang}")
        try:
            if session is not None:
                me.context.add_cookies([{"name": SESSION_COOKIE, "value": session, "url": site.base_url}])
            me.goto(f"/lang/{lang}?next=/")
            for path in paths:
                visit(me, path, lang)
            if session == staff["facilitator"]:
                visit(me, "/organiseren", lang, status=403)  # a facilitator is no organiser
                expect(me.page.get_by_role("button", name="Uitloggen" if lang == "nl" else "Log out")).to_be_attached()
            if session is None:
                visit(me, "/e/bestaat-niet", lang, status=404)
        finally:
            me.close()
