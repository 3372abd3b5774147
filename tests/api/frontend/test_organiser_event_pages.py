"""The organiser's pages of issue 20 over HTTP (forms with their CSRF token, a signed-in session): the event form's
sales window, deadlines, age limit, contact address and English text; the preview before publishing; the banner
upload; the exceptions on a page of their own, revoked there; the cancelled duos; and the event page for someone
who already has a ticket, with its sales state until when, in Dutch and English."""

from __future__ import annotations

import io
import re
from datetime import date, timedelta
from typing import Any

import httpx
import pytest
from PIL import Image

from tests.support.members import Members, quick_members
from tests.support.shop import Shop

pytestmark = pytest.mark.anyio

DAY = date.today() + timedelta(days=90)
FORM = {
    "title": "Hackathon Klantbeleving", "description": "Een middag samen bouwen.", "date": DAY.isoformat(),
    "start_time": "13:00", "end_time": "21:00", "venue_name": "De Hal", "address": "Kade 1, Utrecht",
    "capacity_duos": "40", "price": "95,00", "sales_end": f"{(DAY - timedelta(days=2)).isoformat()}T18:00",
    "refund_deadline": f"{(DAY - timedelta(days=10)).isoformat()}T12:00", "change_deadline": "",
    "sales_start": "", "age_limit": "27", "contact_email": "vragen@nieuwgeluid.nl",
    "title_en": "Customer experience hackathon", "description_en": "An afternoon of building together.",
}


@pytest.fixture
def shop(client: httpx.AsyncClient, members: Members) -> Shop:
    return Shop(client, members)


def csrf(page: httpx.Response) -> str:
    token = re.search(r'name="_csrf_token" value="([^"]+)"', page.text)
    assert token, page.text[:500]
    return token.group(1)


async def post_form(client: httpx.AsyncClient, page_path: str, action: str, form: dict[str, str]) -> httpx.Response:
    return await client.post(action, data={**form, "_csrf_token": csrf(await client.get(page_path))})


async def sign_in(client: httpx.AsyncClient, member: dict[str, Any]) -> None:
    done = await post_form(client, "/inloggen", "/inloggen", {"email": member["email"],
                                                              "password": member["password"]})
    assert done.status_code == 303, done.text[:300]


def banner_png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (1300, 700), (10, 107, 98)).save(out, "PNG")
    return out.getvalue()


async def test_the_form_sets_sales_deadlines_age_limit_contact_and_english(client: httpx.AsyncClient,
                                                                          members: Members) -> None:
    organiser = await members.create("organiser", email="olga@example.nl")
    await sign_in(client, organiser)
    wrong = await post_form(client, "/organiseren/nieuw", "/organiseren/nieuw",
                            {**FORM, "sales_end": "morgen", "age_limit": "3"})
    assert wrong.status_code == 422
    assert 'id="f-sales_end-error"' in wrong.text
    assert "Vul een datum en tijd in" in wrong.text
    assert 'id="f-age_limit-error"' in wrong.text
    assert 'value="Hackathon Klantbeleving"' in wrong.text
    late = await post_form(client, "/organiseren/nieuw", "/organiseren/nieuw",
                           {**FORM, "refund_deadline": f"{(DAY + timedelta(days=1)).isoformat()}T12:00"})
    assert late.status_code == 422
    assert 'id="f-refund_deadline-error"' in late.text

    created = await post_form(client, "/organiseren/nieuw", "/organiseren/nieuw", FORM)
    assert created.status_code == 303, created.text[:500]
    slug = created.headers["location"].split("/")[2].split("?")[0]
    event = (await client.get(f"/api/v1/events/{slug}", headers=organiser["headers"])).json()
    assert event["age_limit"] == 27
    assert event["contact_email"] == "vragen@nieuwgeluid.nl"
    assert event["title_en"] == "Customer experience hackathon"
    assert event["sales_end"] is not None
    assert event["sales_close"] == event["sales_end"]
    form = await client.get(f"/organiseren/{slug}")
    assert f'value="{(DAY - timedelta(days=2)).isoformat()}T18:00"' in form.text  # shown again in local time
    assert 'name="change_deadline" type="datetime-local"' in form.text

    # Publishing: a preview of the public page and a confirmation first.
    assert f'href="/organiseren/{slug}/publiceren"' in form.text
    preview = await client.get(f"/organiseren/{slug}/publiceren")
    assert preview.status_code == 200
    assert "Bekijken en publiceren" in preview.text
    assert "Hackathon Klantbeleving" in preview.text
    assert "Kaartverkoop open tot" in preview.text
    assert "een afbeelding" in preview.text  # still missing: the image
    assert "Ja, publiceer het evenement" in preview.text
    assert (await client.get(f"/api/v1/events/{slug}")).json()["status"] == "draft"  # nothing published yet
    published = await client.post(f"/organiseren/{slug}/publiceren", data={"_csrf_token": csrf(preview)})
    assert published.status_code == 303
    assert "melding=gepubliceerd" in published.headers["location"]
    assert (await client.get(f"/organiseren/{slug}/publiceren")).status_code in (302, 303)  # nothing to preview

    page = await client.get(f"/e/{slug}")
    assert "Kaartverkoop open tot" in page.text
    assert "18:00" in page.text
    assert 'href="mailto:vragen@nieuwgeluid.nl"' in page.text
    assert "jonger is dan 27" in page.text  # the event's own age limit
    client.cookies.set("lang", "en")
    english = await client.get(f"/e/{slug}")
    assert "<h1>Customer experience hackathon</h1>" in english.text
    assert "An afternoon of building together." in english.text
    assert '<meta property="og:title" content="Customer experience hackathon">' in english.text
    assert "Tickets on sale until" in english.text
    client.cookies.set("lang", "nl")
    assert "<h1>Hackathon Klantbeleving</h1>" in (await client.get(f"/e/{slug}")).text


