"""The waiting-list journey in Chromium, desktop and 390×844 phone, with the payment through localstripe.

An organiser publishes a paid hackathon with one duo place, and someone holds it (through the API). A member
finds the event sold out, with "Op de wachtlijst" instead of a buy button; joins with a companion (the rule checked
as they type); sees "Nummer 1 in de rij" under My tickets. The hold is cancelled, so the place is offered to them:
My tickets shows the offer and until when it is held; they pay it on the usual pay page with the fake Stripe.js
(card 4242…), and My tickets shows the paid duo once localstripe's webhook has come.
"""

from __future__ import annotations

import re
from contextlib import closing

import pytest
from playwright.sync_api import Browser, expect

from tests.support.browser import Browse, LiveServer
from tests.support.journeys import (
    PASSWORD,
    api_client,
    fill_companion,
    order_card,
    pay_with_card,
    publish_event,
    sign_in_on_page,
    sign_up_through_api,
)

pytestmark = pytest.mark.browser


def test_a_member_joins_the_waiting_list_gets_the_offer_and_pays(chromium_browser: Browser, site: LiveServer,
                                                                 phone: bool) -> None:
    me = Browse(chromium_browser, site, phone=phone, journey="waitlist")
    page = me.page
    title = f"Uitverkochte duodag ({me.device})"
    slug = publish_event(site, title, price_cents=4500, capacity=1)
    holder = (f"Houder {me.device}", f"houder.wachtlijst.{me.device}@example.nl")
    sign_up_through_api(site, *holder)
    with closing(api_client(site, holder[1], PASSWORD)) as client:
        held = client.post(f"/api/v1/events/{slug}/orders", json={"companion": {
            "name": "Sam Houder", "email": f"sam.houder.{me.device}@example.nl", "industry": "education"}})
        assert held.status_code == 201, held.text
    member = f"wachter.{me.device}@example.nl"
    sign_up_through_api(site, "Lotte Visser", member)
    try:
        me.goto(f"/e/{slug}")
        box = page.locator(".ticket-box")
        expect(box).to_contain_text("Uitverkocht")
        expect(box.get_by_role("link", name="Koop een duoticket")).to_have_count(0)
        me.check("event-sold-out")
        me.will_navigate()
        box.get_by_role("link", name="Op de wachtlijst").click()
        expect(page).to_have_url(re.compile(r"/inloggen\?next="))
        me.will_navigate()
        sign_in_on_page(page, member, PASSWORD)
        expect(page).to_have_url(re.compile(rf"/e/{slug}/wachtlijst$"))
        expect(page.get_by_role("heading", level=1)).to_have_text("Op de wachtlijst")
        expect(page.locator("main")).to_contain_text("Er wacht nog niemand.")

        fill_companion(page, name="Daan de Vries", email=f"daan.{me.device}@example.nl",
                       industry="Onderwijs en onderzoek", organisation="Hogeschool Rijn")
        expect(page.locator("#companion-check")).to_contain_text("Je partner kan mee")
        me.check("waitlist-join")
        me.will_navigate()
        page.get_by_role("button", name="Zet ons op de wachtlijst").click()
        expect(page).to_have_url(re.compile(r"/mijn/tickets\?melding=op-de-wachtlijst"))
        expect(page.get_by_role("status")).to_contain_text("Je staat op de wachtlijst")
        entry = page.locator("article.waitlist-entry", has_text=title)
        expect(entry).to_contain_text("Nummer 1 in de rij")
        expect(entry).to_contain_text("Daan de Vries")
        expect(entry.get_by_role("button", name="Van de wachtlijst af")).to_be_visible()
        me.check("waitlist-position")

        # The hold is cancelled: its place is offered to the first duo in line, at once.
        with closing(api_client(site, holder[1], PASSWORD)) as client:
            client.post(f"/api/v1/orders/{held.json()['id']}/cancel").raise_for_status()
        me.goto("/mijn/tickets")
        entry = page.locator("article.waitlist-entry", has_text=title)
        expect(entry).to_contain_text("Er is een plek vrij voor jou en Daan de Vries!")
        expect(entry).to_contain_text("We houden hem voor jullie vast tot")
        expect(order_card(page, title)).to_contain_text("Daan de Vries")  # the offer is a held duo
        me.check("waitlist-offer")

        me.will_navigate()
        entry.get_by_role("link", name="Betaal en neem de plek").click()
        expect(page).to_have_url(re.compile(r"/mijn/tickets/\d+/betalen$"))
        expect(page.locator(".facts")).to_contain_text("Lotte Visser & Daan de Vries")
        pay_with_card(page)
        me.will_navigate()
        page.get_by_role("button", name="Betaal €\u00a045,00").click()
        expect(page).to_have_url(re.compile(r"/mijn/tickets\?bestelling=\d+"))
        ticket = order_card(page, title)
        expect(ticket.locator(".badge", has_text="Betaald")).to_be_visible(timeout=15_000)
        expect(ticket).to_contain_text("Daan de Vries")
        me.check("waitlist-paid")
        me.goto("/mijn/tickets")
        expect(order_card(page, title).locator(".badge", has_text="Betaald")).to_be_visible()
        expect(page.locator("article.waitlist-entry", has_text=title)).to_have_count(0)  # the list is behind them
    finally:
        me.close()
