"""Text for fpdf2's core fonts (Helvetica and friends), shared by the ticket and invoice PDFs.

The core fonts cover windows-1252 only: a name such as "Łukasz Dvořák" must still print. `fit` keeps what the
encoding has, drops the accents it lacks ("ř" → "r"), spells a few letters without a decomposition by hand
("Ł" → "L") and puts "?" for anything left (an emoji, a script with no Latin form).
"""

from __future__ import annotations

import unicodedata

ENCODING = "windows-1252"

# Letters that NFKD does not take apart into a Latin letter and an accent.
_PLAIN = {"Ł": "L", "ł": "l", "Đ": "D", "đ": "d", "ı": "i", "Ħ": "H", "ħ": "h"}


def fit(value: str, *, one_line: bool = False) -> str:
    """`value` in the core fonts' encoding; `one_line` also folds every run of white space into one space."""
    if one_line:
        value = " ".join(value.split())
    try:
        value.encode(ENCODING)
        return value
    except UnicodeEncodeError:
        pass
    out = []
    for char in value:
        try:
            char.encode(ENCODING)
            out.append(char)
        except UnicodeEncodeError:
            plain = _PLAIN.get(char) or unicodedata.normalize("NFKD", char).encode("ascii", "ignore").decode("ascii")
            out.append(plain or "?")
    return "".join(out)
