"""The door's table: one row per check-in, kept when it is undone or superseded (the audit of the door).

At most one *active* check-in (not undone) per ticket: a partial unique index (see the raw migration) decides
between two phones that check in the same ticket at the same moment, on either engine.
"""

from piccolo.columns import ForeignKey, OnDelete, Serial, Timestamptz, Varchar
from piccolo.table import Table

from events.tables import Event
from members.tables import Member
from ticketing.tables import Attendee, Ticket


class CheckIn(Table, tablename="door_checkin"):
    id: Serial  # the primary key Piccolo adds, declared for the type checker
    ticket = ForeignKey(references=Ticket, on_delete=OnDelete.cascade, index=True)
    event = ForeignKey(references=Event, on_delete=OnDelete.cascade, index=True)
    # The place the ticket belongs to (pairing's ticket-holder id): who is present, without a join.
    attendee = ForeignKey(references=Attendee, on_delete=OnDelete.cascade, index=True)
    device = Varchar(length=40)  # the phone's own label ("Deur A"), chosen at the door
    # The phone's own id for the scan (echoed from the request): the same scan sent again is recognised by it, even
    # when the phone's clock was ahead and the stored time was moved back to the server's.
    client_ref = Varchar(length=64, default="")
    scanned_at = Timestamptz()  # when the phone scanned (checkin.rules.scan_time), the time that counts
    received_at = Timestamptz()  # when the server stored it
    checked_in_by = ForeignKey(references=Member, on_delete=OnDelete.set_null, null=True, default=None)
    undone_at = Timestamptz(null=True, default=None)
    undone_by = ForeignKey(references=Member, on_delete=OnDelete.set_null, null=True, default=None)
    undo_reason = Varchar(length=12, default="")  # "" | mistake | superseded (an earlier scan of another phone)
