"""The companion's own page without an account (issue 15): the link in their mail opens their ticket and QR code,
the theme ranking, their experience and organisation (their word wins), and a new link; only the token's hash is
stored, every answer is no-store and no-referrer. The buyer sees whether the companion opened the page and ranked,
and can have the mail sent again (a new link), but never sees the companion's code or link."""

from __future__ import annotations

import hashlib
import re
from typing import Any

import httpx
import pytest

from settings import Settings
from tests.support.breakouts import Board, order_duo, seed_duos
from tests.support.members import Members
from tests.support.pages import post_form, qr_codes_on_page, read_ticket_pdf, sign_in_on_page
from tests.support.shop import ticket_codes

pytestmark = pytest.mark.anyio
LINK = re.compile(r"http://testserver(/partner/([A-Za-z0-9_-]+))")


async def mailed_companion_link(settings: Settings, email: str) -> str:
    """Compose the newest confirmation queued for `email` (as the outbox does when it sends) and return the path
    of the link in it."""
    from notifications import outbox
    from notifications.tables import OutboxMail

    row = await OutboxMail.select().where((OutboxMail.to_email == email)
                                          & (OutboxMail.kind == "ticket_confirmation")).order_by(
        OutboxMail.id, ascending=False).first()
    assert row is not None
    message = await outbox.compose(row, settings)
    assert message is not None
    text = message.get_body(("plain",)).get_content()
    assert "rangschik" in text or "thema" in text  # the mail says what the page is for
    found = LINK.search(text)
    assert found, text
    return found.group(1)


def private(response: httpx.Response) -> None:
    assert response.headers["cache-control"] == "no-store"
    assert response.headers["referrer-policy"] == "no-referrer"


async def test_the_companion_page_from_the_mail(client: httpx.AsyncClient, members: Members,
                                                settings: Settings) -> None:
    from pairing.access import visible_event
    from pairing.context import load_context
    from ticketing.tables import CompanionLink

    board = await Board(client, members).setup()
    slug = board.event["slug"]
    buyer = await members.create(email="kim@example.nl", name="Kim Koper")
    order = await order_duo(client, buyer, slug, {"name": "Sam Jong", "email": "sam@example.nl",
                                                  "industry": "retail", "organisation": "Bakkerij"})
    await seed_duos(board.event["id"], 4)
    codes = await ticket_codes(order["id"])
    path = await mailed_companion_link(settings, "sam@example.nl")
    token = path.rsplit("/", 1)[1]
    assert len(token) >= 43  # 256 bits, URL-safe base64
    [link] = await CompanionLink.select()
    assert link["token_hash"] == hashlib.sha256(token.encode()).hexdigest()
    assert token not in str(link)

    page = await client.get(path)
    assert page.status_code == 200, page.text[:300]
    private(page)
    [(text, width)] = qr_codes_on_page(page.text)
    assert text == codes["companion"]
    assert width >= 200
    assert codes["buyer"] not in page.text
    assert "kim@example.nl" not in page.text
    assert "Kim Koper" in page.text
    assert "Bakkerij" in page.text
    pdf = await client.get(f"{path}/ticket.pdf")
    assert pdf.status_code == 200
    assert pdf.headers["content-type"] == "application/pdf"
    private(pdf)
    text, decoded = read_ticket_pdf(pdf.content)
    assert decoded == [codes["companion"]]
    assert "Sam Jong" in text
    assert codes["buyer"] not in text

    # Rank the themes and give their own experience and organisation: their word wins over the buyer's.
    ranked = await post_form(client, f"{path}/themas", {"choice-1": "imago", "choice-2": "keurmerk"},
                             form_page=path)
    assert ranked.status_code == 303
    private(ranked)
    bad = await post_form(client, f"{path}/gegevens", {"experience_level": "9", "organisation": "x" * 121},
                          form_page=path)
    assert bad.status_code == 422
    assert bad.text.count('class="field__error"') == 2
    saved = await post_form(client, f"{path}/gegevens", {"experience_level": "4", "organisation": "Eigen Zaak"},
                            form_page=path)
    assert saved.status_code == 303
    ctx = await load_context(await visible_event(slug, None))
    place = order["companion"]["id"]
    assert ctx.experience[place] == 4
    assert ctx.organisation[place] == "Eigen Zaak"
    assert next(p for p in ctx.people if p.id == place).ranking == ("imago", "keurmerk")

    # The buyer sees that the companion opened the page and ranked, can mail it again, never sees the code.
    await sign_in_on_page(client, buyer["email"], buyer["password"])
    mine = (await client.get("/mijn/tickets")).text
    assert "Heeft de eigen ticketpagina geopend" in mine
    assert "Heeft de thema's gerangschikt" in mine
    assert codes["companion"] not in mine
    assert "/partner/" not in mine
    own = await client.get(f"/mijn/tickets/plek/{order['buyer']['id']}/ticket.pdf")
    assert own.status_code == 200
    assert read_ticket_pdf(own.content)[1] == [codes["buyer"]]
    assert (await client.get(f"/mijn/tickets/plek/{place}/ticket.pdf")).status_code == 404  # not the buyer's
    again = await post_form(client, f"/mijn/tickets/{order['id']}/partner-mail", {}, form_page="/mijn/tickets")
    assert again.status_code == 303, again.text[:300]
    client.cookies.clear()
    fresh = await mailed_companion_link(settings, "sam@example.nl")
    assert fresh != path
    assert (await client.get(path)).status_code == 404
    assert (await client.get(fresh)).status_code == 200

    # The companion makes a new link themselves: the one from the mail stops working at once.
    moved = await post_form(client, f"{fresh}/nieuwe-link", {}, form_page=fresh)
    assert moved.status_code == 303
    newest = moved.headers["location"].split("?")[0]
    assert newest.startswith("/partner/")
    assert newest != fresh
    assert (await client.get(fresh)).status_code == 404
    assert (await client.get(newest)).status_code == 200
    guessed = await client.get("/partner/" + "A" * 43)
    assert guessed.status_code == 404
    private(guessed)


