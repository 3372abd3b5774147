"""The organiser's sales journey in Chromium, desktop and phone.

Setup through the services (tests/browser/seed.py): a € 25 hackathon with two paid duos (one companion admitted
by an exception) and one held duo, and a free hackathon with two duos. Then the organiser sees the figures and
the chart, the attendee list (both people of each duo, organisation, industry, why the companion may come, written
about the companion; never a birth date), downloads the CSV, opens the exceptions on their own page, adds one (an
error first, next to its field; the message where the form is) and revokes it (kept, with who), cancels a paid duo
(the refund is requested; Stripe's confirmation arrives as a signed webhook) and finds it under the cancelled duos,
cancels a free duo, and finally cancels the whole event and sees what happened to the money."""

from __future__ import annotations

import csv
import io
import re

import httpx
import pytest
from playwright.sync_api import Browser, expect

from core.auth import SESSION_COOKIE
from settings import DEV_WEBHOOK_SECRET
from tests.browser.seed import seed
from tests.support.browser import Browse, LiveServer
from tests.support.stripe import event_payload, sign_payload

pytestmark = pytest.mark.browser


def stripe_confirms_refund(site: LiveServer, order_id: int) -> None:
    """What Stripe sends once a refund went through (localstripe never sends it; we sign it as Stripe does)."""
    body = event_payload("charge.refunded", {"id": f"ch_seeded_{order_id}", "object": "charge",
                                             "payment_intent": f"pi_seeded_{order_id}", "refunded": True})
    response = httpx.post(site.url("/api/v1/stripe/webhook"), content=body,
                          headers={"Stripe-Signature": sign_payload(body, DEV_WEBHOOK_SECRET),
                                   "Content-Type": "application/json"})
    assert response.status_code == 200, response.text


