"""Messages for people that are translated when they are shown: the one way a service says no in words.

A service raises ``NotFound(_l("Dit evenement bestaat niet."))`` (``from core.i18n import lazy_gettext as _l``,
as Flask-Babel spells it). The msgid is the Dutch text (Dutch first); values go in as named placeholders, so the
msgid stays the same whatever the values are::

    raise InvalidInput(_l("Je kiest hoogstens %(count)s ideeën.", count=vote.max_choices), field="choices")

A :class:`LazyMessage` *is* its Dutch text (a ``str``: the msgid filled in), so the API's problem+json, logs,
the command line and tests read Dutch as before; a page renders it in the page language with
:meth:`LazyMessage.render` and the page language's gettext (``frontend.i18n.render_message``). A value that is
itself a ``LazyMessage`` (a "ronde 2" inside a sentence) is translated with the sentence.

The English lives in ``frontend/locale/en/LC_MESSAGES/messages.po`` (msgid Dutch, msgstr English), extracted
by the project's Babel set-up (keyword ``_l``; commands in ``frontend/i18n.py``);
``tests/unit/test_message_catalogue.py`` fails when a raised msgid has no English. Pure: no I/O; this module
knows no catalogue, the caller passes the language's gettext.

Which language a person reads is negotiated here too, for pages and the API alike: :func:`negotiate_language`
picks the first offered language of an ``Accept-Language`` header (pages let a ``lang`` cookie go first,
``frontend.i18n.pick_language``; the API's problem+json follows the header alone, ``core.errors``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any


class LazyMessage(str):
    """A msgid and its values; as a ``str`` its Dutch text, in another language through :meth:`render`."""

    msgid: str
    params: Mapping[str, Any]
    given: Mapping[str, str]

    def __new__(cls, msgid: str, /, **params: Any) -> LazyMessage:
        self = super().__new__(cls, _fill(msgid, params, str))
        self.msgid = msgid
        self.params = params
        self.given = {}
        return self

    @classmethod
    def given_per_language(cls, dutch: str, **others: str) -> LazyMessage:
        """A message a pure rule already wrote in every language (the companion rule's reasons, which are
        stored per language): no catalogue lookup, ``render`` picks the language's own text."""
        self = cls(dutch)
        self.given = {"nl": dutch, **others}
        return self

    def render(self, gettext: Callable[[str], str], language: str | None = None) -> str:
        """The message in the language whose gettext is passed (values that are messages translated too).
        A translation whose placeholders do not fit the values falls back to the Dutch: showing an error never
        fails."""
        if language is not None and language in self.given:
            return self.given[language]
        translated = gettext(self.msgid)

        def value_of(value: Any) -> Any:
            return value.render(gettext, language) if isinstance(value, LazyMessage) else value

        try:
            return _fill(translated, self.params, value_of)
        except (KeyError, ValueError, TypeError):
            return str(self)


def _fill(template: str, params: Mapping[str, Any], value_of: Callable[[Any], Any]) -> str:
    # gettext's convention: a message without values is not %-formatted (a "%" in it needs no escaping).
    if not params:
        return template
    return template % {name: value_of(value) for name, value in params.items()}


def lazy_gettext(msgid: str, /, **params: Any) -> LazyMessage:
    """Mark a Dutch msgid for extraction (keyword ``_l``) and keep it, with its values, for later translation."""
    return LazyMessage(msgid, **params)


def parse_accept_language(header: str | None) -> list[str]:
    """Primary language subtags from an Accept-Language header, most preferred first (q=0 dropped)."""
    if not header:
        return []
    weighted: list[tuple[float, int, str]] = []
    for position, item in enumerate(header.split(",")):
        tag, *params = (part.strip() for part in item.split(";"))
        if not tag:
            continue
        quality = 1.0
        for param in params:
            name, _, value = param.partition("=")
            if name.strip().lower() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        if quality > 0:
            weighted.append((-quality, position, tag.split("-")[0].lower()))
    return [tag for _, _, tag in sorted(weighted)]


def negotiate_language(accept_language: str | None, offered: Sequence[str]) -> str:
    """The client's most preferred language among ``offered``; the first offered (Dutch) when it prefers none
    of them or names ``*`` first."""
    for tag in parse_accept_language(accept_language):
        if tag in offered:
            return tag
        if tag == "*":
            break
    return offered[0]


__all__ = ["LazyMessage", "lazy_gettext", "negotiate_language", "parse_accept_language"]
