"""Abuse and privacy: security headers, cookies, client addresses, rate limits across app instances and
processes, personal-data export and account deletion, migrations on a database holding the demo data."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import anyio
import httpx
import pytest

from core import ratelimit
from core.security import client_ip_from, content_security_policy, header_values, session_cookie
from settings import Settings
from tests.support.database import IS_POSTGRES, ROOT, migrate, truncate_all
from tests.support.members import Members

pytestmark = pytest.mark.anyio

WRONG = {"password": "niet-het-goede-wachtwoord"}


# --------------------------------------------------------------------------- headers and cookies


@pytest.mark.parametrize("path", ["/healthz", "/api/v1/me", "/api/v1/bestaat-niet", "/bestaat-niet",
                                  "/schema/openapi.json"])
async def test_every_response_carries_the_security_headers(client: httpx.AsyncClient, path: str) -> None:
    response = await client.get(path)
    csp = response.headers["content-security-policy"]
    assert "'unsafe-inline'" not in csp
    assert "'unsafe-eval'" not in csp
    if not path.startswith("/bestaat"):  # pages may narrow the policy further (no Stripe where nobody pays)
        assert "script-src 'self' https://js.stripe.com" in csp
    assert "frame-ancestors 'none'" in csp
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["x-frame-options"] == "DENY"
    assert response.headers["referrer-policy"] in ("strict-origin-when-cross-origin", "same-origin")
    assert "camera=()" in response.headers["permissions-policy"]
    assert "strict-transport-security" not in response.headers  # only in production


def test_policy_admits_the_local_stripe_server_only_when_configured() -> None:
    local = content_security_policy(replace(Settings(), stripe_api_base="http://127.0.0.1:8420"))
    assert "script-src 'self' https://js.stripe.com http://127.0.0.1:8420" in local
    assert "connect-src 'self' https://api.stripe.com http://127.0.0.1:8420" in local
    real = content_security_policy(replace(Settings(), stripe_api_base=None))
    assert "127.0.0.1" not in real


def test_feeds_send_no_referrer_and_production_adds_hsts() -> None:
    production = replace(Settings(), app_env="production", public_base_url="https://nieuwgeluid.nl")
    feed = dict(header_values(production, "/feeds/abc.ics"))
    page = dict(header_values(production, "/"))
    assert feed[b"referrer-policy"] == b"no-referrer"
    assert page[b"referrer-policy"] == b"strict-origin-when-cross-origin"
    assert page[b"strict-transport-security"].startswith(b"max-age=31536000")
    assert b"strict-transport-security" not in dict(header_values(Settings(), "/"))


def test_session_cookie_is_httponly_lax_and_secure_in_production() -> None:
    dev = session_cookie("token-1", replace(Settings(), public_base_url="http://127.0.0.1:8000")).to_header()
    prod = session_cookie("token-1", replace(Settings(), app_env="production",
                                             public_base_url="https://nieuwgeluid.nl")).to_header()
    for header in (dev, prod):
        assert "HttpOnly" in header
        assert "SameSite=lax" in header
        assert "Path=/" in header
    assert "Secure" not in dev
    assert "Secure" in prod


async def test_logout_clears_the_session_cookie_with_its_attributes(client: httpx.AsyncClient,
                                                                    members: Members) -> None:
    member = await members.create()
    response = await client.post("/api/v1/auth/logout", headers=member["headers"])
    assert response.status_code == 204
    cookie = response.headers["set-cookie"]
    assert cookie.startswith("ng_session=")
    assert "HttpOnly" in cookie
    assert "Max-Age=0" in cookie


def test_client_ip_believes_forwarded_for_only_from_trusted_proxies() -> None:
    scope: Any = {"client": ("10.0.0.5", 1234), "headers": [(b"x-forwarded-for", b"203.0.113.9, 10.0.0.7")]}
    assert client_ip_from(scope, Settings()) == "10.0.0.5"  # no proxy configured: the header is ignored
    behind = replace(Settings(), trusted_proxies=("10.0.0.0/8",))
    assert client_ip_from(scope, behind) == "203.0.113.9"  # right to left, skipping our own proxies
    forged: Any = {"client": ("198.51.100.1", 1), "headers": [(b"x-forwarded-for", b"1.2.3.4")]}
    assert client_ip_from(forged, behind) == "198.51.100.1"  # not from a proxy: not believed


# --------------------------------------------------------------------------- rate limits


async def test_hits_are_counted_atomically_under_concurrency(app: Any) -> None:
    limit = ratelimit.Limit("test_concurrent", 25, 3600)
    decisions: list[ratelimit.Decision] = []

    async def one() -> None:
        decisions.append(await ratelimit.hit(limit, "client-a"))

    async with anyio.create_task_group() as tg:
        for _ in range(40):
            tg.start_soon(one)
    assert sum(d.allowed for d in decisions) == 25
    assert all(d.retry_after >= 1 for d in decisions if not d.allowed)


async def test_window_slides_and_old_buckets_are_cleaned(app: Any) -> None:
    from core.tables import RateLimitBucket

    limit = ratelimit.Limit("test_sliding", 10, 60)
    start = 1_800_000_000.0  # a window boundary (divisible by 60)
    for _ in range(10):
        assert (await ratelimit.hit(limit, "c", now=start + 50)).allowed
    assert not (await ratelimit.hit(limit, "c", now=start + 55)).allowed
    # Early in the next window most of the previous one still counts; a plain fixed window would allow 10 more.
    early = await ratelimit.hit(limit, "c", now=start + 65)
    assert not early.allowed
    assert 1 <= early.retry_after <= 60
    assert (await ratelimit.hit(limit, "c", now=start + 115)).allowed
    assert await RateLimitBucket.count() == 2
    assert await ratelimit.delete_expired(now=start + 500) == 2
    assert await RateLimitBucket.count() == 0
    assert "ratelimit_cleanup" in __import__("core.jobs", fromlist=["registered"]).registered()


@pytest.mark.parametrize(("period", "at", "expected_nl", "expected_en"), [
    (60, 50, "Te veel pogingen. Probeer het over 10 seconden opnieuw.",
     "Too many attempts. Please try again in 10 seconds."),
    (3600, 120, "Te veel pogingen. Probeer het over 58 minuten opnieuw.",
     "Too many attempts. Please try again in 58 minutes."),
])
async def test_the_wait_is_said_in_seconds_or_minutes(app: Any, period: int, at: int, expected_nl: str,
                                                      expected_en: str) -> None:
    from core.errors import DomainError
    from frontend.i18n import render_message

    limit = ratelimit.Limit(f"test_wait_{period}", 1, period)
    start = 1_800_000_000.0  # the start of a window of either length
    await ratelimit.enforce(limit, "c", now=start + at)
    with pytest.raises(DomainError) as refused:
        await ratelimit.enforce(limit, "c", now=start + at)
    assert refused.value.status == 429
    assert refused.value.message == expected_nl
    assert render_message(refused.value.message, "en") == expected_en


async def test_no_address_or_email_is_stored_in_the_counters(app: Any) -> None:
    from core.tables import RateLimitBucket

    await ratelimit.hit(ratelimit.LOGIN_PER_EMAIL, "sanne@example.nl")
    rows = await RateLimitBucket.select()
    assert rows
    assert all("sanne" not in str(row) for row in rows)


@pytest.mark.filterwarnings("ignore:.*A pool already exists")  # both lifespans start the one engine's pool
async def test_sign_in_is_limited_per_email_across_two_app_instances(settings: Settings) -> None:
    """Two create_app() instances with their own lifespans on one database (as two workers) count together."""
    from app import create_app

    first, second = create_app(settings), create_app(settings)
    async with first.lifespan(), second.lifespan():
        await truncate_all()
        clients = [httpx.AsyncClient(transport=httpx.ASGITransport(app=a), base_url="http://testserver")
                   for a in (first, second)]
        body = {"email": "doelwit@example.nl", **WRONG}
        statuses = []
        for i in range(ratelimit.LOGIN_PER_EMAIL.limit + 2):
            statuses.append((await clients[i % 2].post("/api/v1/auth/login", json=body)).status_code)
        limited = await clients[1].post("/api/v1/auth/login", json=body)
        for c in clients:
            await c.aclose()
    assert statuses[: ratelimit.LOGIN_PER_EMAIL.limit] == [401] * ratelimit.LOGIN_PER_EMAIL.limit
    assert statuses[ratelimit.LOGIN_PER_EMAIL.limit:] == [429, 429]
    assert limited.status_code == 429
    assert limited.headers["content-type"].startswith("application/problem+json")
    assert limited.json()["code"] == "rate_limited"
    assert 1 <= int(limited.headers["retry-after"]) <= ratelimit.LOGIN_PER_EMAIL.period


async def test_another_process_counts_in_the_same_buckets(app: Any, database_url: str) -> None:
    limit = ratelimit.Limit("test_process", 5, 3600)
    code = (
        "import anyio\nfrom core import ratelimit, db\n"
        "async def main():\n    await db.start(1)\n"
        "    for _ in range(3): await ratelimit.hit(ratelimit.Limit('test_process', 5, 3600), 'shared')\n"
        "    await db.stop()\nanyio.run(main)\n"
    )

    def child() -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120,
                              env={**os.environ, "DATABASE_URL": database_url})

    result = await anyio.to_thread.run_sync(child)
    assert result.returncode == 0, result.stderr
    assert [(await ratelimit.hit(limit, "shared")).allowed for _ in range(3)] == [True, True, False]


async def test_sign_up_and_sign_in_per_address(settings: Settings) -> None:
    from app import create_app

    application = create_app(replace(settings, rate_limit_scale=0.1))  # sign-up 2/h, sign-in 6 per 5 min
    try:
        async with application.lifespan():
            await truncate_all()
            transport = httpx.ASGITransport(app=application, client=("192.0.2.10", 5000))
            async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
                signups = [
                    (await client.post("/api/v1/auth/signup", json={
                        "email": f"nieuw{i}@example.nl", "password": "een-goed-wachtwoord-42", "name": f"Nieuw {i}",
                    })).status_code for i in range(3)
                ]
                logins = [
                    (await client.post("/api/v1/auth/login", json={"email": f"iemand{i}@example.nl", **WRONG}))
                    .status_code for i in range(7)
                ]
            other = httpx.ASGITransport(app=application, client=("192.0.2.11", 5000))
            async with httpx.AsyncClient(transport=other, base_url="http://testserver") as client:
                elsewhere = await client.post("/api/v1/auth/login", json={"email": "iemand@example.nl", **WRONG})
    finally:
        ratelimit.configure(Settings())
    assert signups == [202, 202, 429]
    assert logins == [401] * 6 + [429]
    assert elsewhere.status_code == 401  # another address has its own budget


async def test_order_guard_limits_per_member(app: Any, members: Members) -> None:
    from litestar import Litestar, post

    from core.auth import AuthenticationMiddleware
    from core.errors import problem_handlers

    guard = ratelimit.rate_limit_guard(ratelimit.Limit("test_orders", 2, 600))

    @post("/orders", guards=[guard], status_code=201)
    async def create_order() -> dict[str, str]:
        return {"ok": "yes"}

    small = Litestar([create_order], middleware=[AuthenticationMiddleware()], exception_handlers=problem_handlers())
    member = await members.create()
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=small), base_url="http://testserver") as client:
        mine = [(await client.post("/orders", headers=member["headers"])).status_code for _ in range(3)]
        anonymous = (await client.post("/orders")).status_code
    assert mine == [201, 201, 429]
    assert anonymous == 201  # counted per member when signed in, per address otherwise
    assert ratelimit.order_rate_limit.rate_limit == ratelimit.ORDER_PER_CLIENT


# --------------------------------------------------------------------------- personal data


async def test_export_holds_everything_about_me_and_nothing_secret(client: httpx.AsyncClient,
                                                                   members: Members) -> None:
    from members.tables import AuthToken

    member = await members.create(birth_date=date(1990, 5, 17), organisation="Bel & Co")
    other = await members.create(birth_date=date(1970, 1, 2))
    response = await client.get("/api/v1/me/export", headers=member["headers"])
    assert response.status_code == 200, response.text
    assert "attachment" in response.headers["content-disposition"]
    data = response.json()
    assert data["profile"]["email"] == member["email"]
    assert data["profile"]["birth_date"] == "1990-05-17"
    assert data["profile"]["organisation"] == "Bel & Co"
    assert [t["kind"] for t in data["tokens"]] == ["api"]
    assert data["orders"] == []
    assert data["events_organised"] == []
    hashes = [r["token_hash"] for r in await AuthToken.select(AuthToken.token_hash)]
    for secret in (member["token"], *hashes, "password", "argon2"):
        assert secret not in response.text
    assert other["email"] not in response.text
    assert "1970-01-02" not in response.text
    assert (await client.get("/api/v1/me/export")).status_code == 401


async def test_delete_account_needs_the_password_and_removes_member_and_tokens(
        client: httpx.AsyncClient, members: Members) -> None:
    from members.tables import AuthToken, Member

    member = await members.create(birth_date=date(1990, 5, 17))
    wrong = await client.request("DELETE", "/api/v1/me", headers=member["headers"], json=WRONG)
    assert wrong.status_code == 403
    assert wrong.json()["code"] == "password_incorrect"
    done = await client.request("DELETE", "/api/v1/me", headers=member["headers"],
                                json={"password": member["password"]})
    assert done.status_code == 200
    assert done.json() == {"outcome": "deleted"}
    assert "ng_session=" in done.headers["set-cookie"]
    assert await Member.count().where(Member.id == member["id"]) == 0
    assert await AuthToken.count().where(AuthToken.member == member["id"]) == 0
    assert (await client.get("/api/v1/me", headers=member["headers"])).status_code == 401
    login = await client.post("/api/v1/auth/login", json={"email": member["email"], "password": member["password"]})
    assert login.status_code == 401


async def test_delete_is_refused_while_holding_a_ticket_for_a_coming_event(
        client: httpx.AsyncClient, members: Members, monkeypatch: pytest.MonkeyPatch) -> None:
    from devtools.demo import DEMO_SLUG, seed_demo
    from events.tables import Event
    from ticketing import member_data, tickets

    await seed_demo(date.today())
    demo = await Event.select(Event.id).where(Event.slug == DEMO_SLUG).first()
    member = await members.create()

    async def live_ticket_event_ids(member_id: int) -> list[int]:
        return [demo["id"]] if member_id == member["id"] else []

    monkeypatch.setattr(tickets, "live_ticket_event_ids", live_ticket_event_ids)
    refused = await client.request("DELETE", "/api/v1/me", headers=member["headers"],
                                   json={"password": member["password"]})
    assert refused.status_code == 409
    assert refused.json()["code"] == "live_ticket"
    # Once the event is over, the account can go.
    assert not await member_data.holds_ticket_for_coming_event(member["id"], datetime.now(UTC) + timedelta(days=800))


async def test_delete_anonymises_when_orders_or_events_point_at_the_account(
        client: httpx.AsyncClient, members: Members) -> None:
    from events.tables import Event
    from members.tables import AuthToken, Member

    organiser = await members.create("organiser", birth_date=date(1980, 3, 3), organisation="Stichting")
    created = await client.post("/api/v1/events", headers=organiser["headers"], json={
        "title": "Meetup", "starts_at": "2031-06-01T18:00:00", "ends_at": "2031-06-01T21:00:00",
        "capacity_duos": 10, "kind": "meetup"})
    assert created.status_code == 201, created.text
    done = await client.request("DELETE", "/api/v1/me", headers=organiser["headers"],
                                json={"password": organiser["password"]})
    assert done.status_code == 200
    assert done.json() == {"outcome": "anonymised"}
    row = await Member.select().where(Member.id == organiser["id"]).first()
    assert row["email"].endswith("@verwijderd.invalid")
    assert row["birth_date"] is None
    assert row["organisation"] == ""
    assert not row["is_organiser"]
    assert organiser["email"] not in str(row)
    assert await AuthToken.count().where(AuthToken.member == organiser["id"]) == 0
    assert await Event.count() == 1  # the event stays, pointing at a placeholder


# --------------------------------------------------------------------------- migrations with data


def _seed_in_child(url: str) -> subprocess.CompletedProcess[str]:
    code = (
        "import anyio, datetime\nfrom core import db\nfrom devtools.demo import seed_demo\n"
        "async def main():\n    await db.start(1)\n"
        "    print('seeded' if await seed_demo(datetime.date.today()) else 'skipped')\n"
        "    await db.stop()\nanyio.run(main)\n"
    )
    return subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=300,
                          env={**os.environ, "DATABASE_URL": url})


async def test_migrations_run_forwards_again_over_the_demo_data(database_url: str) -> None:
    """Empty database → all migrations → demo data → migrations forwards again (SQLite: a fresh file;
    PostgreSQL: this run's database, emptied first) — and the demo data survives untouched."""
    if IS_POSTGRES:
        from tests.support.database import reset_postgres

        url = database_url
        await anyio.to_thread.run_sync(reset_postgres, url)
    else:
        url = f"sqlite:///{Path(tempfile.mkdtemp()) / 'demo.sqlite3'}"
    first = await anyio.to_thread.run_sync(migrate, url)
    assert first.returncode == 0, first.stdout + first.stderr
    seeded = await anyio.to_thread.run_sync(_seed_in_child, url)
    assert seeded.returncode == 0, seeded.stdout + seeded.stderr
    assert "seeded" in seeded.stdout, seeded.stdout + seeded.stderr
    again = await anyio.to_thread.run_sync(migrate, url)
    assert again.returncode == 0, again.stdout + again.stderr
    assert "Traceback" not in again.stderr, again.stdout + again.stderr
    assert "skipped" in (await anyio.to_thread.run_sync(_seed_in_child, url)).stdout


async def test_demo_data_round_trips_through_the_api(client: httpx.AsyncClient) -> None:
    from devtools.demo import DEMO_ORGANISER, DEMO_SLUG, seed_demo

    assert await seed_demo(date.today())
    listed = (await client.get("/api/v1/events")).json()
    assert [e["slug"] for e in listed] == [DEMO_SLUG]
    event = (await client.get(f"/api/v1/events/{DEMO_SLUG}")).json()
    assert len(event["agenda"]) == 8
    assert [s["round_number"] for s in event["agenda"] if s["round_number"]] == [1, 2, 3]
    assert len(event["themes"]) == 3
    assert event["seats_left"] == 40
    assert event["price_cents"] == 9500
    login = await client.post("/api/v1/auth/login", json={"email": DEMO_ORGANISER[0], "password": DEMO_ORGANISER[1]})
    assert login.status_code == 200
    headers = {"Authorization": f"Bearer {login.json()['token']}"}
    patched = await client.patch(f"/api/v1/events/{DEMO_SLUG}", headers=headers,
                                 json={"agenda": event["agenda"] and [
                                     {k: s[k] for k in ("id", "title", "starts_at", "ends_at", "room",
                                                        "is_breakout_round")} for s in event["agenda"]]})
    assert patched.status_code == 200, patched.text
    after = patched.json()
    assert [s["id"] for s in after["agenda"]] == [s["id"] for s in event["agenda"]]  # ids (calendar UIDs) kept
    assert after["sequence"] == event["sequence"]  # an unchanged agenda is not a calendar change
    assert {k: after[k] for k in ("starts_at", "ends_at", "themes")} == {k: event[k] for k in
                                                                         ("starts_at", "ends_at", "themes")}


async def test_the_session_cookie_never_authenticates_an_api_write(client: httpx.AsyncClient,
                                                                    members: Members) -> None:
    """CSRF is off for /api (bearer clients), so a cookie there may read but never change anything."""
    member = await members.create()
    cookie = {"cookie": f"ng_session={member['token']}"}
    assert (await client.get("/api/v1/me", headers=cookie)).status_code == 200
    write = await client.patch("/api/v1/me", headers=cookie, json={"name": "Overgenomen"})
    assert write.status_code == 401
    assert write.json()["code"] == "not_authenticated"
    assert (await client.get("/api/v1/me", headers=member["headers"])).json()["name"] != "Overgenomen"
    assert (await client.patch("/api/v1/me", headers=member["headers"], json={"name": "Zelf"})).status_code == 200
