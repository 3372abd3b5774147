"""Pure rules about members: e-mail normalisation, names, password strength (zxcvbn), experience levels, and the
industries people work in (asked at sign-up; ticketing's companion rule and pairing's groups read them)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final, Literal

from zxcvbn import zxcvbn

from core.i18n import LazyMessage
from core.i18n import lazy_gettext as _l

# The name rule is core's (core.text): the mail layout below the domains checks names with it too.
from core.text import NameProblem as NameProblem  # re-exported: members validates names with it
from core.text import name_problem as name_problem

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
Language = Literal["nl", "en"]
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


@dataclass(frozen=True, slots=True)
class Industry:
    code: str
    label_nl: str
    label_en: str

    def label(self, language: Language) -> str:
        return self.label_nl if language == "nl" else self.label_en


# A FIXED list: the API serves it to the sign-up form, and stored companion facts refer to these codes,
# so codes are never renamed; add new ones at the end ("other" stays last for the form's sake).
INDUSTRIES: tuple[Industry, ...] = (
    Industry("customer_contact", "Klantcontact", "Customer contact"),
    Industry("retail", "Retail en groothandel", "Retail and wholesale"),
    Industry("finance", "Financiële dienstverlening", "Financial services"),
    Industry("healthcare", "Zorg en welzijn", "Healthcare and welfare"),
    Industry("government", "Overheid", "Government"),
    Industry("education", "Onderwijs en onderzoek", "Education and research"),
    Industry("it_telecom", "IT en telecom", "IT and telecom"),
    Industry("energy_utilities", "Energie en nutsbedrijven", "Energy and utilities"),
    Industry("logistics", "Transport en logistiek", "Transport and logistics"),
    Industry("hospitality", "Horeca en toerisme", "Hospitality and tourism"),
    Industry("creative_media", "Creatieve sector en media", "Creative industries and media"),
    Industry("student", "Student", "Student"),
    Industry("other", "Anders", "Other"),
)
INDUSTRIES_BY_CODE: dict[str, Industry] = {industry.code: industry for industry in INDUSTRIES}


def industry_label(code: str, language: Language = "nl") -> str:
    """The label of a known industry code; raises KeyError for an unknown one."""
    return INDUSTRIES_BY_CODE[code].label(language)


def normalise_email(address: str) -> str:
    """Comparable form of an e-mail address: trimmed and lower-cased (how accounts store it).

    Strictly the local part is case-sensitive, but no mail provider we meet treats it so, and people
    type their address differently each time; this is for comparison, not for sending.
    """
    return address.strip().lower()


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
