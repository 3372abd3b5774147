"""Request and response bodies for members and authentication (validated at the edge by msgspec)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal

import msgspec

Email = Annotated[str, msgspec.Meta(min_length=3, max_length=254, examples=["sanne@example.nl"])]
Name = Annotated[str, msgspec.Meta(min_length=1, max_length=120)]
Password = Annotated[str, msgspec.Meta(min_length=1, max_length=256)]
Organisation = Annotated[str, msgspec.Meta(max_length=120)]
IndustryCode = Annotated[str, msgspec.Meta(min_length=1, max_length=40, examples=["customer_contact"])]
ExperienceLevel = Annotated[int, msgspec.Meta(ge=0, le=4, description="0 starter … 4 expert")]
Years = Annotated[int, msgspec.Meta(ge=0, le=60)]


class SignupRequest(msgspec.Struct, forbid_unknown_fields=True):
    email: Email
    password: Password
    name: Name
    organisation: Organisation = ""
    industry: IndustryCode = "customer_contact"
    experience_level: ExperienceLevel = 0
    experience_years: Years | None = None
    birth_date: date | None = None
    language: Literal["nl", "en"] = "nl"


class SignupAcceptedOut(msgspec.Struct, frozen=True):
    """The same answer whether or not the address already has an account (the mail says which)."""

    detail: str
    status: Literal["accepted"] = "accepted"


class LoginRequest(msgspec.Struct, forbid_unknown_fields=True):
    email: Email
    password: Password
    label: Annotated[str, msgspec.Meta(max_length=80)] = ""


class MemberOut(msgspec.Struct, frozen=True):
    id: int
    email: str
    name: str
    organisation: str
    industry: str
    experience_level: int
    experience_years: int | None
    birth_date: date | None
    language: str
    roles: list[str]
    created_at: datetime | None
    # False until the member follows the link of the verification mail: e-mail-matched tickets stay hidden.
    email_verified: bool = False
    email_verified_at: datetime | None = None


class VerifyEmailRequest(msgspec.Struct, forbid_unknown_fields=True):
    token: Annotated[str, msgspec.Meta(min_length=1, max_length=200, description="The token of the mailed link")]


class EmailVerifiedOut(msgspec.Struct, frozen=True):
    verified_at: datetime


class VerificationQueuedOut(msgspec.Struct, frozen=True):
    status: Literal["queued"] = "queued"


class PasswordResetRequest(msgspec.Struct, forbid_unknown_fields=True):
    email: Email


class PasswordResetRequestedOut(msgspec.Struct, frozen=True):
    """The same answer whether or not the address has an account."""

    detail: str
    status: Literal["accepted"] = "accepted"


class PasswordResetConfirm(msgspec.Struct, forbid_unknown_fields=True):
    token: Annotated[str, msgspec.Meta(min_length=1, max_length=200, description="The token of the mailed link")]
    password: Annotated[str, msgspec.Meta(min_length=1, max_length=256, description="The new password")]


class PasswordResetOut(msgspec.Struct, frozen=True):
    """The password is changed; every session and API token of the account was revoked (sign in again)."""

    reset_at: datetime


class RoleGrantOut(msgspec.Struct, frozen=True):
    """What the administrator granting a role sees of that account: who it is and its roles, no profile."""

    id: int
    email: str
    name: str
    roles: list[str]


class TokenOut(msgspec.Struct, frozen=True):
    token: str
    token_type: str
    expires_at: datetime | None
    member: MemberOut


class ProfileUpdate(msgspec.Struct, forbid_unknown_fields=True, omit_defaults=True):
    name: Name | None = None
    organisation: Organisation | None = None
    industry: IndustryCode | None = None
    experience_level: ExperienceLevel | None = None
    experience_years: Years | None = None
    birth_date: date | None = None
    language: Literal["nl", "en"] | None = None


class RoleChange(msgspec.Struct, forbid_unknown_fields=True):
    """A global role: `organiser` (creates and manages their own events) or `admin` (beheerder: grants these two
    roles, sees every event and the role log). Facilitator and door are roles per event (`/events/{slug}/team`)."""

    email: Email
    role: Literal["organiser", "admin"]
    enabled: bool = True


class RoleHolderOut(msgspec.Struct, frozen=True):
    id: int
    email: str
    name: str
    roles: list[Literal["admin", "organiser"]]


class PersonRef(msgspec.Struct, frozen=True):
    id: int
    email: str
    name: str


class RoleLogEntryOut(msgspec.Struct, frozen=True):
    """One grant or revoke. `actor` is null for the command line, a migration or an account deleted since;
    `subject` null for an account deleted since; `event_slug` null for a global role."""

    id: int
    at: datetime
    action: Literal["grant", "revoke"]
    role: Literal["admin", "organiser", "facilitator", "door"]
    event_slug: str | None
    actor: PersonRef | None
    subject: PersonRef | None


class Industry(msgspec.Struct, frozen=True):
    code: str
    label_nl: str
    label_en: str


class ExperienceLevelOut(msgspec.Struct, frozen=True):
    level: int
    code: str
    label_nl: str
    label_en: str


class TokenInfo(msgspec.Struct, frozen=True):
    """A sign-in (API token or browser session) as the member sees it: never the token or its hash."""

    kind: str
    label: str
    created_at: datetime | None
    expires_at: datetime | None
    revoked_at: datetime | None


class PersonalFeedInfo(msgspec.Struct, frozen=True):
    active: bool
    reminder_minutes: int | None


class OrganisedEvent(msgspec.Struct, frozen=True):
    slug: str
    title: str
    status: str


class MailedLinkInfo(msgspec.Struct, frozen=True):
    """A verification or password-reset link mailed to you: when, to which address, used or not (never the
    token or its hash)."""

    kind: str  # "email_verification" | "password_reset"
    email: str
    created_at: datetime | None
    expires_at: datetime | None
    used_at: datetime | None


class MemberExport(msgspec.Struct, frozen=True):
    """Everything Nieuw Geluid stores about you (AVG/GDPR art. 15 and 20)."""

    exported_at: datetime
    profile: MemberOut
    updated_at: datetime | None
    personal_feed: PersonalFeedInfo
    tokens: list[TokenInfo]
    mailed_links: list[MailedLinkInfo]
    events_organised: list[OrganisedEvent]
    orders: list[dict[str, Any]]
    # Places on waiting lists, with the companion as typed (never a birth date: it is erased once the duo stops
    # waiting, and the export leaves it out while they wait).
    waiting_lists: list[dict[str, Any]] = []


class DeleteAccountRequest(msgspec.Struct, forbid_unknown_fields=True):
    password: Password


class AccountDeleted(msgspec.Struct, frozen=True):
    outcome: Literal["deleted", "anonymised"]
