"""Votes through the HTTP API: opening and closing, secret ballots with receipts, changing a ballot, the published
results (every ballot, totals by hand, turnout), eligibility with check-in, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from tests.support.ideas import IdeaEvent, holders_with_tokens
from tests.support.members import Members, quick_member

pytestmark = pytest.mark.anyio


async def counts(vote_id: int) -> tuple[int, int]:
    from ideas.tables import Ballot, VoteParticipation

    return (await VoteParticipation.count().where(VoteParticipation.vote == vote_id),
            await Ballot.count().where(Ballot.vote == vote_id))


async def test_approval_vote_from_opening_to_published_results(client: httpx.AsyncClient, members: Members) -> None:
    ideas = await IdeaEvent(client).setup()
    anna, bram = await ideas.holder(name="Anna"), await ideas.holder(name="Bram")
    a = (await ideas.submit(anna, title="Keurmerk voor iedereen"))["id"]
    b = (await ideas.submit(bram, title="Trots op het vak", theme="imago"))["id"]
    c = (await ideas.submit(bram, title="Ruimte voor aandacht", theme="mens-in-klantcontact"))["id"]
    voters = [anna, bram, *[await ideas.holder() for _ in range(3)]]
    url = f"{ideas.url}/votes"

    # Only the event's organiser opens a vote.
    body = {"method": "approval", "choices": 2}
    assert (await client.post(url, json=body, headers=anna["headers"])).status_code == 403
    opened = await client.post(url, json=body, headers=ideas.organiser["headers"])
    assert opened.status_code == 201, opened.text
    vote = opened.json()
    assert vote["status"] == "open"
    assert [i["id"] for i in vote["ideas"]] == [a, b, c]
    assert vote["authors_may_vote_own"] is False
    assert vote["ballots"] == 0
    vote_url = f"{url}/{vote['id']}"
    # The ideas on the ballot paper no longer change.
    frozen = await client.patch(f"{ideas.url}/{a}", json={"title": "Anders"}, headers=anna["headers"])
    assert frozen.status_code == 409
    assert frozen.json()["code"] == "idea_in_vote"

    # Anna may not vote for her own idea (the organiser's default); too many choices; an idea not on the paper.
    for choices, field in (([a], "choices[0]"), ([b, c, a], "choices[2]"), ([b, b], "choices[1]"), ([9999], None)):
        refused = await client.post(f"{vote_url}/ballot", json={"choices": choices}, headers=anna["headers"])
        assert refused.status_code == 422, refused.text
        assert refused.json()["code"] == "invalid_ballot", refused.text
        if field:
            assert refused.json()["errors"][0]["field"] == field
    stranger = await quick_member()
    assert (await client.post(f"{vote_url}/ballot", json={"choices": [b]},
                              headers=stranger["headers"])).json()["code"] == "no_ticket"

    ballots: dict[str, dict[str, Any]] = {}
    wanted = {0: [b, c], 1: [a], 2: [a, b], 3: [], 4: [c]}
    for i, voter in enumerate(voters):
        cast = await client.post(f"{vote_url}/ballot", json={"choices": wanted[i]}, headers=voter["headers"])
        assert cast.status_code == 201, cast.text
        ballots[voter["email"]] = cast.json()
        assert cast.json()["receipt"].startswith(cast.json()["ballot_id"] + "-")
        again = await client.post(f"{vote_url}/ballot", json={"choices": wanted[i]}, headers=voter["headers"])
        assert again.status_code == 409
        assert again.json()["code"] == "already_voted"
    seen = (await client.get(vote_url, headers=voters[0]["headers"])).json()
    assert seen["ballots"] == 5
    assert seen["you_voted"] is True
    assert seen["you_may_vote"] is True
    assert (await counts(vote["id"])) == (5, 5)

    # Voter 4 changes their ballot with the receipt: the same ballot, never a second one.
    receipt = ballots[voters[4]["email"]]["receipt"]
    changed = await client.put(f"{vote_url}/ballot", json={"receipt": receipt.lower(), "choices": [a, c]},
                               headers=voters[4]["headers"])
    assert changed.status_code == 200, changed.text
    assert changed.json()["ballot_id"] == ballots[voters[4]["email"]]["ballot_id"]
    wanted[4] = [a, c]
    assert (await counts(vote["id"])) == (5, 5)
    forged = receipt[:-1] + ("0" if receipt[-1] != "0" else "1")
    wrong = await client.put(f"{vote_url}/ballot", json={"receipt": forged, "choices": [a]},
                             headers=voters[4]["headers"])
    assert wrong.status_code == 404
    assert wrong.json()["code"] == "receipt_not_found"
    found = await client.post(f"{vote_url}/receipt", json={"receipt": receipt})
    assert found.json()["choices"] == [a, c]
    assert found.json()["vote_status"] == "open"
    # Anna's change may not add her own idea either.
    own = await client.put(f"{vote_url}/ballot", json={"receipt": ballots[anna["email"]]["receipt"],
                                                       "choices": [a]}, headers=anna["headers"])
    assert own.status_code == 422
    assert own.json()["code"] == "invalid_ballot"

    early = await client.get(f"{vote_url}/results")
    assert early.status_code == 409
    assert early.json()["code"] == "vote_not_closed"
    assert (await client.post(f"{vote_url}/close", headers=bram["headers"])).status_code == 403
    closed = await client.post(f"{vote_url}/close", headers=ideas.organiser["headers"])
    assert closed.status_code == 200, closed.text
    assert closed.json()["status"] == "closed"
    assert closed.json()["ballots"] == 5
    again = await client.post(f"{vote_url}/close", headers=ideas.organiser["headers"])
    assert again.status_code == 409
    assert again.json()["code"] == "vote_closed"

    # Nothing after the close.
    late = await client.post(f"{vote_url}/ballot", json={"choices": [b]}, headers=(await ideas.holder())["headers"])
    assert late.status_code == 409
    assert late.json()["code"] == "vote_closed"
    late_change = await client.put(f"{vote_url}/ballot", json={"receipt": receipt, "choices": [b]},
                                   headers=voters[4]["headers"])
    assert late_change.status_code == 409
    assert late_change.json()["code"] == "vote_closed"

    response = await client.get(f"{vote_url}/results")
    assert response.status_code == 200, response.text
    results = response.json()
    # By hand: a gets 1 (bram) + 1 (voter 2) + 1 (voter 4) = 3; b 1 + 1 = 2; c 1 + 1 = 2.
    assert [(s["idea"], s["points"], s["place"]) for s in results["standings"]] == [(a, 3, 1), (b, 2, 2), (c, 2, 2)]
    assert results["standings"][0]["authors"] == ["Anna"]
    # Five voters with a paid duo each: ten ticket holders were eligible at closing (the late one came after).
    assert results["eligible"] == 10
    assert results["ballots"] == 5
    assert results["turnout_percent"] == 50.0
    assert results["recount_matches"] is True
    published = results["published_ballots"]
    assert [p["ballot_id"] for p in published] == sorted(p["ballot_id"] for p in published)
    assert all(set(p) == {"ballot_id", "choices"} for p in published)
    # Every voter finds their ballot, unchanged (the last version), by the id on their receipt.
    by_id = {p["ballot_id"]: p["choices"] for p in published}
    for i, voter in enumerate(voters):
        assert by_id[ballots[voter["email"]]["ballot_id"]] == wanted[i]
    # Anyone can recount from the published list.
    recount = {a: 0, b: 0, c: 0}
    for p in published:
        for idea in p["choices"]:
            recount[idea] += 1
    assert recount == {s["idea"]: s["points"] for s in results["standings"]}
    # Nothing about who voted: no e-mail address, no voter's name outside the authors of the ideas.
    assert "@" not in response.text
    for voter in voters[2:]:
        assert voter["name"] not in response.text
    assert results["final"][0]["idea"] == a
    assert results["jurors"] == []
    assert results["jury_weight"] == 0


async def test_borda_on_one_theme(client: httpx.AsyncClient, members: Members) -> None:
    ideas = await IdeaEvent(client).setup(authors_may_vote_own=True)
    author = await ideas.holder()
    x = (await ideas.submit(author, title="X"))["id"]
    y = (await ideas.submit(author, title="Y"))["id"]
    z = (await ideas.submit(author, title="Z"))["id"]
    other_theme = (await ideas.submit(author, title="Elders", theme="imago"))["id"]
    opened = await client.post(f"{ideas.url}/votes", json={"method": "borda", "theme": "keurmerk", "choices": 2},
                               headers=ideas.organiser["headers"])
    assert opened.status_code == 201, opened.text
    vote = opened.json()
    assert [i["id"] for i in vote["ideas"]] == [x, y, z]
    assert vote["theme"] == "keurmerk"
    assert vote["authors_may_vote_own"] is True
    assert not any(i["yours"] for i in vote["ideas"])
    url = f"{ideas.url}/votes/{vote['id']}"
    assert all(i["yours"] for i in (await client.get(url, headers=author["headers"])).json()["ideas"])
    # The other theme's idea is editable still and not on this ballot paper.
    assert (await client.patch(f"{ideas.url}/{other_theme}", json={"title": "Elders 2"},
                               headers=author["headers"])).status_code == 200
    off_paper = await client.post(f"{url}/ballot", json={"choices": [other_theme]}, headers=author["headers"])
    assert off_paper.status_code == 422
    # N = 2: the first choice 2 points, the second 1.
    rankings = [[x, y], [y, x], [y], [z, y]]  # the author votes too: the organiser allowed it
    voters = [author] + [await ideas.holder() for _ in range(3)]
    for voter, ranking in zip(voters, rankings, strict=True):
        cast = await client.post(f"{url}/ballot", json={"choices": ranking}, headers=voter["headers"])
        assert cast.status_code == 201, cast.text
    await client.post(f"{url}/close", headers=ideas.organiser["headers"])
    results = (await client.get(f"{url}/results")).json()
    # x: 2 + 1 = 3; y: 1 + 2 + 2 + 1 = 6; z: 2.
    assert [(s["idea"], s["points"]) for s in results["standings"]] == [(y, 6), (x, 3), (z, 2)]
    assert results["vote"]["method"] == "borda"
    assert results["recount_matches"] is True


async def test_vote_problems_and_who_sees_what(client: httpx.AsyncClient, members: Members) -> None:
    ideas = await IdeaEvent(client).setup()
    url = f"{ideas.url}/votes"
    none_yet = await client.post(url, json={"method": "approval"}, headers=ideas.organiser["headers"])
    assert none_yet.status_code == 409
    assert none_yet.json()["code"] == "no_ideas_to_vote_on"
    unknown = await client.post(url, json={"method": "approval", "theme": "sport"},
                                headers=ideas.organiser["headers"])
    assert unknown.status_code == 422
    assert unknown.json()["code"] == "unknown_theme"
    bad = await client.post(url, json={"method": "loting"}, headers=ideas.organiser["headers"])
    assert bad.status_code == 400
    other = await quick_member("organiser")
    assert (await client.post(url, json={"method": "approval"}, headers=other["headers"])).status_code == 403
    assert (await client.post(url, json={"method": "approval"})).status_code == 401
    missing = await client.get(f"{url}/999999")
    assert missing.status_code == 404
    assert missing.json()["code"] == "vote_not_found"
    assert (await client.get(url)).json() == {"event": ideas.slug, "votes": []}


async def test_only_checked_in_holders_vote_once_check_in_is_used(client: httpx.AsyncClient,
                                                                  members: Members) -> None:
    from checkin.tables import CheckIn
    from ticketing.tables import Ticket

    ideas = await IdeaEvent(client).setup()
    author = await ideas.holder()
    idea = (await ideas.submit(author))["id"]
    present, absent = await holders_with_tokens(ideas.event["id"], 2, prefix="deur")
    vote = (await client.post(f"{ideas.url}/votes", json={"method": "approval"},
                              headers=ideas.organiser["headers"])).json()
    url = f"{ideas.url}/votes/{vote['id']}"
    # Nobody checked in yet: check-in is not used, every ticket holder may vote.
    assert (await client.get(url, headers=absent["headers"])).json()["you_may_vote"] is True
    ticket = await Ticket.select(Ticket.id).where(Ticket.attendee == present["place"]).first()
    now = datetime.now(UTC)
    await CheckIn.insert(CheckIn(ticket=ticket["id"], event=ideas.event["id"], attendee=present["place"],
                                 device="Deur A", scanned_at=now, received_at=now))
    assert (await client.get(url, headers=absent["headers"])).json()["you_may_vote"] is False
    refused = await client.post(f"{url}/ballot", json={"choices": [idea]}, headers=absent["headers"])
    assert refused.status_code == 403
    assert refused.json()["code"] == "not_eligible_to_vote"
    cast = await client.post(f"{url}/ballot", json={"choices": [idea]}, headers=present["headers"])
    assert cast.status_code == 201, cast.text
    await client.post(f"{url}/close", headers=ideas.organiser["headers"])
    results = (await client.get(f"{url}/results")).json()
    assert results["eligible"] == 1
    assert results["turnout_percent"] == 100.0
