"""Global roles (issue 11, "roles are flat"): only administrators grant or revoke the organiser and administrator
roles, only to confirmed addresses, the last administrator keeps the role, and every change is in the role log."""

from __future__ import annotations

from datetime import date
from typing import Any

import httpx
import pytest

from members.tables import Member
from tests.support.members import Members, sign_up

pytestmark = pytest.mark.anyio


def _problem(response: httpx.Response, status: int, code: str) -> None:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["code"] == code, response.json()


async def _demo_organiser(client: httpx.AsyncClient) -> dict[str, str]:
    from devtools.demo import DEMO_ORGANISER, seed_demo

    assert await seed_demo(date.today())
    login = await client.post("/api/v1/auth/login", json={"email": DEMO_ORGANISER[0], "password": DEMO_ORGANISER[1]})
    assert login.status_code == 200, login.text
    assert login.json()["member"]["roles"] == ["admin", "organiser", "member"]
    return {"Authorization": f"Bearer {login.json()['token']}"}


async def test_a_fresh_organiser_cannot_take_the_demo_organisers_role_or_open_every_board(
        client: httpx.AsyncClient) -> None:
    """The attack from the issue: an account just made organiser, with an unconfirmed address, revoked the demo
    organiser's role (then 200) and made itself facilitator of every event. Now: 403 `admin_only`, and the demo
    organiser keeps their event."""
    from devtools.demo import DEMO_ORGANISER, DEMO_SLUG

    demo = await _demo_organiser(client)
    fresh = await sign_up(client, "nieuwe.organisator@example.nl", name="Nieuwe Organisator")
    granted = await client.post("/api/v1/members/roles", headers=demo,
                                json={"email": fresh["email"], "role": "organiser"})
    _problem(granted, 409, "address_not_verified")
    # As it was before this rule: the role was granted while the address was unconfirmed.
    await Member.update({Member.is_organiser: True}).where(Member.id == fresh["id"])

    revoke = await client.post("/api/v1/members/roles", headers=fresh["headers"],
                               json={"email": DEMO_ORGANISER[0], "role": "organiser", "enabled": False})
    _problem(revoke, 403, "admin_only")
    for role in ("organiser", "admin"):
        _problem(await client.post("/api/v1/members/roles", headers=fresh["headers"],
                                   json={"email": fresh["email"], "role": role}), 403, "admin_only")
    own = await client.post("/api/v1/members/roles", headers=fresh["headers"],
                            json={"email": fresh["email"], "role": "facilitator"})
    assert own.status_code in (400, 403), own.text  # no global facilitator role any more
    team = await client.post(f"/api/v1/events/{DEMO_SLUG}/team", headers=fresh["headers"],
                             json={"email": fresh["email"], "role": "facilitator"})
    _problem(team, 403, "event_organiser_only")
    board = await client.get(f"/api/v1/events/{DEMO_SLUG}/breakouts", headers=fresh["headers"])
    _problem(board, 403, "forbidden")

    assert (await client.get(f"/api/v1/events/{DEMO_SLUG}/attendees", headers=demo)).status_code == 200
    me = (await client.get("/api/v1/me", headers=demo)).json()
    assert me["roles"] == ["admin", "organiser", "member"]


async def test_only_administrators_grant_and_revoke_the_organiser_role(client: httpx.AsyncClient,
                                                                      members: Members) -> None:
    admin = await members.create("admin")
    organiser = await members.create("organiser")
    member = await members.create()
    _problem(await client.post("/api/v1/members/roles", headers=organiser["headers"],
                               json={"email": member["email"], "role": "organiser"}), 403, "admin_only")
    _problem(await client.post("/api/v1/members/roles", headers=member["headers"],
                               json={"email": member["email"], "role": "organiser"}), 403, "admin_only")
    granted = await client.post("/api/v1/members/roles", headers=admin["headers"],
                                json={"email": member["email"].upper(), "role": "organiser"})
    assert granted.status_code == 200, granted.text
    assert granted.json() == {"id": member["id"], "email": member["email"], "name": member["name"],
                              "roles": ["organiser", "member"]}
    me = await client.get("/api/v1/me", headers=member["headers"])
    assert me.json()["roles"] == ["organiser", "member"]
    created = await client.post("/api/v1/events", headers=member["headers"], json={
        "title": "Eigen meetup", "starts_at": "2031-05-01T18:00:00", "ends_at": "2031-05-01T21:00:00",
        "capacity_duos": 10})
    assert created.status_code == 201, created.text

    revoked = await client.post("/api/v1/members/roles", headers=admin["headers"],
                                json={"email": organiser["email"], "role": "organiser", "enabled": False})
    assert revoked.status_code == 200
    assert revoked.json()["roles"] == ["member"]
    _problem(await client.get("/api/v1/events/mine", headers=organiser["headers"]), 403, "forbidden")
    _problem(await client.post("/api/v1/members/roles", headers=admin["headers"],
                               json={"email": "niemand@example.nl", "role": "organiser"}), 404, "account_not_found")


