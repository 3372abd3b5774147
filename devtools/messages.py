"""The translation catalogues kept in step with the code, with the project's Babel set-up: ``make messages``.

1. ``pybabel extract`` with ``frontend/locale/babel.cfg`` (Python and Jinja templates) and the keywords below
   (``_``, the gettext family, and ``_l`` / ``lazy_gettext`` of ``core.i18n``) over every folder that holds
   strings for people, into ``frontend/locale/messages.pot``;
2. ``pybabel update`` of the Dutch and English catalogues from it (no fuzzy matching: a new msgid starts
   empty instead of borrowing a neighbour's translation; entries the code no longer uses are kept as ``#~``).

Then fill in the empty msgstr lines: page strings (English msgids) in ``nl/LC_MESSAGES/messages.po``, service
messages (Dutch msgids) in ``en/LC_MESSAGES/messages.po``. No compile step: ``frontend/i18n.py`` compiles the
``.po`` files in memory when the app starts. ``tests/unit/test_message_catalogue.py`` extracts again (with
:func:`extract`) and fails when the ``.pot`` misses a msgid the code uses, or keeps one it no longer uses, and
when a catalogue was not updated from it.
"""

from __future__ import annotations

import sys
from pathlib import Path

from babel.messages.frontend import CommandLineInterface

ROOT = Path(__file__).resolve().parents[1]
LOCALE_DIR = ROOT / "frontend" / "locale"
TEMPLATE = LOCALE_DIR / "messages.pot"
MAPPING = LOCALE_DIR / "babel.cfg"
# Every folder with strings for people (pages, mails, service messages).
SOURCE_FOLDERS = ("frontend", "core", "members", "events", "ticketing", "invoicing", "checkin", "pairing", "ideas")
KEYWORDS = ("_", "gettext", "ngettext:1,2", "pgettext:1c,2", "npgettext:1c,2,3", "_l", "lazy_gettext")
LANGUAGES = ("nl", "en")


def _pybabel(*arguments: str) -> None:
    CommandLineInterface().run(["pybabel", "--quiet", *arguments])


def extract(output: Path = TEMPLATE) -> None:
    """Every msgid of the code and the templates into ``output`` (a ``.pot``), without source locations (so a
    moved line changes nothing)."""
    keywords = [argument for keyword in KEYWORDS for argument in ("-k", keyword)]
    _pybabel("extract", "-F", str(MAPPING), *keywords, "--no-location", "--project", "Nieuw Geluid",
             "-o", str(output), *(str(ROOT / folder) for folder in SOURCE_FOLDERS))


def update(template: Path = TEMPLATE) -> None:
    """The Dutch and English catalogues updated from ``template``."""
    for language in LANGUAGES:
        _pybabel("update", "-i", str(template), "-d", str(LOCALE_DIR), "-l", language, "--no-fuzzy-matching")


def main() -> None:
    extract()
    update()
    print(f"{TEMPLATE.relative_to(ROOT)} extracted; {', '.join(LANGUAGES)} updated: fill in the empty msgstr "
          "lines (page strings in nl, service messages in en)", file=sys.stderr)


if __name__ == "__main__":
    main()
