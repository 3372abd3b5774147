"""Bad input that used to get a 500 or be stored wrongly (issue 11), on SQLite and PostgreSQL.

- JSON nested deeper than the decoder's limit: 400 problem+json (was a 500, also anonymously).
- A NUL character in any text (API bodies, page forms, query strings, paths): 422 (PostgreSQL 500'd).
- A correctly signed Stripe webhook of an unexpected shape: 400, logged, nothing stored; a valid event
  afterwards (even with the same id) still applies.
- A companion born after today, or named with spaces only or with a link: refused with a field error.
- RATE_LIMIT_SCALE=0 switches rate limiting off (and is refused in production).
"""

from __future__ import annotations

import logging
import re
from dataclasses import replace
from datetime import date, timedelta
from typing import Any

import httpx
import pytest

from settings import Settings, SettingsError
from tests.support.invariants import assert_ticketing_invariants
from tests.support.members import Members, quick_members
from tests.support.shop import Shop, held_order, post_event

pytestmark = pytest.mark.anyio

NESTED = b"[" * 5000 + b"]" * 5000
PROBLEM = "application/problem+json"


def _is_problem(response: httpx.Response, status: int, code: str) -> None:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith(PROBLEM)
    assert response.json()["code"] == code


async def _form(client: httpx.AsyncClient, path: str, body: bytes, **headers: str) -> httpx.Response:
    """A form post with the CSRF token of a first GET, as a browser sends it (body already url-encoded)."""
    page = await client.get("/inloggen")
    token = re.search(r'name="_csrf_token" value="([^"]+)"', page.text)
    assert token, page.text[:500]
    return await client.post(path, content=body + f"&_csrf_token={token.group(1)}".encode(),
                             headers={"Content-Type": "application/x-www-form-urlencoded", **headers})


# --------------------------------------------------------------------------- nested JSON


@pytest.mark.parametrize("path", ["/api/v1/auth/login", "/api/v1/auth/signup", "/api/v1/auth/password-reset",
                                  "/api/v1/events/bestaat-niet/eligibility-check", "/api/v1/stripe/webhook"])
async def test_deeply_nested_json_is_a_400_for_anyone(client: httpx.AsyncClient, path: str) -> None:
    for content_type in ("application/json", "text/plain"):  # Litestar decodes JSON whatever the type says
        response = await client.post(path, content=NESTED, headers={"Content-Type": content_type})
        _is_problem(response, 400, "bad_request")
        assert "nested too deeply" in response.json()["detail"]


async def test_deeply_nested_json_is_a_400_for_a_signed_in_member_too(client: httpx.AsyncClient,
                                                                      members: Members, shop: Shop) -> None:
    event = await shop.event()
    member = await members.create()
    response = await client.post(f"/api/v1/events/{event['slug']}/orders", content=NESTED,
                                 headers={**member["headers"], "Content-Type": "application/json"})
    _is_problem(response, 400, "bad_request")
    response = await client.patch("/api/v1/me", content=NESTED,
                                  headers={**member["headers"], "Content-Type": "application/json"})
    _is_problem(response, 400, "bad_request")


# --------------------------------------------------------------------------- NUL characters


async def test_a_nul_in_any_text_field_is_a_422_naming_the_field(client: httpx.AsyncClient, members: Members,
                                                                  shop: Shop) -> None:
    from members.tables import Member
    from ticketing.tables import Attendee

    event = await shop.event()
    member = await members.create(email="nul@example.nl")
    slug = event["slug"]
    cases: list[tuple[str, str, dict[str, Any], dict[str, str], str]] = [
        ("POST", "/api/v1/auth/login", {"email": "nul@example.nl\x00", "password": "x"}, {}, "email"),
        ("POST", "/api/v1/auth/signup", {"email": "nieuw@example.nl", "password": "een-goed-wachtwoord-42",
                                         "name": "Nul\x00Teken"}, {}, "name"),
        ("POST", "/api/v1/auth/password-reset", {"email": "nul\x00@example.nl"}, {}, "email"),
        ("POST", "/api/v1/auth/password-reset/confirm", {"token": "abc\x00", "password": "x"}, {}, "token"),
        ("POST", f"/api/v1/events/{slug}/eligibility-check",
         {"industry": "retail", "email": "a\x00@example.nl"}, {}, "email"),
        ("POST", f"/api/v1/events/{slug}/orders",
         {"companion": {"name": "Sam\x00", "email": "sam@example.nl", "industry": "retail"}}, member["headers"],
         "companion.name"),
        ("PATCH", "/api/v1/me", {"organisation": "Bakkerij\x00"}, member["headers"], "organisation"),
        ("PUT", f"/api/v1/events/{slug}/ranking", {"themes": ["imago\x00"]}, member["headers"], "themes[0]"),
    ]
    for method, path, body, headers, field in cases:
        response = await client.request(method, path, json=body, headers=headers)
        _is_problem(response, 422, "validation_error")
        assert response.json()["errors"][0]["field"] == field, (path, response.text)
    # A key with a NUL, and a NUL in the query string or the path.
    keyed = await client.post("/api/v1/auth/login", json={"email\x00": "a@example.nl", "password": "x"})
    _is_problem(keyed, 422, "validation_error")
    for path in ("/api/v1/events?status=%00", f"/api/v1/events/{slug}%00"):
        _is_problem(await client.get(path), 422, "validation_error")
    for path in ("/e/demo%00x", "/?zoek=a%00b"):  # pages answer with the HTML error page
        page = await client.get(path)
        assert page.status_code == 422, page.text[:300]
        assert "NUL" in page.text, page.text[:300]
    # Nothing was stored on the way.
    assert await Member.count().where(Member.name.like("%Nul%")) == 0
    assert await Attendee.count() == 0


