"""English for the services' Dutch messages, so an English page never shows a Dutch error.

Services raise ``DomainError`` subclasses whose ``message`` is Dutch ("Dutch first"); the API's
problem+json ``detail`` stays Dutch. Pages show the message in the page language: Dutch as raised,
English through :func:`english` (``frontend.pages.common.page_message`` picks).

``MESSAGES`` maps each Dutch message *template* to its English template. A template is the literal
message with every f-string placeholder written as ``{name}`` (the English uses the same names, in any
order): ``raise InvalidInput(f"Onbekende sector '{industry}'.")`` has the template
``"Onbekende sector '{industry}'."``. :func:`english` finds the template a concrete message was made from
(each template is compiled once to a regex; a placeholder matches any text) and fills the English one
with the captured values. ``FRAGMENTS`` translates the few Dutch words a service puts *into* a
placeholder (``"ronde 2"``). Pure: no I/O.

Adding a Dutch message to a service? Add its English here: ``tests/unit/test_messages_en.py`` walks the
source of every raise site and fails on a Dutch message without English, and on an entry here that no
service raises any more.
"""

from __future__ import annotations

import re
from functools import cache
from string import Formatter

MESSAGES: dict[str, str] = {
    # --- core ---------------------------------------------------------------------------------------
    # --- events -------------------------------------------------------------------------------------
    # ticketing/companion_links.py and frontend/pages/companion.py (the companion's own page, issue 15)
    # events/rules.py (EventRuleError, raised again by events.service as InvalidInput)
    # --- members ------------------------------------------------------------------------------------
    # roles (members/roles.py, events/team.py)
    # the password-reset link (members.password_reset)
    # members/rules.py password_problem (raised by members.accounts and members.password_reset as InvalidInput)
    # --- ticketing ----------------------------------------------------------------------------------
    # the waiting list (ticketing/waitlist.py)
    # the Stripe webhook's own message is English already
    # --- invoicing ----------------------------------------------------------------------------------
    # --- pairing ------------------------------------------------------------------------------------
    # --- ideas --------------------------------------------------------------------------------------
    # --- checkin ------------------------------------------------------------------------------------
    # --- frontend -----------------------------------------------------------------------------------
}

# Dutch words a service puts into a placeholder (pairing.board.assign_rooms: "… bestaat niet in ronde 2.").
FRAGMENTS: dict[str, str] = {}

_FORMATTER = Formatter()


def template_fields(template: str) -> list[str]:
    """The placeholder names of a template, in order (``{{`` and ``}}`` are literal braces)."""
    return [name for _, name, _, _ in _FORMATTER.parse(template) if name is not None]


def _compile(template: str) -> re.Pattern[str]:
    pattern: list[str] = []
    seen: set[str] = set()
    for literal, name, _, _ in _FORMATTER.parse(template):
        pattern.append(re.escape(literal))
        if name is None:
            continue
        if name in seen:
            pattern.append(f"(?P={name})")
        else:
            seen.add(name)
            pattern.append(f"(?P<{name}>.+?)")
    return re.compile("".join(pattern), re.DOTALL)


def _literal_length(template: str) -> int:
    return sum(len(literal) for literal, _, _, _ in _FORMATTER.parse(template))


@cache
def _compiled(table_id: str) -> tuple[dict[str, str], list[tuple[re.Pattern[str], str]]]:
    """(exact messages, [(regex, English template)] most specific first) for one table."""
    table = MESSAGES if table_id == "messages" else FRAGMENTS
    exact: dict[str, str] = {}
    patterns: list[tuple[re.Pattern[str], str]] = []
    for dutch, english_template in sorted(table.items(), key=lambda item: -_literal_length(item[0])):
        if template_fields(dutch):
            patterns.append((_compile(dutch), english_template))
        else:
            exact[dutch.replace("{{", "{").replace("}}", "}")] = english_template.replace("{{", "{").replace("}}", "}")
    return exact, patterns


def _translate(message: str, table_id: str) -> str | None:
    exact, patterns = _compiled(table_id)
    if message in exact:
        return exact[message]
    for pattern, english_template in patterns:
        match = pattern.fullmatch(message)
        if match is None:
            continue
        values = {name: _fragment(value) for name, value in match.groupdict().items()}
        try:
            return english_template.format_map(values)
        except (KeyError, IndexError, ValueError):  # a broken table entry must never break a page
            return None
    return None


def _fragment(value: str) -> str:
    translated = _translate(value, "fragments")
    return value if translated is None else translated


def english(message: str) -> str | None:
    """The English for a Dutch service message, or None when the message is not in the table."""
    if not isinstance(message, str) or not message:
        return None
    return _translate(message, "messages")


__all__ = ["FRAGMENTS", "MESSAGES", "english", "template_fields"]
