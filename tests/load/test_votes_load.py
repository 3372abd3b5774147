"""Voting under load (tests/load/voting_scenario.py): 300 voters casting at once (some tapping twice) and then
changing their ballots while the organiser closes the vote → exactly one ballot each, every voter finds their last
accepted ballot, totals exact, nothing accepted after the close. With 2 uvicorn workers on PostgreSQL
(TEST_DATABASE_URL is postgres://…; a database of its own: the name + `_votes`) and 1 worker on SQLite. The report
is printed and written to build/test-reports/votes-<engine>.json."""

from __future__ import annotations

import json
import os
from urllib.parse import urlsplit, urlunsplit

import pytest

from tests.load import voting_scenario
from tests.support.database import IS_POSTGRES, ROOT, TEST_DATABASE_URL

pytestmark = [pytest.mark.slow, pytest.mark.anyio]

VOTERS = int(os.environ.get("LOAD_VOTERS", "300"))


def _database_url() -> str:
    if not IS_POSTGRES:
        return voting_scenario.sqlite_url()
    parts = urlsplit(TEST_DATABASE_URL)
    return urlunsplit(parts._replace(path=f"{parts.path.rstrip('/')}_votes"))


async def test_every_voter_has_exactly_one_ballot_and_the_totals_are_exact() -> None:
    report = await voting_scenario.run(_database_url(), workers=2 if IS_POSTGRES else 1, voters=VOTERS)
    print(json.dumps(report), flush=True)
    out = ROOT / "build" / "test-reports"
    out.mkdir(parents=True, exist_ok=True)
    (out / f"votes-{report['engine']}.json").write_text(json.dumps(report, indent=2))
    assert report["problems"] == [], report
    assert report["ballots_in_db"] == report["participations_in_db"] == VOTERS
    assert report["lost"] == 0
    assert report["double"] == 0
    assert report["status_5xx"] == 0
    assert report["totals_exact"]
    assert report["recount_matches"]
    # The run really raced: double taps were refused, and the close came while changes were in flight.
    assert report["double_casts"] > 0
    assert report["changes_accepted"] > 0