async def test_a_nul_in_a_page_form_is_refused_with_422(client: httpx.AsyncClient) -> None:
    for path, body in (("/inloggen", b"email=a%00%40example.nl&password=x"),
                       ("/aanmelden", b"name=Sam%00&email=sam%40example.nl&password=een-goed-wachtwoord-42"
                                      b"&industry=retail&experience_level=1"),
                       ("/wachtwoord-vergeten", b"email=a%40example.nl%00")):
        response = await _form(client, path, body)
        assert response.status_code == 422, (path, response.text[:300])
        assert "NUL" in response.text
    # A literal "%00" typed into a field travels as %2500: that is text, not a NUL, and passes the edge.
    typed = await _form(client, "/inloggen", b"email=procent%2500%40example.nl&password=x")
    assert typed.status_code == 401


# --------------------------------------------------------------------------- Stripe webhooks of an unexpected shape


async def test_a_signed_webhook_of_unexpected_shape_is_a_logged_400_and_a_valid_one_still_applies(
        client: httpx.AsyncClient, shop: Shop, caplog: pytest.LogCaptureFixture) -> None:
    from ticketing.tables import StripeEvent, TicketOrder

    event = await shop.event()
    [buyer] = await quick_members(1)
    order = await held_order(shop, event["slug"], buyer)
    intent = "pi_shape_test"
    await TicketOrder.update({TicketOrder.payment_intent_id: intent}).where(TicketOrder.id == order["id"])
    good = {"id": intent, "object": "payment_intent", "amount": 9500, "currency": "eur", "status": "succeeded",
            "metadata": {"order_id": str(order["id"])}}
    odd_shapes: list[tuple[str, Any]] = [
        ("payment_intent.succeeded", {}),  # no id
        ("payment_intent.succeeded", {**good, "id": 42}),
        ("payment_intent.succeeded", {**good, "amount": "veel"}),
        ("payment_intent.succeeded", {**good, "metadata": "order 1"}),
        ("payment_intent.succeeded", ["not", "an", "object"]),
        ("refund.updated", {"object": "refund", "id": 7, "status": "succeeded"}),
        ("charge.refunded", {"object": "charge", "refunded": "yes", "payment_intent": intent}),
    ]
    caplog.set_level(logging.WARNING, logger="nieuw_geluid.ticketing")
    for event_type, obj in odd_shapes:
        response = await post_event(client, event_type, obj, event_id="evt_shape")
        _is_problem(response, 400, "invalid_webhook_payload")
    # No `data.object` at all, and `data` of the wrong type.
    from tests.support.shop import WEBHOOK_SECRET
    from tests.support.stripe import sign_payload

    for body in (b'{"id": "evt_shape", "type": "payment_intent.succeeded", "data": {}}',
                 b'{"id": "evt_shape", "type": "payment_intent.succeeded", "data": "x"}',
                 b'{"id": "evt_shape", "type": "payment_intent.succeeded"}',
                 b'["evt_shape"]'):
        response = await client.post("/api/v1/stripe/webhook", content=body,
                                     headers={"Stripe-Signature": sign_payload(body, WEBHOOK_SECRET)})
        _is_problem(response, 400, "invalid_webhook_payload")
    assert await StripeEvent.count() == 0  # nothing stored: the id is not spent
    assert sum("unexpected shape" in r.getMessage() for r in caplog.records) == len(odd_shapes) + 4
    # The valid event with the same id is applied.
    paid = await post_event(client, "payment_intent.succeeded", good, event_id="evt_shape")
    assert paid.status_code == 200, paid.text
    assert paid.json()["outcome"] == "paid", paid.text
    # Events the app does not act on pass with any object.
    other = await post_event(client, "customer.created", {"id": "cus_1", "whatever": [1, 2]})
    assert other.status_code == 200
    assert other.json()["outcome"] == "ignored"
    await assert_ticketing_invariants()


# --------------------------------------------------------------------------- companion birth date and name


