"""The facilitator's journey in Chromium, desktop and phone: open the board of an event with 40 ticket holders,
generate groups (an error first, shown next to its field; busy while it runs), read the quality report (what the
percentage per round means; organisations on the cards; on a phone the rounds stack), try another arrangement, move
a person with the keyboard (htmx: the report refreshes), drag people with the mouse or a finger until a group is
too large (the rule shown at the group), pin, regenerate keeping the pin, set a room for every round and another
for one round, publish after a confirmation, and the buyer and companion each get a mail."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from core.auth import SESSION_COOKIE
from tests.browser.seed import seed
from tests.support.browser import Browse, LiveServer
from tests.support.journeys import busy_state, drag_card, record_busy_state

pytestmark = pytest.mark.browser


def card_place(page: Page, round_number: int, attendee: str) -> tuple[str, str]:
    """(theme key, group number) of a person's card in a round."""
    card = page.locator(f".board__round[data-round='{round_number}'] .board__card[data-attendee='{attendee}']")
    group = card.locator("xpath=ancestor::div[contains(@class, 'board__group')]")
    return str(group.get_attribute("data-theme")), str(group.get_attribute("data-group"))


def test_facilitator_generates_adjusts_and_publishes_groups(chromium_browser: Browser, site: LiveServer,
                                                            phone: bool, tmp_path: Path) -> None:
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
        expect(page.get_by_text("Seed", exact=True)).to_have_count(0)  # no developer jargon on the form

        # A size the service refuses: the message stands next to the field, nothing typed is lost. The
        # arrangement number is an advanced detail, folded away.
        page.get_by_label("Kleinste groep").fill("8")
        page.get_by_label("Grootste groep").fill("6")
        expect(page.get_by_label("Indelingsnummer")).to_be_hidden()
        page.get_by_text("Geavanceerd: indelingsnummer").click()
        page.get_by_label("Indelingsnummer").fill("7")
        page.get_by_label("Apart: ieder ontmoet anderen").check()
        page.get_by_label("Rouleren: eerst 1e keus, dan 2e, dan 3e").check()
        me.will_navigate()
        page.get_by_role("button", name="Groepen maken").click()
        expect(page.get_by_label("Grootste groep")).to_have_attribute("aria-invalid", "true")
        expect(page.locator("#f-max_size-error")).to_contain_text("De grootste groep ligt tussen 8 en 12")
        expect(page.get_by_label("Indelingsnummer")).to_have_value("7")
        me.check("generate-error")

        # Generating takes a moment: the form says so and its button waits (no second press).
        page.get_by_label("Kleinste groep").fill("4")
        page.wait_for_load_state("load")  # board.js (deferred) listens before the form is sent
        record_busy_state(page)
        me.will_navigate()
        page.get_by_role("button", name="Groepen maken").click()
        expect(page.get_by_role("status").first).to_contain_text("De groepen zijn gemaakt")
        assert busy_state(page) == {"busy": "true", "disabled": True,
                                    "message": "De groepen worden gemaakt… dit duurt een paar seconden. Laat deze "
                                               "pagina open."}
        rounds = page.locator(".board__round")
        expect(rounds).to_have_count(3)
        expect(page.locator(".board__round[data-round='1'] .board__card")).to_have_count(40)
        report = page.locator(".report")
        expect(report).to_contain_text("Voorkeuren per ronde")
        expect(report).to_contain_text("Afstand tot de grens")
        expect(report.locator(".rule .badge--success").first).to_contain_text("0")
        # The percentage per round says what it counts: round 3 under "rotate" is the 3rd choice.
        expect(report.locator(".bar-chart__label", has_text="Ronde 3")).to_have_text("Ronde 3: 3e keus")
        expect(report).to_contain_text("die de thema's rangschikten kregen hun 3e keus")
        # Every card says the person's experience (a level, or "Ervaring onbekend" for a companion whose buyer did
        # not know it) and industry; which person comes first in a group is the engine's choice, so all are checked.
        round_one = page.locator(".board__round[data-round='1'] .board__card")
        tags = round_one.evaluate_all(
            "cards => cards.map(c => [c.querySelectorAll('.badge--level').length, "
            "c.querySelectorAll('.badge--unknown').length, c.querySelectorAll('.badge--industry').length])")
        assert all(level + unknown == 1 and industry == 1 for level, unknown, industry in tags), tags
        assert sum(level for level, _, _ in tags) > 0, tags
        # Every card names the organisation, so two people with the same name can be told apart.
        cards = page.locator(".board__round[data-round='1'] .board__card").evaluate_all(
            "cards => cards.map(c => [c.querySelector('.board__name').textContent.trim(), "
            "(c.querySelector('.board__org') || {}).textContent || ''])")
        names = [name for name, _ in cards]
        twins = {name for name in names if names.count(name) > 1}
        assert twins, "the seeded event has people with the same name"
        assert all(org for _, org in cards)
        for twin in twins:
            orgs = [org for name, org in cards if name == twin]
            assert len(set(orgs)) == len(orgs), (twin, orgs)
        board = page.locator(".board")
        if phone:  # the rounds stack: nothing scrolls sideways, not even inside the board
            assert board.evaluate("el => el.scrollWidth <= el.clientWidth")
            one, two = (rounds.nth(i).bounding_box() for i in (0, 1))
            assert one is not None
            assert two is not None
            assert two["y"] >= one["y"] + one["height"]
        me.check("generated")

        # Another arrangement with the same settings: the next arrangement number, busy meanwhile.
        record_busy_state(page)
        me.will_navigate()
        page.get_by_role("button", name="Andere indeling proberen").click()
        expect(page.get_by_role("status").first).to_contain_text("De groepen zijn gemaakt")
        assert busy_state(page)["busy"] == "true"
        assert busy_state(page)["disabled"] is True
        expect(page.get_by_label("Indelingsnummer")).to_have_value("8")

        # Move with the keyboard: choose a card (Enter), then "Hierheen" in another group of round 1.
        first_card = page.locator(".board__round[data-round='1'] .board__card").first
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
        me.check("moved")

        # Drag and drop (a mouse on the desktop, a finger on the handle on the phone): people are dragged into
        # one group of round 2 until it holds one person more than the largest size.
        groups = page.locator(".board__round[data-round='2'] .board__group")
        full = groups.first
        full_key = (str(full.get_attribute("data-theme")), str(full.get_attribute("data-group")))
        dragged = 0
        while full.locator(".board__card").count() <= 6:
            source = groups.nth(1)
            source.evaluate("el => el.scrollIntoView({block: 'center'})")  # the full group ends just above it
            card = source.locator(".board__card").first
            person = str(card.get_attribute("data-attendee"))
            drag_card(page, card, full, touch=phone)
            expect(page.locator("#board-status")).to_contain_text("is verplaatst")
            expect(full.locator(f".board__card[data-attendee='{person}']")).to_have_count(1)
            assert card_place(page, 2, person) == full_key
            page.locator("#board-status").evaluate("el => el.replaceChildren()")
            dragged += 1
            assert dragged <= 6
        # The broken rule stands at the group itself, in numbers, and the report links to it.
        size = full.locator(".board__group-count").inner_text().split()[0]
        title = full.locator(".board__group-title").inner_text().split(" · ")[0]
        message = f"{title} groep {full_key[1]} in ronde 2 heeft {size} mensen; groepen zijn 4 tot 6 mensen."
        expect(full).to_have_class(re.compile("board__group--broken"))
        expect(full.locator(".board__broken")).to_contain_text(message)
        rule = page.locator(".report .rule--broken", has_text="Groepsgroottes")
        expect(rule).to_contain_text(message)
        rule.locator("li", has_text=message).get_by_role("link", name="Naar de groep").click()
        expect(page).to_have_url(re.compile(f"#{full.get_attribute('id')}$"))
        expect(full).to_be_in_viewport()
        me.check("rule-at-group")

        # Pin the keyboard-moved person where they are now, then regenerate: the pin holds.
        moved = page.locator(f".board__round[data-round='1'] .board__card[data-attendee='{who}']")
        moved.click()
        page.get_by_role("button", name="Vastzetten", exact=True).click()
        expect(page.locator("#board-status")).to_contain_text("vastgezet")
        pinned = page.locator(f".board__round[data-round='1'] .board__card[data-attendee='{who}']")
        expect(pinned.locator(".badge", has_text="vast")).to_be_visible()
        me.will_navigate()
        page.get_by_role("button", name="Opnieuw maken, vastgezette mensen blijven").click()
        expect(page.get_by_role("status").first).to_contain_text("opnieuw gemaakt")
        assert card_place(page, 1, who) == expected

        # Rooms: typed once for a theme's group in every round, and one round given another room.
        rooms = page.locator("#rooms-form")
        row = rooms.locator(".rooms__row").first
        theme_title = row.locator("label").first.inner_text().split(" · ")[0]
        number = row.locator("label").first.inner_text().split(" · ")[1].split()[1]
        row.get_by_label(re.compile("elke ronde")).fill("Zaal Utrecht")
        me.will_navigate()
        rooms.get_by_role("button", name="Zalen opslaan").click()
        expect(page.get_by_role("status").first).to_contain_text("De zalen zijn opgeslagen")
        same = page.locator(".board__group", has=page.locator(".board__group-title",
                                                                has_text=f"{theme_title} · groep {number} "))
        assert same.count() >= 2
        for i in range(same.count()):
            expect(same.nth(i).locator(".board__room")).to_have_text("Zaal: Zaal Utrecht")
        row = page.locator("#rooms-form .rooms__row").first
        row.get_by_text("Andere zaal in één ronde").click()
        other_round = row.locator(".rooms__round").nth(1)
        round_number = other_round.inner_text().split()[1]
        other_round.get_by_role("textbox").fill("De Kelder")
        me.will_navigate()
        page.locator("#rooms-form").get_by_role("button", name="Zalen opslaan").click()
        expect(page.get_by_role("status").first).to_contain_text("De zalen zijn opgeslagen")
        expect(page.locator(f".board__round[data-round='{round_number}'] .board__group",
                            has=page.locator(".board__group-title", has_text=f"{theme_title} · groep {number} ")
                            ).locator(".board__room")).to_have_text("Zaal: De Kelder")
        expect(page.locator("#rooms-form .rooms__row").first.get_by_label(re.compile("elke ronde"))
               ).to_have_attribute("placeholder", "verschilt per ronde")
        me.check("rooms")

        # Publishing asks first, and says who gets a mail.
        me.will_navigate()
        page.get_by_role("link", name="Publiceren voor de deelnemers").click()
        expect(page.get_by_role("heading", level=1)).to_contain_text("De groepen publiceren?")
        expect(page.locator("main")).to_contain_text("40 mensen krijgen een e-mail met hun groepen, zalen en tijden.")
        me.check("publish-confirm")
        me.will_navigate()
        page.get_by_role("button", name="Publiceren en de e-mails sturen").click()
        expect(page.get_by_role("status").first).to_contain_text("gepubliceerd")
        expect(page.locator(".plan-bar .badge", has_text="Gepubliceerd")).to_be_visible()
        me.check("published")
        # The buyer and the companion each got their own mail with their groups.
        for address in (seeded["buyer"], seeded["companion"]):
            subjects = [m["subject"] for m in seed("mail_subjects", to=address, mail_dir=str(tmp_path))["mails"]]
            assert subjects.count(f"Je breakoutgroepen voor Groepenbord {me.device}") == 1, subjects
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
