"""The organiser sets up an event as in pretix, in Chromium, desktop and phone (issue 20).

A fresh organiser (seeded with a session, tests/browser/seed.py) fills in the event form with what was missing: when
sales end, the refund deadline, the companion age limit, a contact address and an English title and description (a
wrong moment first, shown next to its field with nothing typed lost). They upload a banner image, preview the public
page (what is still missing is listed) and publish after confirming. The public page says until when tickets are on
sale, carries the banner, the contact address and the event's own age limit, and a share preview for LinkedIn and
WhatsApp (Open Graph and a Twitter card, absolute URLs, the image served from this site); an English visitor reads
the English title and description.
"""

from __future__ import annotations

import io
import re
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from PIL import Image
from playwright.sync_api import Browser, expect

from core.auth import SESSION_COOKIE
from tests.browser.seed import seed
from tests.support.browser import Browse, LiveServer
from tests.support.journeys import event_day

pytestmark = pytest.mark.browser


def banner_file(folder: Path) -> Path:
    """A photo-like banner: a gradient with some shapes (an image the encoders have to work for)."""
    picture = Image.linear_gradient("L").resize((1600, 900)).convert("RGB")
    for x in range(0, 1600, 160):
        picture.paste((10, 107, 98), (x, 300, x + 80, 600))
    path = folder / "banner.jpg"
    out = io.BytesIO()
    picture.save(out, "JPEG", quality=90)
    path.write_bytes(out.getvalue())
    return path


