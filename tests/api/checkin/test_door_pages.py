"""The door's pages as a door role sees them (bearer token, no browser): the events to work, the scanner with the
camera allowed on that page alone, and nothing of the organiser's."""

from __future__ import annotations

import httpx
import pytest

from tests.support.door import Door
from tests.support.members import give_event_role, quick_member

pytestmark = pytest.mark.anyio


async def test_a_door_role_finds_its_event_and_the_scanner_with_the_camera(client: httpx.AsyncClient) -> None:
    door = await Door(client).setup(title="Deurdag")
    volunteer = await quick_member(name="Vera Vrijwilliger")
    await give_event_role(door.event["slug"], volunteer["email"], "door")
    listing = await client.get("/begeleiden", headers=volunteer["headers"])
    assert listing.status_code == 200
    assert f'href="/organiseren/{door.event["slug"]}/inchecken"' in listing.text
    assert f'href="/begeleiden/{door.event["slug"]}"' not in listing.text  # the door plans no groups
    scanner = await client.get(f"/organiseren/{door.event['slug']}/inchecken", headers=volunteer["headers"])
    assert scanner.status_code == 200
    assert 'id="door-data"' in scanner.text
    assert "camera=(self)" in scanner.headers["permissions-policy"]
    worker = await client.get(f"/organiseren/{door.event['slug']}/inchecken/sw.js", headers=volunteer["headers"])
    assert worker.status_code == 200
    assert worker.headers["content-type"].startswith("text/javascript")
    assert worker.headers["service-worker-allowed"] == f"/organiseren/{door.event['slug']}/"
    elsewhere = await client.get("/organiseren", headers=volunteer["headers"])
    assert "camera=()" in elsewhere.headers["permissions-policy"]
    organiser_only = await client.get(f"/organiseren/{door.event['slug']}/deelnemers", headers=volunteer["headers"])
    assert organiser_only.status_code == 403


async def test_someone_without_a_role_gets_no_scanner(client: httpx.AsyncClient) -> None:
    door = await Door(client).setup()
    member = await quick_member()
    page = await client.get(f"/organiseren/{door.event['slug']}/inchecken", headers=member["headers"])
    assert page.status_code == 403
    assert "door-data" not in page.text
    worker = await client.get(f"/organiseren/{door.event['slug']}/inchecken/sw.js", headers=member["headers"])
    assert worker.status_code == 403
