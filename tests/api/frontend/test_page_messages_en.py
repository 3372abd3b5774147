"""An English page shows a service's error in English (its lazy message through the catalogue, via
common.page_message); a Dutch page, and the API, keep the Dutch message."""

from __future__ import annotations

import re

import httpx
import pytest

from tests.support.members import Members

pytestmark = pytest.mark.anyio


async def post_form(client: httpx.AsyncClient, path: str, form: dict[str, str]) -> httpx.Response:
    page = await client.get(path)
    token = re.search(r'name="_csrf_token" value="([^"]+)"', page.text)
    assert token, page.text[:500]
    return await client.post(path, data={**form, "_csrf_token": token.group(1)})


# Everything the form parser accepts; the service refuses it: the event ends before it starts.
EVENT_ENDS_BEFORE_IT_STARTS = {
    "title": "Hackathon Klantcontact 2031", "description": "Een dag samen bouwen.", "date": "2031-03-14",
    "start_time": "17:00", "end_time": "09:00", "venue_name": "De Hal", "address": "Kade 1, Utrecht",
    "capacity_duos": "40", "price": "95,00",
}


async def test_the_event_form_shows_the_service_error_in_the_page_language(client: httpx.AsyncClient,
                                                                           members: Members) -> None:
    organiser = await members.create("organiser", email="olga@example.nl")
    signed_in = await post_form(client, "/inloggen", {"email": organiser["email"],
                                                       "password": organiser["password"]})
    assert signed_in.status_code == 303, signed_in.text[:300]

    client.cookies.set("lang", "en")
    english = await post_form(client, "/organiseren/nieuw", EVENT_ENDS_BEFORE_IT_STARTS)
    assert english.status_code == 422, english.text[:300]
    assert "The end must be after the start." in english.text
    assert "Het einde moet na het begin liggen." not in english.text

    client.cookies.set("lang", "nl")
    dutch = await post_form(client, "/organiseren/nieuw", EVENT_ENDS_BEFORE_IT_STARTS)
    assert dutch.status_code == 422
    assert "Het einde moet na het begin liggen." in dutch.text


async def test_sign_in_and_the_error_page_in_english(client: httpx.AsyncClient, members: Members) -> None:
    member = await members.create(email="emma@example.nl")
    client.cookies.set("lang", "en")
    refused = await post_form(client, "/inloggen", {"email": member["email"], "password": "niet-het-wachtwoord"})
    assert refused.status_code in (401, 403), refused.text[:300]
    assert "The e-mail address or password is not correct, or your e-mail address is not confirmed yet." in refused.text
    assert "klopt niet" not in refused.text

    missing = await client.get("/e/bestaat-niet-2031")
    assert missing.status_code == 404
    assert "<h1>Page not found</h1>" in missing.text
    assert "This event does not exist." in missing.text
    assert "bestaat niet" not in missing.text

    # The API stays Dutch first: problem+json keeps the service's own message.
    api = await client.get("/api/v1/events/bestaat-niet-2031")
    assert api.status_code == 404
    assert api.json()["detail"] == "Dit evenement bestaat niet."
