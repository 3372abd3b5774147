"""The journeys the pages support now, end to end in Chromium on a desktop and a 390×844 phone.

(a) a visitor finds the demo hackathon on the agenda, opens it, signs up, signs out and in again;
(b) an organiser creates a hackathon with themes and three breakout rounds, gets an error next to the
    end time when it is before the start, fixes it, publishes, and finds it on the public agenda;
(c) the language switch to English and back; and the create form works with the keyboard alone.
"""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from playwright.sync_api import Browser, Page, expect

from devtools.demo import DEMO_ORGANISER, DEMO_SLUG
from tests.support.browser import Browse, LiveServer
from tests.support.journeys import confirm_on_page, sign_in_on_page

pytestmark = pytest.mark.browser

DEMO_TITLE = "Een nieuw geluid in klantcontact"


def test_visitor_finds_the_hackathon_signs_up_and_signs_in(chromium_browser: Browser, site: LiveServer,
                                                          phone: bool) -> None:
    me = Browse(chromium_browser, site, phone=phone, journey="visitor")
    page = me.page
    email = f"sanne.{me.device}@example.nl"
    password = "koffie-bij-de-klantenservice"
    try:
        me.goto("/")
        expect(page.locator("html")).to_have_attribute("lang", "nl")
        card = page.locator(".event-card", has_text=DEMO_TITLE)
        expect(card).to_contain_text("€\u00a095,00")
        expect(card).to_contain_text("Nog 40 duoplekken vrij")
        expect(card).to_contain_text("Kaartverkoop open")
        expect(card).to_contain_text("10 maart")
        me.check("agenda")

        me.will_navigate()
        card.get_by_role("link", name=DEMO_TITLE).click()
        expect(page).to_have_url(site.url(f"/e/{DEMO_SLUG}"))
        expect(page.get_by_role("heading", level=1)).to_have_text(DEMO_TITLE)
        for theme in ("Keurmerk", "Imago", "De mens in klantcontact"):
            expect(page.get_by_role("heading", name=theme)).to_be_visible()
        expect(page.locator(".programme")).to_contain_text("Breakoutronde 3")
        expect(page.locator(".card__meta").first).to_contain_text("13:00–21:00")
        me.check("event")

        me.will_navigate()
        page.get_by_role("link", name="Koop een duoticket").click()
        expect(page).to_have_url(re.compile(r"/inloggen\?next=%2Fe%2F"))
        me.check("login")

        me.will_navigate()
        page.get_by_role("link", name="Maak een account aan").click()
        expect(page).to_have_url(re.compile(r"/aanmelden\?next="))
        page.get_by_label("Naam", exact=True).fill("Sanne de Vries")
        page.get_by_label("E-mailadres").fill(email)
        password_field = page.get_by_label("Wachtwoord")
        password_field.press_sequentially("kort")  # the live check (htmx) explains what is wrong
        expect(page.locator("#password-strength")).to_contain_text("minstens 10 tekens")
        password_field.fill(password)
        password_field.press("End")
        expect(page.locator("#password-strength")).to_contain_text("Sterk genoeg")
        page.get_by_label("Organisatie").fill("Zorgverzekeraar Midden")
        page.get_by_label("Sector waarin je werkt").select_option(label="Zorg en welzijn")
        page.get_by_label("Medior").check()
        expect(page.get_by_text("Alleen nodig als je zelf partner bent")).to_be_visible()
        me.check("signup")

        me.will_navigate()
        page.get_by_role("button", name="Account aanmaken").click()
        # The same page whether or not the address had an account: check your mail; nobody is signed in yet.
        expect(page.get_by_role("heading", level=1)).to_have_text("Bekijk je e-mail")
        expect(page.get_by_role("status")).to_contain_text(email)
        me.check("signup-sent")
        login_href = page.locator("main").get_by_role("link", name="Inloggen").get_attribute("href")
        confirm_on_page(me, email)
        me.check("email-confirmed")
        me.goto(login_href or "/inloggen")
        sign_in_on_page(page, email, password)
        expect(page).to_have_url(re.compile(rf"/e/{DEMO_SLUG}/bestellen$"))
        expect(page.get_by_role("heading", level=1)).to_have_text("Koop een duoticket")
        me.check("order-form")

        me.will_navigate()
        page.get_by_role("button", name="Uitloggen").click()
        expect(page.get_by_role("status")).to_contain_text("Je bent uitgelogd")
        expect(page.get_by_role("link", name="Inloggen")).to_be_visible()

        me.goto("/inloggen")
        sign_in_on_page(page, email, "een-verkeerd-wachtwoord")
        expect(page.get_by_role("alert")).to_contain_text("E-mailadres of wachtwoord klopt niet")
        sign_in_on_page(page, email, password)
        expect(page).to_have_url(re.compile(r"/\?melding=ingelogd$"))
        expect(page.get_by_role("status")).to_contain_text("Je bent ingelogd")

        me.will_navigate()
        page.get_by_role("link", name="Profiel").click()
        expect(page.get_by_label("Organisatie")).to_have_value("Zorgverzekeraar Midden")
        expect(page.get_by_label("Medior")).to_be_checked()
        me.check("profile")
    finally:
        me.close()


