"""Password reset ("wachtwoord vergeten"): a mailed single-use link that sets a new password."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

import anyio.to_thread

from core.db import as_utc, utcnow, write_transaction
from core.errors import InvalidInput
from core.i18n import lazy_gettext as _l
from core.ratelimit import Limit, enforce
from members.errors import PasswordResetTokenExpired, PasswordResetTokenInvalid, PasswordResetTokenUsed
from members.passwords import ANONYMISED_PASSWORD_HASH, HASHER
from members.rules import email_is_valid, normalise_email, password_problem
from members.schemas import PasswordResetOut
from members.tables import AuthToken, Member, PasswordReset
from members.tokens import MailedToken, hash_token, new_token
from notifications import outbox

# Per address a few mails an hour is plenty for a lost or late mail, and keeps anyone from flooding a mailbox;
# per client address generous enough for a conference Wi-Fi behind one address. Both count for unknown
# addresses too, so a 429 says nothing about whether an account exists.
RESET_PER_EMAIL = Limit("reset_email", 3, 60 * 60)


RESET_PER_IP = Limit("reset_ip", 30, 60 * 60)


PASSWORD_RESET_LIFETIME = timedelta(hours=1)
# The outbox kind of the mail with the link (composed by members.mail).
PASSWORD_RESET_MAIL = "password_reset"


# The one answer to a reset request, whether or not the address has an account (no account enumeration).
RESET_REQUESTED_MESSAGE = (
    "Als er een account met dit e-mailadres is, hebben we een link gestuurd om een nieuw wachtwoord in te stellen. "
    "De link werkt een uur."
)


async def request_password_reset(email: str, *, client_ip: str | None = None, now: datetime | None = None) -> None:
    """Queue a mail with a password-reset link for the account with `email`, if there is one.

    The caller answers the same whatever happens here (RESET_REQUESTED_MESSAGE): nothing tells whether the address
    has an account. Rate-limited per client address (when `client_ip` is given) and per e-mail address, counted
    before the account is looked up. Nothing is sent for an anonymised account.
    """
    now = now or utcnow()
    await enforce(RESET_PER_IP, client_ip and f"ip:{client_ip}")
    address = normalise_email(email)
    if not email_is_valid(address):
        raise InvalidInput(_l("Vul een geldig e-mailadres in."), field="email")
    await enforce(RESET_PER_EMAIL, address)
    row = await Member.select(Member.id, Member.password_hash).where(Member.email == address).first()
    if row is None or row["password_hash"] == ANONYMISED_PASSWORD_HASH:
        return
    await outbox.queue(PASSWORD_RESET_MAIL, address, f"reset:{row['id']}:{secrets.token_hex(8)}", now)


async def issue_password_reset_token(to_email: str,
                                     now: datetime | None = None) -> MailedToken | None:
    """A fresh single-use reset token for the account that has `to_email` now (the outbox calls this when it
    composes the mail, so the hour starts when the mail goes out), with the member's name and language; None
    when the mail no longer applies (no such account any more, or anonymised)."""
    now = now or utcnow()
    email = normalise_email(to_email)
    row = await Member.select(Member.id, Member.name, Member.language, Member.password_hash).where(
        Member.email == email
    ).first()
    if row is None or row["password_hash"] == ANONYMISED_PASSWORD_HASH:
        return None
    token = new_token()
    await PasswordReset.insert(PasswordReset(
        member=row["id"], token_hash=hash_token(token), email=email, created_at=now,
        expires_at=now + PASSWORD_RESET_LIFETIME,
    ))
    return MailedToken(member_id=row["id"], name=row["name"], language=row["language"], token=token)


@dataclass(frozen=True)
class _ResetLink:
    """The account a reset link may still reset."""

    member_id: int
    email: str
    name: str
    expires_at: datetime


async def _reset_link(token: str, now: datetime) -> _ResetLink:
    """The member a reset token may still reset, or the error that says why not (checks only, changes nothing)."""
    if not token or len(token) > 200:
        raise PasswordResetTokenInvalid(_l("Deze link om je wachtwoord te herstellen klopt niet."))
    link = await PasswordReset.select(
        PasswordReset.member, PasswordReset.email, PasswordReset.expires_at, PasswordReset.used_at
    ).where(PasswordReset.token_hash == hash_token(token)).first()
    if link is None:
        raise PasswordResetTokenInvalid(_l("Deze link om je wachtwoord te herstellen klopt niet."))
    if link["used_at"] is not None:
        raise PasswordResetTokenUsed(_l("Deze link om je wachtwoord te herstellen is al gebruikt."))
    expires_at = as_utc(link["expires_at"])
    if expires_at is None or expires_at <= now:
        raise PasswordResetTokenExpired(_l("Deze link om je wachtwoord te herstellen is verlopen. Vraag een nieuwe "
                                           "aan."))
    member = await Member.select(Member.id, Member.email, Member.name, Member.password_hash).where(
        Member.id == link["member"]
    ).first()
    if member is None or member["email"] != link["email"] or member["password_hash"] == ANONYMISED_PASSWORD_HASH:
        raise PasswordResetTokenInvalid(_l("Deze link hoort bij een ander e-mailadres."))
    return _ResetLink(member_id=member["id"], email=member["email"], name=member["name"], expires_at=expires_at)


async def check_password_reset(token: str, *, now: datetime | None = None) -> datetime:
    """Whether a reset link still works (the page checks before it shows the form): when it stops working, or the
    error `confirm_password_reset` would give. Consumes nothing."""
    link = await _reset_link(token, now or utcnow())
    return link.expires_at


async def confirm_password_reset(token: str, new_password: str, *, now: datetime | None = None
                                 ) -> PasswordResetOut:
    """Set a new password with the token from the mail. Returns when; signs nobody in.

    The token is checked first (`password_reset_token_invalid` / `_used` / `_expired`), then the password with the
    sign-up rule (422, and nothing changes: the link keeps working). Then, in one write transaction: the token is
    consumed by a conditional UPDATE (two submits at once reset once; the second gets `_used`), the hash is set,
    every other reset link of the account is spent, every session and API token of the account is revoked
    (whoever knew the old password is out), and the address is marked verified: the mail proved the mailbox.
    """
    now = now or utcnow()
    link = await _reset_link(token, now)
    weak = password_problem(new_password, link.email, link.name)
    if weak:
        raise InvalidInput(weak, field="password")
    password_hash = await anyio.to_thread.run_sync(HASHER.hash, new_password)
    member_id, email = link.member_id, link.email
    async with write_transaction():
        claimed = await PasswordReset.update({PasswordReset.used_at: now}).where(
            (PasswordReset.token_hash == hash_token(token)) & PasswordReset.used_at.is_null()
            & (PasswordReset.expires_at > now)
        ).returning(PasswordReset.id)
        if not claimed:  # another submit of this link won meanwhile (or its hour just ran out)
            await _reset_link(token, now)  # raises the matching error
            raise PasswordResetTokenUsed(_l("Deze link om je wachtwoord te herstellen is al gebruikt."))
        updated = await Member.update({Member.password_hash: password_hash, Member.updated_at: now}).where(
            (Member.id == member_id) & (Member.email == email)
            & (Member.password_hash != ANONYMISED_PASSWORD_HASH)
        ).returning(Member.id)
        if not updated:  # the account changed its address or was removed meanwhile: undo the claim too
            raise PasswordResetTokenInvalid(_l("Deze link hoort bij een ander e-mailadres."))
        await Member.update({Member.email_verified_at: now}).where(
            (Member.id == member_id) & Member.email_verified_at.is_null()
        )
        await PasswordReset.update({PasswordReset.used_at: now}).where(
            (PasswordReset.member == member_id) & PasswordReset.used_at.is_null()
        )
        await AuthToken.update({AuthToken.revoked_at: now}).where(
            (AuthToken.member == member_id) & AuthToken.revoked_at.is_null()
        )
    return PasswordResetOut(reset_at=now)
