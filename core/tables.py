"""core's own table: the rate-limit counters (core.ratelimit), shared by every worker.

The table was made by the members' migrations (`members_2026_11_23t18_17_32_620392`, when the limits guarded only
sign-in) and keeps its name and columns: moving the class changed no schema and no data. `members/piccolo_app.py`
still lists it, so the app whose migration history made it is the app Piccolo compares it with
(docs/architecture.md, "Layers").
"""

from piccolo.columns import BigInt, Integer, Serial, Varchar
from piccolo.table import Table


class RateLimitBucket(Table, tablename="rate_limit_bucket"):
    """One counter per (limit, client, time window), shared by every worker (core.ratelimit).

    `key` is a SHA-256 of limit, client and window, so no e-mail address or IP address is stored here.
    Times are whole epoch seconds: the atomic upsert is plain integer SQL on both engines.
    """

    id: Serial  # the primary key Piccolo adds, declared for the type checker
    key = Varchar(length=64, unique=True)
    bucket = Varchar(length=40)
    window_start = BigInt()
    hits = Integer(default=0)
    expires_at = BigInt(index=True)
