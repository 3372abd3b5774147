from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.support.members import Members, give_event_role

pytestmark = pytest.mark.anyio


def hackathon(**overrides: Any) -> dict[str, Any]:
    body = {
        "title": "Een nieuw geluid in klantcontact",
        "starts_at": "2027-03-10T13:00:00",
        "ends_at": "2027-03-10T21:00:00",
        "venue_name": "De Kennismakerij",
        "address": "Stationsplein 1, Utrecht",
        "capacity_duos": 40,
        "price_cents": 9500,
        "agenda": [
            {"title": "Welkom", "starts_at": "2027-03-10T13:00:00", "ends_at": "2027-03-10T13:30:00",
             "room": "Foyer"},
            {"title": "Ronde 1", "starts_at": "2027-03-10T14:00:00", "ends_at": "2027-03-10T15:30:00",
             "is_breakout_round": True},
            {"title": "Ronde 2", "starts_at": "2027-03-10T16:00:00", "ends_at": "2027-03-10T17:30:00",
             "is_breakout_round": True},
        ],
    }
    body.update(overrides)
    return body


async def test_create_publish_list_show(client: httpx.AsyncClient, members: Members) -> None:
    organiser = await members.create("organiser")
    created = await client.post("/api/v1/events", json=hackathon(), headers=organiser["headers"])
    assert created.status_code == 201, created.text
    event = created.json()
    assert event["slug"] == "een-nieuw-geluid-in-klantcontact"
    assert event["status"] == "draft"
    # 13:00 in Amsterdam on 10 March (CET, UTC+1) is 12:00 UTC.
    assert event["starts_at"].startswith("2027-03-10T12:00:00")
    assert event["starts_at_local"] == "2027-03-10T13:00:00+01:00"
    assert [t["key"] for t in event["themes"]] == ["keurmerk", "imago", "mens-in-klantcontact"]
    assert all(t["description"] for t in event["themes"])
    assert [s["round_number"] for s in event["agenda"]] == [None, 1, 2]
    assert event["seats_left"] == 40
    assert event["price_cents"] == 9500
    assert event["currency"] == "EUR"

    # A draft is invisible to the public and to members.
    member = await members.create()
    assert (await client.get("/api/v1/events")).json() == []
    assert (await client.get(f"/api/v1/events/{event['slug']}")).status_code == 404
    assert (await client.get(f"/api/v1/events/{event['slug']}", headers=member["headers"])).status_code == 404
    assert (await client.get(f"/api/v1/events/{event['slug']}", headers=organiser["headers"])).status_code == 200

    published = await client.post(f"/api/v1/events/{event['slug']}/publish", headers=organiser["headers"])
    assert published.status_code == 200
    assert published.json()["status"] == "published"
    listed = (await client.get("/api/v1/events")).json()
    assert [e["slug"] for e in listed] == [event["slug"]]
    assert listed[0]["seats_left"] == 40
    assert listed[0]["sales_state"] == "open"
    shown = (await client.get(f"/api/v1/events/{event['slug']}")).json()
    assert len(shown["agenda"]) == 3
    assert len(shown["themes"]) == 3


async def test_members_and_facilitators_cannot_create_or_edit(client: httpx.AsyncClient, members: Members) -> None:
    organiser = await members.create("organiser")
    facilitator = await members.create()
    member = await members.create()
    assert (await client.post("/api/v1/events", json=hackathon())).status_code == 401
    denied = await client.post("/api/v1/events", json=hackathon(), headers=member["headers"])
    assert denied.status_code == 403
    assert denied.json()["code"] == "forbidden"
    slug = (await client.post("/api/v1/events", json=hackathon(), headers=organiser["headers"])).json()["slug"]
    await give_event_role(slug, facilitator["email"])
    price = await client.patch(f"/api/v1/events/{slug}", json={"price_cents": 1}, headers=facilitator["headers"])
    assert price.status_code == 403
    publish = await client.post(f"/api/v1/events/{slug}/publish", headers=member["headers"])
    assert publish.status_code == 403


async def test_another_organiser_cannot_edit_your_event(client: httpx.AsyncClient, members: Members) -> None:
    owner = await members.create("organiser")
    other = await members.create("organiser")
    slug = (await client.post("/api/v1/events", json=hackathon(), headers=owner["headers"])).json()["slug"]
    response = await client.patch(f"/api/v1/events/{slug}", json={"title": "Gekaapt"}, headers=other["headers"])
    assert response.status_code == 404  # a draft does not exist for them: 403 would confirm that it does
    assert (await client.get(f"/api/v1/events/{slug}", headers=other["headers"])).status_code == 404
    await client.post(f"/api/v1/events/{slug}/publish", headers=owner["headers"])
    response = await client.patch(f"/api/v1/events/{slug}", json={"title": "Gekaapt"}, headers=other["headers"])
    assert response.status_code == 403


