"""E-mail verification: the mailed link that proves a member reads mail at their address."""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta

from core.db import as_utc, utcnow, write_transaction
from core.errors import NotFound
from core.i18n import lazy_gettext as _l
from core.ratelimit import Limit, enforce
from members.errors import (
    EmailAlreadyVerified,
    VerificationTokenExpired,
    VerificationTokenInvalid,
    VerificationTokenUsed,
)
from members.rules import normalise_email
from members.schemas import EmailVerifiedOut
from members.tables import EmailVerification, Member
from members.tokens import MailedToken, hash_token, new_token
from notifications import outbox

# Resending the verification mail: a few per hour per account is plenty for a lost or late mail.
VERIFY_RESEND_PER_MEMBER = Limit("verify_resend", 3, 60 * 60)


VERIFICATION_LIFETIME = timedelta(hours=48)
# The outbox kind of the mail with the link (composed by members.mail).
EMAIL_VERIFICATION_MAIL = "email_verification"


async def queue_verification_mail(member_id: int, email: str, reason: str, now: datetime) -> None:
    """Queue a verification mail in the outbox; the token is made when the mail is composed (only its hash is
    stored, so it cannot be made earlier and read back)."""
    await outbox.queue(EMAIL_VERIFICATION_MAIL, email, f"verify:{member_id}:{reason}:{secrets.token_hex(6)}", now)


async def resend_verification(member_id: int, *, now: datetime | None = None) -> None:
    """Queue a new verification mail (rate-limited per account); refused when the address is verified."""
    now = now or utcnow()
    row = await Member.select(Member.email, Member.email_verified_at).where(Member.id == member_id).first()
    if row is None:
        raise NotFound(_l("Dit account bestaat niet (meer)."))
    if row["email_verified_at"] is not None:
        raise EmailAlreadyVerified(_l("Je e-mailadres is al bevestigd."))
    await enforce(VERIFY_RESEND_PER_MEMBER, f"member:{member_id}")
    await queue_verification_mail(member_id, row["email"], "resend", now)


async def issue_verification_token(to_email: str, now: datetime | None = None) -> MailedToken | None:
    """A fresh single-use token for the account that has `to_email` now and is not yet verified (the outbox calls
    this when it composes the mail), with the member's name and language; None when the mail no longer applies."""
    now = now or utcnow()
    email = normalise_email(to_email)
    row = await Member.select(Member.id, Member.name, Member.language, Member.email_verified_at).where(
        Member.email == email
    ).first()
    if row is None or row["email_verified_at"] is not None:
        return None
    token = new_token()
    await EmailVerification.insert(EmailVerification(
        member=row["id"], token_hash=hash_token(token), email=email, created_at=now,
        expires_at=now + VERIFICATION_LIFETIME,
    ))
    return MailedToken(member_id=row["id"], name=row["name"], language=row["language"], token=token)


async def verify_email(token: str, *, now: datetime | None = None) -> EmailVerifiedOut:
    """Mark the account's e-mail verified with the token from the mail. Single use: the token is consumed by one
    conditional UPDATE, so two clicks at once verify once and the second gets `verification_token_used`.
    Signs nobody in. Returns when the address was verified."""
    now = now or utcnow()
    if not token or len(token) > 200:
        raise VerificationTokenInvalid(_l("Deze bevestigingslink klopt niet."))
    digest = hash_token(token)
    claimed = await EmailVerification.update({EmailVerification.used_at: now}).where(
        (EmailVerification.token_hash == digest) & EmailVerification.used_at.is_null()
        & (EmailVerification.expires_at > now)
    ).returning(EmailVerification.member, EmailVerification.email)
    if not claimed:
        row = await EmailVerification.select(EmailVerification.used_at).where(
            EmailVerification.token_hash == digest).first()
        if row is None:
            raise VerificationTokenInvalid(_l("Deze bevestigingslink klopt niet."))
        if row["used_at"] is not None:
            raise VerificationTokenUsed(_l("Deze bevestigingslink is al gebruikt."))
        raise VerificationTokenExpired(_l("Deze bevestigingslink is verlopen. Vraag een nieuwe aan."))
    member_id, email = claimed[0]["member"], claimed[0]["email"]
    async with write_transaction():
        updated = await Member.update({Member.email_verified_at: now, Member.updated_at: now}).where(
            (Member.id == member_id) & (Member.email == email) & Member.email_verified_at.is_null()
        ).returning(Member.email_verified_at)
        # Every other link of this account is spent now too.
        await EmailVerification.update({EmailVerification.used_at: now}).where(
            (EmailVerification.member == member_id) & EmailVerification.used_at.is_null()
        )
    if updated:
        return EmailVerifiedOut(verified_at=now)
    row = await Member.select(Member.email, Member.email_verified_at).where(Member.id == member_id).first()
    if row is None or row["email"] != email:
        raise VerificationTokenInvalid(_l("Deze bevestigingslink hoort bij een ander e-mailadres."))
    verified_at = as_utc(row["email_verified_at"])
    assert verified_at is not None  # the same address, not updated: it was verified meanwhile (another link)
    return EmailVerifiedOut(verified_at=verified_at)


async def verified_email(member_id: int) -> str | None:
    """The member's e-mail address when it is verified, else None: the ONLY way to match things to an account by
    e-mail (a companion's ticket, its feed items, breakout groups)."""
    row = await Member.select(Member.email, Member.email_verified_at).where(Member.id == member_id).first()
    if row is None or row["email_verified_at"] is None:
        return None
    return normalise_email(row["email"])
