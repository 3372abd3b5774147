"""Mijn tickets in Chromium (issue 20): "Bevestig je e-mailadres om je partnerticket te zien" stands only where it
can matter — above nothing but an unconfirmed account's page when someone named that address as their companion —
and never above a buyer's own paid ticket. Both accounts have a session from before sign-in required a confirmed
address (the only way an unconfirmed account is signed in)."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, expect

from core.auth import SESSION_COOKIE
from tests.browser.seed import seed
from tests.support.browser import Browse, LiveServer

pytestmark = pytest.mark.browser

NOTICE = "Bevestig je e-mailadres om je partnerticket te zien"


def test_the_companion_notice_shows_only_where_a_companion_ticket_waits(chromium_browser: Browser, site: LiveServer,
                                                                        phone: bool) -> None:
    title = f"Melding mijn tickets {'telefoon' if phone else 'desktop'}"
    seeded = seed("board", title=title, duos=1)
    buyer = Browse(chromium_browser, site, phone=phone, journey="tickets-notice-buyer")
    companion = Browse(chromium_browser, site, phone=phone, journey="tickets-notice-companion")
    try:
        session = seed("unverified_session", email=seeded["buyer"], name="Bord Koper")["session"]
        buyer.context.add_cookies([{"name": SESSION_COOKIE, "value": session, "url": site.base_url}])
        page = buyer.goto("/mijn/tickets")
        expect(page.get_by_role("heading", level=1)).to_have_text("Mijn tickets")
        expect(page.locator("main")).to_contain_text(title)  # the buyer's own paid duo
        expect(page.get_by_role("heading", name=NOTICE)).to_have_count(0)
        buyer.check("own-ticket")

        session = seed("unverified_session", email=seeded["companion"], name="Maatje Nul")["session"]
        companion.context.add_cookies([{"name": SESSION_COOKIE, "value": session, "url": site.base_url}])
        page = companion.goto("/mijn/tickets")
        expect(page.get_by_role("heading", name=NOTICE)).to_be_visible()
        expect(page.locator("main")).not_to_contain_text(title)  # the ticket itself waits for the confirmation
        companion.check("companion-waits")
    finally:
        buyer.close()
        companion.close()
