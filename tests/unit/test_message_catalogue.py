"""Every message a service raises has English in the catalogue, and renders in the page language.

Services raise ``DomainError``s whose message is ``_l("Dutch msgid", **values)`` (``core.i18n``). Babel extracts
the msgids from the source (the project's own extraction, keyword ``_l``); each must have a non-fuzzy English
msgstr in ``frontend/locale/en/LC_MESSAGES/messages.po`` with the same placeholders, so an English page never
shows Dutch. No list of patterns: the catalogue is the one place the English lives.

The template ``frontend/locale/messages.pot`` cannot drift from the code: it is extracted again here (the same
``pybabel extract`` as ``make messages``, ``devtools/messages.py``) and must hold exactly the same msgids, and
both catalogues must have been updated from it.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from core.errors import InvalidFields, InvalidInput, NotFound
from core.i18n import LazyMessage
from core.i18n import lazy_gettext as _l
from devtools import messages
from frontend.i18n import LOCALE_DIR, render_message
from frontend.pages.common import field_errors, page_message

ROOT = Path(__file__).resolve().parents[2]
SOURCE_FOLDERS = messages.SOURCE_FOLDERS
KEYWORDS = {"_l": None, "lazy_gettext": None}
PLACEHOLDER = re.compile(r"%\((\w+)\)s")


def raised_msgids() -> dict[str, str]:
    """msgid -> where it is raised, as Babel extracts them."""
    found: dict[str, str] = {}
    for folder in SOURCE_FOLDERS:
        for filename, lineno, message, _comments, _context in extract_from_dir(
            str(ROOT / folder), [("**/piccolo_migrations/**", "ignore"), ("**.py", "python")], keywords=KEYWORDS
        ):
            assert isinstance(message, str), (filename, message)
            found.setdefault(message, f"{folder}/{filename}:{lineno}")
    return found


def english_catalogue() -> Catalog:
    with (LOCALE_DIR / "en" / "LC_MESSAGES" / "messages.po").open("rb") as po_file:
        return read_po(po_file, locale="en")


@pytest.fixture(scope="module")
def msgids() -> dict[str, str]:
    return raised_msgids()


def test_the_extraction_finds_the_raise_sites(msgids: dict[str, str]) -> None:
    """A guard for the test itself: if the extraction broke it would find nothing and pass."""
    assert len(msgids) > 20
    assert "Dit evenement bestaat niet." in msgids


def test_every_raised_message_has_english(msgids: dict[str, str]) -> None:
    catalogue = english_catalogue()
    missing, broken = [], []
    for msgid, where in sorted(msgids.items(), key=lambda item: item[1]):
        entry = catalogue.get(msgid)
        if entry is None or entry.fuzzy or not entry.string:
            missing.append(f"{where}: {msgid!r}")
        elif set(PLACEHOLDER.findall(msgid)) != set(PLACEHOLDER.findall(str(entry.string))):
            broken.append(f"{where}: {msgid!r} -> {entry.string!r}")
    assert not missing, ("raised messages without English: `make messages` and fill in frontend/locale/en:\n"
                         + "\n".join(missing))
    assert not broken, "English with other placeholders than the Dutch msgid:\n" + "\n".join(broken)


def _entries(catalogue: Catalog) -> set[tuple[object, str | None]]:
    """(msgid, context) of every live entry; a plural's msgid is its (singular, plural) pair."""
    return {(tuple(entry.id) if isinstance(entry.id, list | tuple) else entry.id, entry.context)
            for entry in catalogue if entry.id}


def test_the_template_holds_exactly_the_msgids_the_code_uses(tmp_path: Path) -> None:
    """``frontend/locale/messages.pot`` is what ``make messages`` extracts today: a msgid added to the code (or a
    template) without extracting is missing from it, one the code dropped is still in it."""
    fresh = tmp_path / "messages.pot"
    messages.extract(fresh)
    with fresh.open("rb") as extracted, messages.TEMPLATE.open("rb") as kept:
        now, stored = _entries(read_po(extracted)), _entries(read_po(kept))
    assert len(now) > 300  # a guard for the test itself: an extraction that broke would find nothing
    missing, stale = sorted(map(repr, now - stored)), sorted(map(repr, stored - now))
    out_of_date = (
        "frontend/locale/messages.pot is out of date: run `make messages` (devtools/messages.py) and fill in the "
        "new msgstr lines.\nmissing:\n  " + "\n  ".join(missing) + "\nno longer used:\n  " + "\n  ".join(stale))
    assert not missing, out_of_date
    assert not stale, out_of_date


