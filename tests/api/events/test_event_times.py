"""Local times that do not exist (issue 15): the hour the clocks go forward is refused with a clear error on event
and agenda creation, never silently shifted an hour."""

from __future__ import annotations

import httpx
import pytest

from tests.support.members import Members
from tests.support.shop import event_body

pytestmark = pytest.mark.anyio
# 28 March 2027 is the last Sunday of March: in Europe/Amsterdam 02:00 becomes 03:00.
GAP_DAY = "2027-03-28"


async def test_a_time_in_the_spring_gap_is_refused_not_shifted(client: httpx.AsyncClient, members: Members) -> None:
    organiser = await members.create("organiser", email="olga@example.nl")
    h = organiser["headers"]
    refused = await client.post("/api/v1/events", headers=h, json=event_body(
        starts_at=f"{GAP_DAY}T02:30:00", ends_at=f"{GAP_DAY}T10:00:00"))
    assert refused.status_code == 422, refused.text
    problem = refused.json()
    assert problem["errors"][0]["field"] == "starts_at" if "errors" in problem else problem.get("field") == "starts_at"
    assert "02:30 bestaat niet op 28-03-2027 in Europe/Amsterdam" in refused.text
    assert "zomertijd" in refused.text

    in_agenda = await client.post("/api/v1/events", headers=h, json=event_body(
        starts_at=f"{GAP_DAY}T01:00:00", ends_at=f"{GAP_DAY}T10:00:00",
        agenda=[{"title": "Nachtsessie", "starts_at": f"{GAP_DAY}T02:15:00", "ends_at": f"{GAP_DAY}T04:00:00"}]))
    assert in_agenda.status_code == 422
    assert "02:15 bestaat niet" in in_agenda.text

    # Just before and after the gap are fine, and an aware time (an instant) is never refused.
    fine = await client.post("/api/v1/events", headers=h, json=event_body(
        starts_at=f"{GAP_DAY}T01:59:00", ends_at=f"{GAP_DAY}T03:00:00"))
    assert fine.status_code == 201, fine.text
    assert fine.json()["starts_at"].startswith(f"{GAP_DAY}T00:59:00")  # 01:59 CET is 00:59 UTC