async def test_a_companion_born_after_today_or_named_with_spaces_only_is_refused(
        client: httpx.AsyncClient, shop: Shop, members: Members) -> None:
    from ticketing.tables import Attendee

    event = await shop.event()
    buyer = await members.create()
    tomorrow = (date.today() + timedelta(days=2)).isoformat()  # after today, before the event (60 days ahead)
    born_later = await shop.order(event["slug"], buyer, industry="customer_contact", birth_date=tomorrow)
    _is_problem(born_later, 422, "companion_birth_date_invalid")
    assert "toekomst" in born_later.json()["detail"]
    check = await client.post(f"/api/v1/events/{event['slug']}/eligibility-check",
                              json={"industry": "customer_contact", "birth_date": tomorrow})
    assert check.status_code == 200, check.text
    assert check.json()["code"] == "companion_birth_date_invalid", check.text
    for name, fragment in (("   ", "Vul de naam van je partner in"),
                           ("Lees dit: http://phish.example", "geen webadres"),
                           ("phish.example", "geen webadres"),
                           ("<a href=x>Sam</a>", "geen webadres")):
        refused = await shop.order(event["slug"], buyer, name=name)
        _is_problem(refused, 422, "validation_error")
        assert refused.json()["errors"] == [{"field": "companion.name", "message": refused.json()["detail"]}]
        assert fragment in refused.json()["detail"]
    assert await Attendee.count() == 0
    ok = await shop.order(event["slug"], buyer, name="  J.P.   de Vries-O’Neill ")
    assert ok.status_code == 201, ok.text
    assert ok.json()["companion"]["name"] == "J.P. de Vries-O’Neill"
    # Changing the companion checks the same.
    change = await client.put(f"/api/v1/orders/{ok.json()['id']}/companion", headers=buyer["headers"],
                              json={"name": " ", "email": "ander@example.nl", "industry": "retail"})
    _is_problem(change, 422, "validation_error")
    assert change.json()["errors"][0]["field"] == "companion.name"


async def test_the_order_pages_show_the_birth_date_and_name_errors_next_to_their_fields(
        client: httpx.AsyncClient, shop: Shop, members: Members) -> None:
    event = await shop.event()
    buyer = await members.create()
    tomorrow = (date.today() + timedelta(days=2)).isoformat()
    for fields, field, message in (
        (f"name=Sam+Jong&email=sam%40example.nl&industry=customer_contact&birth_date={tomorrow}",
         "birth_date", "ligt in de toekomst"),
        ("name=Lees+dit%3A+http%3A%2F%2Fphish.example&email=sam%40example.nl&industry=retail", "name",
         "geen webadres"),
    ):
        response = await _form(client, f"/e/{event['slug']}/bestellen", fields.encode(),
                               Authorization=buyer["headers"]["Authorization"])
        assert response.status_code == 422, response.text[:500]
        assert f'id="f-{field}-error"' in response.text or f'id="{field}-error"' in response.text, response.text
        assert message in response.text


async def test_a_member_name_that_could_carry_a_link_is_refused(client: httpx.AsyncClient,
                                                                members: Members) -> None:
    member = await members.create()
    for name in ("   ", "Klik op www.phish.example", "Sam <script>"):
        response = await client.patch("/api/v1/me", json={"name": name}, headers=member["headers"])
        _is_problem(response, 422, "validation_error")
        assert response.json()["errors"][0]["field"] == "name"


# --------------------------------------------------------------------------- ORDER_CONCURRENCY


def test_order_concurrency_is_a_count_of_orders_per_worker_and_zero_means_no_gate(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("APP_ENV", "test")
    monkeypatch.delenv("ORDER_CONCURRENCY", raising=False)
    assert Settings.from_env().order_concurrency == 16
    monkeypatch.setenv("ORDER_CONCURRENCY", "0")
    assert Settings.from_env().order_concurrency == 0
    for bad in ("-1", "veel", "1.5"):
        monkeypatch.setenv("ORDER_CONCURRENCY", bad)
        with pytest.raises(SettingsError, match="ORDER_CONCURRENCY"):
            Settings.from_env()


# --------------------------------------------------------------------------- RATE_LIMIT_SCALE=0


def test_rate_limit_scale_zero_means_off_outside_production_and_is_refused_in_production(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("APP_ENV", "test")
    monkeypatch.setenv("RATE_LIMIT_SCALE", "0")
    assert Settings.from_env().rate_limit_scale == 0
    monkeypatch.setenv("APP_ENV", "production")
    with pytest.raises(SettingsError, match="RATE_LIMIT_SCALE must be positive"):
        Settings.from_env()
    monkeypatch.setenv("APP_ENV", "test")
    for bad in ("-1", "nan", "veel"):
        monkeypatch.setenv("RATE_LIMIT_SCALE", bad)
        with pytest.raises(SettingsError, match="RATE_LIMIT_SCALE"):
            Settings.from_env()


async def test_rate_limit_scale_zero_counts_nothing(settings: Settings) -> None:
    from app import create_app
    from core import ratelimit
    from core.tables import RateLimitBucket

    application = create_app(replace(settings, rate_limit_scale=0))
    try:
        async with application.lifespan():
            before = await RateLimitBucket.count()
            transport = httpx.ASGITransport(app=application)
            async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
                statuses = {(await c.post("/api/v1/auth/login", json={"email": "x@example.nl",
                                                                        "password": "fout-fout-fout"})).status_code
                            for _ in range(ratelimit.LOGIN_PER_EMAIL.limit + 3)}
            assert statuses == {401}
            assert await RateLimitBucket.count() == before
    finally:
        ratelimit.configure(settings)
