"""The ballot box as a property, against the real service and database (SQLite, and PostgreSQL when the run is on it):
for any sequence of casts, changes (with the right receipt or a forged one) and a close, the box holds exactly one
ballot per voter who cast, each with its last choices; nothing is accepted after the close; and the results' totals
equal a recount of the published list.

Hypothesis drives whole scenarios; each example runs in a fresh app (lifespan, empty tables) on its own event loop.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import anyio
import httpx
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ideas.rules import Method, tally
from settings import Settings
from tests.support.database import truncate_all
from tests.support.ideas import IdeaEvent

VOTERS = 4
IDEAS = 3
operations = st.lists(
    st.tuples(st.sampled_from(["cast", "cast", "change", "change", "forged", "close"]), st.integers(0, VOTERS - 1),
              st.lists(st.integers(0, IDEAS - 1), max_size=2, unique=True)),
    max_size=24,
)


async def scenario(database_url: str, ops: list[tuple[str, int, list[int]]]) -> None:
    from app import create_app

    app = create_app(replace(Settings(), database_url=database_url, background_jobs=False, app_env="test",
                             public_base_url="http://testserver", rate_limit_scale=1000))
    async with app.lifespan():
        await truncate_all()
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver") as client:
            await run(client, ops)


async def run(client: httpx.AsyncClient, ops: list[tuple[str, int, list[int]]]) -> None:
    from ideas.tables import Ballot, VoteParticipation

    event = await IdeaEvent(client).setup(authors_may_vote_own=True)
    voters = [await event.holder() for _ in range(VOTERS)]
    ideas = [(await event.submit(voters[0], title=f"Idee {i}"))["id"] for i in range(IDEAS)]
    vote = (await client.post(f"{event.url}/votes", json={"method": "borda", "choices": 2},
                              headers=event.organiser["headers"])).json()
    url = f"{event.url}/votes/{vote['id']}"
    box: dict[int, list[int]] = {}  # voter → their last choices (the model)
    receipts: dict[int, str] = {}
    closed = False
    for op, who, picks in ops:
        choices = [ideas[p] for p in picks]
        headers = voters[who]["headers"]
        if op == "cast":
            response = await client.post(f"{url}/ballot", json={"choices": choices}, headers=headers)
            if closed:
                assert response.status_code == 409
                assert response.json()["code"] == "vote_closed"
            elif who in box:
                assert response.status_code == 409
                assert response.json()["code"] == "already_voted"
            else:
                assert response.status_code == 201, response.text
                box[who], receipts[who] = choices, response.json()["receipt"]
        elif op in ("change", "forged"):
            receipt = receipts.get(who, "AAAA-AAAA-AAAA-AAAA-AAAA-AAAA")
            if op == "forged":
                receipt = receipt[:-4] + ("ZZZZ" if not receipt.endswith("ZZZZ") else "YYYY")
            response = await client.put(f"{url}/ballot", json={"receipt": receipt, "choices": choices},
                                        headers=headers)
            if closed:
                assert response.status_code == 409
                assert response.json()["code"] == "vote_closed"
            elif op == "change" and who in box:
                assert response.status_code == 200, response.text
                box[who] = choices
            else:
                assert response.status_code == 404
                assert response.json()["code"] == "receipt_not_found"
        else:
            response = await client.post(f"{url}/close", headers=event.organiser["headers"])
            assert response.status_code == (409 if closed else 200), response.text
            closed = True
        # After every step: one participation and one ballot per voter who cast, never more.
        assert await VoteParticipation.count().where(VoteParticipation.vote == vote["id"]) == len(box)
        assert await Ballot.count().where(Ballot.vote == vote["id"]) == len(box)
    if not closed:
        assert (await client.post(f"{url}/close", headers=event.organiser["headers"])).status_code == 200
    results = (await client.get(f"{url}/results")).json()
    published = {b["ballot_id"]: b["choices"] for b in results["published_ballots"]}
    assert sorted(map(tuple, published.values())) == sorted(map(tuple, box.values()))
    for who, receipt in receipts.items():
        assert published[receipt[:9]] == box[who]  # each voter finds their last choices under their receipt's id
    expected = tally(Method.BORDA, 2, ideas, box.values())
    assert {s["idea"]: s["points"] for s in results["standings"]} == expected
    assert results["ballots"] == len(box)
    assert results["recount_matches"] is True


@settings(max_examples=10, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(ops=operations)
def test_any_sequence_of_casts_changes_and_a_close(database_url: str, ops: list[Any]) -> None:
    anyio.run(scenario, database_url, ops)
