"""Abuse found by probing (issue 11), on SQLite and PostgreSQL: spreadsheet formulas in the attendee CSV, the
eligibility check telling anyone about organisers' exceptions, companion changes as a mail cannon, a local client
naming its own address in X-Forwarded-For, and guessable passwords."""

from __future__ import annotations

import csv
import io
import os
import re
import socket
import subprocess
import sys
import time
from typing import Any

import anyio
import httpx
import pytest

from core import ratelimit
from settings import Settings
from tests.support.database import ROOT
from tests.support.members import Members, quick_members
from tests.support.shop import Shop
from tests.support.smtp import SmtpSink

pytestmark = pytest.mark.anyio

FORMULAS = ['=HYPERLINK("https://phish.example","klik")', "=1+1", "@SUM(A1:A9)", "+31 6 1234 5678",
            "-2+3", "\t=1+1", "\r\n=cmd|' /C calc'!A0", "  =1+1", "＝1+1"]


async def _csrf(client: httpx.AsyncClient) -> str:
    page = await client.get("/inloggen")
    token = re.search(r'name="_csrf_token" value="([^"]+)"', page.text)
    assert token, page.text[:300]
    return token.group(1)


# --------------------------------------------------------------------------- CSV: no formulas reach a spreadsheet


async def _csv_rows(response: httpx.Response) -> list[dict[str, str]]:
    assert response.status_code == 200, response.text
    return list(csv.DictReader(io.StringIO(response.text.removeprefix("\ufeff")), delimiter=";"))


async def test_the_attendee_csv_neutralises_every_formula_on_the_api_and_the_page(
        client: httpx.AsyncClient, shop: Shop, members: Members) -> None:
    event = await shop.event(capacity_duos=20)
    slug, h = event["slug"], shop.organiser["headers"]
    buyers = await quick_members(len(FORMULAS))
    for i, (buyer, formula) in enumerate(zip(buyers, FORMULAS, strict=True)):
        ordered = await shop.order(slug, buyer, name=f"-Sam {i}", organisation=formula, email=f"p{i}@example.nl")
        assert ordered.status_code == 201, ordered.text
    page = await client.get(f"/organiseren/{slug}/deelnemers.csv", headers=h)
    for response in (await client.get(f"/api/v1/events/{slug}/attendees.csv", headers=h), page):
        rows = await _csv_rows(response)
        companions = [r for r in rows if r["Rol"] == "Partner"]
        # (Organisations are stored trimmed; tests/unit/test_spreadsheet.py covers cells with leading whitespace.)
        assert sorted(r["Organisatie"] for r in companions) == sorted("'" + f.strip() for f in FORMULAS)
        assert all(r["Naam"].startswith("'-Sam ") for r in companions)
        for row in rows:  # no cell of any row starts a formula, even after leading whitespace
            for value in row.values():
                assert not value.lstrip(" \t\r\n").startswith(("=", "+", "-", "@", "＝")), (row, value)
        # Plain cells stay as they were.
        assert all(r["E-mailadres"].endswith("@example.nl") and not r["E-mailadres"].startswith("'") for r in rows)


# --------------------------------------------------------------------------- the eligibility check


