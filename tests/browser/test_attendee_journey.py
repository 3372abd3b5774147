"""The attendee journey in Chromium, desktop and 390×844 phone, with payments through localstripe.

An organiser publishes a paid hackathon (through the API). A visitor finds it on the agenda, opens it, creates
an account, fills in a companion whom the live check (htmx) refuses in plain Dutch (30 on the day and working in
customer contact), is refused again on submit with the reason next to the field, picks an eligible companion,
pays on the pay page with the fake Stripe.js that localstripe serves (card 4242…), and lands on "my tickets",
which waits for localstripe's webhook before showing both names, the buyer's own code and QR code. They rank the themes
(seen back as a chart on the event page), change the companion (the rule checked again) and cancel with a refund.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Browser, expect

from tests.support.browser import Browse, LiveServer
from tests.support.journeys import (
    TICKET_CODE,
    born_years_before,
    event_day,
    fill_companion,
    order_card,
    pay_with_card,
    publish_event,
    sign_up_and_confirm_on_page,
)

pytestmark = pytest.mark.browser


# --------------------------------------------------------------------------- the journey


def test_attendee_orders_pays_ranks_changes_and_cancels(chromium_browser: Browser, site: LiveServer,
                                                       phone: bool) -> None:
    me = Browse(chromium_browser, site, phone=phone, journey="attendee")
    page = me.page
    title = f"Duodag klantbeleving ({me.device})"
    slug = publish_event(site, title, price_cents=4500)
    day = event_day()
    email = f"noor.{me.device}@example.nl"
    try:
        me.goto("/")
        card = page.locator(".event-card", has_text=title)
        expect(card).to_contain_text("€\u00a045,00")
        me.will_navigate()
        card.get_by_role("link", name=title).click()
        expect(page.get_by_role("heading", level=1)).to_have_text(title)
        expect(page.get_by_role("heading", name="Imago")).to_be_visible()
        expect(page.locator(".ticket-box")).to_contain_text("Nog 12 duoplekken vrij")
        expect(page.locator(".ticket-box")).to_contain_text("Kaartverkoop open tot")  # until when (issue 20)
        expect(page.locator(".community-ranking")).to_contain_text("Nog niemand heeft de thema's gerangschikt")

        me.will_navigate()
        page.get_by_role("link", name="Koop een duoticket").click()
        me.will_navigate()
        page.get_by_role("link", name="Maak een account aan").click()
        sign_up_and_confirm_on_page(me, "Noor Bakker", email)
        expect(page).to_have_url(re.compile(rf"/e/{slug}/bestellen$"))
        expect(page.get_by_role("heading", level=1)).to_have_text("Koop een duoticket")

        # The live check refuses a companion of 30 in customer contact, in plain Dutch.
        fill_companion(page, name="Jan Jansen", email=f"jan.{me.device}@example.nl", industry="Klantcontact",
                       birth_date=born_years_before(day, 30), organisation="Energie Direct")
        check = page.locator("#companion-check")
        expect(check).to_have_attribute("aria-live", "polite")
        expect(check).to_contain_text("Je partner is op de dag van het evenement 30 jaar en werkt in klantcontact")
        expect(check).to_contain_text("jonger is dan 30")
        me.check("order-refused")

        # Submitting anyway: the service refuses, the reason sits next to the birth date.
        me.will_navigate()
        page.get_by_role("button", name="Verder naar betalen").click()
        birth = page.get_by_label("Geboortedatum van je partner")
        expect(birth).to_have_attribute("aria-invalid", "true")
        expect(page.locator(".field--invalid")).to_contain_text("30 jaar en werkt in klantcontact")
        expect(page.get_by_role("alert").first).to_contain_text("1 probleem")

        # Someone of 24 may come along: the check says so as the date is typed.
        page.wait_for_load_state()  # htmx has wired the live check
        birth.fill(born_years_before(day, 24))
        expect(check).to_contain_text("Je partner kan mee")
        expect(check).to_contain_text("24 jaar")
        me.check("order-ok")

        me.will_navigate()
        page.get_by_role("button", name="Verder naar betalen").click()
        expect(page).to_have_url(re.compile(r"/mijn/tickets/\d+/betalen$"))
        expect(page.get_by_role("heading", level=1)).to_have_text("Betaal je duoticket")
        expect(page.locator(".facts")).to_contain_text("Noor Bakker & Jan Jansen")
        # The local test checkout reads like the real one: labelled fields, no raw field names, and the card typed
        # as people type it (spaces in the number, a four-digit year).
        card = page.locator("#payment-element")
        expect(card.get_by_text("Kaartnummer", exact=True)).to_be_visible()
        expect(card).not_to_contain_text("localstripe", use_inner_text=True)
        expect(card.locator("input[placeholder]")).to_have_count(0)
        pay_with_card(page, number="4242 4242 4242 4242", year="2030")
        me.check("pay")

        me.will_navigate()
        page.get_by_role("button", name="Betaal €\u00a045,00").click()
        expect(page).to_have_url(re.compile(r"/mijn/tickets\?bestelling=\d+"))
        ticket = order_card(page, title)
        # localstripe sends payment_intent.succeeded about a second after the charge; the page polls.
        expect(ticket.locator(".badge", has_text="Betaald")).to_be_visible(timeout=15_000)
        expect(ticket).to_contain_text("Noor Bakker")
        expect(ticket).to_contain_text("Jan Jansen")
        # The buyer's own code and QR code; the companion's code is the companion's alone (issue 15).
        expect(ticket.locator("code")).to_have_count(1)
        code = ticket.locator("code").inner_text()
        assert TICKET_CODE.fullmatch(code), code
        expect(ticket.get_by_role("img", name=f"QR-code van ticket {code}")).to_be_visible()
        expect(ticket).to_contain_text("Heeft een eigen ticket en code")
        me.check("my-tickets")

        # Rank the themes with plain select lists (keyboard-friendly), then see it on the event page.
        ticket.get_by_label("Keuze 1").select_option(label="Imago")
        ticket.get_by_label("Keuze 2").select_option(label="Keurmerk")
        me.will_navigate()
        ticket.get_by_role("button", name="Voorkeur opslaan").click()
        expect(page.get_by_role("status")).to_contain_text("Je themavoorkeur is opgeslagen")
        expect(order_card(page, title).get_by_label("Keuze 1")).to_have_value("imago")

        me.goto(f"/e/{slug}")
        # Someone with a ticket is shown it, not offered another (issue 20).
        box = page.locator(".ticket-box")
        expect(box).to_contain_text("Je hebt een duoticket voor dit evenement")
        expect(box.get_by_role("link", name="Bekijk je ticket")).to_have_attribute("href", "/mijn/tickets")
        expect(box.get_by_role("link", name="Koop een duoticket")).to_have_count(0)
        chart = page.locator(".community-ranking")
        expect(chart.locator(".bar-chart__row").first).to_contain_text("Imago")
        expect(chart.locator(".bar-chart__row").first).to_contain_text("2 punten")
        expect(chart).to_contain_text("1 tickethouder heeft de thema's gerangschikt")
        me.check("event-ranking")

        # Change the companion: someone from healthcare needs no birth date.
        me.goto("/mijn/tickets")
        me.will_navigate()
        order_card(page, title).get_by_role("link", name="Partner wijzigen").click()
        expect(page.get_by_label("Naam van je partner")).to_have_value("Jan Jansen")
        fill_companion(page, name="Fatima el Amrani", email=f"fatima.{me.device}@example.nl",
                       industry="Zorg en welzijn", birth_date="", organisation="Zorggroep Noord")
        expect(page.locator("#companion-check")).to_contain_text("werkt in een andere sector (zorg en welzijn)")
        me.check("change-companion")
        me.will_navigate()
        page.get_by_role("button", name="Partner opslaan").click()
        expect(page.get_by_role("status")).to_contain_text("Je partner is gewijzigd")
        ticket = order_card(page, title)
        expect(ticket).to_contain_text("Fatima el Amrani")
        expect(ticket).not_to_contain_text("Jan Jansen")
        expect(ticket.locator("code")).to_have_count(1)

        # Cancel with a refund.
        me.will_navigate()
        ticket.get_by_role("link", name="Duo annuleren…").click()
        expect(page.locator("form.danger-zone")).to_contain_text("We betalen €\u00a045,00 volledig terug")
        me.check("cancel")
        me.will_navigate()
        page.get_by_role("button", name="Ja, annuleer het duo").click()
        expect(page.get_by_role("status")).to_contain_text("Je krijgt het hele bedrag terug")
        expect(page.get_by_role("heading", name="Eerdere bestellingen")).to_be_visible()
        expect(order_card(page, title).locator(".badge")).to_have_text(re.compile("Terugbetaal"))
        me.check("cancelled")
    finally:
        me.close()
