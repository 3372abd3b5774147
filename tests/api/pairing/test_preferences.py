"""Theme rankings through the HTTP API: members and companions (by account or ticket code), validation, and the
public figures (hand-computed Borda), on SQLite and PostgreSQL."""

from __future__ import annotations

import httpx
import pytest

from tests.support.breakouts import Board, free_hackathon, order_duo, placement, seed_duos, ticket_code
from tests.support.members import Members, quick_member

pytestmark = pytest.mark.anyio


async def test_rankings_and_public_figures(client: httpx.AsyncClient, members: Members) -> None:
    board = await Board(client, members).setup()
    slug = board.event["slug"]
    assert [t["key"] for t in board.event["themes"]] == ["keurmerk", "imago", "mens-in-klantcontact"]
    anna, bram = await quick_member(), await quick_member()
    carla = await quick_member(industry="retail")  # a companion with her own account
    await order_duo(client, anna, slug, {"name": carla["name"], "email": carla["email"], "industry": "retail"})
    bram_order = await order_duo(client, bram, slug, {"name": "Daan", "email": "daan@example.nl",
                                                      "industry": "finance"})
    await seed_duos(board.event["id"], 4)  # eight ticket holders who never rank
    daan_code = await ticket_code(bram_order["companion"]["id"])

    empty = (await client.get(f"/api/v1/events/{slug}/themes/ranking")).json()
    assert empty["ticket_holders"] == 12
    assert empty["ranked"] == 0
    assert empty["neutral"] == 12
    assert all(t["borda"] == 0 for t in empty["themes"])

    url = f"/api/v1/events/{slug}/ranking"
    ranked = await client.put(url, json={"themes": ["imago", "keurmerk", "mens-in-klantcontact"]},
                              headers=anna["headers"])
    assert ranked.status_code == 200, ranked.text
    assert ranked.json()["themes"] == ["imago", "keurmerk", "mens-in-klantcontact"]
    assert [t["key"] for t in ranked.json()["available"]] == ["keurmerk", "imago", "mens-in-klantcontact"]
    # A prefix is a ranking too; a companion ranks as the place with her account's e-mail address.
    assert (await client.put(url, json={"themes": ["keurmerk"]}, headers=carla["headers"])).status_code == 200
    assert (await client.get(url, headers=carla["headers"])).json()["themes"] == ["keurmerk"]
    # A companion without an account ranks through the code on his ticket; nothing else is exposed.
    by_code = await client.put(f"/api/v1/tickets/{daan_code}/ranking",
                               json={"themes": ["imago", "mens-in-klantcontact"]})
    assert by_code.status_code == 200, by_code.text
    assert set(by_code.json()) == {"event", "themes", "available", "updated_at"}
    assert "daan" not in by_code.text.lower()
    assert "@" not in by_code.text
    shown = await client.get(f"/api/v1/tickets/{daan_code.lower()}/ranking")
    assert shown.json()["themes"] == ["imago", "mens-in-klantcontact"]

    # Borda with three themes: 2 points for a first place, 1 for a second, 0 for a third or unranked.
    #   anna  imago > keurmerk > mens      imago 2, keurmerk 1, mens 0
    #   carla keurmerk                     keurmerk 2
    #   daan  imago > mens                 imago 2, mens 1
    figures = (await client.get(f"/api/v1/events/{slug}/themes/ranking")).json()
    assert figures["ticket_holders"] == 12
    assert figures["ranked"] == 3
    assert figures["neutral"] == 9
    assert figures["themes"] == [
        {"key": "imago", "title": figures["themes"][0]["title"], "first": 2, "second": 0, "third": 0, "borda": 4},
        {"key": "keurmerk", "title": figures["themes"][1]["title"], "first": 1, "second": 1, "third": 0, "borda": 3},
        {"key": "mens-in-klantcontact", "title": figures["themes"][2]["title"], "first": 0, "second": 1, "third": 1,
         "borda": 1},
    ]
    text = str(figures).lower()
    assert "anna" not in text
    assert "daan" not in text
    assert "@" not in text

    # Rankings feed the engine: in "stay" mode everyone who ranked stays on their first choice.
    plan = await board.generate(mode="stay", rounds=2)
    assert all(p["neutral"] == 9 for p in plan["report"]["preferences"])
    where = placement(plan)
    anna_place = next(m["id"] for r in plan["rounds"] for g in r["groups"] for m in g["members"]
                      if m["name"] == anna["name"])
    assert {where[(anna_place, r)]["theme"] for r in (1, 2)} == {"imago"}

    # Back to neutral with an empty ranking.
    assert (await client.put(url, json={"themes": []}, headers=carla["headers"])).json()["themes"] == []
    assert (await client.get(f"/api/v1/events/{slug}/themes/ranking")).json()["neutral"] == 10


async def test_ranking_problems(client: httpx.AsyncClient, members: Members) -> None:
    board = await Board(client, members).setup()
    slug = board.event["slug"]
    anna = await quick_member()
    await order_duo(client, anna, slug, {"name": "Bo", "email": "bo@example.nl", "industry": "finance"})
    url = f"/api/v1/events/{slug}/ranking"

    unknown = await client.put(url, json={"themes": ["imago", "sport"]}, headers=anna["headers"])
    assert unknown.status_code == 422
    assert unknown.json()["code"] == "invalid_ranking"
    assert unknown.json()["errors"][0]["field"] == "themes[1]"
    twice = await client.put(url, json={"themes": ["imago", "imago"]}, headers=anna["headers"])
    assert twice.status_code == 422
    assert twice.json()["errors"][0]["field"] == "themes[1]"
    shape = await client.put(url, json={"themes": "imago"}, headers=anna["headers"])
    assert shape.status_code == 400
    assert shape.json()["errors"][0]["field"] == "themes"

    stranger = await quick_member()
    denied = await client.put(url, json={"themes": ["imago"]}, headers=stranger["headers"])
    assert denied.status_code == 403
    assert denied.json()["code"] == "no_ticket"
    assert (await client.get(url, headers=stranger["headers"])).json()["code"] == "no_ticket"
    assert (await client.put(url, json={"themes": ["imago"]})).status_code == 401
    missing = await client.put("/api/v1/tickets/NG-AAAA-BBBB-CCCC-DDDD/ranking", json={"themes": ["imago"]})
    assert missing.status_code == 404
    assert missing.json()["code"] == "ticket_not_found"
    assert (await client.get("/api/v1/events/bestaat-niet/themes/ranking")).status_code == 404

    # A draft event has no public figures.
    draft = await client.post("/api/v1/events", json=free_hackathon(title="Nog geheim"),
                              headers=board.organiser["headers"])
    assert draft.status_code == 201, draft.text
    hidden = await client.get(f"/api/v1/events/{draft.json()['slug']}/themes/ranking")
    assert hidden.status_code == 404

