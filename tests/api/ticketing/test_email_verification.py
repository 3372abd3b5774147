"""E-mail verification guards everything matched to an account by e-mail.

Whoever signs up first with a companion's address must not read that companion's ticket code, calendar items,
theme ranking or breakout groups: those appear only after the account follows the link of the verification mail
(sent through the outbox, read here from a real SMTP sink). A buyer's own orders (matched by buyer id) keep
working unverified; a companion without an account keeps the ticket-code routes.
"""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import httpx
import pytest

from settings import Settings
from tests.support.breakouts import Board, order_duo, seed_duos
from tests.support.members import Members, sign_up
from tests.support.shop import ticket_codes
from tests.support.smtp import SmtpSink

pytestmark = pytest.mark.anyio

LINK = re.compile(r"http://testserver/e-mail-bevestigen/([A-Za-z0-9_-]{40,})")


async def verification_links(settings: Settings, smtp: SmtpSink, to: str) -> list[tuple[str, Any]]:
    """Send the outbox and return (token, message) of every verification mail `to` has received so far."""
    from notifications import outbox

    await outbox.send_outbox(settings)
    found = []
    for mail in smtp.received:
        message = mail.message
        if to.lower() in str(message["To"]).lower() and "e-mail" in str(message["Subject"]).lower():
            body = message.get_content()
            match = LINK.search(body)
            assert match, body
            found.append((match.group(1), message))
    return found


async def personal_feed(client: httpx.AsyncClient, who: dict[str, Any]) -> str:
    rotated = await client.post("/api/v1/me/calendar/rotate", headers=who["headers"])
    assert rotated.status_code in (200, 201), rotated.text
    url = rotated.json()["personal"]["url"]
    feed = await client.get(url.removeprefix("http://testserver"))
    assert feed.status_code == 200, feed.text
    return feed.text


