"""A companion in Chromium, desktop and 390×844 phone: someone bought a duo for a free meetup and named them
as companion (their e-mail typed in another case). Later they make an account with that address and are asked to
confirm it first (nobody is signed in before that, so whoever signs up first with an address never reads the door
code; signing in early is refused like a wrong password); after following the mailed link and signing in they find
the ticket under
"Als partner uitgenodigd": their own code and its QR code, who invited them (by name: never the buyer's e-mail or
code), the theme ranking, and a link to their calendar.
"""

from __future__ import annotations

import re
import tempfile
from contextlib import closing

import pytest
from playwright.sync_api import Browser, expect

from tests.browser.seed import seed
from tests.support.browser import Browse, LiveServer
from tests.support.journeys import (
    PASSWORD,
    TICKET_CODE,
    api_client,
    publish_event,
    sign_up_on_page,
    sign_up_through_api,
)

pytestmark = pytest.mark.browser


def test_companion_signs_up_and_finds_their_ticket(chromium_browser: Browser, site: LiveServer,
                                                   phone: bool) -> None:
    me = Browse(chromium_browser, site, phone=phone, journey="companion")
    page = me.page
    title = f"Meetup klantcontact met je partner ({me.device})"
    slug = publish_event(site, title, price_cents=0, days_ahead=90)
    buyer_email, email = f"bram.{me.device}@example.nl", f"lotte.vos.{me.device}@example.nl"
    sign_up_through_api(site, "Bram de Koper", buyer_email)
    with closing(api_client(site, buyer_email, PASSWORD)) as buyer:
        response = buyer.post(f"/api/v1/events/{slug}/orders", json={"companion": {
            "name": "Lotte Vos", "email": email.upper(), "industry": "education", "organisation": "Hogeschool"}})
        assert response.status_code == 201, response.text
        buyer_code = response.json()["buyer"]["ticket_code"]
    try:
        me.goto("/aanmelden?next=/mijn/tickets")
        me.will_navigate()
        sign_up_on_page(page, "Lotte Vos", email)
        # Signed up, not confirmed: nobody is signed in, and the page says to open the mailed link.
        expect(page.get_by_role("heading", level=1)).to_have_text("Bekijk je e-mail")
        assert title not in page.content()
        assert "Bram de Koper" not in page.content()
        me.check("signup-sent")
        login_href = page.locator("main").get_by_role("link", name="Inloggen").get_attribute("href")
        assert login_href == "/inloggen?next=%2Fmijn%2Ftickets", login_href
        # Signing in first is refused as a wrong password is, and says what to do.
        me.goto(login_href)
        page.get_by_label("E-mailadres").fill(email)
        page.get_by_label("Wachtwoord").fill(PASSWORD)
        me.will_navigate()
        page.locator("main").get_by_role("button", name="Inloggen").click()
        expect(page.get_by_role("alert")).to_contain_text("of je e-mailadres is nog niet bevestigd")
        me.check("unconfirmed-login")
        with tempfile.TemporaryDirectory(prefix="ng-companion-mail-") as mail_dir:
            link = seed("verification_link", to=email, mail_dir=mail_dir)["path"]
        me.goto(link)
        expect(page.get_by_role("status")).to_contain_text("Je e-mailadres is bevestigd")
        me.check("verified")
        me.goto(login_href)
        page.get_by_label("E-mailadres").fill(email)
        page.get_by_label("Wachtwoord").fill(PASSWORD)
        me.will_navigate()
        page.locator("main").get_by_role("button", name="Inloggen").click()
        expect(page).to_have_url(re.compile(r"/mijn/tickets$"))
        me.goto("/mijn/tickets")
        expect(page.get_by_role("heading", name="Bevestig je e-mailadres om je partnerticket te zien")).to_have_count(0)
        section = page.locator("section", has=page.get_by_role("heading", name="Als partner uitgenodigd"))
        card = section.locator("article", has_text=title)
        expect(card).to_contain_text("Bram de Koper neemt je mee als partner")
        expect(card.locator(".badge")).to_have_text("Geldig")
        code = card.locator("code").inner_text()
        assert TICKET_CODE.fullmatch(code), code
        qr = card.get_by_role("img", name=f"QR-code van ticket {code}")
        expect(qr).to_be_visible()
        assert qr.evaluate("img => img.complete && img.naturalWidth") > 0
        assert (qr.get_attribute("src") or "").startswith("data:image/png;base64,")
        body = page.content()
        assert buyer_email not in body
        assert buyer_code not in body
        expect(card.get_by_role("link", name="Zet het in mijn agenda")).to_have_attribute("href", "/mijn/agenda")
        me.check("invited")

        # The companion ranks the themes with their own account (a theme twice is refused next to the list).
        card.get_by_label("Keuze 1").select_option(label="Imago")
        card.get_by_label("Keuze 2").select_option(label="Imago")
        me.will_navigate()
        card.get_by_role("button", name="Voorkeur opslaan").click()
        card = page.locator("article", has_text=title)
        expect(card.locator(".field__error")).to_have_text("Kies elk thema hooguit één keer.")
        expect(card.get_by_label("Keuze 2")).to_have_value("imago")
        card.get_by_label("Keuze 1").select_option(label="Keurmerk")
        card.get_by_label("Keuze 2").select_option(label="Imago")
        me.will_navigate()
        card.get_by_role("button", name="Voorkeur opslaan").click()
        expect(page.get_by_role("status")).to_contain_text("Je themavoorkeur is opgeslagen")
        card = page.locator("article", has_text=title)
        expect(card.get_by_label("Keuze 1")).to_have_value("keurmerk")
        expect(card.get_by_label("Keuze 2")).to_have_value("imago")
        me.check("invited-ranked")
    finally:
        me.close()
