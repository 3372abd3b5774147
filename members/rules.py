"""Pure rules about members: e-mail normalisation, names, password strength (zxcvbn), experience levels."""

from __future__ import annotations

import re
import unicodedata
from typing import Final, Literal

from zxcvbn import zxcvbn

from core.i18n import LazyMessage
from core.i18n import lazy_gettext as _l

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
# Words a guesser tries first on this site, which zxcvbn's (English) dictionaries do not hold: Dutch password
# words, the platform's own words, seasons and months. Passed as zxcvbn's `user_inputs`, like the member's name
# and e-mail address, so "Welkom2027!" counts as one guessable word plus a year.
SITE_WORDS: Final = (
    "welkom", "wachtwoord", "geheim", "nieuw", "geluid", "nieuwgeluid", "klantcontact", "klantenservice",
    "hackathon", "meetup", "duoticket", "contactcenter", "callcenter", "nederland", "amsterdam", "rotterdam",
    "utrecht", "lente", "zomer", "herfst", "winter", "voorjaar", "najaar", "januari", "februari", "maart",
    "april", "mei", "juni", "juli", "augustus", "september", "oktober", "november", "december", "maandag",
    "dinsdag", "woensdag", "donderdag", "vrijdag", "zaterdag", "zondag", "hallo", "doei", "liefde", "schatje",
)
# zxcvbn's score: 3 is "safely unguessable: moderate protection from offline slow-hash scenario" (≥ 10^8 guesses),
# which an argon2 hash and the sign-in rate limits make plenty.
MIN_PASSWORD_SCORE: Final = 3
# zxcvbn's time grows with the length; what lies beyond this many characters only makes a password stronger.
_ZXCVBN_MAX_CHARS: Final = 100

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


def _zxcvbn_hint(warning: str) -> LazyMessage:
    """The Dutch message for zxcvbn's English feedback (its warnings are a small fixed set)."""
    warning = warning.lower()
    if "common" in warning or "top-" in warning:
        return _l("Dit wachtwoord is te makkelijk te raden: het wordt veel gebruikt. Kies een zin van een paar "
                  "ongewone woorden.")
    if "rows" in warning or "keyboard" in warning or "repeat" in warning or "sequence" in warning:
        return _l("Dit wachtwoord is te makkelijk te raden: rijtjes, herhalingen en toetsenbordpatronen zijn snel "
                  "gevonden. Kies een zin van een paar ongewone woorden.")
    if "date" in warning or "year" in warning:
        return _l("Dit wachtwoord is te makkelijk te raden: jaartallen en datums zijn snel gevonden. Kies een zin "
                  "van een paar ongewone woorden.")
    return _l("Dit wachtwoord is te makkelijk te raden. Voeg een of twee ongewone woorden toe; een hoofdletter, "
              "cijfer of leesteken aan het eind helpt weinig.")


def password_problem(password: str, email: str = "", name: str = "") -> LazyMessage | None:
    """Why a password is too weak, or None when it is acceptable: at least MIN_PASSWORD_LENGTH characters, not
    your e-mail name or your name, and a zxcvbn score of at least MIN_PASSWORD_SCORE (a maintained estimator of
    how many guesses a password takes: dictionaries of common passwords, names and words, keyboard patterns,
    sequences, dates and l33t spelling), with this site's own words and yours counted as guessable."""
    if len(password) < MIN_PASSWORD_LENGTH:
        return _l("Het wachtwoord moet minstens %(min_length)s tekens hebben.", min_length=MIN_PASSWORD_LENGTH)
    if len(password) > 256:
        return _l("Het wachtwoord is te lang (maximaal 256 tekens).")
    lowered = password.lower()
    local = normalise_email(email).split("@", 1)[0]
    if local and len(local) >= 4 and local in lowered:
        return _l("Het wachtwoord mag je e-mailadres niet bevatten.")
    if name and len(name.strip()) >= 4 and name.strip().lower() in lowered:
        return _l("Het wachtwoord mag je naam niet bevatten.")
    personal = [part for part in re.split(r"[\s@._+-]+", f"{name} {email}".lower()) if len(part) >= 3]
    result = zxcvbn(password[:_ZXCVBN_MAX_CHARS], user_inputs=[*SITE_WORDS, *personal])
    if result["score"] < MIN_PASSWORD_SCORE:
        return _zxcvbn_hint(result["feedback"]["warning"] or "")
    return None


def experience_code(level: int) -> str:
    return EXPERIENCE_LEVELS.get(level, EXPERIENCE_LEVELS[0])[0]
