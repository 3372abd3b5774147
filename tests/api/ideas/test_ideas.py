"""Ideas through the HTTP API: submitting with co-authors, the wall per theme, editing by authors with every version
kept, the window, the wall's audience and the organiser's settings, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
import pytest

from tests.support.ideas import IdeaEvent
from tests.support.members import Members, quick_member

pytestmark = pytest.mark.anyio


async def test_submit_edit_and_every_version_kept(client: httpx.AsyncClient, members: Members) -> None:
    ideas = await IdeaEvent(client).setup()
    anna, bram, carla = await ideas.holder(name="Anna"), await ideas.holder(name="Bram"), await ideas.holder()
    pitch = "Regel een\r\nRegel twee\n\n\n<b>geen html</b>"
    created = await ideas.submit(anna, theme="imago", title="  Klantcontact   is vakwerk ", pitch=pitch,
                                 link="https://example.nl/plan", co_authors=[bram["email"].upper()])
    assert created["title"] == "Klantcontact is vakwerk"
    assert created["theme"] == "imago"
    assert created["pitch"] == "Regel een\nRegel twee\n\n<b>geen html</b>"
    assert created["authors"] == ["Anna", "Bram"]
    assert created["version"] == 1
    assert created["mine"] is True
    assert created["in_vote"] is False
    assert created["link"] == "https://example.nl/plan"
    second = await ideas.submit(carla, title="Een keurmerk")
    idea = f"{ideas.url}/{created['id']}"

    # The wall: per theme in the organiser's order, for anyone (public by default), without e-mail addresses.
    shown = await client.get(ideas.url)
    assert shown.status_code == 200, shown.text
    wall = shown.json()
    assert wall["count"] == 2
    assert wall["wall"] == "public"
    assert wall["window"]["state"] == "open"
    assert [t["key"] for t in wall["themes"]] == ["keurmerk", "imago", "mens-in-klantcontact"]
    assert [i["id"] for i in wall["themes"][0]["ideas"]] == [second["id"]]
    assert [i["title"] for i in wall["themes"][1]["ideas"]] == ["Klantcontact is vakwerk"]
    assert "@" not in shown.text
    assert all(not i["mine"] for t in wall["themes"] for i in t["ideas"])
    one_theme = (await client.get(ideas.url, params={"theme": "imago"})).json()
    assert [t["key"] for t in one_theme["themes"]] == ["imago"]
    assert one_theme["count"] == 1

    # A co-author edits: a new version, with who and when; saving the same again makes none.
    edited = await client.patch(idea, json={"title": "Klantcontact is echt vakwerk", "link": ""},
                                headers=bram["headers"])
    assert edited.status_code == 200, edited.text
    assert edited.json()["version"] == 2
    assert edited.json()["link"] == ""
    assert edited.json()["mine"] is True
    same = await client.patch(idea, json={"title": "Klantcontact is echt vakwerk"}, headers=bram["headers"])
    assert same.json()["version"] == 2
    # The authors change (the editor stays one of them) and the theme moves.
    moved = await client.patch(idea, json={"co_authors": [carla["email"]], "theme": "keurmerk"},
                               headers=anna["headers"])
    assert moved.json()["authors"] == ["Anna", carla["name"]]
    assert moved.json()["version"] == 3
    history = (await client.get(f"{idea}/versions")).json()
    assert [v["version"] for v in history["versions"]] == [1, 2, 3]
    assert [v["edited_by"] for v in history["versions"]] == ["Anna", "Bram", "Anna"]
    assert history["versions"][0]["title"] == "Klantcontact is vakwerk"
    assert history["versions"][0]["link"] == "https://example.nl/plan"
    assert history["versions"][1]["authors"] == ["Anna", "Bram"]
    assert history["versions"][2]["authors"] == ["Anna", carla["name"]]
    assert history["versions"][2]["theme"] == "keurmerk"
    times = [datetime.fromisoformat(v["edited_at"]) for v in history["versions"]]
    assert times == sorted(times)

    # Bram is no longer an author; a ticket holder who never was cannot edit either.
    for who in (bram, await ideas.holder()):
        refused = await client.patch(idea, json={"title": "Overgenomen"}, headers=who["headers"])
        assert refused.status_code == 403
        assert refused.json()["code"] == "not_an_author"
    assert (await client.get(idea)).json()["title"] == "Klantcontact is echt vakwerk"


async def test_idea_problems(client: httpx.AsyncClient, members: Members) -> None:
    ideas = await IdeaEvent(client).setup()
    anna = await ideas.holder()

    async def problem(who: dict | None, body: dict, status: int, code: str, field: str | None = None) -> None:
        payload = {"theme": "keurmerk", "title": "Een idee", **body}
        response = await client.post(ideas.url, json=payload, headers=(who or {}).get("headers", {}))
        assert response.status_code == status, response.text
        assert response.json()["code"] == code
        if field:
            assert response.json()["errors"][0]["field"] == field

    await problem(anna, {"theme": "sport"}, 422, "unknown_theme", "theme")
    await problem(anna, {"title": "   "}, 422, "invalid_idea", "title")
    await problem(anna, {"link": "javascript:alert(1)"}, 422, "invalid_idea", "link")
    await problem(anna, {"pitch": "x" * 2500}, 422, "invalid_idea", "pitch")
    await problem(anna, {"co_authors": ["niemand@example.nl"]}, 422, "co_author_not_a_ticket_holder",
                  "co_authors[0]")
    await problem(await quick_member(), {}, 403, "no_ticket")
    await problem(None, {}, 401, "not_authenticated")
    assert (await client.post(ideas.url, json={"theme": "keurmerk"}, headers=anna["headers"])).status_code == 400
    missing = await client.get(f"{ideas.url}/999999")
    assert missing.status_code == 404
    assert missing.json()["code"] == "idea_not_found"
    assert (await client.get("/api/v1/events/bestaat-niet/ideas")).status_code == 404


async def test_the_window_opens_and_closes(client: httpx.AsyncClient, members: Members) -> None:
    ideas = await IdeaEvent(client).setup()
    anna = await ideas.holder()
    idea = await ideas.submit(anna)
    now = datetime.now(UTC)
    await ideas.configure(opens_at=(now - timedelta(hours=3)).isoformat(),
                          closes_at=(now - timedelta(minutes=1)).isoformat())
    closed = await client.post(ideas.url, json={"theme": "keurmerk", "title": "Te laat"}, headers=anna["headers"])
    assert closed.status_code == 409
    assert closed.json()["code"] == "idea_window_closed"
    edit = await client.patch(f"{ideas.url}/{idea['id']}", json={"title": "Te laat"}, headers=anna["headers"])
    assert edit.status_code == 409
    assert edit.json()["code"] == "idea_window_closed"
    await ideas.configure(opens_at=(now + timedelta(hours=1)).isoformat(),
                          closes_at=(now + timedelta(hours=3)).isoformat())
    early = await client.post(ideas.url, json={"theme": "keurmerk", "title": "Te vroeg"}, headers=anna["headers"])
    assert early.status_code == 409
    assert early.json()["code"] == "idea_window_closed"
    assert (await client.get(ideas.url)).json()["window"]["state"] == "not_yet"


async def test_settings_and_the_wall_for_attendees(client: httpx.AsyncClient, members: Members) -> None:
    ideas = await IdeaEvent(client).setup()
    url = f"{ideas.url}/settings"
    # The default window follows the agenda: from the first breakout round (14:00 local) until the end (no pitches).
    default = await client.put(url, json={}, headers=ideas.organiser["headers"])
    assert default.status_code == 200, default.text
    window = default.json()["window"]
    assert window["opens_by_default"]
    assert window["closes_by_default"]
    first_round = next(s for s in ideas.event["agenda"] if s["is_breakout_round"])
    assert datetime.fromisoformat(window["opens_at"]) == datetime.fromisoformat(first_round["starts_at"])
    assert datetime.fromisoformat(window["closes_at"]) == datetime.fromisoformat(ideas.event["ends_at"])
    local = await client.put(url, json={"opens_at": "2030-01-01T10:00:00", "closes_at": "2030-01-01T09:00:00"},
                             headers=ideas.organiser["headers"])
    assert local.status_code == 422
    assert local.json()["code"] == "invalid_idea_settings"

    await ideas.configure(wall="attendees")
    anna = await ideas.holder()
    await ideas.submit(anna, title="Alleen voor deelnemers")
    stranger, other_organiser = await quick_member(), await quick_member("organiser")
    for who, status in ((None, 403), (stranger, 403), (anna, 200), (ideas.organiser, 200)):
        response = await client.get(ideas.url, headers=(who or {}).get("headers", {}))
        assert response.status_code == status, response.text
        if status == 403:
            assert response.json()["code"] == "wall_for_attendees"
            assert "Alleen voor" not in response.text
    for who, status in ((None, 401), (anna, 403), (other_organiser, 403)):
        assert (await client.get(url, headers=(who or {}).get("headers", {}))).status_code == status
        assert (await client.put(url, json={}, headers=(who or {}).get("headers", {}))).status_code == status