def test_organiser_sets_up_previews_and_publishes(chromium_browser: Browser, site: LiveServer, phone: bool,
                                                  tmp_path: Path) -> None:
    me = Browse(chromium_browser, site, phone=phone, journey="organiser-event")
    page = me.page
    title = f"Klantcontact van morgen ({me.device})"
    english = f"Customer contact of tomorrow ({me.device})"
    staff = seed("organiser", tag=f"event{me.device}")
    day = event_day(75)
    sales_end = f"{(day - timedelta(days=2)).isoformat()}T18:00"
    try:
        me.context.add_cookies([{"name": SESSION_COOKIE, "value": staff["session"], "url": site.base_url}])
        me.goto("/organiseren/nieuw")
        expect(page.get_by_role("heading", level=1)).to_have_text("Nieuwe hackathon")
        page.locator("#f-title").fill(title)
        page.locator("#f-description").fill("Een middag over klantbeleving, met duo's uit de keten.")
        page.locator("#f-date").fill(day.isoformat())
        page.locator("#f-start_time").fill("13:00")
        page.locator("#f-end_time").fill("18:00")
        page.get_by_label("E-mail voor vragen").fill("vragen@nieuwgeluid.nl")
        page.get_by_label("Titel in het Engels").fill(english)
        page.get_by_label("Beschrijving in het Engels").fill("An afternoon about customer experience.")
        page.get_by_label("Einde kaartverkoop").fill(sales_end)
        page.get_by_label("Annuleren met terugbetaling kan tot").fill(f"{(day + timedelta(days=3)).isoformat()}T12:00")
        page.get_by_label("Leeftijdsgrens voor partners uit klantcontact").fill("27")
        me.will_navigate()
        page.get_by_role("button", name="Opslaan als concept").click()
        # A refund deadline after the event: the message stands next to its field, nothing typed is lost.
        expect(page.locator("#f-refund_deadline-error")).to_contain_text("voor het einde van het evenement")
        expect(page.get_by_label("Titel in het Engels")).to_have_value(english)
        expect(page.get_by_label("Einde kaartverkoop")).to_have_value(sales_end)
        page.get_by_label("Annuleren met terugbetaling kan tot").fill(f"{(day - timedelta(days=7)).isoformat()}T12:00")
        me.will_navigate()
        page.get_by_role("button", name="Opslaan als concept").click()
        expect(page.get_by_role("status").first).to_contain_text("opgeslagen als concept")
        slug = page.url.split("/organiseren/", 1)[1].split("?", 1)[0]
        expect(page.get_by_label("Leeftijdsgrens voor partners uit klantcontact")).to_have_value("27")
        expect(page.get_by_label("Einde kaartverkoop")).to_have_value(sales_end)

        # The banner: uploaded, drawn again, shown where the form is.
        page.get_by_label("Bannerafbeelding").set_input_files(str(banner_file(tmp_path)))
        me.will_navigate()
        page.get_by_role("button", name="Afbeelding uploaden").click()
        expect(page.get_by_role("status").first).to_contain_text("De afbeelding is opgeslagen")
        expect(page.locator("img.event-banner")).to_be_visible()
        me.check("edit")

        # Publishing: a preview of the public page and a confirmation first.
        me.will_navigate()
        page.get_by_role("link", name="Bekijken en publiceren…").click()
        expect(page.get_by_role("heading", level=1).first).to_have_text("Bekijken en publiceren")
        preview = page.get_by_role("region", name="Voorbeeld van de openbare pagina")
        expect(preview.get_by_role("heading", level=1)).to_have_text(title)
        expect(preview.locator(".ticket-box")).to_contain_text("Kaartverkoop open tot")
        expect(preview.locator("img.event-banner")).to_be_visible()
        missing = page.locator("section", has=page.get_by_role("heading", name="Wat nog ontbreekt"))
        expect(missing).to_contain_text("waar het plaatsvindt")  # no venue given: said, not blocking
        expect(missing).not_to_contain_text("een afbeelding")
        me.check("publish-preview")
        me.will_navigate()
        page.get_by_role("button", name="Ja, publiceer het evenement").click()
        expect(page.get_by_role("status").first).to_contain_text("gepubliceerd")

        # The public page: until when, the banner, the contact address, the event's own age limit.
        me.goto(f"/e/{slug}")
        box = page.locator(".ticket-box")
        expect(box).to_contain_text(re.compile(r"Kaartverkoop open tot \d+ \w+ \d{4}, 18:00"))
        expect(box).to_contain_text("jonger is dan 27")
        expect(box.get_by_role("link", name="vragen@nieuwgeluid.nl")).to_have_attribute(
            "href", "mailto:vragen@nieuwgeluid.nl")
        expect(page.locator("img.event-banner")).to_be_visible()
        # The share preview for LinkedIn and WhatsApp, with absolute URLs; the image comes from this site.
        meta = page.locator("head meta")
        expect(meta.and_(page.locator('[property="og:title"]'))).to_have_attribute("content", title)
        expect(meta.and_(page.locator('[property="og:url"]'))).to_have_attribute("content", re.compile(
            rf"^http://127\.0\.0\.1/e/{slug}$"))
        expect(meta.and_(page.locator('[property="og:description"]'))).to_have_attribute(
            "content", re.compile("klantbeleving"))
        expect(meta.and_(page.locator('[name="twitter:card"]'))).to_have_attribute("content", "summary_large_image")
        image_url = page.locator('head meta[property="og:image"]').get_attribute("content")
        assert image_url
        assert image_url.startswith("http://127.0.0.1/media/e/")
        assert image_url.endswith(".jpg")
        shared = httpx.get(site.url(image_url.removeprefix("http://127.0.0.1")))
        assert shared.status_code == 200
        assert shared.headers["content-type"] == "image/jpeg"
        assert Image.open(io.BytesIO(shared.content)).size == (1200, 630)
        me.check("event-page")

        # An English visitor reads the English title and description.
        me.goto(f"/lang/en?next=/e/{slug}")
        expect(page.get_by_role("heading", level=1)).to_have_text(english)
        expect(page.locator(".prose")).to_contain_text("An afternoon about customer experience.")
        expect(page.locator(".ticket-box")).to_contain_text("Tickets on sale until")
        me.check("event-page-en")
    finally:
        me.close()
