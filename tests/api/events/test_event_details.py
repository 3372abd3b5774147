"""What organisers set besides the basics (issue 20): a contact address, an English title and description, own
deadlines checked against the event, and a banner image uploaded, drawn again and served from this site."""

from __future__ import annotations

import io
from typing import Any

import httpx
import pytest
from PIL import Image

from tests.support.members import Members

pytestmark = pytest.mark.anyio


def hackathon(**overrides: Any) -> dict[str, Any]:
    return {"title": "Klantcontact van morgen", "starts_at": "2027-03-10T13:00:00",
            "ends_at": "2027-03-10T21:00:00", "capacity_duos": 40, "price_cents": 9500, **overrides}


def photo(size: tuple[int, int] = (1600, 1000), kind: str = "PNG", **options: Any) -> bytes:
    picture = Image.new("RGB", size, (10, 107, 98))
    for x in range(0, size[0], 40):  # some detail, so the encoders have work to do
        picture.paste((250, 200, 40), (x, 0, x + 20, size[1] // 2))
    out = io.BytesIO()
    picture.save(out, kind, **options)
    return out.getvalue()


async def test_contact_address_and_english_text_round_trip(client: httpx.AsyncClient, members: Members) -> None:
    organiser = await members.create("organiser")
    h = organiser["headers"]
    created = await client.post("/api/v1/events", headers=h, json=hackathon(
        contact_email="info@nieuwgeluid.nl", title_en="Customer contact of tomorrow",
        description_en="An afternoon about customer experience."))
    assert created.status_code == 201, created.text
    event = created.json()
    assert (event["contact_email"], event["title_en"], event["description_en"]) == (
        "info@nieuwgeluid.nl", "Customer contact of tomorrow", "An afternoon about customer experience.")
    assert event["image_url"] == ""
    assert event["share_image_url"] == ""
    assert event["sales_close"] == event["starts_at"]  # no own sales end: sales close when the event starts
    changed = await client.patch(f"/api/v1/events/{event['slug']}", headers=h,
                                 json={"title_en": "", "sales_end": "2027-03-09T18:00:00"})
    assert changed.status_code == 200, changed.text
    assert changed.json()["title_en"] == ""
    assert changed.json()["sales_close"].startswith("2027-03-09T17:00:00")


@pytest.mark.parametrize(("changes", "field"), [
    pytest.param({"contact_email": "geen-adres"}, "contact_email", id="contact-not-an-address"),
    pytest.param({"refund_deadline": "2027-03-11T09:00:00"}, "refund_deadline", id="refund-after-the-end"),
    pytest.param({"change_deadline": "2027-03-10T22:00:00"}, "change_deadline", id="change-after-the-end"),
    pytest.param({"sales_end": "2027-03-12T09:00:00"}, "sales_end", id="sales-after-the-end"),
])
async def test_wrong_details_are_refused_at_their_field(client: httpx.AsyncClient, members: Members,
                                                        changes: dict[str, Any], field: str) -> None:
    organiser = await members.create("organiser")
    refused = await client.post("/api/v1/events", headers=organiser["headers"], json=hackathon(**changes))
    assert refused.status_code == 422, refused.text
    assert refused.headers["content-type"].startswith("application/problem+json")
    assert refused.json()["errors"][0]["field"] == field


async def test_the_banner_is_drawn_again_and_served_from_here(client: httpx.AsyncClient, members: Members) -> None:
    organiser = await members.create("organiser")
    h = organiser["headers"]
    slug = (await client.post("/api/v1/events", headers=h, json=hackathon())).json()["slug"]
    # A JPEG with a camera's EXIF block (where a GPS position would sit): none of it survives.
    exif = Image.Exif()
    exif[0x010F] = "Camera van de organisator"
    upload = photo(kind="JPEG", exif=exif.tobytes())
    stored = await client.put(f"/api/v1/events/{slug}/image", headers={**h, "Content-Type": "image/jpeg"},
                              content=upload)
    assert stored.status_code == 200, stored.text
    urls = stored.json()
    assert urls["share_image_url"].startswith(f"/media/e/{slug}/")
    assert urls["share_image_url"].endswith(".jpg")

    # A draft's image: its organiser sees it (the preview before publishing), nobody else.
    assert (await client.get(urls["image_url"])).status_code == 404
    own = await client.get(urls["share_image_url"], headers=h)
    assert own.status_code == 200
    assert own.headers["content-type"] == "image/jpeg"
    assert "no-store" in own.headers["cache-control"]
    shared = Image.open(io.BytesIO(own.content))
    assert shared.format == "JPEG"
    assert shared.size == (1200, 630)
    assert not shared.getexif()
    assert "Camera" not in own.content.decode("latin-1")

    await client.post(f"/api/v1/events/{slug}/publish", headers=h)
    page_image = await client.get(urls["image_url"])
    assert page_image.status_code == 200
    assert page_image.headers["content-type"] == "image/webp"
    assert "immutable" in page_image.headers["cache-control"]
    assert Image.open(io.BytesIO(page_image.content)).size == (720, 378)
    assert len(page_image.content) < 30_000  # the page budget: a banner must not eat it
    event = (await client.get(f"/api/v1/events/{slug}")).json()
    assert (event["image_url"], event["share_image_url"]) == (urls["image_url"], urls["share_image_url"])

    # The event page shares it: Open Graph and a Twitter card with absolute URLs.
    page = (await client.get(f"/e/{slug}")).text
    assert '<meta property="og:image" content="http' in page
    assert urls["share_image_url"] + '">' in page
    assert '<meta property="og:title" content="Klantcontact van morgen">' in page
    assert f'/e/{slug}">' in page.split('property="og:url"', 1)[1].split("\n", 1)[0]
    assert '<meta name="twitter:card" content="summary_large_image">' in page
    assert f'src="{urls["image_url"]}"' in page

    removed = await client.delete(f"/api/v1/events/{slug}/image", headers=h)
    assert removed.status_code == 204
    assert (await client.get(urls["image_url"])).status_code == 404
    assert '<meta name="twitter:card" content="summary">' in (await client.get(f"/e/{slug}")).text


@pytest.mark.parametrize(("body", "content_type", "code"), [
    pytest.param(b"", "image/png", "image_missing", id="empty"),
    pytest.param(b"<svg xmlns='http://www.w3.org/2000/svg'><script>alert(1)</script></svg>", "image/png",
                 "image_type", id="svg-with-a-script"),
    pytest.param(photo(kind="GIF"), "image/gif", "image_type", id="gif"),
    pytest.param(photo((400, 300)), "image/png", "image_too_small", id="too-small"),
    pytest.param(photo()[:2000], "image/png", "image_type", id="cut-short"),
    pytest.param(b'{"image": "no"}', "application/json", "image_type", id="json"),
])
async def test_what_is_no_banner_is_refused(client: httpx.AsyncClient, members: Members, body: bytes,
                                            content_type: str, code: str) -> None:
    organiser = await members.create("organiser")
    h = organiser["headers"]
    slug = (await client.post("/api/v1/events", headers=h, json=hackathon())).json()["slug"]
    refused = await client.put(f"/api/v1/events/{slug}/image", headers={**h, "Content-Type": content_type},
                               content=body)
    assert refused.status_code == 422, refused.text
    assert refused.json()["code"] == code
    assert refused.json()["errors"][0]["field"] == "image"
    assert (await client.get(f"/api/v1/events/{slug}", headers=h)).json()["image_url"] == ""


async def test_only_the_events_organiser_changes_its_banner(client: httpx.AsyncClient, members: Members) -> None:
    organiser = await members.create("organiser", email="eigen@example.nl")
    other = await members.create("organiser", email="ander@example.nl")
    slug = (await client.post("/api/v1/events", headers=organiser["headers"], json=hackathon())).json()["slug"]
    await client.post(f"/api/v1/events/{slug}/publish", headers=organiser["headers"])
    refused = await client.put(f"/api/v1/events/{slug}/image", content=photo(),
                               headers={**other["headers"], "Content-Type": "image/png"})
    assert refused.status_code == 403, refused.text
    assert (await client.delete(f"/api/v1/events/{slug}/image", headers=other["headers"])).status_code == 403
    anonymous = await client.put(f"/api/v1/events/{slug}/image", content=photo(),
                                 headers={"Content-Type": "image/png"})
    assert anonymous.status_code == 401
