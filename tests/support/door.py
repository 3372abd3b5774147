"""Door helpers for API tests: an organiser's free hackathon with duos bought through the API, and the check-in
endpoints (`Door`)."""

from __future__ import annotations

from itertools import count
from typing import Any

import httpx

from tests.support.breakouts import order_duo, published_event
from tests.support.members import quick_member

_n = count(1)


class Door:
    """An organiser's published free hackathon, and the check-in endpoints of its door."""

    def __init__(self, client: httpx.AsyncClient) -> None:
        self.client = client
        self.organiser: dict[str, Any] = {}
        self.event: dict[str, Any] = {}

    async def setup(self, **event: Any) -> Door:
        self.organiser = await quick_member("organiser", name="Olga Organisator")
        self.event = await published_event(self.client, self.organiser, **event)
        return self

    @property
    def url(self) -> str:
        return f"/api/v1/events/{self.event['slug']}/checkins"

    async def duo(self, buyer_name: str | None = None, companion_name: str | None = None) -> dict[str, Any]:
        """A free duo bought through the API: the order, the purchaser (a member), and both places by role (each
        with its ticket id, code and place id)."""
        from ticketing.tables import Attendee, Ticket

        n = next(_n)
        buyer = await quick_member(name=buyer_name or f"Koper {n}")
        companion = {"name": companion_name or f"Partner {n}", "email": f"deur-partner{n}@example.nl",
                     "industry": "retail", "birth_date": None, "organisation": "Bakkerij"}
        order = await order_duo(self.client, buyer, self.event["slug"], companion)
        rows = await Ticket.select(Ticket.id, Ticket.code, Ticket.attendee, Ticket.attendee.role.as_alias("role"),
                                   Ticket.attendee.name.as_alias("name")).where(Ticket.order == order["id"])
        places = {r["role"]: r for r in rows}
        assert await Attendee.count().where(Attendee.order == order["id"]) == 2
        return {"order": order, "purchaser": buyer, **places}

    async def scan(self, code: str | None = None, *, ticket: int | None = None, device: str = "Deur A",
                   who: dict[str, Any] | None = None, expect: int = 200, **extra: Any) -> dict[str, Any]:
        body: dict[str, Any] = {"device": device, **extra}
        if code is not None:
            body["code"] = code
        if ticket is not None:
            body["ticket"] = ticket
        response = await self.client.post(self.url, json=body, headers=(who or self.organiser)["headers"])
        assert response.status_code == expect, response.text
        return response.json()

    async def batch(self, device: str, items: list[dict[str, Any]], who: dict[str, Any] | None = None) -> list[dict]:
        response = await self.client.post(f"{self.url}/batch", json={"device": device, "items": items},
                                          headers=(who or self.organiser)["headers"])
        assert response.status_code == 200, response.text
        return response.json()["results"]

    async def get(self, path: str = "", who: dict[str, Any] | None = None) -> httpx.Response:
        response = await self.client.get(f"{self.url}{path}", headers=(who or self.organiser)["headers"])
        assert response.status_code == 200, response.text
        return response

    async def undo(self, checkin_id: int, who: dict[str, Any] | None = None, expect: int = 200) -> dict[str, Any]:
        response = await self.client.delete(f"{self.url}/{checkin_id}", headers=(who or self.organiser)["headers"])
        assert response.status_code == expect, response.text
        return response.json()


async def active_checkins(ticket_id: int) -> list[dict[str, Any]]:
    from checkin.tables import CheckIn

    return await CheckIn.select().where((CheckIn.ticket == ticket_id) & CheckIn.undone_at.is_null())
