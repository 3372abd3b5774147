"""Check-in at the door through the API, on SQLite and PostgreSQL: green with the partner's state, orange for a
second scan, red with a stable code for every refused ticket, undo kept for the audit, offline batches that end in
the earliest scan, phones racing on one code, the figures and the door list."""

from __future__ import annotations

import asyncio
import hashlib
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from tests.support.door import Door, active_checkins
from tests.support.members import give_event_role, quick_member

pytestmark = pytest.mark.anyio


@pytest.fixture
async def door(client: httpx.AsyncClient) -> Door:
    return await Door(client).setup()


def _at(minutes: float) -> str:
    """A scan time `minutes` after a five-minute boundary an hour ago (offline scans are believed that far back)."""
    base = datetime.now(UTC).replace(second=0, microsecond=0) - timedelta(minutes=60)
    base -= timedelta(minutes=base.minute % 5)
    return (base + timedelta(minutes=minutes)).isoformat()


async def test_a_valid_ticket_is_green_with_the_partner_and_their_state(door: Door) -> None:
    duo = await door.duo("Sanne de Vries", "Lotte Bakker")
    first = await door.scan(duo["buyer"]["code"])
    assert first["result"] == "checked_in"
    assert first["already_checked_in"] is False
    assert first["person"] == {"place": duo["buyer"]["attendee"], "ticket": duo["buyer"]["id"],
                               "name": "Sanne de Vries", "role": "buyer"}
    partner = first["partner"]
    assert partner["name"] == "Lotte Bakker"
    assert partner["admits"] is True
    assert partner["checkin"] is None
    assert first["checkin"]["device"] == "Deur A"
    assert first["checkin"]["by"] == "Olga Organisator"
    # "ook partner inchecken": the partner by ticket id, from the first answer
    second = await door.scan(ticket=partner["ticket"])
    assert second["result"] == "checked_in"
    assert second["person"]["name"] == "Lotte Bakker"
    assert second["partner"]["checkin"]["id"] == first["checkin"]["id"]  # Sanne: already in, since when


async def test_a_second_scan_is_orange_never_an_error(door: Door) -> None:
    duo = await door.duo()
    first = await door.scan(duo["companion"]["code"], device="Deur A")
    again = await door.scan(duo["companion"]["code"].lower(), device="Deur B")  # typed, in lower case
    assert again["result"] == "already_checked_in"
    assert again["already_checked_in"] is True
    assert again["checkin"] == first["checkin"]  # when, at which door, by whom
    assert len(await active_checkins(duo["companion"]["id"])) == 1


async def test_the_same_scan_sent_again_gets_the_same_answer(door: Door) -> None:
    duo = await door.duo()
    at = _at(5)
    first = await door.scan(duo["buyer"]["code"], scanned_at=at)
    retried = await door.scan(duo["buyer"]["code"], scanned_at=at)  # the answer got lost: the phone retries
    assert retried["result"] == "checked_in"
    assert retried["checkin"] == first["checkin"]
    # The scanner page lets the server time an online scan and names it: a retry is known by that name.
    online = await door.scan(duo["companion"]["code"], client_id="scan-1")
    again = await door.scan(duo["companion"]["code"], client_id="scan-1")
    assert again["result"] == "checked_in"
    assert again["checkin"] == online["checkin"]
    other = await door.scan(duo["companion"]["code"], client_id="scan-2")
    assert other["result"] == "already_checked_in"


async def test_an_unknown_code_is_red(door: Door) -> None:
    problem = await door.scan("NG-AAAA-BBBB-CCCC-DDDD", expect=404)
    assert problem["code"] == "ticket_unknown"
    assert "Onbekende code" in problem["detail"]


async def test_a_ticket_for_another_event_is_red_and_says_which(door: Door, client: httpx.AsyncClient) -> None:
    other = await Door(client).setup(title="Meetup in Zwolle")
    duo = await other.duo("Piet Ander")
    problem = await door.scan(duo["buyer"]["code"], expect=409)
    assert problem["code"] == "ticket_other_event"
    assert problem["event"]["title"] == "Meetup in Zwolle"
    assert "Piet Ander" not in str(problem)  # another event's holder is none of this door's business


async def test_a_code_replaced_by_a_companion_change_is_red_with_the_date(door: Door,
                                                                          client: httpx.AsyncClient) -> None:
    duo = await door.duo("Sanne de Vries", "Oude Partner")
    changed = await client.put(f"/api/v1/orders/{duo['order']['id']}/companion", headers=duo["purchaser"]["headers"],
                               json={"name": "Nieuwe Partner", "email": "nieuw-maatje@example.nl",
                                     "industry": "retail", "birth_date": None, "organisation": "Bakkerij"})
    assert changed.status_code == 200, changed.text
    problem = await door.scan(duo["companion"]["code"], expect=409)
    assert problem["code"] == "ticket_voided"
    assert problem["name"] == "Oude Partner"
    assert problem["voided_at"]
    assert "vervangen op" in problem["detail"]
    buyer = await door.scan(duo["buyer"]["code"])  # the buyer's partner is the new companion now
    assert buyer["partner"]["name"] == "Nieuwe Partner"
    assert buyer["partner"]["admits"] is True