async def test_roles_go_only_to_confirmed_addresses(client: httpx.AsyncClient, members: Members) -> None:
    from members.accounts import NewMember, ensure_member
    from members.roles import AddressNotVerified

    admin = await members.create("admin")
    unconfirmed = await sign_up(client, "onbevestigd@example.nl")
    for role in ("organiser", "admin"):
        _problem(await client.post("/api/v1/members/roles", headers=admin["headers"],
                                   json={"email": unconfirmed["email"], "role": role}), 409, "address_not_verified")
    # The command line neither: an existing account's address is not proven by whoever runs it.
    with pytest.raises(AddressNotVerified):
        await ensure_member(NewMember(email=unconfirmed["email"], password="", name="X"), roles=("organiser",))
    with pytest.raises(AddressNotVerified):
        await ensure_member(NewMember(email="nieuw.onbevestigd@example.nl", password="een-goed-wachtwoord-42",
                                      name="Nieuw"), roles=("organiser",), verified=False)
    row = await Member.select(Member.is_organiser, Member.is_admin).where(Member.id == unconfirmed["id"]).first()
    assert row == {"is_organiser": False, "is_admin": False}


async def test_the_last_administrator_keeps_the_role(client: httpx.AsyncClient, members: Members) -> None:
    admin = await members.create("admin")
    _problem(await client.post("/api/v1/members/roles", headers=admin["headers"],
                               json={"email": admin["email"], "role": "admin", "enabled": False}), 409, "last_admin")
    deleted = await client.request("DELETE", "/api/v1/me", headers=admin["headers"],
                                   json={"password": admin["password"]})
    _problem(deleted, 409, "last_admin")

    second = await members.create(email="tweede.beheerder@example.nl")
    assert (await client.post("/api/v1/members/roles", headers=admin["headers"],
                              json={"email": second["email"], "role": "admin"})).status_code == 200
    stepped_down = await client.post("/api/v1/members/roles", headers=admin["headers"],
                                     json={"email": admin["email"], "role": "admin", "enabled": False})
    assert stepped_down.status_code == 200
    assert stepped_down.json()["roles"] == ["member"]
    _problem(await client.post("/api/v1/members/roles", headers=second["headers"],
                               json={"email": second["email"], "role": "admin", "enabled": False}), 409, "last_admin")


async def test_administrators_see_role_holders_and_the_role_log(client: httpx.AsyncClient, members: Members) -> None:
    admin = await members.create("admin", name="Bea Beheerder")
    organiser = await members.create("organiser", name="Olga Organisator")
    member = await members.create(name="Mo Lid")
    for body in ({"email": member["email"], "role": "organiser"},
                 {"email": member["email"], "role": "organiser", "enabled": False}):
        assert (await client.post("/api/v1/members/roles", headers=admin["headers"], json=body)).status_code == 200

    for who in (organiser, member):
        _problem(await client.get("/api/v1/admin/role-log", headers=who["headers"]), 403, "admin_only")
        _problem(await client.get("/api/v1/admin/roles", headers=who["headers"]), 403, "admin_only")
    holders = (await client.get("/api/v1/admin/roles", headers=admin["headers"])).json()
    assert {h["name"]: h["roles"] for h in holders} == {"Bea Beheerder": ["admin"], "Olga Organisator": ["organiser"]}

    log = await client.get("/api/v1/admin/role-log", headers=admin["headers"])
    assert log.status_code == 200
    assert log.headers["cache-control"] == "no-store"
    entries: list[dict[str, Any]] = log.json()
    latest = [(e["action"], e["role"], e["actor"]["name"] if e["actor"] else None, e["subject"]["name"])
              for e in entries[:2]]
    assert latest == [("revoke", "organiser", "Bea Beheerder", "Mo Lid"), ("grant", "organiser", "Bea Beheerder",
                                                                          "Mo Lid")]
    # The roles the set-up gave (as the command line gives them) are logged too, by nobody.
    assert ("grant", "admin", None, "Bea Beheerder") in [
        (e["action"], e["role"], e["actor"], e["subject"]["name"]) for e in entries]
    assert all(e["event_slug"] is None for e in entries)


async def test_create_admin_command_makes_the_first_administrator(client: httpx.AsyncClient, database_url: str) -> None:
    """A fresh install gets its first administrator from the command line, like its first organiser."""
    import os

    import anyio

    from tests.support.database import ROOT

    command = [str(ROOT / ".venv" / "bin" / "litestar"), "--app", "app:app", "create-admin", "--email",
               "Beheer@Example.nl", "--name", "Bea Beheerder"]
    made = await anyio.run_process(command, input=b"zeven-lange-wandelingen\nzeven-lange-wandelingen\n", cwd=ROOT,
                                   env={**os.environ, "DATABASE_URL": database_url}, check=False)
    assert made.returncode == 0, made.stderr
    assert b"Created administrator beheer@example.nl" in made.stdout
    login = await client.post("/api/v1/auth/login", json={"email": "beheer@example.nl",
                                                          "password": "zeven-lange-wandelingen"})
    assert login.status_code == 200
    assert login.json()["member"]["roles"] == ["admin", "member"]
    headers = {"Authorization": f"Bearer {login.json()['token']}"}
    log = (await client.get("/api/v1/admin/role-log", headers=headers)).json()
    assert [(e["action"], e["role"], e["actor"], e["subject"]["email"]) for e in log] == [
        ("grant", "admin", None, "beheer@example.nl")]
