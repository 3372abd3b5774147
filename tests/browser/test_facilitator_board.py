"""The facilitator's journey in Chromium, desktop and phone: open the board of an event with 40 ticket holders,
generate groups (an error first, shown next to its field), read the quality report, move a person with the
keyboard (htmx: the report refreshes), pin, regenerate keeping the pin, set a room, publish."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Browser, Page, expect

from core.auth import SESSION_COOKIE
from tests.browser.seed import seed
from tests.support.browser import Browse, LiveServer

pytestmark = pytest.mark.browser


def card_place(page: Page, round_number: int, attendee: str) -> tuple[str, str]:
    """(theme key, group number) of a person's card in a round."""
    card = page.locator(f".board__round[data-round='{round_number}'] .board__card[data-attendee='{attendee}']")
    group = card.locator("xpath=ancestor::div[contains(@class, 'board__group')]")
    return str(group.get_attribute("data-theme")), str(group.get_attribute("data-group"))


def test_facilitator_generates_adjusts_and_publishes_groups(chromium_browser: Browser, site: LiveServer,
                                                            phone: bool) -> None:
    me = Browse(chromium_browser, site, phone=phone, journey="facilitator")
    page = me.page
    seeded = seed("board", title=f"Groepenbord {me.device}", duos=20)
    slug = seeded["slug"]
    try:
        me.goto(f"/begeleiden/{slug}")
        expect(page).to_have_url(re.compile(r"/inloggen\?next="))  # signing in comes first
        me.context.add_cookies([{"name": SESSION_COOKIE, "value": seeded["session"], "url": site.base_url}])
        me.goto(f"/begeleiden/{slug}")
        expect(page.get_by_role("heading", level=1)).to_have_text(f"Groepenbord {me.device}")
        expect(page.get_by_label("Rondes")).to_have_value("3")  # the agenda's breakout rounds

        # A size the service refuses: the message stands next to the field, nothing typed is lost.
        page.get_by_label("Kleinste groep").fill("8")
        page.get_by_label("Grootste groep").fill("6")
        page.get_by_label("Seed").fill("7")
        page.get_by_label("Apart: ieder ontmoet anderen").check()
        page.get_by_label("Rouleren: eerst 1e keus, dan 2e, dan 3e").check()
        me.will_navigate()
        page.get_by_role("button", name="Groepen maken").click()
        expect(page.get_by_label("Grootste groep")).to_have_attribute("aria-invalid", "true")
        expect(page.locator("#f-max_size-error")).to_contain_text("De grootste groep ligt tussen 8 en 12")
        expect(page.get_by_label("Seed")).to_have_value("7")
        me.check("generate-error")

        page.get_by_label("Kleinste groep").fill("4")
        me.will_navigate()
        page.get_by_role("button", name="Groepen maken").click()
        expect(page.get_by_role("status").first).to_contain_text("De groepen zijn gemaakt")
        rounds = page.locator(".board__round")
        expect(rounds).to_have_count(3)
        expect(page.locator(".board__round[data-round='1'] .board__card")).to_have_count(40)
        report = page.locator(".report")
        expect(report).to_contain_text("Voorkeuren per ronde")
        expect(report).to_contain_text("Afstand tot de grens")
        expect(report.locator(".rule .badge--success").first).to_contain_text("0")
        first_card = page.locator(".board__round[data-round='1'] .board__card").first
        expect(first_card.locator(".badge--level")).to_have_count(1)
        expect(first_card.locator(".badge--industry")).to_have_count(1)
        me.check("generated")

        # Move with the keyboard: choose a card (Enter), then "Hierheen" in another group of round 1.
        who = str(first_card.get_attribute("data-attendee"))
        name = first_card.locator(".board__name").inner_text()
        before = card_place(page, 1, who)
        first_card.focus()
        page.keyboard.press("Enter")
        expect(first_card).to_have_attribute("aria-pressed", "true")
        expect(page.locator("#board-panel")).to_contain_text(f"{name} (ronde 1) gekozen")
        others = page.locator(".board__round[data-round='1'] .board__group:not(.board__group--source)")
        target = others.locator(".board__drop").first
        target_group = target.locator("xpath=..")
        expected = (str(target_group.get_attribute("data-theme")), str(target_group.get_attribute("data-group")))
        target.focus()
        page.keyboard.press("Enter")
        expect(page.locator("#board-status")).to_contain_text(f"{name} is verplaatst")
        expect(page.locator("#board-live")).to_contain_text(f"{name} is verplaatst")  # read out by screen readers
        assert card_place(page, 1, who) == expected != before
        moved = page.locator(f".board__round[data-round='1'] .board__card[data-attendee='{who}']")
        expect(moved).to_be_focused()  # the keyboard user keeps their place
        expect(page.locator("#board-panel")).to_be_hidden()
        # The report was recomputed with the move (a group now has one person more or less).
        expect(page.locator(".board__round[data-round='1'] .board__group-count").first).to_be_visible()
        me.check("moved")

        # Pin that person where they are now, then regenerate: the pin holds.
        moved.click()
        page.get_by_role("button", name="Vastzetten", exact=True).click()
        expect(page.locator("#board-status")).to_contain_text("vastgezet")
        pinned = page.locator(f".board__round[data-round='1'] .board__card[data-attendee='{who}']")
        expect(pinned.locator(".badge", has_text="vast")).to_be_visible()
        me.will_navigate()
        page.get_by_role("button", name="Opnieuw maken, vastgezette mensen blijven").click()
        expect(page.get_by_role("status").first).to_contain_text("opnieuw gemaakt")
        assert card_place(page, 1, who) == expected

        # A room for the first group of round 1, then publish.
        room = page.locator(".board__round[data-round='1'] .board__group").first.get_by_label(re.compile("^Zaal"))
        room.fill("Zaal Utrecht")
        me.will_navigate()
        page.get_by_role("button", name="Zalen opslaan").click()
        expect(page.get_by_role("status").first).to_contain_text("De zalen zijn opgeslagen")
        expect(page.locator(".board__round[data-round='1'] .board__group").first.get_by_label(re.compile("^Zaal"))
               ).to_have_value("Zaal Utrecht")
        me.will_navigate()
        page.get_by_role("button", name="Publiceren voor de deelnemers").click()
        expect(page.get_by_role("status").first).to_contain_text("gepubliceerd")
        expect(page.locator(".plan-bar .badge", has_text="Gepubliceerd")).to_be_visible()
        me.check("published")
    finally:
        me.close()


