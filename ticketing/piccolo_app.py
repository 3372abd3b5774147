from pathlib import Path

from piccolo.conf.apps import AppConfig

from notifications.tables import OutboxMail
from ticketing.tables import (
    Attendee,
    CompanionLink,
    EligibilityOverride,
    OrderLog,
    Refund,
    StripeEvent,
    Ticket,
    TicketOrder,
    WaitingEntry,
    WaitingList,
)

CURRENT_DIRECTORY = Path(__file__).parent

# OutboxMail is notifications' table, but this app's migrations made it (before notifications/ existed): listed
# here, Piccolo compares it with the history that made it, and no migration moves it (docs/architecture.md).

APP_CONFIG = AppConfig(
    app_name="ticketing",
    migrations_folder_path=str(CURRENT_DIRECTORY / "piccolo_migrations"),
    table_classes=[TicketOrder, Attendee, Ticket, StripeEvent, Refund, OrderLog, EligibilityOverride, OutboxMail,
                   WaitingList, WaitingEntry, CompanionLink],
    migration_dependencies=["events.piccolo_app"],
    commands=[],
)
