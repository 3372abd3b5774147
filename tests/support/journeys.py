"""Steps the browser journeys share: set-up through the live app's API (a synchronous httpx client, since the
tests run Playwright's sync API), and page steps (signing up or in, a companion, a card)."""

from __future__ import annotations

import re
from contextlib import closing
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx
from playwright.sync_api import Page

from core.demo import DEMO_FACILITATOR, DEMO_ORGANISER
from tests.support.browser import LiveServer

AMSTERDAM = ZoneInfo("Europe/Amsterdam")
TICKET_CODE = re.compile(r"NG(-[A-Z2-9]{4}){4}")
PASSWORD = "koffie-bij-de-klantenservice"


# --------------------------------------------------------------------------- set-up through the API


def api_client(site: LiveServer, email: str, password: str) -> httpx.Client:
    client = httpx.Client(base_url=site.base_url, timeout=30)
    response = client.post("/api/v1/auth/login", json={"email": email, "password": password})
    response.raise_for_status()
    client.headers["Authorization"] = f"Bearer {response.json()['token']}"
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
        assert response.status_code == 201, response.text


def book_duo_through_api(site: LiveServer, slug: str, buyer: tuple[str, str], companion: tuple[str, str],
                         ranking: list[str]) -> None:
    sign_up_through_api(site, *buyer)
    with closing(api_client(site, buyer[1], PASSWORD)) as client:
        response = client.post(f"/api/v1/events/{slug}/orders", json={"companion": {
            "name": companion[0], "email": companion[1], "industry": "education", "organisation": "Hogeschool"}})
        assert response.status_code == 201, response.text
        client.put(f"/api/v1/events/{slug}/ranking", json={"themes": ranking}).raise_for_status()


def publish_groups(site: LiveServer, slug: str) -> None:
    """The facilitator generates groups of 2–4, gives every group a room, and publishes."""
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
            page.get_by_label("Branche waarin je partner werkt").select_option(label=value)
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


def pay_with_card(page: Page, number: str = "4242424242424242") -> None:
    """Type a card into the fake Stripe.js form (localstripe's card element, labelled by pay.js)."""
    card = page.locator("#payment-element")
    card.get_by_label("Kaartnummer").fill(number)
    card.get_by_label("Vervalmaand (MM)").fill("12")
    card.get_by_label("Vervaljaar (JJ)").fill("30")
    card.get_by_label("Beveiligingscode (CVC)").fill("123")
    card.get_by_label("Postcode").fill("1217")


def order_card(page: Page, title: str) -> Any:
    return page.locator("article.order", has_text=title)
