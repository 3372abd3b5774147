"""Clean-up of mailed links (verification and password reset) that nobody needs any more."""

from __future__ import annotations

from datetime import datetime, timedelta

from core.db import utcnow
from members.tables import EmailVerification, PasswordReset

# A spent or expired link is kept a week, so following it soon after still says "used" or "expired" (not
# "invalid"), then deleted by a background job: it only ever held a hash, but nothing needs it any more.
MAILED_LINKS_KEPT = timedelta(days=7)


async def prune_mailed_links(now: datetime | None = None) -> int:
    """Delete verification and reset links used or expired more than MAILED_LINKS_KEPT ago; how many went."""
    before = (now or utcnow()) - MAILED_LINKS_KEPT
    gone = 0
    for table in (EmailVerification, PasswordReset):
        done = table.used_at.is_not_null() & (table.used_at < before)
        rows = await table.delete().where(done | (table.expires_at < before)).returning(table.id)
        gone += len(rows)
    return gone