def fill_agenda_row(page: Page, n: int, title: str, start: str, end: str, room: str = "",
                    breakout: bool = False) -> None:
    row = page.locator(".form-row--agenda").nth(n)
    row.get_by_label("Wat").fill(title)
    row.get_by_label("Van").fill(start)
    row.get_by_label("Tot").fill(end)
    if room:
        row.get_by_label("Zaal").fill(room)
    if breakout:
        row.get_by_label(re.compile("^Breakoutronde")).check()


def test_organiser_creates_and_publishes_a_hackathon(chromium_browser: Browser, site: LiveServer,
                                                     phone: bool) -> None:
    me = Browse(chromium_browser, site, phone=phone, journey="organiser")
    page = me.page
    title = f"Hackathon wachttijden ({me.device})"
    day = date.today() + timedelta(days=60)
    try:
        me.goto("/organiseren")
        expect(page).to_have_url(re.compile(r"/inloggen\?next=%2Forganiseren$"))
        me.will_navigate()
        sign_in_on_page(page, *DEMO_ORGANISER)
        expect(page).to_have_url(site.url("/organiseren"))
        expect(page.get_by_role("link", name=DEMO_TITLE)).to_be_visible()
        me.check("my-events")

        me.will_navigate()
        page.get_by_role("link", name="Nieuwe hackathon").click()
        expect(page.get_by_label("Thema").nth(0)).to_have_value("Keurmerk")
        expect(page.get_by_label("Thema").nth(2)).to_have_value("De mens in klantcontact")
        me.check("new")

        page.get_by_label("Titel", exact=True).fill(title)
        page.get_by_label("Beschrijving").first.fill("Een middag over wachttijden, met duo's uit de hele keten.")
        page.get_by_label("Datum", exact=True).fill(day.isoformat())
        page.get_by_label("Begintijd").fill("13:00")
        page.get_by_label("Eindtijd").fill("12:00")  # before the start: the service refuses
        page.get_by_label("Locatienaam").fill("Beeld en Geluid")
        page.get_by_label("Adres").fill("Media Parkboulevard 1, Hilversum")
        page.get_by_label("Capaciteit in duo's").fill("25")
        page.get_by_label("Prijs per duo in euro").fill("75,50")
        page.get_by_role("button", name="Thema toevoegen").click()  # htmx adds an empty row
        expect(page.locator("#theme-rows .form-row")).to_have_count(4)
        new_theme = page.locator("#theme-rows .form-row").nth(3)
        new_theme.get_by_label("Thema").fill("Wachttijden")
        new_theme.get_by_label("Beschrijving").fill("Hoe maken we wachten korter en minder vervelend?")
        fill_agenda_row(page, 0, "Aftrap", "13:00", "13:30", "Zaal 1")
        fill_agenda_row(page, 1, "Ronde 1", "13:30", "15:00", breakout=True)
        fill_agenda_row(page, 2, "Ronde 2", "15:15", "16:45", breakout=True)
        fill_agenda_row(page, 3, "Ronde 3", "17:00", "18:30", breakout=True)

        me.will_navigate()
        page.get_by_role("button", name="Opslaan als concept").click()
        end_time = page.get_by_label("Eindtijd")
        expect(end_time).to_have_attribute("aria-invalid", "true")
        expect(page.locator("#f-end_time-error")).to_contain_text("Het einde moet na het begin liggen.")
        expect(page.locator("#error-summary")).to_contain_text("Het einde moet na het begin liggen.")
        expect(page.get_by_label("Titel", exact=True)).to_have_value(title)  # nothing typed is lost
        expect(page.locator("#theme-rows .form-row").nth(3).get_by_label("Thema")).to_have_value("Wachttijden")
        me.check("new-error")

        end_time.fill("21:00")
        me.will_navigate()
        page.get_by_role("button", name="Opslaan als concept").click()
        expect(page.get_by_role("status")).to_contain_text("opgeslagen als concept")
        expect(page.locator(".badge", has_text="Concept").first).to_be_visible()
        slug = page.url.split("/organiseren/", 1)[1].split("?", 1)[0]
        assert slug.startswith("hackathon-wachttijden")

        # Publishing: the public page previewed, then confirmed (issue 20).
        me.will_navigate()
        page.get_by_role("link", name="Bekijken en publiceren…").click()
        expect(page.get_by_role("region", name="Voorbeeld van de openbare pagina")).to_contain_text(title)
        me.will_navigate()
        page.get_by_role("button", name="Ja, publiceer het evenement").click()
        expect(page.get_by_role("status")).to_contain_text("gepubliceerd")
        expect(page.locator(".badge", has_text="Gepubliceerd").first).to_be_visible()
        me.check("published")

        me.will_navigate()
        page.get_by_role("link", name="Agenda", exact=True).click()
        card = page.locator(".event-card", has_text=title)
        expect(card).to_contain_text("€\u00a075,50")
        expect(card).to_contain_text("Nog 25 duoplekken vrij")
        me.will_navigate()
        card.get_by_role("link", name=title).click()
        expect(page.get_by_role("heading", name="Wachttijden", exact=True)).to_be_visible()
        programme = page.locator(".programme")
        for n in (1, 2, 3):
            expect(programme).to_contain_text(f"Breakoutronde {n}")
        expect(page.get_by_text("In elk van de 3 breakoutrondes")).to_be_visible()
        me.check("public-event")
    finally:
        me.close()