def test_the_board_works_with_the_keyboard_alone(chromium_browser: Browser, site: LiveServer) -> None:
    """Esc cancels a choice; the drop buttons appear only in the chosen person's round; focus is always visible.
    With 100 ticket holders, so the page-weight check also covers a board of that size."""
    me = Browse(chromium_browser, site, phone=False, journey="facilitator-keys")
    page = me.page
    seeded = seed("board", title="Groepenbord toetsenbord", duos=50)
    slug = seeded["slug"]
    try:
        me.context.add_cookies([{"name": SESSION_COOKIE, "value": seeded["session"], "url": site.base_url}])
        me.goto(f"/begeleiden/{slug}")
        me.will_navigate()
        page.get_by_role("button", name="Groepen maken").click()
        card = page.locator(".board__round[data-round='2'] .board__card").nth(2)
        expect(card).to_be_visible()
        page.wait_for_load_state("load")  # board.js (deferred) listens before a key is pressed, as for a person
        card.focus()
        page.keyboard.press("Space")
        expect(card).to_have_attribute("aria-pressed", "true")
        expect(page.locator(".board__round[data-round='2'] .board__drop:visible").first).to_be_visible()
        expect(page.locator(".board__round[data-round='1'] .board__drop:visible")).to_have_count(0)
        outline = page.evaluate("() => getComputedStyle(document.activeElement).outlineStyle")
        assert outline != "none"
        page.keyboard.press("Escape")
        expect(card).to_have_attribute("aria-pressed", "false")
        expect(card).to_be_focused()
        expect(page.locator(".board__drop:visible")).to_have_count(0)
        expect(page.locator(".board__round[data-round='1'] .board__card")).to_have_count(100)
        me.check("keyboard-100")
    finally:
        me.close()
