"""The mail outbox: one row per mail to send, composed when it is sent and claimed atomically per worker.

The table was made by ticketing's migrations (`ticketing_2026_11_23t18_15_58_837708`, when the outbox served only
ticket mails) and keeps its name and columns: moving the class changed no schema and no data. `ticketing/piccolo_app.py`
still lists it, so the app whose migration history made it is the app Piccolo compares it with
(docs/architecture.md, "Layers").
"""

from typing import Any

from piccolo.columns import ForeignKey, Integer, OnDelete, Serial, SmallInt, Text, Timestamptz, Varchar
from piccolo.columns.reference import LazyTableReference
from piccolo.table import Table


class OutboxMail(Table, tablename="mail_outbox"):
    """A mail to send: its kind says which composer makes it (notifications.outbox.register_composer)."""

    id: Serial  # the primary key Piccolo adds, declared for the type checker
    kind = Varchar(length=30)  # ticket_confirmation | ticket_voided | … | email_verification | password_reset | …
    dedupe_key = Varchar(length=120, unique=True)
    # An order's mail goes with its order (ON DELETE CASCADE, as the table was made). A lazy reference by name: the
    # schema names ticketing's table, the code of this folder imports nothing above it.
    order: ForeignKey[Any] = ForeignKey(references=LazyTableReference("TicketOrder", module_path="ticketing.tables"),
                                        on_delete=OnDelete.cascade, null=True, index=True)
    attendee_id = Integer(null=True, default=None)
    # A waiting-list mail (an offer, a refusal, the list closed) names its entry (ticketing.waitlist_mail).
    waiting_entry_id = Integer(null=True, default=None)
    to_email = Varchar(length=254)
    message_id = Varchar(length=200)
    status = Varchar(length=10, default="pending", index=True)  # pending | sending | sent | failed | skipped
    claim_token = Varchar(length=32, null=True, default=None)
    claimed_until = Timestamptz(null=True, default=None)
    next_attempt_at = Timestamptz()
    attempts = SmallInt(default=0)
    last_error = Text(default="")
    created_at = Timestamptz()
    sent_at = Timestamptz(null=True, default=None)
