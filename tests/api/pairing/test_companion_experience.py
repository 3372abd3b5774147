"""A companion's experience is known or unknown (issue 15): the buyer gives it on the order ("weet ik niet" is
null), the board shows it, and an unknown level stays unknown (never "Starter") on the card and in the engine."""

from __future__ import annotations

import httpx
import pytest

from tests.support.breakouts import Board, order_duo, people, place_of, seed_duos
from tests.support.members import Members, give_event_role
from tests.support.pages import sign_in_on_page

pytestmark = pytest.mark.anyio


async def test_the_board_shows_the_companions_level_as_given_or_unknown(client: httpx.AsyncClient,
                                                                        members: Members) -> None:
    board = await Board(client, members).setup()
    slug = board.event["slug"]
    kim, lex = await people(members, 2, organisation="Koper BV")
    known = await order_duo(client, kim, slug, {"name": "Sam Senior", "email": "sam@example.nl", "industry": "retail",
                                                "experience_level": 3})
    unknown = await order_duo(client, lex, slug, {"name": "Noor Onbekend", "email": "noor@example.nl",
                                                  "industry": "retail", "experience_level": None})
    assert known["companion"]["experience_level"] == 3
    assert unknown["companion"]["experience_level"] is None
    refused = await client.post(f"/api/v1/events/{slug}/orders", headers=kim["headers"], json={"companion": {
        "name": "Te Veel", "email": "veel@example.nl", "industry": "retail", "experience_level": 5}})
    assert refused.status_code == 400, refused.text
    await seed_duos(board.event["id"], 10)

    plan = await board.generate(seed=2)
    level = {m["name"]: m["experience_level"] for r in plan["rounds"] for g in r["groups"] for m in g["members"]}
    assert level["Sam Senior"] == 3
    assert level["Noor Onbekend"] is None
    assert place_of(plan, "Noor Onbekend")

    facilitator = await members.create(email="fien@example.nl")  # one who can sign in on a page
    await give_event_role(slug, facilitator["email"])
    await sign_in_on_page(client, facilitator["email"], facilitator["password"])
    page = await client.get(f"/begeleiden/{slug}")
    assert page.status_code == 200, page.text[:300]
    card = page.text[page.text.index("Noor Onbekend"):][:600]
    assert "Ervaring onbekend" in card
    assert "Starter" not in card
