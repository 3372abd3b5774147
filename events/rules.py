"""Pure rules about events: times in the event's zone, slugs, default themes, the sales window."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Final
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from core.i18n import LazyMessage
from core.i18n import lazy_gettext as _l


class EventStatus(StrEnum):
    """An event's status (`Event.status`), stored as the plain string: a draft only its organiser sees,
    published, or cancelled (kept, with its tickets voided)."""

    DRAFT = "draft"
    PUBLISHED = "published"
    CANCELLED = "cancelled"


class SalesState(StrEnum):
    """Where an event's ticket sales stand (events.rules.sales_state), shown on its pages and in the API."""

    OPEN = "open"
    NOT_PUBLISHED = "not_published"
    CANCELLED = "cancelled"
    NOT_STARTED = "not_started"
    CLOSED = "closed"


class EventRoleKind(StrEnum):
    """A role someone holds at one event (`EventRole.role`), granted by that event's organiser (or an
    administrator): a facilitator plans the event's breakout groups (and may check people in at the door); the
    door role checks people in and nothing else. The event's organiser holds every right without a role."""

    FACILITATOR = "facilitator"
    DOOR = "door"


def may_plan_breakouts(roles: frozenset[EventRoleKind], is_event_organiser: bool) -> bool:
    """Who plans an event's breakout groups: its organiser and its facilitators (a door role does not)."""
    return is_event_organiser or EventRoleKind.FACILITATOR in roles


def may_check_in(roles: frozenset[EventRoleKind], is_event_organiser: bool) -> bool:
    """Who checks people in at an event's door: its organiser, its facilitators and its door role."""
    return is_event_organiser or EventRoleKind.FACILITATOR in roles or EventRoleKind.DOOR in roles


