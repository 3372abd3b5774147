"""The API answers errors in the client's language: problem+json `title`, `detail` and field errors in English
when `Accept-Language` prefers English, in Dutch otherwise, with `Content-Language` saying which; the `code` is
the same in both (issue 13). The page cookie does not count for the API: only the header."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import httpx
import pytest

from tests.support.members import Members
from tests.support.shop import Shop

pytestmark = pytest.mark.anyio

ENGLISH, DUTCH = {"Accept-Language": "en-GB,en;q=0.9,nl;q=0.5"}, {"Accept-Language": "nl-NL,nl;q=0.9,en;q=0.8"}


@pytest.fixture
def shop(client: httpx.AsyncClient, members: Members) -> Shop:
    return Shop(client, members)


def problem_of(response: httpx.Response, status: int, language: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.headers["content-language"] == language
    assert "accept-language" in response.headers["vary"].lower()
    body: dict[str, Any] = response.json()
    return body


async def in_both(send: Any, status: int) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
    """The same request in English, in Dutch and without the header; the code is the same in all three."""
    english = problem_of(await send(ENGLISH), status, "en")
    dutch = problem_of(await send(DUTCH), status, "nl")
    plain = problem_of(await send({}), status, "nl")
    assert english["code"] == dutch["code"] == plain["code"]
    assert dutch == plain
    return english, dutch, plain


async def test_not_found_from_a_service(client: httpx.AsyncClient) -> None:
    english, dutch, _ = await in_both(lambda h: client.get("/api/v1/events/bestaat-niet-2031", headers=h), 404)
    assert english["code"] == "not_found"
    assert (english["title"], english["detail"]) == ("Not found", "This event does not exist.")
    assert (dutch["title"], dutch["detail"]) == ("Niet gevonden", "Dit evenement bestaat niet.")


async def test_a_route_that_does_not_exist(client: httpx.AsyncClient) -> None:
    english, dutch, _ = await in_both(lambda h: client.get("/api/v1/bestaat-niet", headers=h), 404)
    assert english["code"] == "not_found"
    assert english["title"] == english["detail"] == "Not found"
    assert dutch["title"] == dutch["detail"] == "Niet gevonden"


async def test_a_body_of_the_wrong_shape(client: httpx.AsyncClient, members: Members) -> None:
    """msgspec's validation: the frame in the client's language, msgspec's own words as it says them."""
    member = await members.create()

    def send(headers: dict[str, str]) -> Any:
        return client.post("/api/v1/events/iets/orders", json={"companion": {"name": 5}},
                           headers={**member["headers"], **headers})

    english, dutch, _ = await in_both(send, 400)
    assert english["code"] == "validation_error"
    assert english["title"] == "Invalid input"
    assert dutch["title"] == "Ongeldige invoer"
    assert english["detail"].startswith("Invalid value for 'companion.name': ")
    assert dutch["detail"].startswith("Ongeldige waarde voor 'companion.name': ")
    assert english["errors"] == dutch["errors"]
    assert english["errors"][0]["field"] == "companion.name"


async def test_field_errors_of_a_service(shop: Shop, members: Members, client: httpx.AsyncClient) -> None:
    event, buyer = await shop.event(), await members.create()

    def send(headers: dict[str, str]) -> Any:
        companion = {"name": "phish.example", "email": "sam@example.nl", "industry": "retail", "birth_date": None}
        return client.post(f"/api/v1/events/{event['slug']}/orders", json={"companion": companion},
                           headers={**buyer["headers"], **headers})

    english, dutch, _ = await in_both(send, 422)
    assert english["code"] == "validation_error"
    assert "geen webadres" in dutch["detail"]
    assert "geen webadres" not in english["detail"]
    assert english["errors"] == [{"field": "companion.name", "message": english["detail"]}]
    assert dutch["errors"] == [{"field": "companion.name", "message": dutch["detail"]}]


async def test_a_companion_the_rule_refuses(shop: Shop, members: Members, client: httpx.AsyncClient) -> None:
    """A domain rule with its own words in both languages (the companion rule): detail and field error follow
    the header; both reasons stay in the body for clients that show them side by side."""
    event, buyer = await shop.event(), await members.create()
    day = datetime.fromisoformat(event["starts_at_local"]).date()
    thirty = date(day.year - 30, day.month, day.day if (day.month, day.day) != (2, 29) else 28)

    def send(headers: dict[str, str]) -> Any:
        companion = {"name": "Sam Jong", "email": "sam@example.nl", "industry": "customer_contact",
                     "birth_date": thirty.isoformat()}
        return client.post(f"/api/v1/events/{event['slug']}/orders", json={"companion": companion},
                           headers={**buyer["headers"], **headers})

    english, dutch, _ = await in_both(send, 422)
    assert english["code"] == "companion_not_eligible"
    assert english["detail"] == english["reason_en"]
    assert dutch["detail"] == dutch["reason_nl"]
    assert english["detail"] != dutch["detail"]
    assert (english["title"], dutch["title"]) == ("Invalid input", "Ongeldige invoer")
    assert english["errors"] == [{"field": "companion", "message": english["reason_en"]}]


async def test_sign_in_required(client: httpx.AsyncClient) -> None:
    english, dutch, _ = await in_both(lambda h: client.get("/api/v1/me", headers=h), 401)
    assert english["code"] == "not_authenticated"
    assert (english["title"], dutch["title"]) == ("Sign-in required", "Inloggen nodig")
    assert english["detail"] != dutch["detail"]


@pytest.mark.parametrize(("header", "language"), [
    ("en", "en"), ("en-US", "en"), ("de-DE, en;q=0.8, nl;q=0.5", "en"), ("nl, en;q=0.9", "nl"), ("fr", "nl"),
    ("*", "nl"), ("en;q=0, nl", "nl"),
])
async def test_the_header_decides(client: httpx.AsyncClient, header: str, language: str) -> None:
    response = await client.get("/api/v1/events/bestaat-niet-2031", headers={"Accept-Language": header})
    assert problem_of(response, 404, language)["detail"] == {"en": "This event does not exist.",
                                                             "nl": "Dit evenement bestaat niet."}[language]


async def test_the_page_language_cookie_does_not_change_the_api(client: httpx.AsyncClient) -> None:
    client.cookies.set("lang", "en")
    response = await client.get("/api/v1/events/bestaat-niet-2031")
    assert problem_of(response, 404, "nl")["detail"] == "Dit evenement bestaat niet."
