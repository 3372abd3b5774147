"""The member journey in Chromium, desktop and 390×844 phone: "my agenda" and the community's theme chart.

A member books a duo for a FREE hackathon (no payment step: straight to "my tickets" with their own code) and ranks
the themes; two more duos (through the API) rank too. Before the groups are published, /mijn/agenda says so;
the facilitator then generates, sets rooms and publishes (API). The member subscribes (Apple webcal, Google,
Outlook links for the community feed), downloads the .ics, makes a personal link (shown once; the feed answers
with their own breakout group), makes a new one (the old URL answers 404 at once), opts in to reminders, and
sees their group, theme, room and times per round. The event page shows the community's priorities as a chart.
"""

from __future__ import annotations

import re
from urllib.parse import unquote

import pytest
from playwright.sync_api import Browser, expect

from tests.support.browser import Browse, LiveServer
from tests.support.journeys import (
    PASSWORD,
    book_duo_through_api,
    fill_companion,
    publish_event,
    publish_groups,
    sign_up_through_api,
)

pytestmark = pytest.mark.browser


def test_member_books_free_duo_subscribes_and_sees_own_groups(chromium_browser: Browser, site: LiveServer,
                                                             phone: bool) -> None:
    me = Browse(chromium_browser, site, phone=phone, journey="member")
    page = me.page
    title = f"Gratis meetup wachtrijen ({me.device})"
    slug = publish_event(site, title, price_cents=0, days_ahead=75)
    email = f"sem.{me.device}@example.nl"
    sign_up_through_api(site, "Sem de Boer", email, level=3)
    for n, ranking in enumerate((["imago", "keurmerk"], ["imago"])):
        book_duo_through_api(site, slug, (f"Deelnemer {n}", f"deelnemer{n}.{me.device}@example.nl"),
                             (f"Student {n}", f"student{n}.{me.device}@example.nl"), ranking)
    try:
        me.goto("/inloggen?next=" + f"/e/{slug}")
        page.get_by_label("E-mailadres").fill(email)
        page.get_by_label("Wachtwoord").fill(PASSWORD)
        me.will_navigate()
        page.get_by_role("button", name="Inloggen").click()
        expect(page.get_by_role("heading", level=1)).to_have_text(title)
        expect(page.locator(".ticket-box")).to_contain_text("Gratis")

        # A free event: booking goes straight to "my tickets", paid, with the buyer's own code and QR code.
        me.will_navigate()
        page.get_by_role("link", name="Koop een duoticket").click()
        fill_companion(page, name="Lotte Smit", email=f"lotte.{me.device}@example.nl",
                       industry="Onderwijs en onderzoek", organisation="Hogeschool Utrecht")
        expect(page.locator("#companion-check")).to_contain_text("Je partner kan mee")
        me.will_navigate()
        page.get_by_role("button", name="Boek het duoticket").click()
        expect(page).to_have_url(re.compile(r"/mijn/tickets\?bestelling=\d+&melding=besteld$"))
        expect(page.get_by_role("status").first).to_contain_text("Je duoticket is geboekt")
        ticket = page.locator("article.order", has_text=title)
        expect(ticket.locator(".badge", has_text="Betaald")).to_be_visible()
        expect(ticket.locator("code")).to_have_count(1)
        expect(ticket.locator(".ticket-qr img")).to_be_visible()
        ticket.get_by_label("Keuze 1").select_option(label="Keurmerk")
        me.will_navigate()
        ticket.get_by_role("button", name="Voorkeur opslaan").click()
        expect(page.get_by_role("status")).to_contain_text("Je themavoorkeur is opgeslagen")

        # Before publication: the calendar page says the groups follow.
        me.will_navigate()
        page.get_by_role("link", name="Mijn agenda").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Mijn agenda")
        groups = page.locator("section.card", has_text=title)
        expect(groups).to_contain_text("nog niet bekendgemaakt")

        # Community feed: subscribe links and a download.
        community = page.locator("section", has=page.get_by_role("heading", name="Alle evenementen van de community"))
        expect(community.get_by_role("link", name="Apple Agenda")).to_have_attribute(
            "href", re.compile(r"^webcal://127\.0\.0\.1/calendar\.ics$"))
        google = community.get_by_role("link", name="Google Agenda").get_attribute("href") or ""
        assert google.startswith("https://calendar.google.com/calendar/r?cid=")
        assert unquote(google.split("cid=", 1)[1]) == "webcal://127.0.0.1/calendar.ics"
        expect(community.get_by_role("link", name="Outlook (persoonlijk)")).to_have_attribute(
            "href", re.compile(r"/calendar\.ics$"))
        with page.expect_download() as download:
            community.get_by_role("link", name="Download als .ics-bestand").click()
        body = open(download.value.path(), encoding="utf-8").read()
        assert body.startswith("BEGIN:VCALENDAR")
        assert title in body.replace("\r\n ", "")

        publish_groups(site, slug)

        # A personal link, shown once; its feed carries the member's own groups.
        me.goto("/mijn/agenda")
        me.will_navigate()
        page.get_by_role("button", name="Maak mijn persoonlijke link").click()
        expect(page.get_by_role("status").first).to_contain_text("We laten hem maar één keer zien")
        first_url = page.get_by_label("Je persoonlijke agendalink").input_value()
        token = re.fullmatch(r"http://127\.0\.0\.1/feeds/([A-Za-z0-9_-]{32})\.ics", first_url)
        assert token, first_url
        personal = page.locator("section", has=page.get_by_role("heading", name="Mijn persoonlijke agenda"))
        expect(personal.get_by_role("link", name="Apple Agenda")).to_have_attribute(
            "href", f"webcal://127.0.0.1/feeds/{token.group(1)}.ics")
        feed = page.request.get(site.url(f"/feeds/{token.group(1)}.ics"))
        assert feed.status == 200
        assert "Breakout" in feed.text()
        assert "Zaal" in feed.text()

        # A new link: the old one stops working at once.
        me.will_navigate()
        page.get_by_role("button", name="Maak een nieuwe persoonlijke link").click()
        expect(page.get_by_role("status").first).to_contain_text("Je vorige link werkt vanaf nu niet meer")
        second_url = page.get_by_label("Je persoonlijke agendalink").input_value()
        assert second_url != first_url
        assert page.request.get(site.url(f"/feeds/{token.group(1)}.ics")).status == 404

        # Reminders, then the own group per round with theme, room and times.
        page.get_by_label("Herinneringen in mijn persoonlijke agenda").select_option(label="30 minuten van tevoren")
        me.will_navigate()
        page.get_by_role("button", name="Herinneringen opslaan").click()
        expect(page.get_by_role("status")).to_contain_text("Herinneringen staan aan")
        expect(page.get_by_label("Herinneringen in mijn persoonlijke agenda")).to_have_value("30")
        expect(page.get_by_label("Je persoonlijke agendalink")).to_have_count(0)  # never shown again
        groups = page.locator("section.card", has_text=title)
        rows = groups.locator(".breakouts__round")
        expect(rows).to_have_count(2)
        expect(rows.first).to_contain_text("13:30–15:00")
        expect(rows.first).to_contain_text("Zaal")
        expect(rows.nth(1)).to_contain_text("15:15–16:45")
        me.check("my-agenda")

        # The community's priorities on the event page: imago leads (2 × first, 1 × second).
        me.goto(f"/e/{slug}")
        chart = page.locator(".community-ranking")
        expect(chart.locator(".bar-chart__row").first).to_contain_text("Imago")
        expect(chart).to_contain_text("3 tickethouders hebben de thema's gerangschikt")
        me.check("event-chart")
    finally:
        me.close()