async def test_a_cancelled_duo_is_red(door: Door, client: httpx.AsyncClient) -> None:
    duo = await door.duo()
    cancelled = await client.post(f"/api/v1/orders/{duo['order']['id']}/cancel", headers=duo["purchaser"]["headers"])
    assert cancelled.status_code == 200, cancelled.text
    for place in ("buyer", "companion"):
        problem = await door.scan(duo[place]["code"], expect=409)
        assert problem["code"] == "ticket_cancelled"


async def test_the_answer_holds_only_what_the_door_needs(door: Door) -> None:
    duo = await door.duo()
    text = str(await door.scan(duo["buyer"]["code"])) + (await door.get("/door-list")).text
    for secret in (duo["purchaser"]["email"], "deur-partner", "Bakkerij", duo["buyer"]["code"],
                   duo["companion"]["code"]):
        assert secret not in text


async def test_undo_is_kept_for_the_audit_and_the_person_can_come_in_again(door: Door) -> None:
    duo = await door.duo()
    helper = await quick_member(name="Fleur Facilitator")
    await give_event_role(door.event["slug"], helper["email"], "facilitator")
    first = await door.scan(duo["buyer"]["code"])
    undone = await door.undo(first["checkin"]["id"], who=helper)
    assert undone["undone_by"] == "Fleur Facilitator"
    assert undone["undo_reason"] == "mistake"
    assert (await door.undo(first["checkin"]["id"])) == undone  # again: the same answer, the first undo kept
    assert await active_checkins(duo["buyer"]["id"]) == []
    back = await door.scan(duo["buyer"]["code"])
    assert back["result"] == "checked_in"
    assert back["checkin"]["id"] != first["checkin"]["id"]
    missing = await door.undo(first["checkin"]["id"] + 1000, expect=404)
    assert missing["code"] == "checkin_not_found"


async def test_offline_phones_colliding_on_one_code_end_in_the_earliest(door: Door) -> None:
    """Phone A scanned at minute 5, phone B at minute 2, both offline. A syncs first; then B, whose scan is
    earlier, replaces A's (kept as superseded); A, syncing again, is told that B was earlier."""
    from checkin.tables import CheckIn

    duo = await door.duo()
    code = duo["buyer"]["code"]
    a_items = [{"code": code, "scanned_at": _at(5), "client_id": "a-1"}]
    b_items = [{"code": code, "scanned_at": _at(2), "client_id": "b-1"},
               {"code": "NG-ZZZZ-ZZZZ-ZZZZ-ZZZZ", "scanned_at": _at(3), "client_id": "b-2"}]
    a = await door.batch("Telefoon A", a_items)
    assert a[0]["outcome"] == "checked_in"
    b = await door.batch("Telefoon B", b_items)
    assert b[0]["outcome"] == "checked_in"
    assert b[0]["scan"]["replaced_later_scan"] is True
    assert b[1] == {"client_id": "b-2", "outcome": "refused", "scan": None,
                    "refusal": {"code": "ticket_unknown", "detail": b[1]["refusal"]["detail"], "voided_at": None,
                                "event": None, "name": None}}
    a_again = await door.batch("Telefoon A", a_items)
    assert a_again[0]["outcome"] == "already_checked_in"
    assert a_again[0]["scan"]["checkin"]["device"] == "Telefoon B"
    assert await door.batch("Telefoon B", b_items) == b  # the same batch again: nothing changes
    kept = await active_checkins(duo["buyer"]["id"])
    assert [k["device"] for k in kept] == ["Telefoon B"]
    audit = await CheckIn.select(CheckIn.device, CheckIn.undo_reason).where(CheckIn.ticket == duo["buyer"]["id"])
    assert sorted((r["device"], r["undo_reason"]) for r in audit) == [("Telefoon A", "superseded"),
                                                                      ("Telefoon B", "")]


async def test_a_later_offline_scan_is_told_the_other_phone_was_first(door: Door) -> None:
    duo = await door.duo()
    await door.batch("Telefoon A", [{"code": duo["buyer"]["code"], "scanned_at": _at(2)}])
    b = await door.batch("Telefoon B", [{"code": duo["buyer"]["code"], "scanned_at": _at(5)}])
    assert b[0]["outcome"] == "already_checked_in"
    assert b[0]["scan"]["checkin"]["device"] == "Telefoon A"


