"""Pure rules about members: e-mail normalisation, password strength, experience levels."""

from __future__ import annotations

import re
import unicodedata
from typing import Final, Literal

EXPERIENCE_LEVELS: Final[dict[int, tuple[str, str, str]]] = {
    # level: (code, Dutch label, English label)
    0: ("starter", "Starter", "Starter"),
    1: ("junior", "Junior", "Junior"),
    2: ("medior", "Medior", "Intermediate"),
    3: ("senior", "Senior", "Senior"),
    4: ("expert", "Expert", "Expert"),
}
ROLES: Final = ("organiser", "facilitator", "member")
MIN_PASSWORD_LENGTH: Final = 10
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
# A short list of passwords people really use; a strength check that accepts these is no check.
_COMMON = {
    "password", "password1", "password123", "wachtwoord", "wachtwoord1", "welkom123", "welkom01",
    "1234567890", "qwertyuiop", "12345678910", "iloveyou12", "klantcontact", "letmein123",
    "0123456789", "abcdefghij", "azertyuiop", "football12", "aaaaaaaaaa",
}


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


def normalise_email(email: str) -> str:
    return email.strip().lower()


def email_is_valid(email: str) -> bool:
    return len(email) <= 254 and bool(_EMAIL.match(email.strip()))


def password_problem(password: str, email: str = "", name: str = "") -> str | None:
    """Why a password is too weak, or None when it is acceptable."""
    if len(password) < MIN_PASSWORD_LENGTH:
        return f"Het wachtwoord moet minstens {MIN_PASSWORD_LENGTH} tekens hebben."
    if len(password) > 256:
        return "Het wachtwoord is te lang (maximaal 256 tekens)."
    lowered = password.lower()
    if lowered in _COMMON or len(set(lowered)) < 4:
        return "Dit wachtwoord is te makkelijk te raden."
    local = normalise_email(email).split("@", 1)[0]
    if local and len(local) >= 4 and local in lowered:
        return "Het wachtwoord mag je e-mailadres niet bevatten."
    if name and len(name.strip()) >= 4 and name.strip().lower() in lowered:
        return "Het wachtwoord mag je naam niet bevatten."
    return None


def experience_code(level: int) -> str:
    return EXPERIENCE_LEVELS.get(level, EXPERIENCE_LEVELS[0])[0]
