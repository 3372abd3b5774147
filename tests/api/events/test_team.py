"""An event's team (issue 11): its organiser grants facilitator and door roles for that event only, to confirmed
addresses; a facilitator opens the boards of their own events and no other; every change is in the role log."""

from __future__ import annotations

import httpx
import pytest

from tests.support.breakouts import free_hackathon, published_event
from tests.support.members import Members, sign_up

pytestmark = pytest.mark.anyio


def _problem(response: httpx.Response, status: int, code: str) -> None:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["code"] == code, response.json()


async def _draft(client: httpx.AsyncClient, organiser: dict) -> str:
    created = await client.post("/api/v1/events", json=free_hackathon(title="Concept"), headers=organiser["headers"])
    assert created.status_code == 201, created.text
    return created.json()["slug"]


async def test_the_organiser_grants_and_revokes_roles_at_their_own_event(client: httpx.AsyncClient,
                                                                         members: Members) -> None:
    organiser = await members.create("organiser", name="Olga Organisator")
    fenna = await members.create(name="Fenna Facilitator")
    door = await members.create(name="Dirk Deur")
    slug = (await published_event(client, organiser))["slug"]
    team = f"/api/v1/events/{slug}/team"

    granted = await client.post(team, headers=organiser["headers"],
                                json={"email": fenna["email"].upper(), "role": "facilitator"})
    assert granted.status_code == 201, granted.text
    entry = granted.json()
    assert {k: entry[k] for k in ("member_id", "email", "name", "role", "granted_by")} == {
        "member_id": fenna["id"], "email": fenna["email"], "name": "Fenna Facilitator", "role": "facilitator",
        "granted_by": "Olga Organisator"}
    again = await client.post(team, headers=organiser["headers"], json={"email": fenna["email"], "role": "facilitator"})
    assert again.status_code == 201
    assert again.json() == entry
    assert (await client.post(team, headers=organiser["headers"],
                              json={"email": door["email"], "role": "door"})).status_code == 201
    listed = (await client.get(team, headers=organiser["headers"])).json()
    assert [(e["name"], e["role"]) for e in listed] == [("Dirk Deur", "door"), ("Fenna Facilitator", "facilitator")]

    me = await client.get("/api/v1/me", headers=fenna["headers"])
    assert me.json()["roles"] == ["member"]  # a role at an event is not a global role
    board = await client.get(f"/api/v1/events/{slug}/breakouts", headers=fenna["headers"])
    _problem(board, 404, "plan_not_found")  # let in: there is no plan yet
    _problem(await client.get(f"/api/v1/events/{slug}/breakouts", headers=door["headers"]), 403, "forbidden")
    _problem(await client.get(team, headers=fenna["headers"]), 403, "event_organiser_only")

    revoked = await client.delete(f"{team}/{fenna['id']}/facilitator", headers=organiser["headers"])
    assert revoked.status_code == 204
    assert (await client.delete(f"{team}/{fenna['id']}/facilitator", headers=organiser["headers"])).status_code == 204
    _problem(await client.get(f"/api/v1/events/{slug}/breakouts", headers=fenna["headers"]), 403, "forbidden")
    assert [e["role"] for e in (await client.get(team, headers=organiser["headers"])).json()] == ["door"]
    _problem(await client.post(team, headers=organiser["headers"],
                               json={"email": organiser["email"], "role": "facilitator"}), 409, "role_for_organiser")
    _problem(await client.post(team, headers=organiser["headers"],
                               json={"email": "niemand@example.nl", "role": "door"}), 404, "account_not_found")
    bad = await client.post(team, headers=organiser["headers"], json={"email": door["email"], "role": "organiser"})
    assert bad.status_code == 400
    assert bad.json()["code"] == "validation_error"