async def test_the_banner_through_the_page(client: httpx.AsyncClient, members: Members) -> None:
    organiser = await members.create("organiser", email="bea@example.nl")
    await sign_in(client, organiser)
    created = await post_form(client, "/organiseren/nieuw", "/organiseren/nieuw", FORM)
    slug = created.headers["location"].split("/")[2].split("?")[0]
    form = await client.get(f"/organiseren/{slug}")
    token = csrf(form)
    refused = await client.post(f"/organiseren/{slug}/afbeelding", data={"_csrf_token": token},
                                files={"image": ("foto.png", b"geen afbeelding", "image/png")})
    assert refused.status_code == 422
    assert 'id="f-image-error"' in refused.text
    assert "geen afbeelding die we kunnen lezen" in refused.text
    stored = await client.post(f"/organiseren/{slug}/afbeelding", data={"_csrf_token": token},
                               files={"image": ("foto.png", banner_png(), "image/png")})
    assert stored.status_code == 303
    assert "melding=afbeelding" in stored.headers["location"]
    shown = await client.get(stored.headers["location"])
    src = re.search(r'<img class="event-banner" src="([^"]+\.webp)"', shown.text)
    assert src
    assert (await client.get(src.group(1))).headers["content-type"] == "image/webp"
    removed = await client.post(f"/organiseren/{slug}/afbeelding", data={"_csrf_token": token, "remove": "1"})
    assert removed.status_code == 303
    assert 'class="event-banner"' not in (await client.get(f"/organiseren/{slug}")).text


async def test_exceptions_on_their_own_page_and_the_cancelled_duos(client: httpx.AsyncClient, shop: Shop,
                                                                    members: Members) -> None:
    event = await shop.event()
    slug = event["slug"]
    kept, gone = await quick_members(2)
    assert (await shop.order(slug, kept, name="Lotte Bakker", industry="finance")).status_code == 201
    cancelled = await shop.order(slug, gone, name="Joris Smit", industry="retail")
    await client.post(f"/api/v1/events/{slug}/orders/{cancelled.json()['id']}/cancel",
                      headers=shop.organiser["headers"], json={"reason": ""})
    await sign_in(client, shop.organiser)

    attendees = await client.get(f"/organiseren/{slug}/deelnemers")
    assert f'href="/organiseren/{slug}/uitzonderingen"' in attendees.text
    assert 'action="/organiseren/' + slug + '/uitzonderingen"' not in attendees.text  # the form has its own page
    assert "Lotte Bakker werkt in een andere sector" in attendees.text
    assert "Je partner" not in attendees.text
    assert "Joris Smit" not in attendees.text
    assert re.search(r"Geannuleerde duo(&#39;|')s \(1\)", attendees.text)
    cancelled_page = await client.get(f"/organiseren/{slug}/deelnemers?toon=geannuleerd")
    assert "Joris Smit" in cancelled_page.text
    assert "Lotte Bakker" not in cancelled_page.text
    assert "Deze duo annuleren" not in cancelled_page.text

    page_path = f"/organiseren/{slug}/uitzonderingen"
    missing = await post_form(client, page_path, page_path, {"email": "mentor@example.nl", "reason": ""})
    assert missing.status_code == 422
    assert 'id="f-reason-error"' in missing.text
    added = await post_form(client, page_path, page_path, {"email": "mentor@example.nl", "reason": "Spreker"})
    assert added.status_code == 303
    assert added.headers["location"].startswith(page_path + "?melding=uitzondering")
    shown = await client.get(added.headers["location"])
    assert "De uitzondering is toegevoegd" in shown.text
    assert "mentor@example.nl" in shown.text
    override_id = re.search(r'/uitzonderingen/(\d+)/intrekken', shown.text)
    assert override_id
    revoked = await client.post(f"{page_path}/{override_id.group(1)}/intrekken", data={"_csrf_token": csrf(shown)})
    assert revoked.status_code == 303
    assert "melding=uitzondering-ingetrokken" in revoked.headers["location"]
    after = await client.get(revoked.headers["location"])
    assert "De uitzondering is ingetrokken" in after.text
    assert "Er geldt geen uitzondering." in after.text
    assert f"ingetrokken door {shop.organiser['name']}" in after.text


async def test_the_event_page_shows_a_holder_their_ticket(client: httpx.AsyncClient, shop: Shop,
                                                          members: Members) -> None:
    event = await shop.event()
    slug = event["slug"]
    buyer = await members.create(email="koper@example.nl")
    assert (await shop.order(slug, buyer)).status_code == 201
    anonymous = await client.get(f"/e/{slug}")
    assert "Koop een duoticket" in anonymous.text
    assert "Kaartverkoop open tot" in anonymous.text
    await sign_in(client, buyer)
    mine = await client.get(f"/e/{slug}")
    assert "Koop een duoticket" not in mine.text
    assert "Bekijk je ticket" in mine.text
    assert 'href="/mijn/tickets"' in mine.text