async def test_only_the_buyer_can_have_the_companion_mail_sent_again(client: httpx.AsyncClient,
                                                                     members: Members) -> None:
    board = await Board(client, members).setup()
    buyer = await members.create(email="kim@example.nl")
    other: dict[str, Any] = await members.create(email="ander@example.nl")
    order = await order_duo(client, buyer, board.event["slug"], {"name": "Sam", "email": "sam@example.nl",
                                                                 "industry": "retail"})
    await sign_in_on_page(client, other["email"], other["password"])
    refused = await post_form(client, f"/mijn/tickets/{order['id']}/partner-mail", {}, form_page="/mijn/tickets")
    assert refused.status_code == 404


async def test_make_this_an_account_in_one_step(client: httpx.AsyncClient, members: Members,
                                                settings: Settings) -> None:
    board = await Board(client, members).setup()
    buyer = await members.create(email="kim@example.nl", name="Kim Koper")
    order = await order_duo(client, buyer, board.event["slug"], {
        "name": "Sam Jong", "email": "sam@example.nl", "industry": "retail", "organisation": "Bakkerij",
        "experience_level": 1})
    code = (await ticket_codes(order["id"]))["companion"]
    path = await mailed_companion_link(settings, "sam@example.nl")
    weak = await post_form(client, f"{path}/account", {"password": "kort"}, form_page=path)
    assert weak.status_code == 422
    assert 'id="f-password-error"' in weak.text
    made = await post_form(client, f"{path}/account", {"password": "paarse-olifant-danst-7"}, form_page=path)
    assert made.status_code == 303
    assert made.headers["location"].startswith("/mijn/tickets")
    # Signed in at once, verified (the mailed link proved the address): the ticket is under My tickets.
    mine = await client.get("/mijn/tickets")
    assert mine.status_code == 200
    assert [c for c, _w in qr_codes_on_page(mine.text)] == [code]
    profile = (await client.get("/api/v1/me")).json()
    assert (profile["name"], profile["organisation"], profile["experience_level"]) == ("Sam Jong", "Bakkerij", 1)
    assert profile["email_verified"] is True
    client.cookies.clear()
    again = await post_form(client, f"{path}/account", {"password": "paarse-olifant-danst-7"}, form_page=path)
    assert again.status_code == 409
    assert "Er is al een account met dit e-mailadres" in again.text


async def test_the_companions_own_calendar_feed(client: httpx.AsyncClient, members: Members,
                                                settings: Settings) -> None:
    """The same feed a member has: the event and, once published, their breakout groups (LOCATION with the
    venue), read by the strict parser; its own token, so a new page link never breaks the subscription."""
    import icalendar
    from ical.calendar_stream import IcsCalendarStream

    board = await Board(client, members).setup()
    slug = board.event["slug"]
    buyer = await members.create(email="kim@example.nl", name="Kim Koper")
    await order_duo(client, buyer, slug, {"name": "Sam Jong", "email": "sam@example.nl", "industry": "retail"})
    await seed_duos(board.event["id"], 6)
    path = await mailed_companion_link(settings, "sam@example.nl")
    made = await post_form(client, f"{path}/agenda", {}, form_page=path)
    assert made.status_code == 200
    private(made)
    url = re.search(r'value="(http://testserver/feeds/partner\.[A-Za-z0-9_-]+\.ics)"', made.text)
    assert url, made.text[:2000]
    feed_path = url.group(1).removeprefix("http://testserver")
    before = await client.get(feed_path)
    assert before.status_code == 200
    assert before.headers["referrer-policy"] == "no-referrer"
    uids = {e.uid for e in IcsCalendarStream.calendar_from_ics(before.text).events}
    assert f"event-{board.event['id']}@{settings.host}" in uids
    assert not any(uid.startswith("breakout-") for uid in uids)

    plan = await board.generate(seed=1)
    await board.call("PUT", "/rooms", json={"rooms": [{"theme": g["theme"], "group": g["number"], "room": "Zaal 1"}
                                                       for g in plan["rounds"][0]["groups"]]})
    await board.call("POST", "/publish")
    after = await client.get(feed_path)
    breakouts = [e for e in icalendar.Calendar.from_ical(after.content).walk("VEVENT")
                 if str(e["UID"]).startswith("breakout-")]
    assert len(breakouts) == 2
    assert all(str(e["UID"]).endswith(f"@{settings.host}") for e in breakouts)
    assert all("De Kennismakerij" in str(e["LOCATION"]) for e in breakouts)  # the room and the venue
    assert "sam@example.nl" not in after.text
    assert "kim@example.nl" not in after.text

    # A new page link keeps the subscription; a new calendar link replaces the old one.
    await post_form(client, f"{path}/nieuwe-link", {}, form_page=path)
    assert (await client.get(feed_path)).status_code == 200
    assert (await client.get("/feeds/partner." + "A" * 43 + ".ics")).status_code == 404
