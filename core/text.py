"""Text typed into forms that travels on into mails, pages and files: the rule for a person's name.

Pure and below every domain, because both the members' sign-up (members.rules) and the mail layout
(notifications.layout) apply it.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Literal

# A person's name travels into mails to other people (a companion's confirmation, a voided ticket): it may hold
# letters of any script, digits, spaces and ' ’ - . , but nothing a mail client turns into a link or markup.
_NAME_PUNCTUATION = frozenset(" '’-.,")
# "phish.example", "www.x", "10.0.0.1": a dot between two word characters, unless it follows one initial
# ("J.P. Balkenende" stays a name).
_LINK_LIKE = re.compile(r"[^\W_]{2,}\.[^\W_]|\d\.\d")
NameProblem = Literal["empty", "characters", "link"]


def name_problem(name: str) -> NameProblem | None:
    """Why a person's name cannot be used, or None: "empty" (only spaces), "characters" (anything but letters,
    marks, digits, spaces and ' ’ - . ,: no URL scheme, no markup, no e-mail address) or "link" (looks like a
    domain or an address)."""
    cleaned = " ".join(name.split())
    if not cleaned:
        return "empty"
    for char in cleaned:
        if not (char.isalnum() or char in _NAME_PUNCTUATION or unicodedata.category(char).startswith("M")):
            return "characters"
    if _LINK_LIKE.search(cleaned):
        return "link"
    return None