DEFAULT_TIMEZONE: Final = "Europe/Amsterdam"
SLUG_PATTERN: Final = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
MAX_CAPACITY_DUOS: Final = 100_000
MAX_PRICE_CENTS: Final = 1_000_000
# Default deadlines relative to the start: a companion can be changed until a day before, a ticket
# refunded until a week before (the organiser can set both per event).
DEFAULT_CHANGE_BEFORE: Final = timedelta(days=1)
DEFAULT_REFUND_BEFORE: Final = timedelta(days=7)
EARLIEST: Final = datetime(2000, 1, 1, tzinfo=UTC)
LATEST: Final = datetime(2200, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class ThemeSpec:
    key: str
    title: str
    description: str


DEFAULT_HACKATHON_THEMES: Final = (
    ThemeSpec("keurmerk", "Keurmerk",
              "Een kwaliteitsmerk voor klantcontact: wat maakt goed klantcontact zichtbaar en toetsbaar?"),
    ThemeSpec("imago", "Imago",
              "Het beeld van de sector: hoe laten we zien dat werken in klantcontact vakwerk is?"),
    ThemeSpec("mens-in-klantcontact", "De mens in klantcontact",
              "De menselijke rol, voor klant en medewerker: aandacht, ruimte en plezier in het werk."),
)


class EventRuleError(ValueError):
    """A pure-rule failure, carrying the field it is about."""

    def __init__(self, message: LazyMessage, field: str) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


def zone(name: str) -> ZoneInfo:
    if name not in _known_zones():
        raise EventRuleError(_l("Onbekende tijdzone '%(name)s'.", name=name), "timezone")
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise EventRuleError(_l("Onbekende tijdzone '%(name)s'.", name=name), "timezone") from exc


_ZONES: set[str] | None = None


def _known_zones() -> set[str]:
    global _ZONES
    if _ZONES is None:
        _ZONES = available_timezones()
    return _ZONES


def to_utc(value: datetime, tz: str, field: str = "starts_at") -> datetime:
    """A naive time is a local time in the event's zone; an aware one is converted.

    Times outside EARLIEST..LATEST are refused: near year 1 or 9999 the conversion itself overflows, and
    the deadlines derived from a start (a week before it) must stay representable too.
    """
    if value.tzinfo is None:
        local = value.replace(tzinfo=zone(tz))
        try:
            back = local.astimezone(UTC).astimezone(local.tzinfo).replace(tzinfo=None)
        except (OverflowError, ValueError):
            back = value  # out of range: refused below
        if back != value:
            # The hour the clocks go forward (02:00–03:00 on the last Sunday of March in Europe/Amsterdam) does
            # not exist: zoneinfo would silently shift it by an hour. Say so instead (issue 15).
            raise EventRuleError(
                _l("%(time)s bestaat niet op %(day)s in %(zone)s: die nacht gaat de klok een uur vooruit "
                   "(zomertijd). Kies een tijd ervoor of erna.",
                   time=value.strftime("%H:%M"), day=value.strftime("%d-%m-%Y"), zone=tz), field)
        value = local
    try:
        converted = value.astimezone(UTC)
    except (OverflowError, ValueError):
        converted = None
    if converted is None or not (EARLIEST <= converted < LATEST):
        raise EventRuleError(
            _l("Kies een tijd tussen %(first)s en %(last)s.", first=EARLIEST.year, last=LATEST.year - 1), field
        )
    return converted


def to_local(value: datetime, tz: str) -> datetime:
    return value.astimezone(zone(tz))


def slugify(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    return slug[:80].strip("-") or "evenement"


def check_slug(slug: str) -> None:
    if not (3 <= len(slug) <= 80) or not SLUG_PATTERN.match(slug):
        raise EventRuleError(
            _l("Een slug bestaat uit 3–80 kleine letters, cijfers en streepjes (bijv. 'hackathon-2027')."), "slug"
        )


def check_times(starts_at: datetime, ends_at: datetime) -> None:
    if ends_at <= starts_at:
        raise EventRuleError(_l("Het einde moet na het begin liggen."), "ends_at")
    if ends_at - starts_at > timedelta(days=14):
        raise EventRuleError(_l("Een evenement duurt hoogstens 14 dagen."), "ends_at")


def check_session(starts_at: datetime, ends_at: datetime, event_start: datetime, event_end: datetime,
                  index: int) -> None:
    field = f"agenda[{index}]"
    if ends_at <= starts_at:
        raise EventRuleError(_l("Een sessie moet eindigen na haar begin."), f"{field}.ends_at")
    if starts_at < event_start or ends_at > event_end:
        raise EventRuleError(_l("Een sessie moet binnen de tijden van het evenement vallen."), f"{field}.starts_at")


def check_sales_window(sales_start: datetime | None, sales_end: datetime | None, ends_at: datetime) -> None:
    if sales_start and sales_end and sales_end <= sales_start:
        raise EventRuleError(_l("De verkoop moet eindigen na het begin van de verkoop."), "sales_end")
    if sales_end and sales_end > ends_at:
        raise EventRuleError(_l("De verkoop kan niet doorlopen na het einde van het evenement."), "sales_end")


def check_capacity(capacity_duos: int, seats_taken: int = 0) -> None:
    if not (1 <= capacity_duos <= MAX_CAPACITY_DUOS):
        raise EventRuleError(_l("De capaciteit ligt tussen 1 en %(max_duos)s duo's.", max_duos=MAX_CAPACITY_DUOS),
                             "capacity_duos")
    if capacity_duos < seats_taken:
        raise EventRuleError(
            _l("Er zijn al %(taken)s duo's verkocht of gereserveerd; de capaciteit kan niet lager.", taken=seats_taken),
            "capacity_duos",
        )


def check_price(price_cents: int) -> None:
    if not (0 <= price_cents <= MAX_PRICE_CENTS):
        raise EventRuleError(_l("De prijs per duo ligt tussen € 0 en € 10.000."), "price_cents")


def sales_state(
    *, status: str, now: datetime, starts_at: datetime, sales_start: datetime | None, sales_end: datetime | None
) -> SalesState:
    if status == EventStatus.CANCELLED:
        return SalesState.CANCELLED
    if status != EventStatus.PUBLISHED:
        return SalesState.NOT_PUBLISHED
    if sales_start and now < sales_start:
        return SalesState.NOT_STARTED
    if now >= (sales_end or starts_at):
        return SalesState.CLOSED
    return SalesState.OPEN


def check_deadlines(change_by: datetime | None, refund_by: datetime | None, ends_at: datetime) -> None:
    """An own change or refund deadline lies before the end of the event (empty: the defaults before its start)."""
    if change_by and change_by > ends_at:
        raise EventRuleError(_l("De wijzigingstermijn moet voor het einde van het evenement aflopen."),
                             "change_deadline")
    if refund_by and refund_by > ends_at:
        raise EventRuleError(_l("De annuleringstermijn moet voor het einde van het evenement aflopen."),
                             "refund_deadline")


def sales_close(starts_at: datetime, sales_end: datetime | None) -> datetime:
    """When ticket sales end: the sales end, or else the start of the event (as in `sales_state`)."""
    return sales_end or starts_at


def image_urls(slug: str, digest: str | None) -> dict[str, str]:
    """The banner's URLs on this site (paths; pages make og:image absolute), or empty strings without one."""
    if not digest:
        return {"image_url": "", "share_image_url": ""}
    return {"image_url": f"/media/e/{slug}/{digest}.webp", "share_image_url": f"/media/e/{slug}/{digest}.jpg"}


def change_deadline(starts_at: datetime, explicit: datetime | None) -> datetime:
    return explicit or starts_at - DEFAULT_CHANGE_BEFORE


def refund_deadline(starts_at: datetime, explicit: datetime | None) -> datetime:
    return explicit or starts_at - DEFAULT_REFUND_BEFORE
