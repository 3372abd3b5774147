"""The facilitator on the day, in Chromium: the groups are published and the door has checked people in; "Groepen
bijwerken voor wie er is" shows who moves and why before anything is published, someone the door missed is marked
present and keeps their group, and publishing tells the facilitator that everyone who moved gets a mail."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, expect

from core.auth import SESSION_COOKIE
from tests.browser.seed import seed
from tests.support.browser import Browse, LiveServer

pytestmark = pytest.mark.browser


def test_the_facilitator_updates_the_groups_for_who_came(chromium_browser: Browser, site: LiveServer,
                                                         phone: bool) -> None:
    me = Browse(chromium_browser, site, phone=phone, journey="regroup")
    page = me.page
    seeded = seed("regroup", title=f"Bijwerken {me.device}", duos=20, absent_duos=4)
    slug = seeded["slug"]
    try:
        me.context.add_cookies([{"name": SESSION_COOKIE, "value": seeded["session"], "url": site.base_url}])
        me.goto(f"/begeleiden/{slug}")
        card = page.locator("section", has=page.get_by_role("heading", name="Groepen bijwerken voor wie er is"))
        expect(card).to_contain_text("voordat er iets wordt gepubliceerd")
        me.will_navigate()
        card.get_by_role("button", name="Bekijk wie er verschuift").click()
        expect(page.get_by_role("heading", level=1)).to_contain_text("Groepen bijwerken voor wie er is")
        stats = page.locator(".stats")
        expect(stats.locator(".stat", has_text="Ingecheckt")).to_contain_text("32")
        expect(stats.locator(".stat", has_text="Niet gekomen")).to_contain_text("8")
        expect(page.get_by_role("heading", name="Wie verschuift er, en waarom")).to_be_visible()
        no_shows = page.locator(".regroup-people li")
        expect(no_shows).to_have_count(8)
        me.check("preview")

        # The door missed someone: marked present by hand, they are no longer a no-show.
        missed = seeded["absent"][0]
        me.will_navigate()
        page.get_by_role("button", name=f"{missed} toch aanwezig melden").click()
        expect(stats.locator(".stat", has_text="Ingecheckt")).to_contain_text("33")
        expect(no_shows).to_have_count(7)
        expect(page.locator(".regroup-people")).not_to_contain_text(missed)

        me.will_navigate()
        page.get_by_role("button", name="Publiceren, en iedereen die verschuift mailen").click()
        expect(page.get_by_role("status").first).to_contain_text("De groepen volgen nu wie er is")
        expect(page.locator(".plan-bar .badge", has_text="Gepubliceerd")).to_be_visible()
        me.check("published")
    finally:
        me.close()
