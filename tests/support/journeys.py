"""Steps the browser journeys share: set-up through the live app's API (a synchronous httpx client, since the
tests run Playwright's sync API), and page steps (signing up or in, a companion, a card)."""

from __future__ import annotations

import re
from contextlib import closing
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx
from playwright.sync_api import Locator, Page

from devtools.demo import DEMO_FACILITATOR, DEMO_ORGANISER
from tests.support.browser import LiveServer

AMSTERDAM = ZoneInfo("Europe/Amsterdam")
TICKET_CODE = re.compile(r"NG(-[A-Z2-9]{4}){4}")
PASSWORD = "koffie-bij-de-klantenservice"


# --------------------------------------------------------------------------- set-up through the API


# One sign-in per account and server for the whole browser session: the journeys share one live server, and the
# per-address sign-in limit (the production one) would otherwise answer 429 once enough journeys act as the demo
# organiser. A token that stopped working (signed out, password reset) is replaced by a new sign-in.
_TOKENS: dict[tuple[str, str], str] = {}


def api_client(site: LiveServer, email: str, password: str) -> httpx.Client:
    client = httpx.Client(base_url=site.base_url, timeout=30)
    key = (site.base_url, email)
    token = _TOKENS.get(key)
    if token is None or client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}).status_code != 200:
        response = client.post("/api/v1/auth/login", json={"email": email, "password": password})
        response.raise_for_status()
        token = _TOKENS[key] = response.json()["token"]
    client.headers["Authorization"] = f"Bearer {token}"
    return client


def event_day(days_ahead: int = 60) -> date:
    return date.today() + timedelta(days=days_ahead)


def publish_event(site: LiveServer, title: str, *, price_cents: int, capacity: int = 12,
                  days_ahead: int = 60) -> str:
    """A published hackathon with the default themes and two breakout rounds; returns its slug."""
    day = event_day(days_ahead)

    def at(hour: int, minute: int = 0) -> str:
        return datetime.combine(day, time(hour, minute), AMSTERDAM).isoformat()

    with closing(api_client(site, *DEMO_ORGANISER)) as organiser:
        response = organiser.post("/api/v1/events", json={
            "title": title, "starts_at": at(13), "ends_at": at(18), "capacity_duos": capacity,
            "price_cents": price_cents, "venue_name": "Beeld en Geluid", "address": "Media Parkboulevard 1, Hilversum",
            "description": "Een middag over klantbeleving, met duo's uit de hele keten.",
            "agenda": [
                {"title": "Welkom", "starts_at": at(13), "ends_at": at(13, 30), "room": "Foyer"},
                {"title": "Breakoutronde 1", "starts_at": at(13, 30), "ends_at": at(15), "is_breakout_round": True},
                {"title": "Breakoutronde 2", "starts_at": at(15, 15), "ends_at": at(16, 45), "is_breakout_round": True},
                {"title": "Afsluiting", "starts_at": at(17), "ends_at": at(18), "room": "Zaal 1"},
            ],
        })
        assert response.status_code == 201, response.text
        slug = response.json()["slug"]
        organiser.post(f"/api/v1/events/{slug}/publish").raise_for_status()
    return slug


def born_years_before(day: date, years: int) -> str:
    """A birth date that makes someone exactly `years` old on `day`."""
    return day.replace(year=day.year - years).isoformat()


def sign_up_through_api(site: LiveServer, name: str, email: str, industry: str = "customer_contact", level: int = 2
                        ) -> None:
    """An account made through `POST /api/v1/auth/signup` (password PASSWORD)."""
    with closing(httpx.Client(base_url=site.base_url, timeout=30)) as client:
        response = client.post("/api/v1/auth/signup", json={
            "name": name, "email": email, "password": PASSWORD, "organisation": f"Organisatie {name.split()[0]}",
            "industry": industry, "experience_level": level})
        assert response.status_code == 202, response.text
    confirm_through_api(site, email)


def mailed_confirmation_link(email: str) -> str:
    """The path of the newest confirmation link mailed to `email` (the outbox sent into a mailbox folder)."""
    import tempfile

    from tests.browser.seed import seed

    with tempfile.TemporaryDirectory(prefix="ng-confirm-mail-") as mail_dir:
        return str(seed("verification_link", to=email, mail_dir=mail_dir)["path"])


