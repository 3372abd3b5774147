"""The idea pages through the app (HTML, Dutch first): the wall and its projector fragment, submitting and editing,
the ballot page with the receipt shown once and kept in a cookie, the results, and the organiser's page."""

from __future__ import annotations

import re

import httpx
import pytest

from tests.support.ideas import IdeaEvent
from tests.support.members import Members

pytestmark = pytest.mark.anyio


async def post_form(client: httpx.AsyncClient, who: dict, page_path: str, path: str, form: dict
                    ) -> httpx.Response:
    """Post a page's form as a browser would: with the CSRF token of the page (and its cookie)."""
    shown = await client.get(page_path, headers=who["headers"])
    token = re.search(r'name="_csrf_token" value="([^"]+)"', shown.text)
    assert token, shown.text[:500]
    return await client.post(path, data={**form, "_csrf_token": token.group(1)}, headers=who["headers"])


async def test_wall_ballot_receipt_and_results_pages(client: httpx.AsyncClient, members: Members) -> None:
    ideas = await IdeaEvent(client).setup()
    anna = await ideas.holder(name="Anna")
    idea = await ideas.submit(anna, title="Een keurmerk <voor> iedereen", pitch="Regel een\nRegel twee")
    slug = ideas.slug

    wall = await client.get(f"/e/{slug}/ideeen")
    assert wall.status_code == 200, wall.text
    assert "Een keurmerk &lt;voor&gt; iedereen" in wall.text
    assert "Regel een\nRegel twee" in wall.text
    assert "Ideeën" in wall.text  # Dutch first
    screen = await client.get(f"/e/{slug}/ideeen/scherm")
    assert screen.status_code == 200
    assert 'hx-trigger="every 15s"' in screen.text
    fragment = await client.get(f"/e/{slug}/ideeen/scherm/muur")
    assert fragment.status_code == 200
    assert "<html" not in fragment.text
    assert "Anna" in fragment.text
    detail = await client.get(f"/e/{slug}/ideeen/{idea['id']}")
    assert detail.status_code == 200
    assert "Versie 1" in detail.text

    vote = (await client.post(f"{ideas.url}/votes", json={"method": "approval", "choices": 2},
                              headers=ideas.organiser["headers"])).json()
    bram = await ideas.holder(name="Bram")
    ballot_page = await client.get(f"/e/{slug}/stemmen/{vote['id']}", headers=bram["headers"])
    assert ballot_page.status_code == 200
    assert f'value="{idea["id"]}"' in ballot_page.text
    cast = await post_form(client, bram, f"/e/{slug}/stemmen/{vote['id']}", f"/e/{slug}/stemmen/{vote['id']}",
                           {"keuze": str(idea["id"])})
    assert cast.status_code == 200, cast.text
    receipt = re.search(r'id="receipt">([0-9A-Z-]+)<', cast.text)
    assert receipt, cast.text
    cookie = cast.headers["set-cookie"]
    assert f"stembewijs-{vote['id']}={receipt.group(1)}" in cookie
    assert "HttpOnly" in cookie
    assert f"Path=/e/{slug}/stemmen/{vote['id']}" in cookie
    # With the cookie the page shows the ballot's number, never the whole receipt again.
    again = await client.get(f"/e/{slug}/stemmen/{vote['id']}", headers=bram["headers"])
    assert receipt.group(1)[:9] in again.text
    assert receipt.group(1) not in again.text

    closed = await client.post(f"{ideas.url}/votes/{vote['id']}/close", headers=ideas.organiser["headers"])
    assert closed.status_code == 200
    results = await client.get(f"/e/{slug}/stemmen/{vote['id']}/uitslag",
                               params={"stembewijs": receipt.group(1)[:9].lower()})
    assert results.status_code == 200, results.text
    assert f"<code>{receipt.group(1)[:9]}</code>" in results.text
    assert "ballots__mine" in results.text
    assert "Opkomst" in results.text
    assert "@" not in results.text


async def test_organiser_page_opens_and_closes_a_vote(client: httpx.AsyncClient, members: Members) -> None:
    ideas = await IdeaEvent(client).setup()
    anna = await ideas.holder()
    await ideas.submit(anna)
    h = ideas.organiser["headers"]
    shown = await client.get(f"/organiseren/{ideas.slug}/ideeen", headers=h)
    assert shown.status_code == 200, shown.text
    page_path = f"/organiseren/{ideas.slug}/ideeen"
    opened = await post_form(client, ideas.organiser, page_path, f"{page_path}/stemming",
                             {"method": "borda", "choices": "2", "theme": ""})
    assert opened.status_code == 303, opened.text
    votes = (await client.get(f"{ideas.url}/votes")).json()["votes"]
    assert [(v["method"], v["choices"], v["status"]) for v in votes] == [("borda", 2, "open")]
    saved = await post_form(client, ideas.organiser, page_path, page_path, {
        "wall": "attendees", "criterion-0-title": "Impact", "criterion-0-weight": "3", "jury_weight": "40"})
    assert saved.status_code == 422  # criteria are fixed once a vote opened
    closed = await post_form(client, ideas.organiser, page_path, f"{page_path}/stemming/{votes[0]['id']}/sluiten",
                             {})
    assert closed.status_code == 303
    assert closed.headers["location"].endswith("/uitslag?melding=stemming-gesloten")
    assert (await client.get(f"/organiseren/{ideas.slug}/ideeen", headers=anna["headers"])).status_code == 403


async def test_jury_pages(client: httpx.AsyncClient, members: Members) -> None:
    from tests.support.members import quick_member

    ideas = await IdeaEvent(client).setup(criteria=[{"key": "impact", "title": "Impact", "weight": 2}],
                                          jury_weight=30)
    anna = await ideas.holder()
    idea = (await ideas.submit(anna, title="Een keurmerk"))["id"]
    judge = await quick_member(name="Jet Jurylid")
    page_path = f"/organiseren/{ideas.slug}/ideeen"
    appointed = await post_form(client, ideas.organiser, page_path, f"{page_path}/jury", {"email": judge["email"]})
    assert appointed.status_code == 303, appointed.text
    shown = await client.get(page_path, headers=ideas.organiser["headers"])
    assert "Jet Jurylid" in shown.text
    missing = await post_form(client, ideas.organiser, page_path, f"{page_path}/jury", {"email": "nie@example.nl"})
    assert missing.status_code == 422
    assert "bevestigde e-mailadres" in missing.text

    wall = await client.get(f"/e/{ideas.slug}/ideeen", headers=judge["headers"])
    assert f'href="/e/{ideas.slug}/jury"' in wall.text
    jury_path = f"/e/{ideas.slug}/jury"
    too_high = await post_form(client, judge, jury_path, jury_path, {f"score-{idea}-impact": "12"})
    assert too_high.status_code == 422
    assert "Een score van 0 tot 10" in too_high.text
    saved = await post_form(client, judge, jury_path, jury_path, {f"score-{idea}-impact": "7"})
    assert saved.status_code == 303, saved.text
    mine = (await client.get(f"{ideas.url}/jury/scores", headers=judge["headers"])).json()
    assert mine["scores"] == [{"idea": idea, "criterion": "impact", "score": 7}]
    assert (await client.get(jury_path, headers=anna["headers"])).status_code == 403
