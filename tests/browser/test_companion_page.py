"""The companion's own page in Chromium, desktop and 390×844 phone (issue 15): a buyer names a companion who has no
account; the companion opens the link from their mail, sees their own ticket and QR code, ranks the themes, gives
their experience and organisation, and downloads their PDF ticket (its QR code decoded, as a door scanner would).
The buyer then sees on My tickets that the companion opened the page and ranked, changes the companion, and the
old and the new companion each get the right mail (the old page then says the ticket was replaced)."""

from __future__ import annotations

import re
import tempfile
from contextlib import closing
from pathlib import Path

import pytest
from playwright.sync_api import Browser, expect

from tests.browser.seed import seed
from tests.support.browser import Browse, LiveServer
from tests.support.journeys import (
    PASSWORD,
    TICKET_CODE,
    api_client,
    publish_event,
    sign_in_on_page,
    sign_up_through_api,
)
from tests.support.pages import read_ticket_pdf

pytestmark = pytest.mark.browser


def test_the_companion_page_from_the_mail_and_a_companion_change(chromium_browser: Browser, site: LiveServer,
                                                                  phone: bool) -> None:
    me = Browse(chromium_browser, site, phone=phone, journey="companion-page")
    page = me.page
    title = f"Hackathon met je partner ({me.device})"
    slug = publish_event(site, title, price_cents=0, days_ahead=75)
    buyer_email = f"kim.{me.device}@example.nl"
    first, second = f"sam.{me.device}@example.nl", f"noor.{me.device}@example.nl"
    sign_up_through_api(site, "Kim Koper", buyer_email)
    with closing(api_client(site, buyer_email, PASSWORD)) as buyer:
        response = buyer.post(f"/api/v1/events/{slug}/orders", json={"companion": {
            "name": "Sam Jong", "email": first, "industry": "education", "organisation": "Hogeschool",
            "experience_level": None}})
        assert response.status_code == 201, response.text
        order_id = response.json()["id"]
    try:
        with tempfile.TemporaryDirectory(prefix="ng-companion-page-") as mail_dir:
            [mail] = seed("mail_subjects", to=first, mail_dir=mail_dir)["mails"]
            assert mail["subject"] == f"Kim Koper neemt je mee naar {title}"
            assert mail["link"]

            # The companion opens the link: their own ticket and QR code, no account needed.
            me.goto(mail["link"])
            expect(page.get_by_role("heading", level=1)).to_have_text(f"Je ticket voor {title}")
            code = page.locator("main code").inner_text()
            assert TICKET_CODE.fullmatch(code), code
            qr = page.get_by_role("img", name=f"QR-code van ticket {code}")
            expect(qr).to_be_visible()
            assert qr.evaluate("img => img.getBoundingClientRect().width") >= 200  # scannable from the screen
            me.check("ticket")

            # Rank the themes.
            ranking = page.locator("#ranking")
            ranking.get_by_label("Keuze 1").select_option(label="Imago")
            ranking.get_by_label("Keuze 2").select_option(label="Keurmerk")
            me.will_navigate()
            ranking.get_by_role("button", name="Voorkeur opslaan").click()
            expect(page.get_by_role("status")).to_contain_text("Je themavoorkeur is opgeslagen")
            expect(page.locator("#ranking").get_by_label("Keuze 1")).to_have_value("imago")

            # Experience and organisation: prefilled from what the buyer typed, their own word saved.
            details = page.locator("#details")
            expect(details.get_by_label("Je organisatie")).to_have_value("Hogeschool")
            expect(details.get_by_label("Je ervaring in klantcontact")).to_have_value("")  # "Weet ik niet"
            details.get_by_label("Je ervaring in klantcontact").select_option(label="Senior")
            details.get_by_label("Je organisatie").fill("Hogeschool Utrecht")
            me.will_navigate()
            details.get_by_role("button", name="Opslaan").click()
            expect(page.get_by_role("status")).to_contain_text("je ervaring en organisatie zijn opgeslagen")
            expect(page.locator("#details").get_by_label("Je ervaring in klantcontact")).to_have_value("3")
            me.check("ranked")

            # The PDF ticket: their code, as text and as a QR code a scanner reads.
            with page.expect_download() as download:
                page.get_by_role("link", name="Download mijn ticket (pdf)").click()
            text, codes = read_ticket_pdf(Path(download.value.path()).read_bytes())
            assert codes == [code]
            assert "Sam Jong" in text
            assert title in text

            # The buyer sees what the companion did (never their code) and names someone else.
            companion_page = mail["link"]
            me.goto("/inloggen?next=/mijn/tickets")
            me.will_navigate()
            sign_in_on_page(page, buyer_email, PASSWORD)
            expect(page).to_have_url(re.compile(r"/mijn/tickets"))
            card = page.locator(f"#order-{order_id}")
            expect(card).to_contain_text("Heeft de eigen ticketpagina geopend")
            expect(card).to_contain_text("Heeft de thema's gerangschikt")
            assert code not in page.content()
            me.check("buyer-sees-state")
            me.will_navigate()
            card.get_by_role("link", name="Partner wijzigen").click()
            page.get_by_label("Naam van je partner").fill("Noor Nieuw")
            page.get_by_label("E-mailadres van je partner").fill(second)
            page.get_by_label("Sector waarin je partner werkt").select_option(label="Zorg en welzijn")
            me.will_navigate()
            page.get_by_role("button", name="Partner opslaan").click()
            expect(page.get_by_role("status")).to_contain_text("Je partner is gewijzigd")

            # The right mail to each: the old companion's ticket stopped, the new one is invited, the buyer told.
            [old] = seed("mail_subjects", to=first, mail_dir=mail_dir)["mails"][1:]
            assert old["subject"] == f"Je ticket voor {title} werkt niet meer"
            [new] = seed("mail_subjects", to=second, mail_dir=mail_dir)["mails"]
            assert new["subject"] == f"Kim Koper neemt je mee naar {title}"
            assert new["link"]
            to_buyer = [m["subject"] for m in seed("mail_subjects", to=buyer_email, mail_dir=mail_dir)["mails"]]
            assert f"Je partner voor {title} is gewijzigd" in to_buyer
            me.goto(companion_page)
            expect(page.locator("main")).to_contain_text("Kim Koper heeft een andere partner gekozen")
            expect(page.get_by_role("img", name=re.compile("QR-code"))).to_have_count(0)
    finally:
        me.close()