async def test_edit_bumps_sequence_only_for_significant_changes(client: httpx.AsyncClient, members: Members) -> None:
    organiser = await members.create("organiser")
    h = organiser["headers"]
    event = (await client.post("/api/v1/events", json=hackathon(), headers=h)).json()
    slug, seq = event["slug"], event["sequence"]
    desc = (await client.patch(f"/api/v1/events/{slug}", json={"description": "Meer uitleg"}, headers=h)).json()
    assert desc["sequence"] == seq
    moved = await client.patch(f"/api/v1/events/{slug}", headers=h,
                               json={"venue_name": "Beurs van Berlage", "price_cents": 7500})
    assert moved.status_code == 200, moved.text
    assert moved.json()["sequence"] == seq + 1
    assert moved.json()["price_cents"] == 7500
    session_ids = [s["id"] for s in moved.json()["agenda"]]
    # Moving the whole event keeps agenda ids (calendar UIDs) stable.
    later = await client.patch(f"/api/v1/events/{slug}", headers=h, json={"ends_at": "2027-03-10T22:00:00"})
    assert later.status_code == 200
    assert [s["id"] for s in later.json()["agenda"]] == session_ids


async def test_agenda_update_keeps_ids(client: httpx.AsyncClient, members: Members) -> None:
    organiser = await members.create("organiser")
    h = organiser["headers"]
    event = (await client.post("/api/v1/events", json=hackathon(), headers=h)).json()
    first = event["agenda"][0]
    agenda = [
        {"id": first["id"], "title": "Welkom!", "starts_at": "2027-03-10T13:00:00",
         "ends_at": "2027-03-10T13:45:00", "room": "Foyer"},
        {"title": "Nieuwe ronde", "starts_at": "2027-03-10T15:00:00", "ends_at": "2027-03-10T16:00:00",
         "is_breakout_round": True},
    ]
    response = await client.patch(f"/api/v1/events/{event['slug']}", json={"agenda": agenda}, headers=h)
    assert response.status_code == 200, response.text
    sessions = response.json()["agenda"]
    assert sessions[0]["id"] == first["id"]
    assert sessions[0]["title"] == "Welkom!"
    assert len(sessions) == 2
    assert sessions[1]["round_number"] == 1


@pytest.mark.parametrize(
    ("change", "field", "status"),
    [
        ({"ends_at": "2027-03-10T12:00:00"}, "ends_at", 422),
        ({"capacity_duos": 0}, "capacity_duos", 400),
        ({"price_cents": -5}, "price_cents", 400),
        ({"timezone": "Mars/Olympus"}, "timezone", 422),
        ({"slug": "Niet Goed!"}, "slug", 400),
        ({"starts_at": "gisteren"}, "starts_at", 400),
        ({"online_url": "javascript:alert(1)"}, "online_url", 400),
        ({"home_industry": "unknown"}, "home_industry", 422),
        ({"agenda": [{"title": "Te laat", "starts_at": "2027-03-11T10:00:00",
                      "ends_at": "2027-03-11T11:00:00"}]}, "agenda[0].starts_at", 422),
        ({"themes": [{"key": "a", "title": "A"}, {"key": "a", "title": "B"}]}, "themes", 422),
    ],
)
async def test_event_validation_errors_name_the_field(
    client: httpx.AsyncClient, members: Members, change: dict[str, Any], field: str, status: int
) -> None:
    organiser = await members.create("organiser")
    response = await client.post("/api/v1/events", json=hackathon(**change), headers=organiser["headers"])
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body = response.json()
    assert body["code"] == "validation_error"
    assert any(e["field"] == field for e in body["errors"]), body


async def test_duplicate_slug_is_a_conflict(client: httpx.AsyncClient, members: Members) -> None:
    organiser = await members.create("organiser")
    assert (await client.post("/api/v1/events", json=hackathon(), headers=organiser["headers"])).status_code == 201
    dup = await client.post("/api/v1/events", json=hackathon(), headers=organiser["headers"])
    assert dup.status_code == 409
    assert dup.json()["code"] == "slug_taken"