def confirm_through_api(site: LiveServer, email: str) -> None:
    """Follow the confirmation link mailed to `email`: signing in waits for it (members.sessions.login)."""
    with closing(httpx.Client(base_url=site.base_url, timeout=30)) as client:
        response = client.get(mailed_confirmation_link(email))
        assert response.status_code == 200, response.text[:300]
        assert "Je e-mailadres is bevestigd" in response.text, response.text[:300]


def confirm_on_page(me: Any, email: str) -> None:
    """Open the confirmation link mailed to `email` in this browser (`me`: a Browse), as its owner would."""
    from playwright.sync_api import expect

    me.goto(mailed_confirmation_link(email))
    expect(me.page.get_by_role("status")).to_contain_text("Je e-mailadres is bevestigd")


def sign_up_and_confirm_on_page(me: Any, name: str, email: str) -> None:
    """The sign-up form, the page that asks to confirm the address, the mailed link, then signing in through that
    page's own link (which keeps where the person was going)."""
    from playwright.sync_api import expect

    page = me.page
    me.will_navigate()
    sign_up_on_page(page, name, email)
    expect(page.get_by_role("heading", level=1)).to_have_text("Bekijk je e-mail")
    expect(page.get_by_role("status")).to_contain_text(email)
    login_href = page.locator("main").get_by_role("link", name="Inloggen").get_attribute("href")
    assert login_href
    assert login_href.startswith("/inloggen")
    confirm_on_page(me, email)
    me.goto(login_href)
    page.get_by_label("E-mailadres").fill(email)
    page.get_by_label("Wachtwoord").fill(PASSWORD)
    me.will_navigate()
    page.locator("main").get_by_role("button", name="Inloggen").click()


def book_duo_through_api(site: LiveServer, slug: str, buyer: tuple[str, str], companion: tuple[str, str],
                         ranking: list[str]) -> None:
    sign_up_through_api(site, *buyer)
    with closing(api_client(site, buyer[1], PASSWORD)) as client:
        response = client.post(f"/api/v1/events/{slug}/orders", json={"companion": {
            "name": companion[0], "email": companion[1], "industry": "education", "organisation": "Hogeschool"}})
        assert response.status_code == 201, response.text
        client.put(f"/api/v1/events/{slug}/ranking", json={"themes": ranking}).raise_for_status()


def publish_groups(site: LiveServer, slug: str) -> None:
    """The event's organiser makes the demo facilitator its facilitator (roles are per event); the facilitator
    generates groups of 2–4, gives every group a room, and publishes."""
    with closing(api_client(site, *DEMO_ORGANISER)) as organiser:
        granted = organiser.post(f"/api/v1/events/{slug}/team", json={"email": DEMO_FACILITATOR[0],
                                                                      "role": "facilitator"})
        assert granted.status_code == 201, granted.text  # granting a role held already changes nothing
    with closing(api_client(site, *DEMO_FACILITATOR)) as facilitator:
        base = f"/api/v1/events/{slug}/breakouts"
        response = facilitator.post(f"{base}/generate", json={"min_size": 2, "max_size": 4, "seed": 1})
        assert response.status_code in (200, 201), response.text
        plan = facilitator.get(base).json()
        rooms = [{"round": r["round"], "theme": g["theme"], "group": g["number"],
                  "room": f"Zaal {g['theme'][:3].upper()}-{g['number']}"}
                 for r in plan["rounds"] for g in r["groups"]]
        facilitator.put(f"{base}/rooms", json={"rooms": rooms}).raise_for_status()
        facilitator.post(f"{base}/publish").raise_for_status()


# --------------------------------------------------------------------------- page steps


def sign_in_on_page(page: Page, email: str, password: str) -> None:
    page.get_by_label("E-mailadres").fill(email)
    page.get_by_label("Wachtwoord").fill(password)
    page.get_by_role("button", name="Inloggen").click()


