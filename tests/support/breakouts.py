"""Breakout-plan helpers for API tests: free hackathons, duos through the API or straight into the tables, the
facilitator's board endpoints, and readers of a plan."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from tests.support.members import Members, give_event_role, quick_member

INDUSTRIES = ("retail", "finance", "healthcare", "government", "education", "it_telecom", "logistics")


def free_hackathon(**overrides: Any) -> dict[str, Any]:
    day = (datetime.now(UTC) + timedelta(days=60)).date().isoformat()
    body = {
        "title": "Breakout hackathon",
        "starts_at": f"{day}T13:00:00",
        "ends_at": f"{day}T21:00:00",
        "venue_name": "De Kennismakerij",
        "capacity_duos": 2000,
        "price_cents": 0,
        "agenda": [
            {"title": "Welkom", "starts_at": f"{day}T13:00:00", "ends_at": f"{day}T13:30:00", "room": "Foyer"},
            {"title": "Ronde 1", "starts_at": f"{day}T14:00:00", "ends_at": f"{day}T15:30:00",
             "is_breakout_round": True},
            {"title": "Ronde 2", "starts_at": f"{day}T16:00:00", "ends_at": f"{day}T17:30:00",
             "is_breakout_round": True},
        ],
    }
    body.update(overrides)
    return body


async def published_event(client: httpx.AsyncClient, organiser: dict[str, Any], **overrides: Any) -> dict[str, Any]:
    created = await client.post("/api/v1/events", json=free_hackathon(**overrides), headers=organiser["headers"])
    assert created.status_code == 201, created.text
    slug = created.json()["slug"]
    published = await client.post(f"/api/v1/events/{slug}/publish", headers=organiser["headers"])
    assert published.status_code == 200, published.text
    return published.json()


async def order_duo(client: httpx.AsyncClient, buyer: dict[str, Any], slug: str, companion: dict[str, Any]) -> dict:
    """A free duo through the API: paid at once, both tickets issued."""
    response = await client.post(f"/api/v1/events/{slug}/orders", json={"companion": companion},
                                 headers=buyer["headers"])
    assert response.status_code == 201, response.text
    order = response.json()
    assert order["status"] == "paid", order
    return order


async def seed_duos(event_id: int, duos: int, *, prefix: str = "duo", organisations: int | None = None,
                    start: int = 0) -> list[dict[str, Any]]:
    """`duos` paid duos written straight into the tables (a buyer account each, a companion without one).

    Organisations cycle through `organisations` names (default: everyone their own), industries and
    experience levels through fixed lists, so the instance is feasible and deterministic.
    """
    from members.tables import Member
    from ticketing.tables import Attendee, Ticket, TicketOrder

    now = datetime.now(UTC)
    count = organisations or 2 * duos + 1

    def org(i: int) -> str:
        return f"Organisatie {i % count}"

    buyers = await Member.insert(*[
        Member(email=f"{prefix}{start + i}@example.nl", name=f"Koper {start + i}", password_hash="!",
               organisation=org(2 * i), industry="customer_contact", experience_level=(start + i) % 5,
               created_at=now, updated_at=now)
        for i in range(duos)
    ]).returning(Member.id, Member.email)
    orders = await TicketOrder.insert(*[
        TicketOrder(event=event_id, buyer=b["id"], status="paid", amount_cents=0, paid_at=now, created_at=now,
                    updated_at=now)
        for b in buyers
    ]).returning(TicketOrder.id, TicketOrder.buyer)
    places: list[Attendee] = []
    for i, (b, o) in enumerate(zip(buyers, orders, strict=True)):
        places.append(Attendee(order=o["id"], event=event_id, role="buyer", name=f"Koper {start + i}",
                               email=b["email"], industry="customer_contact", organisation=org(2 * i),
                               eligibility_basis="buyer", live=True, created_at=now))
        places.append(Attendee(order=o["id"], event=event_id, role="companion", name=f"Maatje {start + i}",
                               email=f"{prefix}-maatje{start + i}@example.nl",
                               industry=INDUSTRIES[(start + i) % len(INDUSTRIES)], organisation=org(2 * i + 1),
                               eligibility_basis="industry", live=True, created_at=now))
    rows = await Attendee.insert(*places).returning(Attendee.id, Attendee.order, Attendee.role, Attendee.email)
    await Ticket.insert(*[
        Ticket(order=r["order"], attendee=r["id"], event=event_id, code=f"NG-{prefix.upper()}-{r['id']:06d}",
               status="valid", issued_at=now)
        for r in rows
    ])
    return rows


async def ticket_code(attendee_id: int) -> str:
    from ticketing.tables import Ticket

    row = await Ticket.select(Ticket.code).where(Ticket.attendee == attendee_id).first()
    assert row is not None
    return str(row["code"])


async def people(members: Members, count: int, *roles: str, **profile: Any) -> list[dict[str, Any]]:
    return [await quick_member(*roles, **profile) for _ in range(count)]


class Board:
    """An organiser's published free hackathon, a facilitator, and the breakout endpoints."""

    def __init__(self, client: httpx.AsyncClient, members: Members) -> None:
        self.client, self.members = client, members
        self.organiser: dict[str, Any] = {}
        self.facilitator: dict[str, Any] = {}
        self.event: dict[str, Any] = {}

    async def setup(self, **event: Any) -> Board:
        self.organiser = await quick_member("organiser")
        self.facilitator = await quick_member()
        self.event = await published_event(self.client, self.organiser, **event)
        await give_event_role(self.event["slug"], self.facilitator["email"])
        return self

    @property
    def url(self) -> str:
        return f"/api/v1/events/{self.event['slug']}/breakouts"

    async def call(self, method: str, path: str = "", who: dict[str, Any] | None = None, expect: int = 200,
                   **kwargs: Any) -> dict[str, Any]:
        headers = (who or self.facilitator)["headers"]
        response = await self.client.request(method, f"{self.url}{path}", headers=headers, **kwargs)
        assert response.status_code == expect, response.text
        return response.json()

    async def generate(self, **body: Any) -> dict[str, Any]:
        return await self.call("POST", "/generate", json=body)


def placement(plan: dict[str, Any]) -> dict[tuple[int, int], dict[str, Any]]:
    """(attendee, round) → the group (id, theme, number, room, members)."""
    return {(m["id"], r["round"]): g for r in plan["rounds"] for g in r["groups"] for m in g["members"]}


def place_of(plan: dict[str, Any], name: str) -> int:
    """The place id of the ticket holder with this name."""
    return next(m["id"] for r in plan["rounds"] for g in r["groups"] for m in g["members"] if m["name"] == name)


def group_of(plan: dict[str, Any], round_number: int, group_id: int) -> dict[str, Any]:
    rnd = next(r for r in plan["rounds"] if r["round"] == round_number)
    return next(g for g in rnd["groups"] if g["id"] == group_id)
