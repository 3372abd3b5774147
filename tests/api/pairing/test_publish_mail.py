"""Publishing the breakout groups mails each person (buyer and companion) their groups, rooms and times: one mail
per person and publication, a re-publish only to the people whose groups changed, marking what changed; the
update for who came mails only the people it moved (its own mail). The board's confirmation page before publishing
says how many people get a mail. On both engines (issue 20)."""

from __future__ import annotations

from dataclasses import replace
from email import message_from_bytes, policy
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.support.breakouts import Board, placement, seed_duos
from tests.support.members import Members, quick_member

pytestmark = pytest.mark.anyio


@pytest.fixture
async def board(client: httpx.AsyncClient, members: Members) -> Board:
    return await Board(client, members).setup(title="Mailhackathon")


async def _queued() -> list[dict[str, Any]]:
    from notifications.tables import OutboxMail

    return list(await OutboxMail.select(OutboxMail.attendee_id, OutboxMail.to_email, OutboxMail.dedupe_key).where(
        OutboxMail.kind == "breakout_published").order_by(OutboxMail.id))


async def _send(folder: Path) -> list[Any]:
    from notifications import outbox
    from settings import get_settings

    settings = replace(get_settings(), mail_dir=folder, public_base_url="http://testserver")
    while await outbox.send_outbox(settings):
        pass
    return _mailbox(folder)


def _mailbox(folder: Path) -> list[Any]:
    return [message_from_bytes(p.read_bytes(), policy=policy.default) for p in sorted(folder.glob("*.eml"))]


def _text(mail: Any) -> str:
    return str(mail.get_body(preferencelist=("plain",)).get_content())


async def test_publishing_mails_everyone_once_and_a_republish_only_whoever_changed(board: Board,
                                                                                  tmp_path: Path) -> None:
    places = await seed_duos(board.event["id"], 10)
    plan = await board.generate(seed=3)
    first = plan["rounds"][0]["groups"][0]
    await board.call("PUT", "/rooms", json={"rooms": [{"theme": first["theme"], "group": first["number"],
                                                      "room": "Zaal Utrecht"}]})
    await board.call("POST", "/publish")
    queued = await _queued()
    # Everyone with a group, buyers and companions alike, once each, to their own address.
    assert sorted(m["attendee_id"] for m in queued) == sorted(p["id"] for p in places)
    assert {m["to_email"] for m in queued} == {p["email"] for p in places}
    assert any("maatje" in m["to_email"] for m in queued)

    await board.call("POST", "/publish")  # nothing changed: nobody is mailed again
    assert len(await _queued()) == len(places)

    mails = await _send(tmp_path / "first")
    assert len(mails) == len(places)
    assert {str(m["Subject"]) for m in mails} == {"Je breakoutgroepen voor Mailhackathon"}
    someone = first["members"][0]
    text = _text(next(m for m in mails if someone["name"] in str(m["To"])))
    assert "Breakoutronde 1 (14:00–15:30): " in text
    assert "zaal Zaal Utrecht" in text
    assert "Breakoutronde 2 (16:00–17:30): " in text
    assert "http://testserver/mijn/agenda" in text
    assert "(gewijzigd)" not in text

    # They move in round 2 to another group: only they are mailed, and the mail marks what changed.
    before = placement(plan)
    who = someone["id"]
    now = before[(who, 2)]
    target = next(g for r in plan["rounds"] if r["round"] == 2 for g in r["groups"] if g["id"] != now["id"])
    await board.call("POST", "/move", json={"attendee": who, "round": 2, "theme": target["theme"],
                                            "group": target["number"]})
    await board.call("POST", "/publish")
    again = await _queued()
    assert len(again) == len(places) + 1
    assert again[-1]["attendee_id"] == who
    [changed] = await _send(tmp_path / "second")
    assert str(changed["Subject"]) == "Je breakoutgroepen zijn gewijzigd: Mailhackathon"
    moved = _text(changed)
    round_two = next(line for line in moved.splitlines() if line.startswith("Breakoutronde 2"))
    round_one = next(line for line in moved.splitlines() if line.startswith("Breakoutronde 1"))
    assert f"groep {target['number']}" in round_two
    assert round_two.endswith("(gewijzigd)")
    assert not round_one.endswith("(gewijzigd)")

    # Two publications before the outbox runs: the person gets one mail, with the plan as it is now.
    back = await board.call("POST", "/move", json={"attendee": who, "round": 2, "theme": now["theme"],
                                                   "group": now["number"]})
    await board.call("POST", "/publish")
    other = next(g for g in back["rounds"][1]["groups"] if g["id"] not in (now["id"], target["id"]))
    await board.call("POST", "/move", json={"attendee": who, "round": 2, "theme": other["theme"],
                                            "group": other["number"]})
    await board.call("POST", "/publish")
    assert len(await _queued()) == len(places) + 3
    [latest] = await _send(tmp_path / "third")
    assert f"groep {other['number']}" in next(line for line in _text(latest).splitlines()
                                              if line.startswith("Breakoutronde 2"))


async def test_the_update_for_who_came_does_not_send_the_publish_mail_again(board: Board) -> None:
    places = await seed_duos(board.event["id"], 10)
    await board.generate(seed=3)
    await board.call("POST", "/publish")
    from ticketing.tables import Ticket

    tickets = await Ticket.select(Ticket.code).where(Ticket.attendee.is_in([p["id"] for p in places[4:]]))
    checked = await board.client.post(f"/api/v1/events/{board.event['slug']}/checkins/batch",
                                      headers=board.organiser["headers"],
                                      json={"device": "Deur A", "items": [{"code": t["code"]} for t in tickets]})
    assert checked.status_code == 200, checked.text
    preview = await board.call("POST", "/regroup/preview", json={})
    await board.call("POST", "/regroup/publish", json={"fingerprint": preview["fingerprint"]})
    assert len(await _queued()) == len(places)  # the moved people get the regroup's own mail, not this one


async def test_the_confirmation_page_says_who_gets_a_mail(board: Board, client: httpx.AsyncClient) -> None:
    await seed_duos(board.event["id"], 6)
    await board.generate(seed=3)
    page = f"/begeleiden/{board.event['slug']}/publiceren"
    shown = await client.get(page, headers=board.facilitator["headers"])
    assert shown.status_code == 200, shown.text
    assert "De groepen publiceren?" in shown.text
    assert "12 mensen krijgen een e-mail met hun groepen, zalen en tijden." in shown.text
    assert f'action="{page}"' in shown.text
    assert "Publiceren en de e-mails sturen" in shown.text
    assert await _queued() == []  # looking is not publishing
    await board.call("POST", "/publish")
    again = await client.get(page, headers=board.facilitator["headers"])
    assert "niemand krijgt een e-mail" in again.text
    assert "De gewijzigde groepen publiceren?" in again.text
    # The board links to it instead of publishing at once.
    board_page = await client.get(f"/begeleiden/{board.event['slug']}", headers=board.facilitator["headers"])
    assert f'href="{page}"' in board_page.text
    outsider = await quick_member()
    refused = await client.get(page, headers=outsider["headers"])
    assert refused.status_code == 403