async def test_an_unverified_account_with_a_companions_email_sees_nothing_until_it_verifies(
        client: httpx.AsyncClient, members: Members, settings: Settings, smtp: SmtpSink,
        monkeypatch: pytest.MonkeyPatch) -> None:
    from events import feeds

    monkeypatch.setattr(feeds, "SOURCES_TTL_SECONDS", 0.0)  # the feed's short reuse would hide the change
    board = await Board(client, members).setup()
    slug, title = board.event["slug"], board.event["title"]
    # The buyer never verifies: their own order, ranking, groups and feed work by buyer id.
    buyer = await members.create(email="kim.koper@example.nl", name="Kim Koper", verified=False)
    order = await order_duo(client, buyer, slug, {"name": "Sam Jong", "email": "sam.jong@example.nl",
                                                  "industry": "retail", "organisation": "Bakkerij"})
    companion_code = (await ticket_codes(order["id"]))["companion"]
    await seed_duos(board.event["id"], 12)
    await board.generate(seed=3)
    await board.call("POST", "/publish")

    # Someone signs up with the companion's address (in another case) before the companion does. They cannot sign
    # in until they confirm the address…
    early = await client.post("/api/v1/auth/signup", json={"email": "SAM.jong@example.nl", "name": "Niet Sam",
                                                           "password": "een-goed-wachtwoord-42"})
    assert early.status_code == 202
    refused = await client.post("/api/v1/auth/login", json={"email": "sam.jong@example.nl",
                                                            "password": "een-goed-wachtwoord-42"})
    assert refused.status_code == 401
    from members.tables import Member
    from notifications.tables import OutboxMail

    await OutboxMail.delete().where(OutboxMail.to_email == "sam.jong@example.nl")
    await Member.delete().where(Member.email == "sam.jong@example.nl")
    # …and an account with a session from before that rule sees nothing of the companion's either.
    sam = await sign_up(client, "Sam.Jong@Example.nl")
    assert (await client.get("/api/v1/me/tickets", headers=sam["headers"])).json() == []
    mine = await client.get(f"/api/v1/me/breakouts?event={slug}", headers=sam["headers"])
    assert mine.status_code == 403, mine.text
    assert mine.json()["code"] == "no_ticket", mine.text
    ranked = await client.put(f"/api/v1/events/{slug}/ranking", json={"themes": ["imago"]}, headers=sam["headers"])
    assert ranked.status_code == 403, ranked.text
    assert ranked.json()["code"] == "no_ticket", ranked.text
    feed = await personal_feed(client, sam)
    assert title not in feed
    assert "Thema" not in feed
    assert "Groep" not in feed
    tickets_page = await client.get("/mijn/tickets", headers=sam["headers"])
    assert tickets_page.status_code == 200
    assert "Bevestig je e-mailadres om je partnerticket te zien" in tickets_page.text
    assert companion_code not in tickets_page.text
    assert "Kim Koper" not in tickets_page.text
    agenda_page = await client.get("/mijn/agenda", headers=sam["headers"])
    assert "Bevestig je e-mailadres om je partnerticket te zien" in agenda_page.text
    assert title not in agenda_page.text
    for page in (tickets_page, agenda_page):
        assert 'action="/mijn/e-mail-bevestigen/opnieuw"' in page.text

    # The unverified buyer keeps everything of their own order.
    [own] = (await client.get("/api/v1/me/tickets", headers=buyer["headers"])).json()
    assert own["role"] == "buyer"
    assert own["ticket_code"] == order["buyer"]["ticket_code"]
    assert (await client.get(f"/api/v1/me/breakouts?event={slug}", headers=buyer["headers"])).status_code == 200
    assert (await client.put(f"/api/v1/events/{slug}/ranking", json={"themes": ["imago"]},
                             headers=buyer["headers"])).status_code == 200
    assert title in await personal_feed(client, buyer)
    assert title in (await client.get("/mijn/agenda", headers=buyer["headers"])).text
    # …and no notice about a companion ticket above their own paid ticket: nobody named them as a companion.
    own_page = await client.get("/mijn/tickets", headers=buyer["headers"])
    assert own_page.status_code == 200
    assert order["buyer"]["ticket_code"] in own_page.text
    assert "Bevestig je e-mailadres om je partnerticket te zien" not in own_page.text

    # The mailed link verifies the address; then the companion's ticket, groups, ranking and feed are theirs.
    [(token, message)] = await verification_links(settings, smtp, "sam.jong@example.nl")
    assert message["Subject"] == "Bevestig je e-mailadres voor Nieuw Geluid"
    assert message["Content-Language"] == "nl"
    assert "48 uur" in message.get_content()
    verified = await client.post("/api/v1/auth/verify-email", json={"token": token})
    assert verified.status_code == 200, verified.text
    assert "set-cookie" not in verified.headers  # signs nobody in
    assert (await client.get("/api/v1/me", headers=sam["headers"])).json()["email_verified"] is True
    [ticket] = (await client.get("/api/v1/me/tickets", headers=sam["headers"])).json()
    assert ticket["role"] == "companion"
    assert ticket["ticket_code"] == companion_code
    groups = await client.get(f"/api/v1/me/breakouts?event={slug}", headers=sam["headers"])
    assert groups.status_code == 200, groups.text
    assert len(groups.json()["rounds"]) == 2, groups.text
    assert (await client.put(f"/api/v1/events/{slug}/ranking", json={"themes": ["imago"]},
                             headers=sam["headers"])).status_code == 200
    feed = await personal_feed(client, sam)
    assert title in feed
    assert groups.json()["rounds"][0]["theme_title"] in feed
    tickets_page = await client.get("/mijn/tickets", headers=sam["headers"])
    assert companion_code in tickets_page.text
    assert "Bevestig je e-mailadres" not in tickets_page.text
    # /mijn/agenda lists the companion's event with their own groups (built from list_my_tickets).
    agenda_page = (await client.get("/mijn/agenda", headers=sam["headers"])).text
    assert title in agenda_page
    assert groups.json()["rounds"][0]["theme_title"] in agenda_page

    # Single use; a forged token is refused with its own code.
    again = await client.post("/api/v1/auth/verify-email", json={"token": token})
    assert again.status_code == 409
    assert again.json()["code"] == "verification_token_used"
    forged = await client.post("/api/v1/auth/verify-email", json={"token": token[:-4] + "AAAA"})
    assert forged.status_code == 400
    assert forged.json()["code"] == "verification_token_invalid"
    # Verified: nothing to resend.
    resend = await client.post("/api/v1/me/verify-email/resend", headers=sam["headers"])
    assert resend.status_code == 409
    assert resend.json()["code"] == "email_already_verified"