async def test_the_eligibility_check_tells_only_the_buyer_about_an_exception_and_never_its_reason(
        client: httpx.AsyncClient, shop: Shop, members: Members) -> None:
    event = await shop.event()
    slug, h = event["slug"], shop.organiser["headers"]
    secret = "Oom van de directeur, niet rondvertellen"
    created = await client.post(f"/api/v1/events/{slug}/overrides", headers=h,
                                json={"email": "mentor@example.nl", "reason": secret})
    assert created.status_code == 201, created.text
    ask = {"industry": "customer_contact", "birth_date": "1970-01-01", "email": "mentor@example.nl"}
    anonymous = await client.post(f"/api/v1/events/{slug}/eligibility-check", json=ask)
    assert anonymous.status_code == 200, anonymous.text
    body = anonymous.json()
    # The rule alone: as for an address without an exception.
    without = (await client.post(f"/api/v1/events/{slug}/eligibility-check",
                                 json={**ask, "email": "iemand@example.nl"})).json()
    assert body == without
    assert body["eligible"] is False
    assert body["override"] is False
    assert secret not in anonymous.text
    assert "uitzondering" not in anonymous.text
    # The signed-in buyer learns there is one, so the order page does not refuse what ordering accepts.
    buyer = await members.create(email="koper@example.nl")
    mine = await client.post(f"/api/v1/events/{slug}/eligibility-check", json=ask, headers=buyer["headers"])
    assert mine.json()["eligible"] is True
    assert mine.json()["override"] is True
    assert secret not in mine.text
    assert "uitzondering" in mine.json()["reason_nl"]
    order = await shop.order(slug, buyer, name="Mentor", **ask)
    assert order.status_code == 201, order.text
    assert secret not in order.text  # the buyer's order shows the exception, not the organiser's reason
    assert secret not in (await client.get(f"/api/v1/orders/{order.json()['id']}", headers=buyer["headers"])).text
    # The organiser still sees why.
    listing = await client.get(f"/api/v1/events/{slug}/attendees", headers=h)
    assert listing.json()["duos"][0]["companion"]["override"]["reason"] == secret
    # The live check on the order page says the same.
    form = await client.post(f"/e/{slug}/partner-check", headers={"HX-Request": "true", **buyer["headers"]},
                             data={"industry": "customer_contact", "birth_date": "1970-01-01",
                                   "email": "mentor@example.nl", "_csrf_token": await _csrf(client)})
    assert form.status_code == 200, form.text
    assert "uitzondering" in form.text, form.text
    assert secret not in form.text, form.text


async def test_the_eligibility_check_is_rate_limited_per_client(client: httpx.AsyncClient, shop: Shop,
                                                                members: Members) -> None:
    from ticketing.companions import ELIGIBILITY_CHECK

    event = await shop.event()
    ask = {"industry": "retail"}
    limit = ratelimit.effective_limit(ELIGIBILITY_CHECK)
    statuses = [(await client.post(f"/api/v1/events/{event['slug']}/eligibility-check", json=ask)).status_code
                for _ in range(limit + 1)]
    assert statuses[:limit] == [200] * limit, statuses
    assert statuses[limit] == 429, statuses
    # A signed-in member counts on their own; the page's live check shares the same counter.
    member = await members.create()
    ok = await client.post(f"/api/v1/events/{event['slug']}/eligibility-check", json=ask, headers=member["headers"])
    assert ok.status_code == 200
    live = await client.post(f"/e/{event['slug']}/partner-check", data={**ask, "_csrf_token": await _csrf(client)},
                             headers={"HX-Request": "true"})
    assert live.status_code == 200, live.text
    assert "Te veel pogingen; wacht even." in live.text, live.text


# --------------------------------------------------------------------------- companion changes