def fill_companion(page: Page, **values: str) -> None:
    page.wait_for_load_state()  # htmx wires the live check when the page has loaded
    labels = {"name": "Naam van je partner", "email": "E-mailadres van je partner",
              "birth_date": "Geboortedatum van je partner", "organisation": "Organisatie van je partner"}
    for key, value in values.items():
        if key == "industry":
            page.get_by_label("Sector waarin je partner werkt").select_option(label=value)
        else:
            page.get_by_label(labels[key]).fill(value)


def sign_up_on_page(page: Page, name: str, email: str) -> None:
    """Fill in and send the sign-up form the page shows (password PASSWORD)."""
    page.get_by_label("Naam", exact=True).fill(name)
    page.get_by_label("E-mailadres").fill(email)
    page.get_by_label("Wachtwoord").fill(PASSWORD)
    page.get_by_label("Organisatie").fill("Energie Direct")
    page.get_by_label("Sector waarin je werkt").select_option(label="Klantcontact")
    page.get_by_label("Senior").check()
    page.get_by_role("button", name="Account aanmaken").click()


def pay_with_card(page: Page, number: str = "4242424242424242", year: str = "30") -> None:
    """Type a card into the fake Stripe.js form (localstripe's card element, labelled by pay.js)."""
    card = page.locator("#payment-element")
    card.get_by_label("Kaartnummer").fill(number)
    card.get_by_label("Vervalmaand (MM)").fill("12")
    card.get_by_label("Vervaljaar (JJ of JJJJ)").fill(year)
    card.get_by_label("Beveiligingscode (CVC)").fill("123")
    card.get_by_label("Postcode").fill("1217")


def order_card(page: Page, title: str) -> Any:
    return page.locator("article.order", has_text=title)


# --------------------------------------------------------------------------- the facilitator's board


def drag_card(page: Page, card: Locator, target: Locator, *, touch: bool) -> None:
    """Drag a board card onto a group as a person would: with the mouse from the card itself, or with a finger
    from the card's handle (real touch events through the DevTools protocol, which Chromium turns into pointer
    events as on a phone)."""
    card.scroll_into_view_if_needed()
    grip = card.locator(".board__handle") if touch else card
    start = grip.bounding_box()
    assert start is not None
    x0, y0 = start["x"] + start["width"] / 2, start["y"] + start["height"] / 2
    goal = target.bounding_box()
    assert goal is not None
    x1, y1 = goal["x"] + goal["width"] / 2, goal["y"] + goal["height"] - 24  # the group's foot, in view
    steps = 12
    if touch:
        cdp = page.context.new_cdp_session(page)
        cdp.send("Input.dispatchTouchEvent", {"type": "touchStart", "touchPoints": [{"x": x0, "y": y0}]})
        for i in range(1, steps + 1):
            cdp.send("Input.dispatchTouchEvent", {"type": "touchMove", "touchPoints": [
                {"x": x0 + (x1 - x0) * i / steps, "y": y0 + (y1 - y0) * i / steps}]})
        cdp.send("Input.dispatchTouchEvent", {"type": "touchEnd", "touchPoints": []})
        cdp.detach()
    else:
        page.mouse.move(x0, y0)
        page.mouse.down()
        page.mouse.move(x1, y1, steps=steps)
        page.mouse.up()


BUSY_RECORDER = """() => document.addEventListener("submit", (event) => setTimeout(() => {
  const form = event.target, scope = form.closest(".card") || form;
  const message = scope.querySelector("[data-busy-message]");
  sessionStorage.setItem("busy", JSON.stringify({
    busy: scope.getAttribute("aria-busy"),
    disabled: [...scope.querySelectorAll("button")].every((b) => b.disabled),
    message: message && !message.hidden && message.offsetParent !== null ? message.textContent.trim() : "",
  }));
}, 20))"""


def record_busy_state(page: Page) -> None:
    """Note, just after the next form is submitted, whether it shows that it is busy (read with `busy_state` on
    the page that follows: the submit navigates away)."""
    page.evaluate("() => sessionStorage.removeItem('busy')")
    page.evaluate(BUSY_RECORDER)


def busy_state(page: Page) -> dict[str, Any]:
    import json

    return dict(json.loads(page.evaluate("() => sessionStorage.getItem('busy') || '{}'")))