def test_language_switch_to_english_and_back(chromium_browser: Browser, site: LiveServer, phone: bool) -> None:
    me = Browse(chromium_browser, site, phone=phone, journey="language")
    page = me.page
    try:
        me.goto(f"/e/{DEMO_SLUG}")
        expect(page.get_by_role("link", name="Koop een duoticket")).to_be_visible()
        me.will_navigate()
        page.get_by_role("link", name="English").click()
        expect(page).to_have_url(site.url(f"/e/{DEMO_SLUG}"))
        expect(page.locator("html")).to_have_attribute("lang", "en")
        expect(page.get_by_role("link", name="Buy a duo ticket")).to_be_visible()
        expect(page.locator(".ticket-box .price")).to_contain_text("€95.00")
        expect(page.get_by_role("heading", name="Programme")).to_be_visible()
        expect(page.locator(".card__meta").first).to_contain_text("March")
        me.check("event-en")
        me.will_navigate()
        page.get_by_role("link", name="Nederlands").click()
        expect(page.locator("html")).to_have_attribute("lang", "nl")
        expect(page.get_by_role("link", name="Koop een duoticket")).to_be_visible()
        expect(page.get_by_role("heading", name="Programma")).to_be_visible()
    finally:
        me.close()


def test_pages_that_do_not_exist_or_need_a_role(chromium_browser: Browser, site: LiveServer) -> None:
    me = Browse(chromium_browser, site, phone=True, journey="errors")
    page = me.page
    try:
        response = me.goto("/e/bestaat-niet")
        expect(page.get_by_role("heading", level=1)).to_have_text("Pagina niet gevonden")
        me.check("not-found")
        assert page.evaluate("() => document.title").startswith("Pagina niet gevonden")
        assert response is not None
    finally:
        me.close()


def test_keyboard_only_through_the_create_form(chromium_browser: Browser, site: LiveServer) -> None:
    me = Browse(chromium_browser, site, phone=False, journey="keyboard")
    page = me.page
    try:
        me.goto("/inloggen?next=/organiseren/nieuw")
        me.will_navigate()
        sign_in_on_page(page, *DEMO_ORGANISER)
        expect(page.get_by_role("heading", level=1)).to_have_text("Nieuwe hackathon")
        # The heading's text is there before the style sheet may be: the focus rings are read once it has loaded
        # (on a busy machine the first one read as none).
        page.wait_for_load_state("load")
        # Every control of the form, in document order, is what Tab visits, each with a visible focus ring.
        expected = page.evaluate("""() => [...document.querySelectorAll(
            '.event-form input:not([type=hidden]), .event-form textarea, .event-form select, .event-form button')]
            .map(el => el.id || el.textContent.trim())""")
        page.locator("#f-title").focus()
        visited: list[str] = []
        for _ in range(200):
            info = page.evaluate("""() => { const el = document.activeElement; const s = getComputedStyle(el);
                return {key: el.id || el.textContent.trim(), inForm: !!el.closest('.event-form'),
                        outline: s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) >= 2};}""")
            if not info["inForm"]:
                break
            assert info["outline"], f"no visible focus on {info['key']}: {info}"
            if not visited or visited[-1] != info["key"]:  # a Tab per part of a date or time (and its picker)
                visited.append(info["key"])
            page.keyboard.press("Tab")
        assert visited == expected[: len(visited)], (visited, expected)
        assert len(visited) == len(expected), (visited, expected)
        # Add a theme with the keyboard: Enter on the button, then Tab reaches the new row's title.
        page.get_by_role("button", name="Thema toevoegen").focus()
        page.keyboard.press("Enter")
        expect(page.locator("#theme-rows .form-row")).to_have_count(4)
        new_title = page.locator("#theme-rows .form-row").nth(3).get_by_label("Thema")
        new_title.focus()
        page.keyboard.type("Chatbots")
        expect(new_title).to_have_value("Chatbots")
        page.get_by_role("button", name="Opslaan als concept").focus()
        me.check("form-focus")
    finally:
        me.close()
