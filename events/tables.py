from piccolo.columns import (
    Boolean,
    Bytea,
    ForeignKey,
    Integer,
    OnDelete,
    Serial,
    SmallInt,
    Text,
    Timestamptz,
    Varchar,
)
from piccolo.table import Table

from events.rules import EventRoleKind, EventStatus
from members.tables import Member


class Event(Table, tablename="event"):
    id: Serial  # the primary key Piccolo adds, declared for the type checker
    slug = Varchar(length=80, unique=True, index=True)
    title = Varchar(length=160)
    description = Text(default="")
    kind = Varchar(length=20, default="hackathon")  # "hackathon" | "meetup"
    starts_at = Timestamptz()
    ends_at = Timestamptz()
    timezone = Varchar(length=64, default="Europe/Amsterdam")
    venue_name = Varchar(length=160, default="")
    address = Varchar(length=300, default="")
    online_url = Varchar(length=500, default="")
    capacity_duos = Integer()
    # Duos held or paid. Changed only by conditional UPDATEs (ticketing) so it never exceeds capacity.
    seats_taken = Integer(default=0)
    # Duos on the event's waiting list (status `waiting`). Kept by ticketing.waitlist under this row's lock whenever
    # an entry starts or stops waiting, so the seat UPDATE's `WHERE waiting_duos = 0` decides alone whether a freed
    # seat belongs to the list (READ COMMITTED re-checks a WHERE on the newest locked row, not a subquery).
    waiting_duos = Integer(default=0)
    price_cents = Integer(default=0)
    sales_start = Timestamptz(null=True, default=None)
    sales_end = Timestamptz(null=True, default=None)
    change_deadline = Timestamptz(null=True, default=None)
    refund_deadline = Timestamptz(null=True, default=None)
    age_limit = SmallInt(default=30)
    home_industry = Varchar(length=40, default="customer_contact")
    status = Varchar(length=12, default=EventStatus.DRAFT.value, index=True, choices=EventStatus)
    published_at = Timestamptz(null=True, default=None)
    cancelled_at = Timestamptz(null=True, default=None)
    cancel_reason = Text(default="")
    # Calendar SEQUENCE: bumped when time, place or status changes.
    sequence = Integer(default=0)
    organiser = ForeignKey(references=Member, on_delete=OnDelete.restrict, null=True)
    created_at = Timestamptz()
    updated_at = Timestamptz()
    # Where attendees ask their questions (shown on the event page; "" = the site's contact page).
    contact_email = Varchar(length=254, default="")
    # Shown to English visitors; "" = the Dutch title and description (Dutch is the default).
    title_en = Varchar(length=160, default="")
    description_en = Text(default="")


class EventImage(Table, tablename="event_image"):
    """An event's banner, uploaded by its organiser: decoded and encoded again by events.banner (so only pixels are
    kept, never the uploaded file), in two sizes, stored in the database (every worker serves it; nothing on a
    worker's disk). `digest` names this version in its URLs, so they can be cached for good."""

    id: Serial  # the primary key Piccolo adds, declared for the type checker
    event = ForeignKey(references=Event, on_delete=OnDelete.cascade, unique=True)
    digest = Varchar(length=16)
    share_jpeg = Bytea()  # 1200×630 JPEG: the preview LinkedIn and WhatsApp show (og:image)
    page_webp = Bytea()  # 720×378 WebP: the banner on the event page (light enough for the page budget)
    created_at = Timestamptz()


class Theme(Table, tablename="event_theme"):
    id: Serial  # the primary key Piccolo adds, declared for the type checker
    event = ForeignKey(references=Event, on_delete=OnDelete.cascade, index=True)
    key = Varchar(length=40)
    title = Varchar(length=120)
    description = Text(default="")
    position = SmallInt(default=0)


class AgendaSession(Table, tablename="agenda_session"):
    id: Serial  # the primary key Piccolo adds, declared for the type checker
    event = ForeignKey(references=Event, on_delete=OnDelete.cascade, index=True)
    title = Varchar(length=160)
    starts_at = Timestamptz()
    ends_at = Timestamptz()
    room = Varchar(length=120, default="")
    is_breakout_round = Boolean(default=False)
    round_number = SmallInt(null=True, default=None)
    position = SmallInt(default=0)
    sequence = Integer(default=0)
    updated_at = Timestamptz()


class EventRole(Table, tablename="event_role"):
    """A role a member holds at one event (events.rules.EventRoleKind: facilitator, door), granted by the event's
    organiser or an administrator (events.team). Unique per (event, member, role): a raw index in the migration.
    Every grant and revoke is also written to the role log (members.tables.RoleLog)."""

    id: Serial  # the primary key Piccolo adds, declared for the type checker
    event = ForeignKey(references=Event, on_delete=OnDelete.cascade, index=True)
    member = ForeignKey(references=Member, on_delete=OnDelete.cascade, index=True)
    role = Varchar(length=20, choices=EventRoleKind)
    granted_by = ForeignKey(references=Member, on_delete=OnDelete.set_null, null=True)
    granted_at = Timestamptz()
