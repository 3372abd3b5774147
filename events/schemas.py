"""Request and response bodies for events (msgspec Structs validated at the edge).

Times may be sent with an offset (converted to UTC) or without one (read as local time in the
event's zone, which is what an organiser means by "13:00").
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

import msgspec
from msgspec import UNSET, UnsetType

Title = Annotated[str, msgspec.Meta(min_length=1, max_length=160)]
Text = Annotated[str, msgspec.Meta(max_length=20_000)]
Short = Annotated[str, msgspec.Meta(max_length=300)]
Url = Annotated[str, msgspec.Meta(max_length=500, pattern=r"^(https?://\S+)?$")]
Slug = Annotated[str, msgspec.Meta(min_length=3, max_length=80, pattern=r"^[a-z0-9]+(?:-[a-z0-9]+)*$")]
ThemeKey = Annotated[str, msgspec.Meta(min_length=1, max_length=40, pattern=r"^[a-z0-9]+(?:-[a-z0-9]+)*$")]
Capacity = Annotated[int, msgspec.Meta(ge=1, le=100_000)]
Cents = Annotated[int, msgspec.Meta(ge=0, le=1_000_000, description="Price per duo in euro cents")]
AgeLimit = Annotated[int, msgspec.Meta(ge=16, le=120)]
TimeZoneName = Annotated[str, msgspec.Meta(min_length=1, max_length=64, examples=["Europe/Amsterdam"])]
Kind = Literal["hackathon", "meetup"]
ContactEmail = Annotated[str, msgspec.Meta(max_length=254, examples=["info@nieuwgeluid.nl"],
                                           description="Where attendees ask their questions (empty: none)")]
TitleEn = Annotated[str, msgspec.Meta(max_length=160, description="Shown to English visitors (empty: the title)")]


class ThemeIn(msgspec.Struct, forbid_unknown_fields=True):
    key: ThemeKey
    title: Annotated[str, msgspec.Meta(min_length=1, max_length=120)]
    description: Text = ""


class SessionIn(msgspec.Struct, forbid_unknown_fields=True):
    title: Title
    starts_at: datetime
    ends_at: datetime
    room: Annotated[str, msgspec.Meta(max_length=120)] = ""
    is_breakout_round: bool = False
    id: int | None = None


class EventCreate(msgspec.Struct, forbid_unknown_fields=True):
    title: Title
    starts_at: datetime
    ends_at: datetime
    capacity_duos: Capacity
    slug: Slug | None = None
    description: Text = ""
    kind: Kind = "hackathon"
    timezone: TimeZoneName = "Europe/Amsterdam"
    venue_name: Short = ""
    address: Short = ""
    online_url: Url = ""
    price_cents: Cents = 0
    sales_start: datetime | None = None
    sales_end: datetime | None = None
    change_deadline: datetime | None = None
    refund_deadline: datetime | None = None
    age_limit: AgeLimit = 30
    home_industry: Annotated[str, msgspec.Meta(max_length=40)] = "customer_contact"
    contact_email: ContactEmail = ""
    title_en: TitleEn = ""
    description_en: Text = ""
    themes: list[ThemeIn] | None = None
    agenda: list[SessionIn] = msgspec.field(default_factory=list)


class EventUpdate(msgspec.Struct, forbid_unknown_fields=True):
    title: Title | UnsetType = UNSET
    starts_at: datetime | UnsetType = UNSET
    ends_at: datetime | UnsetType = UNSET
    capacity_duos: Capacity | UnsetType = UNSET
    slug: Slug | UnsetType = UNSET
    description: Text | UnsetType = UNSET
    kind: Kind | UnsetType = UNSET
    timezone: TimeZoneName | UnsetType = UNSET
    venue_name: Short | UnsetType = UNSET
    address: Short | UnsetType = UNSET
    online_url: Url | UnsetType = UNSET
    price_cents: Cents | UnsetType = UNSET
    sales_start: datetime | UnsetType | None = UNSET
    sales_end: datetime | UnsetType | None = UNSET
    change_deadline: datetime | UnsetType | None = UNSET
    refund_deadline: datetime | UnsetType | None = UNSET
    age_limit: AgeLimit | UnsetType = UNSET
    home_industry: Annotated[str, msgspec.Meta(max_length=40)] | UnsetType = UNSET
    contact_email: ContactEmail | UnsetType = UNSET
    title_en: TitleEn | UnsetType = UNSET
    description_en: Text | UnsetType = UNSET
    themes: list[ThemeIn] | UnsetType = UNSET
    agenda: list[SessionIn] | UnsetType = UNSET


class CancelRequest(msgspec.Struct, forbid_unknown_fields=True):
    reason: Annotated[str, msgspec.Meta(max_length=1000)] = ""


class ThemeOut(msgspec.Struct, frozen=True):
    key: str
    title: str
    description: str
    position: int


class SessionOut(msgspec.Struct, frozen=True):
    id: int
    title: str
    starts_at: datetime
    ends_at: datetime
    starts_at_local: str
    ends_at_local: str
    room: str
    is_breakout_round: bool
    round_number: int | None


class EventOut(msgspec.Struct, frozen=True):
    id: int
    slug: str
    title: str
    description: str
    kind: str
    status: str
    starts_at: datetime
    ends_at: datetime
    starts_at_local: str
    ends_at_local: str
    timezone: str
    venue_name: str
    address: str
    online_url: str
    capacity_duos: int
    seats_left: int
    price_cents: int
    currency: str
    sales_state: str
    sales_start: datetime | None
    sales_end: datetime | None
    change_deadline: datetime
    refund_deadline: datetime
    age_limit: int
    home_industry: str
    sequence: int
    published_at: datetime | None
    cancelled_at: datetime | None
    updated_at: datetime
    themes: list[ThemeOut]
    agenda: list[SessionOut]
    sales_close: datetime  # when sales end: sales_end, or else the start
    contact_email: str = ""
    title_en: str = ""
    description_en: str = ""
    image_url: str = ""  # the banner on the page (WebP, 720×378), a path on this site; "" without one
    share_image_url: str = ""  # the link preview (JPEG, 1200×630, og:image)


class EventSummary(msgspec.Struct, frozen=True):
    id: int
    slug: str
    title: str
    kind: str
    status: str
    starts_at: datetime
    ends_at: datetime
    starts_at_local: str
    timezone: str
    venue_name: str
    capacity_duos: int
    seats_left: int
    price_cents: int
    sales_state: str
    sales_close: datetime | None = None
    title_en: str = ""


class AdminEventSummary(EventSummary, frozen=True):
    """An event as administrators see it in the list of every event: with its organiser."""

    organiser_name: str = ""
    organiser_email: str = ""


class TeamGrant(msgspec.Struct, forbid_unknown_fields=True):
    """A role at one event for the account with this (confirmed) address: `facilitator` plans the breakout groups
    (and may check people in), `door` checks people in and nothing else."""

    email: Annotated[str, msgspec.Meta(min_length=3, max_length=254, examples=["fenna@example.nl"])]
    role: Literal["facilitator", "door"]


class TeamMemberOut(msgspec.Struct, frozen=True):
    member_id: int
    email: str
    name: str
    role: Literal["facilitator", "door"]
    granted_at: datetime
    granted_by: str | None  # the name of who granted it (None: a migration, or an account deleted since)


class FeedLinks(msgspec.Struct, frozen=True):
    url: str
    webcal: str
    google: str
    outlook: str  # Outlook on the web, personal accounts: "add from web" (subscribes)
    outlook_work: str  # the same for work and school accounts


class CommunityFeedOut(msgspec.Struct, frozen=True):
    url: str
    links: FeedLinks


class PersonalFeedOut(msgspec.Struct, frozen=True):
    exists: bool
    # Only in the answer to a rotation: the server keeps a hash and cannot show the URL again.
    url: str | None = None
    links: FeedLinks | None = None


class CalendarSettingsOut(msgspec.Struct, frozen=True):
    """The member's calendar feeds (events.feeds.calendar_settings)."""

    community: CommunityFeedOut
    personal: PersonalFeedOut
    reminder_minutes: int | None


class EventImageOut(msgspec.Struct, frozen=True):
    image_url: str  # the banner on the event page (WebP, 720×378)
    share_image_url: str  # the link preview (JPEG, 1200×630)