async def test_a_facilitator_sees_only_the_boards_of_their_own_events(client: httpx.AsyncClient,
                                                                      members: Members) -> None:
    organiser = await members.create("organiser")
    other = await members.create("organiser")
    fenna = await members.create()
    event_a = (await published_event(client, organiser, title="Hackathon A"))["slug"]
    event_b = (await published_event(client, other, title="Hackathon B"))["slug"]
    draft_b = await _draft(client, other)
    assert (await client.post(f"/api/v1/events/{event_a}/team", headers=organiser["headers"],
                              json={"email": fenna["email"], "role": "facilitator"})).status_code == 201

    _problem(await client.get(f"/api/v1/events/{event_a}/breakouts", headers=fenna["headers"]), 404, "plan_not_found")
    generated = await client.post(f"/api/v1/events/{event_a}/breakouts/generate", headers=fenna["headers"], json={})
    assert generated.status_code in (200, 422), generated.text  # let in (no attendees: a rule may say no)
    _problem(await client.get(f"/api/v1/events/{event_b}/breakouts", headers=fenna["headers"]), 403, "forbidden")
    _problem(await client.post(f"/api/v1/events/{event_b}/breakouts/generate", headers=fenna["headers"], json={}),
             403, "forbidden")
    _problem(await client.get(f"/api/v1/events/{draft_b}/breakouts", headers=fenna["headers"]), 404, "not_found")
    # Nor may the organiser of A give anyone a role at B, or look at B's team.
    _problem(await client.post(f"/api/v1/events/{event_b}/team", headers=organiser["headers"],
                               json={"email": fenna["email"], "role": "facilitator"}), 403, "event_organiser_only")
    _problem(await client.delete(f"/api/v1/events/{event_b}/team/{fenna['id']}/facilitator",
                                 headers=organiser["headers"]), 403, "event_organiser_only")
    _problem(await client.get(f"/api/v1/events/{draft_b}/team", headers=organiser["headers"]), 404, "not_found")


async def test_event_roles_only_for_confirmed_addresses(client: httpx.AsyncClient, members: Members) -> None:
    organiser = await members.create("organiser")
    slug = (await published_event(client, organiser))["slug"]
    unconfirmed = await sign_up(client, "nog.niet.bevestigd@example.nl")
    for role in ("facilitator", "door"):
        _problem(await client.post(f"/api/v1/events/{slug}/team", headers=organiser["headers"],
                                   json={"email": unconfirmed["email"], "role": role}), 409, "address_not_verified")
    _problem(await client.get(f"/api/v1/events/{slug}/breakouts", headers=unconfirmed["headers"]), 403, "forbidden")


async def test_administrators_see_every_event_and_manage_any_team(client: httpx.AsyncClient,
                                                                  members: Members) -> None:
    admin = await members.create("admin", name="Bea Beheerder")
    organiser = await members.create("organiser", name="Olga Organisator")
    fenna = await members.create(name="Fenna Facilitator")
    open_slug = (await published_event(client, organiser))["slug"]
    draft = await _draft(client, organiser)

    every = await client.get("/api/v1/admin/events", headers=admin["headers"])
    assert every.status_code == 200, every.text
    assert {e["slug"]: (e["status"], e["organiser_name"]) for e in every.json()} == {
        open_slug: ("published", "Olga Organisator"), draft: ("draft", "Olga Organisator")}
    assert (await client.get(f"/api/v1/events/{draft}", headers=admin["headers"])).status_code == 200
    _problem(await client.patch(f"/api/v1/events/{draft}", headers=admin["headers"], json={"description": "x"}),
             403, "forbidden")  # seeing is not changing
    _problem(await client.get("/api/v1/admin/events", headers=organiser["headers"]), 403, "admin_only")

    granted = await client.post(f"/api/v1/events/{draft}/team", headers=admin["headers"],
                                json={"email": fenna["email"], "role": "facilitator"})
    assert granted.status_code == 201
    assert granted.json()["granted_by"] == "Bea Beheerder"
    log = (await client.get("/api/v1/admin/role-log", headers=admin["headers"])).json()
    assert (log[0]["action"], log[0]["role"], log[0]["event_slug"], log[0]["actor"]["name"],
            log[0]["subject"]["name"]) == ("grant", "facilitator", draft, "Bea Beheerder", "Fenna Facilitator")
