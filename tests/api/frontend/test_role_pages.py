"""The role pages (issue 11): an event's Team tab, where its organiser gives and revokes the facilitator and door
roles by e-mail address, and the administrator's /beheer (organisers, every event, the role log), in Dutch and
English, with each refusal next to its field."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from tests.support.breakouts import published_event
from tests.support.members import Members, sign_up
from tests.support.pages import post_form, sign_in_on_page

pytestmark = pytest.mark.anyio


@pytest.fixture
async def browser(app: Any) -> AsyncIterator[httpx.AsyncClient]:
    """A second browser (its own cookies), for a second person signed in on the pages."""
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver") as c:
        yield c


async def test_the_organiser_puts_the_team_together_on_the_team_tab(client: httpx.AsyncClient,
                                                                    browser: httpx.AsyncClient,
                                                                    members: Members) -> None:
    organiser = await members.create("organiser", name="Olga Organisator")
    fenna = await members.create(name="Fenna Facilitator", email="fenna@example.nl")
    slug = (await published_event(client, organiser))["slug"]
    unconfirmed = await sign_up(client, "nog.niet@example.nl")
    await sign_in_on_page(client, organiser["email"], organiser["password"])
    tab = f"/organiseren/{slug}/team"

    empty = await client.get(tab)
    assert empty.status_code == 200
    assert "Nog niemand heeft een rol bij dit evenement." in empty.text
    assert f'href="{tab}" aria-current="page"' in empty.text
    refused = await post_form(client, tab, {"email": unconfirmed["email"], "role": "door"})
    assert refused.status_code == 422
    assert "Dit e-mailadres is nog niet bevestigd" in refused.text
    assert 'href="#f-email"' in refused.text
    assert 'value="nog.niet@example.nl"' in refused.text

    given = await post_form(client, tab, {"email": "Fenna@Example.nl", "role": "facilitator"})
    assert given.status_code == 303
    assert given.headers["location"].endswith("melding=rol-gegeven")
    listed = await client.get(tab)
    assert "Fenna Facilitator" in listed.text
    assert "fenna@example.nl" in listed.text
    assert "Facilitator" in listed.text

    await sign_in_on_page(browser, fenna["email"], fenna["password"])
    menu = await browser.get("/")
    assert 'href="/begeleiden"' in menu.text
    assert 'href="/beheer"' not in menu.text
    assert (await browser.get(f"/begeleiden/{slug}")).status_code == 200
    assert (await browser.get(tab)).status_code == 403  # a facilitator does not put the team together

    revoked = await post_form(client, f"{tab}/intrekken", {"member": str(fenna["id"]), "role": "facilitator"},
                              form_page=tab)
    assert revoked.status_code == 303
    assert revoked.headers["location"].endswith("melding=rol-ingetrokken")
    assert "Fenna Facilitator" not in (await client.get(tab)).text
    assert (await browser.get(f"/begeleiden/{slug}")).status_code == 403


async def test_another_organiser_cannot_open_the_team_tab(client: httpx.AsyncClient, members: Members) -> None:
    organiser = await members.create("organiser")
    other = await members.create("organiser", email="ander@example.nl")
    slug = (await published_event(client, organiser))["slug"]
    await sign_in_on_page(client, other["email"], other["password"])
    assert (await client.get(f"/organiseren/{slug}/team")).status_code == 403


async def test_the_administrator_gives_roles_and_reads_the_log_on_the_beheer_page(
        client: httpx.AsyncClient, browser: httpx.AsyncClient, members: Members) -> None:
    admin = await members.create("admin", name="Bea Beheerder")
    member = await members.create(name="Mo Lid", email="mo@example.nl")
    organiser = await members.create("organiser", name="Olga Organisator")
    await published_event(client, organiser, title="Beheerde hackathon")
    await sign_in_on_page(client, admin["email"], admin["password"])

    shown = await client.get("/beheer")
    assert shown.status_code == 200
    assert 'href="/beheer" aria-current="page"' in shown.text
    assert "Olga Organisator" in shown.text
    assert "Beheerde hackathon" in shown.text
    assert "Rollenlog" in shown.text
    given = await post_form(client, "/beheer/rollen", {"email": member["email"], "role": "organiser",
                                                       "enabled": "1"}, form_page="/beheer")
    assert given.status_code == 303
    log = (await client.get("/beheer")).text
    assert "gaf Organisator" in log
    assert "Mo Lid (mo@example.nl)" in log

    last = await post_form(client, "/beheer/rollen", {"email": admin["email"], "role": "admin", "enabled": "0"},
                           form_page="/beheer")
    assert last.status_code == 422
    assert "Je bent de laatste beheerder" in last.text
    client.cookies.set("lang", "en")
    last_en = await post_form(client, "/beheer/rollen", {"email": admin["email"], "role": "admin", "enabled": "0"},
                              form_page="/beheer")
    assert last_en.status_code == 422
    assert "You are the last administrator" in last_en.text

    await sign_in_on_page(browser, organiser["email"], organiser["password"])
    assert (await browser.get("/beheer")).status_code == 403
    assert 'href="/beheer"' not in (await browser.get("/")).text
