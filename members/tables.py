from piccolo.columns import (
    Boolean,
    Date,
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


class Member(Table, tablename="member"):
    id: Serial  # the primary key Piccolo adds, declared for the type checker
    # Stored lower-cased and trimmed: uniqueness is case-insensitive.
    email = Varchar(length=254, unique=True, index=True)
    name = Varchar(length=120)
    password_hash = Text()
    organisation = Varchar(length=120, default="")
    industry = Varchar(length=40, default="customer_contact")
    experience_level = SmallInt(default=0)
    experience_years = Integer(null=True, default=None)
    birth_date = Date(null=True, default=None)
    # Global roles, granted only by an administrator (members.roles) and only to a verified address: an organiser
    # creates events and manages their own; an administrator grants these two roles and sees every event.
    # Facilitators and the door role are per event (events.tables.EventRole).
    is_organiser = Boolean(default=False)
    is_admin = Boolean(default=False)
    language = Varchar(length=5, default="nl")
    feed_token_hash = Varchar(length=64, null=True, default=None, unique=True)
    feed_reminder_minutes = Integer(null=True, default=None)
    # What the personal feed listed when last served (a digest of its item ids) and since when: items that
    # drop out (a refunded ticket) change no remaining row, yet Last-Modified must move for the feed.
    feed_items_digest = Varchar(length=64, null=True, default=None)
    feed_items_changed_at = Timestamptz(null=True, default=None)
    # When the member proved they read mail at `email` (the link of a verification mail); None until then.
    # Everything matched to the account by e-mail (a companion's ticket, its feed items, breakout groups)
    # needs it: otherwise whoever signs up first with an address would read that person's door code.
    email_verified_at = Timestamptz(null=True, default=None)
    created_at = Timestamptz()
    updated_at = Timestamptz()


class AuthToken(Table, tablename="auth_token"):
    """Browser sessions and API tokens; only a SHA-256 of the token is stored."""

    id: Serial  # the primary key Piccolo adds, declared for the type checker
    member = ForeignKey(references=Member, on_delete=OnDelete.cascade, index=True)
    token_hash = Varchar(length=64, unique=True, index=True)
    kind = Varchar(length=10)  # "session" | "api"
    label = Varchar(length=80, default="")
    created_at = Timestamptz()
    expires_at = Timestamptz(null=True, default=None)
    revoked_at = Timestamptz(null=True, default=None)


class EmailVerification(Table, tablename="email_verification"):
    """A verification link sent to a member: only a SHA-256 of its token is stored; single use, expires.

    `email` is the address the link was sent to: a link for an address the account no longer has is void.
    """

    id: Serial  # the primary key Piccolo adds, declared for the type checker
    member = ForeignKey(references=Member, on_delete=OnDelete.cascade, index=True)
    token_hash = Varchar(length=64, unique=True)
    email = Varchar(length=254)
    created_at = Timestamptz()
    expires_at = Timestamptz()
    used_at = Timestamptz(null=True, default=None)


class PasswordReset(Table, tablename="password_reset"):
    """A password-reset link sent to a member: only a SHA-256 of its token is stored; single use, one hour.

    `email` is the address the link was sent to: a link for an address the account no longer has is void (the
    reset also marks that address verified, so it must be the account's address still).
    """

    id: Serial  # the primary key Piccolo adds, declared for the type checker
    member = ForeignKey(references=Member, on_delete=OnDelete.cascade, index=True)
    token_hash = Varchar(length=64, unique=True)
    email = Varchar(length=254)
    created_at = Timestamptz()
    expires_at = Timestamptz()
    used_at = Timestamptz(null=True, default=None)


class RoleLog(Table, tablename="role_log"):
    """Every grant and revoke of a role (who, whom, what, when, at which event if any), for administrators.

    `actor` is None for the command line (and for an account deleted since); `event_id` and `event_slug` are a
    plain copy (no foreign key: members sits below events, and the log outlives a renamed or removed event).
    """

    id: Serial  # the primary key Piccolo adds, declared for the type checker
    actor = ForeignKey(references=Member, on_delete=OnDelete.set_null, null=True)
    subject = ForeignKey(references=Member, on_delete=OnDelete.set_null, null=True)
    role = Varchar(length=20)  # "admin" | "organiser" | "facilitator" | "door"
    action = Varchar(length=10)  # "grant" | "revoke"
    event_id = Integer(null=True, default=None)
    event_slug = Varchar(length=80, default="")
    at = Timestamptz(index=True)