@pytest.mark.parametrize("language", messages.LANGUAGES)
def test_each_catalogue_is_updated_from_the_template(language: str) -> None:
    with messages.TEMPLATE.open("rb") as kept:
        template = _entries(read_po(kept))
    with (LOCALE_DIR / language / "LC_MESSAGES" / "messages.po").open("rb") as po_file:
        catalogue = _entries(read_po(po_file, locale=language))
    missing = sorted(map(repr, template - catalogue))
    assert not missing, (f"frontend/locale/{language} lacks msgids of the template: run `make messages`.\n"
                         + "\n".join(missing))


def test_every_message_is_a_literal_msgid() -> None:
    """``_l(f"...")`` or ``_l(variable)`` would escape the extraction (and an f-string changes the msgid with
    every value): the msgid is a literal, values go in as named placeholders."""
    wrong = []
    for folder in SOURCE_FOLDERS:
        for path in sorted((ROOT / folder).rglob("*.py")):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
                        and node.func.id in KEYWORDS
                        and not (len(node.args) == 1 and isinstance(node.args[0], ast.Constant)
                                 and isinstance(node.args[0].value, str))):
                    wrong.append(f"{path.relative_to(ROOT)}:{node.lineno}: {ast.unparse(node)[:100]}")
    assert not wrong, "a message's msgid must be one string literal:\n" + "\n".join(wrong)


def test_a_message_is_its_dutch_text_and_renders_in_the_page_language() -> None:
    error = NotFound(_l("Dit evenement bestaat niet."))
    assert error.message == "Dit evenement bestaat niet."  # the API and logs read Dutch
    assert page_message(error, "nl") == "Dit evenement bestaat niet."
    assert page_message(error, "en") == "This event does not exist."
    assert page_message(error, "de") == "Dit evenement bestaat niet."  # an unknown language gets Dutch


def test_values_fill_the_placeholders_in_either_language() -> None:
    sector = InvalidInput(_l("Onbekende sector '%(industry)s'.", industry="bakkerij"), field="industry")
    assert sector.message == "Onbekende sector 'bakkerij'."
    assert field_errors(sector, {"industry": "industry"}, "en") == {"industry": "Unknown industry 'bakkerij'."}
    assert field_errors(sector, {"industry": "industry"}) == {"industry": "Onbekende sector 'bakkerij'."}
    both = InvalidFields([sector, InvalidInput(_l("Het einde moet na het begin liggen."), field="ends_at")])
    assert field_errors(both, {"industry": "industry", "ends_at": "end_time"}, "en") == {
        "industry": "Unknown industry 'bakkerij'.", "end_time": "The end must be after the start."}


def test_a_message_inside_a_message_is_translated_with_it() -> None:
    where = _l("ronde %(round)s", round=3)
    group = _l("Groep %(theme)s #%(group)s bestaat niet in %(where)s.", theme="mens", group=2, where=where)
    assert group == "Groep mens #2 bestaat niet in ronde 3."
    assert render_message(group, "en") == "Group mens #2 does not exist in round 3."
    nowhere = _l("Groep %(theme)s #%(group)s bestaat niet in %(where)s.", theme="mens", group=2,
                 where=_l("geen enkele ronde"))
    assert render_message(nowhere, "en") == "Group mens #2 does not exist in any round."


def test_a_message_given_per_language_needs_no_catalogue() -> None:
    own = LazyMessage.given_per_language("Je partner is te jong.", en="Your companion is too young.")
    assert own == "Je partner is te jong."
    assert render_message(own, "en") == "Your companion is too young."
    assert render_message(own, "nl") == "Je partner is te jong."


def test_a_broken_translation_falls_back_to_dutch() -> None:
    message = _l("Kies %(n)s.", n=2)
    assert message.render(lambda msgid: "Choose %(count)s.") == "Kies 2."
    assert render_message("plain text", "en") == "plain text"