def test_organiser_sees_sales_and_attendees_exports_and_cancels(chromium_browser: Browser, site: LiveServer,
                                                                phone: bool) -> None:
    me = Browse(chromium_browser, site, phone=phone, journey="organiser-sales")
    page = me.page
    title = f"Verkoop {me.device}"
    shop = seed("sales", title=title)
    slug = shop["slug"]
    try:
        me.goto(f"/organiseren/{slug}")
        expect(page).to_have_url(re.compile(r"/inloggen\?next="))  # signing in comes first
        me.context.add_cookies([{"name": SESSION_COOKIE, "value": shop["session"], "url": site.base_url}])
        me.goto(f"/organiseren/{slug}")
        expect(page.get_by_role("heading", level=1)).to_have_text(title)
        sales = page.locator("section", has=page.get_by_role("heading", name="Kaartverkoop"))
        expect(sales.locator(".stat", has_text="Betaald").locator("dd")).to_have_text("2")
        expect(sales.locator(".stat", has_text="Gereserveerd").locator("dd")).to_have_text("1")
        expect(sales.locator(".stat", has_text="Vrij").locator("dd")).to_have_text("9")
        expect(sales).to_contain_text("€\u00a050,00")
        chart = sales.locator(".bar-chart")
        expect(chart.locator("figcaption")).to_have_text("Betaalde duo's per dag")
        expect(chart.locator(".bar-chart__value").last).to_have_text("2")
        me.check("sales")

        me.will_navigate()
        page.get_by_role("link", name="Deelnemers", exact=True).click()
        duos = page.locator(".att-duo")
        expect(duos).to_have_count(3)
        for name in shop["buyers"] + shop["companions"]:
            expect(page.locator(".att-list")).to_contain_text(name)
        petra = duos.filter(has_text="Petra Overstapper")
        expect(petra).to_contain_text(f"uitzondering door {shop['name']}")
        expect(petra).to_contain_text("Stapt over uit de zorg")
        expect(duos.filter(has_text=shop["companions"][0])).to_contain_text("Retail en groothandel")
        held = duos.filter(has_text=shop["buyers"][1])
        expect(held.locator(".badge")).to_have_text("Gereserveerd, wacht op betaling")
        assert "1980" not in page.content()  # never a birth date on the page

        with page.expect_download() as download_info:
            page.get_by_role("link", name="Download de deelnemerslijst (CSV)").click()
        download = download_info.value
        assert download.suggested_filename == f"deelnemers-{slug}.csv"
        rows = list(csv.DictReader(io.StringIO(download.path().read_text(encoding="utf-8-sig")), delimiter=";"))
        assert {r["Naam"] for r in rows} == set(shop["buyers"] + shop["companions"])
        assert {r["Toegelaten op grond van"] for r in rows if r["Rol"] == "Partner"} == {"Andere sector",
                                                                                       "Uitzondering"}

        # Why each companion may come, written about the companion (not "Je partner …", addressed to the buyer).
        companion = duos.filter(has_text=shop["companions"][0])
        expect(companion.locator(".att-duo__reason")).to_contain_text(f"{shop['companions'][0]} werkt in een andere")
        expect(page.locator(".att-list")).not_to_contain_text("Je partner")
        me.check("attendees")

        # The exceptions have a page of their own, reached from the list; the message shows there.
        me.will_navigate()
        page.get_by_role("link", name=re.compile("Uitzonderingen op de partnerregel")).click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Uitzonderingen op de partnerregel")
        in_force = page.locator("section", has=page.get_by_role("heading", name=re.compile("Van kracht")))
        expect(in_force).to_contain_text("Stapt over uit de zorg")
        # An exception without a reason: the message stands next to the field.
        page.get_by_label("E-mailadres van de partner").fill("zij-instromer@example.nl")
        me.will_navigate()
        page.get_by_role("button", name="Uitzondering toevoegen").click()
        expect(page.locator("#f-reason-error")).to_contain_text("Zeg waarom")
        expect(page.get_by_label("E-mailadres van de partner")).to_have_value("zij-instromer@example.nl")
        page.get_by_label("Reden", exact=True).fill("Komt uit het onderwijs, begint in maart bij ons.")
        me.will_navigate()
        page.get_by_role("button", name="Uitzondering toevoegen").click()
        expect(page).to_have_url(re.compile(rf"/organiseren/{slug}/uitzonderingen\?melding=uitzondering"))
        status = page.get_by_role("status").first
        expect(status).to_contain_text("De uitzondering is toegevoegd")
        expect(status).to_be_in_viewport()  # where the form is, not 18,000 px away
        expect(in_force).to_contain_text("zij-instromer@example.nl")
        me.check("exceptions")
        # Revoked: the rule alone decides again, and the page keeps who revoked it and when.
        me.will_navigate()
        in_force.locator("li", has_text="zij-instromer@example.nl").get_by_role("button", name="Intrekken").click()
        expect(page.get_by_role("status").first).to_contain_text("De uitzondering is ingetrokken")
        revoked = page.locator("section", has=page.get_by_role("heading", name=re.compile("Ingetrokken")))
        expect(revoked).to_contain_text("zij-instromer@example.nl")
        expect(revoked).to_contain_text(f"ingetrokken door {shop['name']}")
        expect(in_force).not_to_contain_text("zij-instromer@example.nl")
        me.check("exception-revoked")
        me.goto(f"/organiseren/{slug}/deelnemers")

        # Cancel one paid duo: confirmation first, then the refund is requested.
        paid = duos.filter(has_text=shop["buyers"][0])
        me.will_navigate()
        paid.get_by_role("link", name=re.compile("Deze duo annuleren")).click()
        expect(page.get_by_role("heading", level=1)).to_contain_text(shop["buyers"][0])
        expect(page.locator("main form")).to_contain_text("€\u00a025,00")
        me.check("cancel-duo")
        me.will_navigate()
        page.get_by_role("button", name="Ja, annuleer deze duo").click()
        expect(page.get_by_role("status").first).to_contain_text("De duo is geannuleerd")
        expect(page.locator(".att-duo")).to_have_count(2)
        stripe_confirms_refund(site, shop["paid"][0])
        # The cancelled duo has not vanished: a filter shows it.
        me.will_navigate()
        page.get_by_role("link", name=re.compile("Geannuleerde duo's")).click()
        expect(page.locator(".att-duo")).to_have_count(1)
        expect(page.locator(".att-duo")).to_contain_text(shop["buyers"][0])
        expect(page.locator(".att-duo .badge")).to_contain_text("Geannuleerd")
        me.check("attendees-cancelled")

        # The whole event: every duo cancelled, the paid one refunded.
        me.goto(f"/organiseren/{slug}/annuleren")
        page.get_by_label("Reden (zien deelnemers)").fill("De zaal is niet beschikbaar.")
        me.will_navigate()
        page.get_by_role("button", name="Ja, annuleer het evenement").click()
        expect(page.get_by_role("status").first).to_contain_text("Het evenement is geannuleerd")
        money = page.locator(".refund-list")
        expect(money).to_contain_text("3 duo's geannuleerd")
        expect(money).to_contain_text("1 terugbetaling voltooid (€\u00a025,00)")
        expect(money).to_contain_text("1 terugbetaling")  # the last paid duo: requested, awaiting Stripe
        expect(page.locator(".stat", has_text="Vrij").locator("dd")).to_have_text("12")
        me.check("event-cancelled")

        # A free event: cancelling a duo refunds nothing.
        me.goto(f"/organiseren/{shop['free_slug']}/deelnemers")
        expect(page.locator(".att-duo")).to_have_count(2)
        expect(page.locator(".att-duo").first).to_contain_text("Gratis")
        me.will_navigate()
        page.locator(".att-duo").first.get_by_role("link", name=re.compile("Deze duo annuleren")).click()
        expect(page.locator("main form")).to_contain_text("Er is niets betaald")
        me.will_navigate()
        page.get_by_role("button", name="Ja, annuleer deze duo").click()
        expect(page.get_by_role("status").first).to_contain_text("Er was niets betaald")
        expect(page.locator(".att-duo")).to_have_count(1)
    finally:
        me.close()