async def test_cancel_keeps_event_visible_as_cancelled(client: httpx.AsyncClient, members: Members) -> None:
    organiser = await members.create("organiser")
    h = organiser["headers"]
    event = (await client.post("/api/v1/events", json=hackathon(), headers=h)).json()
    await client.post(f"/api/v1/events/{event['slug']}/publish", headers=h)
    cancelled = await client.post(f"/api/v1/events/{event['slug']}/cancel", json={"reason": "Zaal onbeschikbaar"},
                                  headers=h)
    assert cancelled.status_code == 200
    body = cancelled.json()
    assert body["status"] == "cancelled"
    assert body["sales_state"] == "cancelled"
    assert body["sequence"] > event["sequence"]
    edit = await client.patch(f"/api/v1/events/{event['slug']}", json={"title": "X"}, headers=h)
    assert edit.status_code == 409
    assert edit.json()["code"] == "event_not_editable"


async def test_unknown_event_is_problem_404(client: httpx.AsyncClient) -> None:
    response = await client.get("/api/v1/events/bestaat-niet")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


async def test_openapi_documents_every_route(client: httpx.AsyncClient) -> None:
    response = await client.get("/schema/openapi.json")
    assert response.status_code == 200
    spec = response.json()
    assert "/api/v1/events" in spec["paths"]
    assert "/api/v1/auth/signup" in spec["paths"]
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            assert operation.get("summary"), f"{method.upper()} {path} has no summary"


async def test_openapi_shows_no_dependency_as_a_parameter(client: httpx.AsyncClient) -> None:
    """`member`, `viewer` and `settings` are injected (core.auth.AUTH_DEPENDENCIES, app.py): never a parameter a
    client could send."""
    spec = (await client.get("/schema/openapi.json")).json()
    parameters = [(path, method, parameter) for path, operations in spec["paths"].items()
                  for method, operation in operations.items() for parameter in operation.get("parameters", [])]
    assert parameters, "the schema lists no parameters at all"
    injected = {"member", "viewer", "settings", "request"}
    assert not [(path, method) for path, method, p in parameters if p["name"] in injected]
    # Litestar's own `state` (the app's State) is injected too; a query parameter the route declares under that
    # name (the attendee list's `?state=live|cancelled`) is client input, and shows as the query enum it is.
    for path, method, p in parameters:
        if p["name"] == "state":
            assert p["in"] == "query", (path, method, p)
            assert set(p["schema"].get("enum", [])) == {"live", "cancelled"}, (path, method, p)
    rank = spec["paths"]["/api/v1/events/{slug}/ranking"]["put"]
    assert [parameter["name"] for parameter in rank["parameters"]] == ["slug"]
    # A route whose only argument is the injected member takes no input that could be malformed: no 400.
    assert "400" not in spec["paths"]["/api/v1/me"]["get"]["responses"]


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"starts_at": "0001-01-01T00:00:00"}, "starts_at"),  # converting to UTC overflows
        ({"starts_at": "0001-01-03T00:00:00Z"}, "starts_at"),  # a week before it does not exist
        ({"ends_at": "9999-12-31T23:00:00-12:00"}, "ends_at"),
        ({"sales_end": "1899-12-31T12:00:00"}, "sales_end"),
    ],
)
async def test_times_out_of_range_are_refused_and_nothing_breaks(
    client: httpx.AsyncClient, members: Members, change: dict[str, Any], field: str
) -> None:
    organiser = await members.create("organiser")
    response = await client.post("/api/v1/events", json=hackathon(**change), headers=organiser["headers"])
    assert response.status_code == 422, response.text
    assert any(e["field"] == field for e in response.json()["errors"]), response.text
    created = await client.post("/api/v1/events", json=hackathon(slug="goed"), headers=organiser["headers"])
    assert created.status_code == 201, created.text
    edit = await client.patch(
        "/api/v1/events/goed", json={"starts_at": "0001-01-03T00:00:00Z"}, headers=organiser["headers"]
    )
    assert edit.status_code == 422, edit.text
    session = {"title": "Nacht", "starts_at": "0001-01-01T00:00:00", "ends_at": "0001-01-01T01:00:00"}
    agenda = await client.patch("/api/v1/events/goed", json={"agenda": [session]}, headers=organiser["headers"])
    assert agenda.status_code == 422, agenda.text
    assert agenda.json()["errors"][0]["field"].startswith("agenda[0]"), agenda.text
    assert (await client.get("/api/v1/events/mine", headers=organiser["headers"])).status_code == 200
    assert (await client.get("/api/v1/events")).status_code == 200
    assert (await client.get("/api/v1/events/goed", headers=organiser["headers"])).json()["starts_at"].startswith(
        "2027-03-10"
    )