async def test_companion_changes_are_limited_per_order_and_per_buyer(client: httpx.AsyncClient, shop: Shop,
                                                                     settings: Settings, smtp: SmtpSink) -> None:
    from notifications import outbox
    from notifications.tables import OutboxMail
    from ticketing.companions import COMPANION_CHANGES_PER_MEMBER, COMPANION_CHANGES_PER_ORDER

    per_order = ratelimit.effective_limit(COMPANION_CHANGES_PER_ORDER)
    per_member = ratelimit.effective_limit(COMPANION_CHANGES_PER_MEMBER)
    (buyer,) = await quick_members(1)
    orders = []
    for i in range(per_member // per_order + 1):
        event = await shop.event(price_cents=0, title=f"Meetup {i}")
        ordered = await shop.order(event["slug"], buyer, email=f"eerste{i}@example.nl")
        assert ordered.status_code == 201, ordered.text
        orders.append(ordered.json()["id"])

    async def change(order_id: int, n: int) -> httpx.Response:
        return await client.put(f"/api/v1/orders/{order_id}/companion", headers=buyer["headers"],
                                json={"name": f"Partner {n}", "email": f"p{order_id}-{n}@example.nl",
                                      "industry": "retail"})

    statuses = [(await change(orders[0], n)).status_code for n in range(per_order + 1)]
    assert statuses == [200] * per_order + [429], statuses
    before = await OutboxMail.count()
    refused = await change(orders[0], 99)
    assert refused.status_code == 429
    assert refused.json()["code"] == "rate_limited"
    assert int(refused.headers["retry-after"]) > 0
    assert await OutboxMail.count() == before  # a refused change mails nobody
    done = per_order
    for order_id in orders[1:]:
        for n in range(per_order):
            response = await change(order_id, n)
            done += 1
            assert response.status_code == (200 if done <= per_member else 429), (done, response.text)
    assert done > per_member
    await outbox.send_outbox(settings)


async def test_a_name_with_a_link_never_reaches_a_mail_to_someone_who_did_not_ask(
        client: httpx.AsyncClient, shop: Shop, settings: Settings, smtp: SmtpSink) -> None:
    from notifications import outbox
    from ticketing.tables import Attendee

    event = await shop.event(price_cents=0)
    (buyer,) = await quick_members(1)
    refused = await shop.order(event["slug"], buyer, name="Lees dit: http://phish.example")
    assert refused.status_code == 422
    assert refused.json()["errors"][0]["field"] == "companion.name"
    order = (await shop.order(event["slug"], buyer, name="Sam Jong", email="sam@example.nl")).json()
    changed = await client.put(f"/api/v1/orders/{order['id']}/companion", headers=buyer["headers"],
                               json={"name": "Klik op phish.example", "email": "ander@example.nl",
                                     "industry": "retail"})
    assert changed.status_code == 422
    # A name stored before names were checked still stays out of the mails (a stand-in instead).
    await Attendee.update({Attendee.name: "Lees dit: http://phish.example <b>nu</b>"}).where(
        Attendee.email == "sam@example.nl")
    changed = await client.put(f"/api/v1/orders/{order['id']}/companion", headers=buyer["headers"],
                               json={"name": "Nieuwe Partner", "email": "nieuw@example.nl", "industry": "retail"})
    assert changed.status_code == 200, changed.text
    await outbox.send_outbox(settings)
    mails = await smtp.wait_for_messages(4)
    for mail in mails:
        text = mail.message.as_string()
        assert "phish" not in text, text[:2000]
        assert "<b>nu" not in text, text[:2000]
        for part in mail.message.iter_attachments():  # the calendar part too (base64 on the wire)
            assert b"phish" not in part.get_payload(decode=True)
    voided = next(m for m in mails if m.rcpt_tos[0] == "sam@example.nl")
    assert "werkt niet meer" in str(voided.message["Subject"])


# --------------------------------------------------------------------------- X-Forwarded-For and the served app


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _serve(database_url: str, **env: str) -> tuple[subprocess.Popen[bytes], str]:
    port = _free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "core.serve", "--host", "127.0.0.1", "--port", str(port)], cwd=ROOT,
        env={**os.environ, "DATABASE_URL": database_url, "APP_ENV": "test", "BACKGROUND_JOBS": "false",
             "RATE_LIMIT_SCALE": "0.05", **env},
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    for _ in range(300):
        try:
            if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                return process, base
        except httpx.HTTPError:
            time.sleep(0.1)
    process.kill()
    raise RuntimeError("core.serve did not start")


def test_make_run_serves_through_core_serve_without_uvicorns_proxy_headers() -> None:
    script = (ROOT / "scripts" / "run.sh").read_text()
    assert re.search(r"^\$PY -m core\.serve ", script, re.M), "make run must serve through core.serve"
    assert "--proxy-headers" not in script.replace("core.serve runs uvicorn WITHOUT its proxy headers", "")


