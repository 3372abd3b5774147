"""Ideas and a transparent vote in Chromium (desktop and 390×844 phone).

The organiser publishes a free hackathon and opens its idea window (through the API); three attendees hold duo
tickets. Anna submits an idea on her phone with Bram as co-author and sees it on the wall and its history; Bram and
Carla submit theirs (API). The organiser opens an approval vote (2 votes each). Carla votes on the page, gets her
receipt, changes her vote (her phone keeps the receipt); Anna votes, her own idea greyed out. The organiser closes
the vote on their page and lands on the results: the totals, the method, eligible voters and turnout, and every
ballot; Carla finds her ballot highlighted, and again by typing its number. The projector view refreshes itself.
"""

from __future__ import annotations

import re
from contextlib import closing
from datetime import UTC, datetime, timedelta

import pytest
from playwright.sync_api import Browser, expect

from devtools.demo import DEMO_ORGANISER
from tests.support.browser import Browse, LiveServer
from tests.support.journeys import (
    PASSWORD,
    api_client,
    book_duo_through_api,
    publish_event,
    sign_in_on_page,
)

pytestmark = pytest.mark.browser


def _open_window(site: LiveServer, slug: str) -> None:
    now = datetime.now(UTC)
    with closing(api_client(site, *DEMO_ORGANISER)) as organiser:
        organiser.put(f"/api/v1/events/{slug}/ideas/settings", json={
            "opens_at": (now - timedelta(hours=1)).isoformat(), "closes_at": (now + timedelta(hours=3)).isoformat(),
        }).raise_for_status()


def _sign_in(me: Browse, email: str, password: str, next_path: str) -> None:
    me.goto(f"/inloggen?next={next_path}")
    me.will_navigate()
    sign_in_on_page(me.page, email, password)
    expect(me.page).to_have_url(re.compile(re.escape(next_path) + r"$"))


