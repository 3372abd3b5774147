"""Language choice, catalogues, and the /lang switch."""

from __future__ import annotations

from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po
from litestar import Litestar
from litestar.testing import TestClient

from core.i18n import parse_accept_language
from frontend.i18n import (
    LOCALE_DIR,
    create_language_router,
    gettext,
    load_translations,
    ngettext,
    pick_language,
    safe_next_path,
)

FRONTEND_DIR = Path(__file__).resolve().parents[3] / "frontend"


@pytest.mark.parametrize(
    ("cookie", "header", "expected"),
    [
        (None, None, "nl"),
        (None, "", "nl"),
        (None, "en-US,en;q=0.9", "en"),
        (None, "de-DE,de;q=0.9,en;q=0.8,nl;q=0.7", "en"),
        (None, "de-DE,nl;q=0.5,en;q=0.8", "en"),
        (None, "nl-BE", "nl"),
        (None, "fr, *;q=0.1", "nl"),
        (None, "en;q=0, fr", "nl"),
        (None, "EN-gb", "en"),
        (None, "en;q=abc", "nl"),
        ("en", "nl", "en"),
        ("nl", "en", "nl"),
        ("xx", "en", "en"),
    ],
)
def test_pick_language(cookie: str | None, header: str | None, expected: str) -> None:
    assert pick_language(cookie, header) == expected


def test_parse_accept_language_orders_by_quality_then_position() -> None:
    assert parse_accept_language("fr;q=0.5, en, de;q=0.9, nl") == ["en", "nl", "de", "fr"]


def test_catalogues_translate_to_dutch_and_fall_back_to_english_msgids() -> None:
    assert gettext("nl", "My tickets") == "Mijn tickets"
    assert gettext("en", "My tickets") == "My tickets"
    assert gettext("de", "My tickets") == "Mijn tickets"  # unknown language: Dutch
    assert gettext("nl", "a string nobody translated") == "a string nobody translated"
    one = "There is %(num)d problem with this form"
    many = "There are %(num)d problems with this form"
    assert ngettext("nl", one, many, 1) % {"num": 1} == "Er is 1 probleem met dit formulier"
    assert ngettext("nl", one, many, 3) % {"num": 3} == "Er zijn 3 problemen met dit formulier"


def test_fuzzy_entries_are_not_used(tmp_path: Path) -> None:
    po_dir = tmp_path / "nl" / "LC_MESSAGES"
    po_dir.mkdir(parents=True)
    (po_dir / "messages.po").write_text(
        'msgid ""\nmsgstr "Content-Type: text/plain; charset=utf-8\\n"\n\n'
        '#, fuzzy\nmsgid "Hello"\nmsgstr "Hallo?"\n\nmsgid "Bye"\nmsgstr "Doei"\n',
        encoding="utf-8",
    )
    translator = load_translations(tmp_path, ("nl",))["nl"]
    assert translator.ugettext("Hello") == "Hello"
    assert translator.ugettext("Bye") == "Doei"


def test_every_template_string_has_a_dutch_translation() -> None:
    """Dutch is the default: an English msgid without a Dutch msgstr would show English on a Dutch page."""
    with (LOCALE_DIR / "nl" / "LC_MESSAGES" / "messages.po").open("rb") as po_file:
        catalog = read_po(po_file, locale="nl")
    keywords = {"_": None, "gettext": None, "ngettext": (1, 2), "pgettext": ((1, "c"), 2),
                "npgettext": ((1, "c"), 2, 3)}
    method_map = [("templates/**.html", "jinja2"), ("**.py", "python")]
    options = {"templates/**.html": {"extensions": "jinja2.ext.i18n", "trim_blocks": "true",
                                     "lstrip_blocks": "true"}}
    missing: list[str] = []
    for filename, _lineno, message, _comments, context in extract_from_dir(
        str(FRONTEND_DIR), method_map, options, keywords=keywords
    ):
        msgid = message[0] if isinstance(message, tuple) else message
        entry = catalog.get(msgid, context=context)
        strings = entry.string if entry is not None else None
        translated = all(strings) if isinstance(strings, tuple | list) else bool(strings)
        if entry is None or entry.fuzzy or not translated:
            missing.append(f"{filename}: {msgid!r}")
    assert not missing, "untranslated in frontend/locale/nl (see frontend/i18n.py):\n" + "\n".join(missing)


@pytest.mark.parametrize(
    ("target", "expected"),
    [
        ("/agenda?x=1", "/agenda?x=1"),
        (None, "/"),
        ("", "/"),
        ("https://evil.example/", "/"),
        ("//evil.example/", "/"),
        ("/\\evil.example", "/"),
        ("agenda", "/"),
        ("/a\r\nSet-Cookie: x", "/"),
    ],
)
def test_safe_next_path(target: str | None, expected: str) -> None:
    assert safe_next_path(target) == expected


def test_language_route_sets_cookie_and_redirects_back() -> None:
    app = Litestar(route_handlers=[create_language_router()])
    with TestClient(app) as client:
        response = client.get("/lang/en", params={"next": "/agenda?dag=1"}, follow_redirects=False)
        assert response.status_code == 303
        assert response.headers["location"] == "/agenda?dag=1"
        cookie = response.headers["set-cookie"]
        assert cookie.startswith("lang=en;")
        assert "Max-Age=31536000" in cookie
        assert "Path=/" in cookie
        assert "SameSite=lax" in cookie
        assert "HttpOnly" in cookie

        response = client.get("/lang/nl", params={"next": "https://evil.example/"}, follow_redirects=False)
        assert response.headers["location"] == "/"

        assert client.get("/lang/de", follow_redirects=False).status_code == 404