@pytest.mark.parametrize("trusted", ["", "127.0.0.1"])
async def test_x_forwarded_for_is_believed_only_from_trusted_proxies(app: Any, database_url: str,
                                                                     trusted: str) -> None:
    """The app as `make run` serves it (core.serve), on the test database (`app` emptied it). LOGIN_PER_IP is 60
    per 5 minutes, 3 at this scale. A local client naming a new address each time is one client unless 127.0.0.1
    is a trusted proxy; then each named address counts on its own."""
    process, base = await anyio.to_thread.run_sync(lambda: _serve(database_url, TRUSTED_PROXIES=trusted))
    try:
        limit = max(1, round(60 * 0.05))
        statuses = []
        async with httpx.AsyncClient(timeout=10) as http:
            for i in range(limit + 2):
                response = await http.post(f"{base}/api/v1/auth/login",
                                           json={"email": f"gok{i}@example.nl", "password": "x" * 12},
                                           headers={"X-Forwarded-For": f"203.0.113.{i + 1}"})
                statuses.append(response.status_code)
        if trusted:
            assert statuses == [401] * (limit + 2), statuses
        else:
            assert statuses == [401] * limit + [429, 429], statuses
    finally:
        process.terminate()
        await anyio.to_thread.run_sync(lambda: process.wait(timeout=10))


# --------------------------------------------------------------------------- guessable passwords


GUESSABLE = ("password1234", "Welkom2027!", "qwerty123456")


async def test_guessable_passwords_are_refused_on_the_api_the_pages_and_the_live_check(
        client: httpx.AsyncClient, members: Members) -> None:
    for password in GUESSABLE:
        signup = await client.post("/api/v1/auth/signup", json={"email": "nieuw@example.nl", "password": password,
                                                                "name": "Nieuw Lid"})
        assert signup.status_code == 422, signup.text
        assert signup.json()["errors"][0]["field"] == "password", signup.text
        assert "te makkelijk te raden" in signup.json()["detail"]
        live = await client.post("/aanmelden/wachtwoord", headers={"HX-Request": "true"},
                                 data={"password": password, "email": "nieuw@example.nl", "name": "Nieuw Lid",
                                       "_csrf_token": await _csrf(client)})
        assert "strength--weak" in live.text, live.text
        assert "te makkelijk te raden" in live.text, live.text
        english = await client.post("/aanmelden/wachtwoord", headers={"HX-Request": "true", "Accept-Language": "en"},
                                    data={"password": password, "_csrf_token": await _csrf(client)})
        assert "too easy to guess" in english.text, english.text
    good = await client.post("/aanmelden/wachtwoord", headers={"HX-Request": "true"},
                             data={"password": "een-goed-wachtwoord-42", "_csrf_token": await _csrf(client)})
    assert "strength--ok" in good.text
    # The sign-up page itself.
    page = await client.get("/aanmelden")
    token = re.search(r'name="_csrf_token" value="([^"]+)"', page.text)
    assert token
    refused = await client.post("/aanmelden", data={
        "_csrf_token": token.group(1), "name": "Nieuw Lid", "email": "nieuw@example.nl", "password": "Welkom2027!",
        "industry": "retail", "experience_level": "1"})
    assert refused.status_code == 422
    assert "te makkelijk te raden" in refused.text
    # And a new password by the reset link.
    from members.password_reset import issue_password_reset_token

    member = await members.create(email="reset@example.nl")
    issued = await issue_password_reset_token(member["email"])
    assert issued is not None
    confirm = await client.post("/api/v1/auth/password-reset/confirm",
                                json={"token": issued.token, "password": "qwerty123456"})
    assert confirm.status_code == 422
    assert "te makkelijk te raden" in confirm.json()["detail"]


def test_the_demo_and_fixture_passwords_are_strong_enough() -> None:
    from devtools.demo import DEMO_FACILITATOR, DEMO_ORGANISER
    from members.rules import password_problem

    for email, password in (DEMO_ORGANISER[:2], DEMO_FACILITATOR[:2], ("lid@example.nl", "een-goed-wachtwoord-42"),
                            ("x@example.nl", "seeded-koffie-bij-de-klantenservice")):
        assert password_problem(password, email, "Lid") is None, password
