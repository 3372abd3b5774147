"""The waiting list under load (tests/load/waiting_list_scenario.py): 200 duos waiting, 50 holds expiring at the
same instant → exactly 50 offers, to the first 50 duos in queue order, none double, never oversold. With 2 uvicorn
workers on PostgreSQL (TEST_DATABASE_URL is postgres://…; a database of its own: the name + `_waitlist`) and
1 worker on SQLite. The report is printed and written to build/test-reports/waitlist-<engine>.json."""

from __future__ import annotations

import json
import os
from urllib.parse import urlsplit, urlunsplit

import pytest

from tests.load import waiting_list_scenario
from tests.support.database import IS_POSTGRES, ROOT, TEST_DATABASE_URL

pytestmark = [pytest.mark.slow, pytest.mark.anyio]

DUOS = int(os.environ.get("LOAD_WAITLIST_DUOS", "200"))
SEATS = int(os.environ.get("LOAD_WAITLIST_SEATS", "50"))


def _database_url() -> str:
    if not IS_POSTGRES:
        return waiting_list_scenario.sqlite_url()
    parts = urlsplit(TEST_DATABASE_URL)
    return urlunsplit(parts._replace(path=f"{parts.path.rstrip('/')}_waitlist"))


async def test_freed_seats_become_exactly_one_offer_each_in_queue_order() -> None:
    report = await waiting_list_scenario.run(_database_url(), workers=2 if IS_POSTGRES else 1, duos=DUOS,
                                             seats=SEATS)
    print(json.dumps(report), flush=True)
    out = ROOT / "build" / "test-reports"
    out.mkdir(parents=True, exist_ok=True)
    (out / f"waitlist-{report['engine']}.json").write_text(json.dumps(report, indent=2))
    assert report["problems"] == [], report
    assert report["offers"] == SEATS
    assert report["double_offers"] == 0
    assert report["oversold"] == 0
    assert report["offers_to_the_first_in_line"]
    assert report["offers_in_queue_order"]