def test_a_group_submits_the_room_votes_and_everyone_checks_the_count(chromium_browser: Browser, site: LiveServer,
                                                                      phone: bool) -> None:
    device = "phone" if phone else "desktop"
    slug = publish_event(site, f"Ideeëndag ({device})", price_cents=0)
    _open_window(site, slug)
    anna, bram, carla = (f"{name}.ideeen.{device}@example.nl" for name in ("anna", "bram", "carla"))
    for name, email in (("Anna de Vries", anna), ("Bram Smit", bram), ("Carla Bos", carla)):
        book_duo_through_api(site, slug, (name, email), (f"Maatje van {name}", f"maatje.{email}"), ["imago"])
    with closing(api_client(site, bram, PASSWORD)) as client:
        client.post(f"/api/v1/events/{slug}/ideas", json={
            "theme": "imago", "title": "Trots op het vak", "pitch": "Elke maand een klantheld in het zonnetje."
        }).raise_for_status()
    with closing(api_client(site, carla, PASSWORD)) as client:
        client.post(f"/api/v1/events/{slug}/ideas", json={
            "theme": "mens-in-klantcontact", "title": "Stilte-uur", "pitch": "Een uur per dag zonder wachtrij."
        }).raise_for_status()

    # Anna submits her group's idea, with Bram as co-author.
    submitter = Browse(chromium_browser, site, phone=phone, journey="ideas")
    voter = Browse(chromium_browser, site, phone=phone, journey="ideas-voter")
    organiser = Browse(chromium_browser, site, phone=phone, journey="ideas-organiser")
    try:
        page = submitter.page
        _sign_in(submitter, anna, PASSWORD, f"/e/{slug}/ideeen")
        expect(page.get_by_role("heading", level=1)).to_have_text("Ideeën")
        submitter.check("wall-before")
        submitter.will_navigate()
        page.get_by_role("link", name="Een idee indienen").click()
        page.get_by_label("Thema").select_option("keurmerk")
        page.get_by_label("Titel").fill("Een keurmerk dat klanten zien")
        page.get_by_label("Pitch").fill("Wat het is: een zichtbaar keurmerk.\nWaarom: klanten kiezen bewust.")
        page.get_by_label("Link").fill("https://example.nl/keurmerk")
        page.get_by_label("Mede-indieners").fill(bram)
        submitter.check("submit-form")
        submitter.will_navigate()
        page.get_by_role("button", name="Idee indienen").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Een keurmerk dat klanten zien")
        expect(page.locator(".idea__authors").first).to_contain_text("Anna de Vries, Bram Smit")
        expect(page.locator(".idea__pitch").first).to_contain_text("klanten kiezen bewust")
        expect(page.locator(".history")).to_contain_text("Versie 1")
        submitter.check("idea")

        with closing(api_client(site, *DEMO_ORGANISER)) as client:
            response = client.post(f"/api/v1/events/{slug}/ideas/votes", json={"method": "approval", "choices": 2})
            assert response.status_code == 201, response.text
            vote = response.json()
        ideas = {i["title"]: i["id"] for i in vote["ideas"]}

        # Carla votes on the page and keeps her receipt; then she changes her vote on the same phone.
        page = voter.page
        _sign_in(voter, carla, PASSWORD, f"/e/{slug}/ideeen")
        voter.will_navigate()
        page.get_by_role("link", name="Stemmen").first.click()
        expect(page.get_by_role("heading", level=1)).to_contain_text("Stemmen")
        expect(page.get_by_label("Stilte-uur")).to_be_disabled()  # her own idea
        page.get_by_label("Een keurmerk dat klanten zien").check()
        voter.check("ballot")
        voter.will_navigate()
        page.get_by_role("button", name="Stem uitbrengen").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Je stem is uitgebracht")
        receipt = page.locator("#receipt").inner_text().strip()
        assert re.fullmatch(r"([0-9A-Z]{4}-){5}[0-9A-Z]{4}", receipt), receipt
        ballot_id = receipt[:9]
        voter.check("receipt")
        voter.will_navigate()
        page.get_by_role("link", name="Mijn stem wijzigen").click()
        expect(page.locator("main")).to_contain_text(f"Je stem {ballot_id} zit in de stembus")
        expect(page.get_by_label("Een keurmerk dat klanten zien")).to_be_checked()
        page.get_by_label("Trots op het vak").check()
        voter.will_navigate()
        page.get_by_role("button", name="Mijn stem wijzigen").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Je stem is gewijzigd")
        expect(page.locator(".ballot-choices")).to_contain_text("Trots op het vak")
        assert receipt not in page.content()  # the whole receipt is never shown again

        # Anna votes too (through the API: her own idea is refused there as well).
        with closing(api_client(site, anna, PASSWORD)) as client:
            url = f"/api/v1/events/{slug}/ideas/votes/{vote['id']}/ballot"
            assert client.post(url, json={"choices": [ideas["Een keurmerk dat klanten zien"]]}).status_code == 422
            client.post(url, json={"choices": [ideas["Trots op het vak"]]}).raise_for_status()

        # The projector view refreshes itself (htmx polling) and shows the live ballot count.
        submitter.goto(f"/e/{slug}/ideeen/scherm")
        expect(submitter.page.locator(".screen__vote")).to_contain_text("2 stemmen")
        expect(submitter.page.locator("#screen-wall")).to_have_attribute("hx-trigger", "every 15s")
        submitter.check("projector")

        # The organiser closes the vote on their page and lands on the results.
        page = organiser.page
        _sign_in(organiser, DEMO_ORGANISER[0], DEMO_ORGANISER[1], f"/organiseren/{slug}/ideeen")
        organiser.check("organiser")
        organiser.will_navigate()
        page.get_by_role("button", name="Deze stemming sluiten").click()
        expect(page).to_have_url(re.compile(rf"/e/{slug}/stemmen/{vote['id']}/uitslag"))
        expect(page.get_by_role("status").first).to_contain_text("De stemming is gesloten")
        totals = page.locator("table").first
        expect(totals.locator("tbody tr").first).to_contain_text("Trots op het vak")
        expect(totals.locator("tbody tr").first).to_contain_text("2")
        expect(page.locator(".results-facts")).to_contain_text("Goedkeuring")
        expect(page.locator(".results-facts")).to_contain_text("Opkomst")
        expect(page.locator("main")).to_contain_text("Een hertelling van de stemmen hieronder geeft precies deze")
        expect(page.locator("table.ballots tbody tr")).to_have_count(2)
        organiser.check("results")

        # Carla finds her ballot: highlighted by her phone's receipt, and by typing its number.
        page = voter.page
        voter.goto(f"/e/{slug}/stemmen/{vote['id']}/uitslag")
        expect(page.locator(".ballots__mine")).to_contain_text(ballot_id)
        expect(page.locator("main")).to_contain_text(f"Jouw stem {ballot_id} staat in de lijst")
        page.get_by_label("Zoek je stem").fill(ballot_id.lower())
        voter.will_navigate()
        page.get_by_role("button", name="Zoeken").click()
        expect(page.locator("main")).to_contain_text(f"Stem {ballot_id} staat in de lijst")
        row = page.locator(f"#b-{ballot_id}")
        expect(row).to_contain_text(str(ideas["Een keurmerk dat klanten zien"]))
        expect(row).to_contain_text(str(ideas["Trots op het vak"]))
        voter.check("results-found")
    finally:
        for person in (submitter, voter, organiser):
            person.close()
