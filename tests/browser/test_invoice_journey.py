"""The invoice journey in Chromium, desktop and phone, with payments through localstripe.

The organiser enters their invoice details on the back-office page (a BTW number with a wrong check digit first,
shown next to its field). A buyer orders a duo "op factuur van mijn werkgever" (company, address, BTW number,
reference), pays with the fake Stripe.js, downloads the invoice PDF from Mijn tickets, cancels the duo (refunded
at once by localstripe) and downloads the credit note that credits it. The organiser then downloads the event's
invoices as a ZIP and as a CSV. Every PDF is read back with pypdf.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile

import pytest
from playwright.sync_api import Browser, Page, expect

from devtools.demo import DEMO_ORGANISER
from tests.support.browser import Browse, LiveServer
from tests.support.invoicing import BUYER_VAT, SELLER_BTW, pdf_text
from tests.support.journeys import (
    PASSWORD,
    order_card,
    pay_with_card,
    publish_event,
    sign_in_on_page,
    sign_up_through_api,
)

pytestmark = pytest.mark.browser
NUMBER = re.compile(r"(C?)(\d{4})-(\d{5})")


def download(page: Page, link: object) -> tuple[str, bytes]:
    with page.expect_download() as info:
        link.click()  # type: ignore[attr-defined]
    got = info.value
    return got.suggested_filename, got.path().read_bytes()


def test_buyer_pays_on_invoice_downloads_it_cancels_and_gets_the_credit_note(
    chromium_browser: Browser, site: LiveServer, phone: bool,
) -> None:
    organiser = Browse(chromium_browser, site, phone=phone, journey="invoice-organiser")
    page = organiser.page
    title = f"Factuurdag ({organiser.device})"
    try:
        organiser.goto("/inloggen")
        organiser.will_navigate()
        sign_in_on_page(page, *DEMO_ORGANISER)
        organiser.goto("/organiseren")
        organiser.will_navigate()
        page.get_by_role("link", name="Factuurgegevens").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Factuurgegevens")
        page.get_by_label("Statutaire naam").fill("Stichting Nieuw Geluid")
        page.get_by_label("Adres").fill("Kanaalweg 14")
        page.get_by_label("Postcode").fill("3526kl")
        page.get_by_label("Plaats").fill("Utrecht")
        page.get_by_label("KvK-nummer").fill("12345678")
        page.get_by_label("Btw-nummer").fill("NL123456789B01")
        page.get_by_label("Btw-tarief van je tickets").select_option(value="21")
        organiser.will_navigate()
        page.get_by_role("button", name="Opslaan").click()
        btw = page.get_by_label("Btw-nummer")
        expect(btw).to_have_attribute("aria-invalid", "true")
        expect(page.locator(".field--invalid")).to_contain_text("Dit is geen geldig btw-nummer")
        organiser.check("seller-refused")
        btw.fill(SELLER_BTW)
        organiser.will_navigate()
        page.get_by_role("button", name="Opslaan").click()
        expect(page.get_by_role("status")).to_contain_text("Je factuurgegevens zijn opgeslagen")
        expect(page.get_by_label("Postcode")).to_have_value("3526 KL")
        organiser.check("seller-saved")
    finally:
        organiser.close()

    slug = publish_event(site, title, price_cents=9500)
    email = f"inge.{'telefoon' if phone else 'desktop'}@example.nl"
    sign_up_through_api(site, "Inge de Boer", email)
    me = Browse(chromium_browser, site, phone=phone, journey="invoice-buyer")
    page = me.page
    try:
        me.goto(f"/e/{slug}/bestellen")
        me.will_navigate()
        sign_in_on_page(page, email, PASSWORD)
        expect(page.get_by_role("heading", level=1)).to_have_text("Koop een duoticket")
        page.wait_for_load_state()
        page.get_by_label("Naam van je partner").fill("Sam Jong")
        page.get_by_label("E-mailadres van je partner").fill(f"sam.{me.device}@example.nl")
        page.get_by_label("Sector waarin je partner werkt").select_option(label="Zorg en welzijn")
        page.get_by_text("Op factuur van mijn werkgever").click()  # unfold
        page.get_by_label("Zet de factuur op naam van mijn werkgever").check()
        page.get_by_label("Bedrijfsnaam").fill("Klantcontact Centraal BV")
        page.get_by_label("Adres", exact=True).fill("Postbus 42")
        page.get_by_label("Postcode").fill("1000 AA")
        page.get_by_label("Plaats").fill("Amsterdam")
        page.get_by_label("Btw-nummer").fill(BUYER_VAT)
        page.get_by_label("Referentie of inkoopordernummer").fill("PO-2026-117")
        me.check("order-on-invoice")
        me.will_navigate()
        page.get_by_role("button", name="Verder naar betalen").click()
        expect(page).to_have_url(re.compile(r"/mijn/tickets/\d+/betalen$"))
        pay_with_card(page)
        me.will_navigate()
        page.get_by_role("button", name="Betaal €\u00a095,00").click()
        expect(page).to_have_url(re.compile(r"/mijn/tickets\?bestelling=\d+"))
        ticket = order_card(page, title)
        expect(ticket.locator(".badge", has_text="Betaald")).to_be_visible(timeout=15_000)
        invoice_link = ticket.get_by_role("link", name=re.compile(r"^Factuur \d{4}-\d{5} \(pdf\)$"))
        expect(invoice_link).to_be_visible()
        me.check("invoice-link")
        name, pdf = download(page, invoice_link)
        number = NUMBER.search(name)
        assert number, name
        assert name == f"factuur-{number.group(0)}.pdf", name
        text = pdf_text(pdf)
        for expected in (number.group(0), "Stichting Nieuw Geluid", SELLER_BTW, "Klantcontact Centraal BV",
                         "t.a.v. Inge de Boer", BUYER_VAT, "PO-2026-117", f"Duoticket {title}", "€ 78,51",
                         "€ 16,49", "€ 95,00"):
            assert expected in text, (expected, text)

        me.will_navigate()
        ticket.get_by_role("link", name="Duo annuleren…").click()
        me.will_navigate()
        page.get_by_role("button", name="Ja, annuleer het duo").click()
        expect(page.get_by_role("status")).to_contain_text("Je krijgt het hele bedrag terug")
        cancelled = order_card(page, title)
        credit_link = cancelled.get_by_role("link", name=re.compile(r"^Creditnota C\d{4}-\d{5} \(pdf\)$"))
        expect(credit_link).to_be_visible()
        me.check("credit-note-link")
        name, pdf = download(page, credit_link)
        assert name.startswith("creditnota-C"), name
        text = pdf_text(pdf)
        for expected in (f"Crediteert factuur {number.group(0)}", "€ -78,51", "€ -16,49", "€ -95,00",
                         "Klantcontact Centraal BV"):
            assert expected in text, (expected, text)
    finally:
        me.close()

    organiser = Browse(chromium_browser, site, phone=phone, journey="invoice-export")
    page = organiser.page
    try:
        organiser.goto("/inloggen")
        organiser.will_navigate()
        sign_in_on_page(page, *DEMO_ORGANISER)
        organiser.goto(f"/organiseren/{slug}")
        box = page.locator("section", has=page.get_by_role("heading", name="Facturen"))
        organiser.check("event-invoices")
        name, archive = download(page, box.get_by_role("link", name=re.compile("zip met pdf")))
        assert name == f"facturen-{slug}.zip"
        with zipfile.ZipFile(io.BytesIO(archive)) as z:
            pdfs = sorted(n for n in z.namelist() if n.endswith(".pdf"))
            assert [n.split("-")[0] for n in pdfs] == ["creditnota", "factuur"], pdfs
        name, sheet = download(page, box.get_by_role("link", name=re.compile("boekhouding")))
        assert name == f"facturen-{slug}.csv"
        assert sheet.startswith(b"\xef\xbb\xbf")
        rows = list(csv.DictReader(io.StringIO(sheet.decode("utf-8-sig")), delimiter=";"))
        assert sorted((r["Soort"], r["Bedrag incl. btw"]) for r in rows) == [("Creditnota", "-95,00"),
                                                                             ("Factuur", "95,00")]
    finally:
        organiser.close()
