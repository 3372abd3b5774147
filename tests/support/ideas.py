"""Ideas and votes in API tests: an organiser's free hackathon with its submission window open, ticket holders with
bearer tokens (through the API, or many at once straight into the tables), and the idea and vote endpoints."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from tests.support.breakouts import order_duo, published_event
from tests.support.members import quick_member, quick_members


async def holders_with_tokens(event_id: int, count: int, prefix: str = "stemmer") -> list[dict[str, Any]]:
    """`count` ticket holders who can sign in (bearer headers), each the buyer of a paid duo whose companion has no
    account; written straight into the tables (for votes with many voters)."""
    from ticketing.tables import Attendee, Ticket, TicketOrder

    buyers = await quick_members(count, prefix=prefix)
    now = datetime.now(UTC)
    orders = await TicketOrder.insert(*[
        TicketOrder(event=event_id, buyer=b["id"], status="paid", amount_cents=0, paid_at=now, created_at=now,
                    updated_at=now)
        for b in buyers
    ]).returning(TicketOrder.id)
    places = []
    for i, (b, o) in enumerate(zip(buyers, orders, strict=True)):
        places.append(Attendee(order=o["id"], event=event_id, role="buyer", name=f"Stemmer {prefix} {i}",
                               email=b["email"], industry="customer_contact", eligibility_basis="buyer", live=True,
                               created_at=now))
        places.append(Attendee(order=o["id"], event=event_id, role="companion", name=f"Maatje {prefix} {i}",
                               email=f"{prefix}-maatje{i}@example.nl", industry="retail",
                               eligibility_basis="industry", live=True, created_at=now))
    rows = await Attendee.insert(*places).returning(Attendee.id, Attendee.order, Attendee.role)
    await Ticket.insert(*[
        Ticket(order=r["order"], attendee=r["id"], event=event_id, code=f"NG-{prefix.upper()}-{r['id']:06d}",
               status="valid", issued_at=now)
        for r in rows
    ])
    buyer_place = {r["order"]: r["id"] for r in rows if r["role"] == "buyer"}
    return [{**b, "place": buyer_place[o["id"]]} for b, o in zip(buyers, orders, strict=True)]


class IdeaEvent:
    """An organiser's published free hackathon with the idea window open now, and helpers for its endpoints."""

    def __init__(self, client: httpx.AsyncClient) -> None:
        self.client = client
        self.organiser: dict[str, Any] = {}
        self.event: dict[str, Any] = {}

    async def setup(self, **settings: Any) -> IdeaEvent:
        self.organiser = await quick_member("organiser")
        self.event = await published_event(self.client, self.organiser)
        await self.configure(**settings)
        return self

    @property
    def slug(self) -> str:
        return str(self.event["slug"])

    @property
    def url(self) -> str:
        return f"/api/v1/events/{self.slug}/ideas"

    async def configure(self, **settings: Any) -> dict[str, Any]:
        now = datetime.now(UTC)
        body = {"opens_at": (now - timedelta(hours=1)).isoformat(), "closes_at": (now + timedelta(hours=2)).isoformat(),
                **settings}
        response = await self.client.put(f"{self.url}/settings", json=body, headers=self.organiser["headers"])
        assert response.status_code == 200, response.text
        return response.json()

    async def holder(self, **profile: Any) -> dict[str, Any]:
        """A member who buys a free duo through the API (their companion has an account too when `with_partner`)."""
        buyer = await quick_member(**profile)
        n = buyer["id"]
        order = await order_duo(self.client, buyer, self.slug, {"name": f"Partner {n}",
                                                                 "email": f"partner{n}@example.nl",
                                                                 "industry": "retail"})
        return {**buyer, "order": order}

    async def submit(self, who: dict[str, Any], expect: int = 201, **body: Any) -> dict[str, Any]:
        payload = {"theme": "keurmerk", "title": "Een idee", **body}
        response = await self.client.post(self.url, json=payload, headers=who["headers"])
        assert response.status_code == expect, response.text
        return response.json()