async def test_an_expired_link_is_refused_and_a_resent_one_works_on_the_page(
        client: httpx.AsyncClient, settings: Settings, smtp: SmtpSink) -> None:
    from members.tables import EmailVerification

    member = await sign_up(client, "lotte@example.nl", "Lotte Vos", language="en")
    [(token, message)] = await verification_links(settings, smtp, "lotte@example.nl")
    assert message["Subject"] == "Confirm your e-mail address for Nieuw Geluid"
    assert message["Content-Language"] == "en"
    rows = await EmailVerification.select(EmailVerification.token_hash, EmailVerification.expires_at,
                                          EmailVerification.created_at)
    assert len(rows) == 1
    assert token not in str(rows)
    assert rows[0]["expires_at"] - rows[0]["created_at"] == timedelta(hours=48)
    await EmailVerification.update({EmailVerification.expires_at: EmailVerification.created_at}).where(
        EmailVerification.id > 0)
    expired = await client.post("/api/v1/auth/verify-email", json={"token": token})
    assert expired.status_code == 410
    assert expired.json()["code"] == "verification_token_expired"
    page = await client.get(f"/e-mail-bevestigen/{token}")
    assert page.status_code == 410
    assert "Deze bevestigingslink is verlopen" in page.text
    assert page.headers["referrer-policy"] == "no-referrer"

    # The page's button asks for a new link (CSRF-protected form); the new link verifies on the page.
    tickets = await client.get("/mijn/tickets", headers=member["headers"])
    csrf = re.search(r'name="_csrf_token" value="([^"]+)"', tickets.text)
    assert csrf, tickets.text[:500]
    resent = await client.post("/mijn/e-mail-bevestigen/opnieuw", headers=member["headers"],
                               data={"_csrf_token": csrf.group(1), "next": "/mijn/tickets"})
    assert resent.status_code == 303
    assert resent.headers["location"] == "/mijn/tickets?melding=bevestiging-verstuurd"
    links = await verification_links(settings, smtp, "lotte@example.nl")
    assert len(links) == 2
    assert links[1][0] != token
    client.cookies.clear()  # the link works in any browser, signed in or not, and signs nobody in
    done = await client.get(f"/e-mail-bevestigen/{links[1][0]}")
    assert done.status_code == 200
    assert "Je e-mailadres is bevestigd" in done.text
    assert "ng_session" not in done.headers.get("set-cookie", "")
    assert (await client.get("/api/v1/me", headers=member["headers"])).json()["email_verified"] is True
    used = await client.get(f"/e-mail-bevestigen/{links[1][0]}")
    assert used.status_code == 409
    assert "al gebruikt" in used.text
    assert (await client.get("/e-mail-bevestigen/vervalst")).status_code == 400


async def test_resending_is_rate_limited_per_account(client: httpx.AsyncClient, settings: Settings,
                                                     smtp: SmtpSink) -> None:
    from notifications.tables import OutboxMail

    member = await sign_up(client, "noor@example.nl", "Noor Visser")
    other = await sign_up(client, "daan@example.nl", "Daan Bos")
    for _ in range(3):
        assert (await client.post("/api/v1/me/verify-email/resend", headers=member["headers"])).status_code == 202
    refused = await client.post("/api/v1/me/verify-email/resend", headers=member["headers"])
    assert refused.status_code == 429
    assert refused.json()["code"] == "rate_limited"
    assert int(refused.headers["retry-after"]) > 0
    # Per account: another member is not affected.
    assert (await client.post("/api/v1/me/verify-email/resend", headers=other["headers"])).status_code == 202
    assert (await client.post("/api/v1/me/verify-email/resend")).status_code == 401
    queued = await OutboxMail.count().where((OutboxMail.kind == "email_verification")
                                            & (OutboxMail.to_email == "noor@example.nl"))
    assert queued == 4  # sign-up + 3 resends
    links = await verification_links(settings, smtp, "noor@example.nl")
    assert len({token for token, _ in links}) == 4
    # Any of them verifies (each once); after that the others are spent too.
    assert (await client.post("/api/v1/auth/verify-email", json={"token": links[1][0]})).status_code == 200
    spent = await client.post("/api/v1/auth/verify-email", json={"token": links[3][0]})
    assert spent.status_code == 409
    assert spent.json()["code"] == "verification_token_used"


async def test_accounts_made_like_the_cli_are_verified_and_get_no_mail(
        client: httpx.AsyncClient, members: Members, settings: Settings, smtp: SmtpSink) -> None:
    from notifications import outbox

    made = await members.create("organiser", email="olga@example.nl")
    me = (await client.get("/api/v1/me", headers=made["headers"])).json()
    assert me["email_verified"] is True
    assert me["email_verified_at"] is not None
    assert await outbox.send_outbox(settings) == 0
    assert smtp.received == []