async def test_phones_racing_on_one_code_end_in_one_check_in(door: Door) -> None:
    duo = await door.duo()
    answers = await asyncio.gather(*[door.scan(duo["buyer"]["code"], device=f"Deur {n}") for n in range(8)])
    results = sorted(a["result"] for a in answers)
    assert results == ["already_checked_in"] * 7 + ["checked_in"]
    assert len({a["checkin"]["id"] for a in answers}) == 1
    assert len(await active_checkins(duo["buyer"]["id"])) == 1


async def test_arrivals_count_persons_and_duos_per_five_minutes(door: Door) -> None:
    duos = [await door.duo() for _ in range(3)]
    await door.batch("Deur A", [{"code": duos[0]["buyer"]["code"], "scanned_at": _at(0)},
                                {"code": duos[0]["companion"]["code"], "scanned_at": _at(1)},
                                {"code": duos[1]["buyer"]["code"], "scanned_at": _at(12)}])
    figures = (await door.get()).json()
    assert {k: figures[k] for k in ("persons_expected", "persons_in", "persons_missing", "duos_sold",
                                    "duos_complete", "duos_partial")} == {
        "persons_expected": 6, "persons_in": 3, "persons_missing": 3, "duos_sold": 3, "duos_complete": 1,
        "duos_partial": 1}
    assert sum(b["persons"] for b in figures["per_5_minutes"]) == 3
    assert figures["per_5_minutes"][0]["persons"] == 2


async def test_the_door_list_has_every_place_with_its_verdict_and_a_hash_of_its_code(
        door: Door, client: httpx.AsyncClient) -> None:
    duo = await door.duo("Sanne de Vries", "Lotte Bakker")
    await door.scan(duo["buyer"]["code"])
    listing = (await door.get("/door-list")).json()
    entries = {e["name"]: e for e in listing["entries"]}
    sanne, lotte = entries["Sanne de Vries"], entries["Lotte Bakker"]
    assert sanne["verdict"] == "admit"
    assert sanne["checkin"]["device"] == "Deur A"
    assert lotte["checkin"] is None
    assert lotte["partner_place"] == sanne["place"]
    assert lotte["code_sha256"] == hashlib.sha256(duo["companion"]["code"].encode()).hexdigest()
    missing = (await door.get("/missing.csv")).text.splitlines()
    assert missing[0] == "\ufeffnaam;rol;partner;partner binnen;partner binnen om"
    assert missing[1].startswith("Lotte Bakker;Partner;Sanne de Vries;ja;")


async def test_an_unpaid_hold_is_on_the_door_list_as_red(client: httpx.AsyncClient) -> None:
    door = await Door(client).setup(price_cents=2500)
    buyer = await quick_member(name="Hans Hold")
    held = await client.post(f"/api/v1/events/{door.event['slug']}/orders", headers=buyer["headers"], json={
        "companion": {"name": "Hanna Hold", "email": "hanna@example.nl", "industry": "retail", "birth_date": None,
                      "organisation": "X"}})
    assert held.status_code == 201, held.text
    assert held.json()["status"] == "pending_payment", held.text
    entries = (await door.get("/door-list")).json()["entries"]
    assert {(e["name"], e["verdict"], e["ticket"]) for e in entries} == {
        ("Hans Hold", "ticket_unpaid", None), ("Hanna Hold", "ticket_unpaid", None)}


@pytest.mark.parametrize(("who", "status"), [
    ("anonymous", 401), ("member", 403), ("other_organiser", 403), ("administrator", 403),
    ("facilitator_elsewhere", 403), ("door_elsewhere", 403), ("facilitator", 200), ("door", 200), ("organiser", 200)])
async def test_who_may_work_the_door(door: Door, client: httpx.AsyncClient, who: str, status: int) -> None:
    from tests.support.breakouts import published_event

    people: dict[str, Any] = {"anonymous": {"headers": {}}, "member": await quick_member(),
                              "other_organiser": await quick_member("organiser"),
                              "administrator": await quick_member("admin"), "organiser": door.organiser}
    elsewhere = await published_event(client, people["other_organiser"], title="Een andere hackathon")
    for role in ("facilitator", "door"):
        people[role], people[f"{role}_elsewhere"] = await quick_member(), await quick_member()
        await give_event_role(door.event["slug"], people[role]["email"], role)
        await give_event_role(elsewhere["slug"], people[f"{role}_elsewhere"]["email"], role)
    duo = await door.duo()
    response = await client.post(door.url, json={"device": "Deur A", "code": duo["buyer"]["code"]},
                                 headers=people[who]["headers"])
    assert response.status_code == status, response.text


async def test_a_scan_names_a_code_or_a_ticket(door: Door) -> None:
    problem = await door.scan(None, expect=422)
    assert problem["code"] == "validation_error"
    assert problem["errors"][0]["field"] == "code"
