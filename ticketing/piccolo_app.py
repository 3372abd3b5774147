from pathlib import Path

from piccolo.conf.apps import AppConfig

from ticketing.tables import (
    Attendee,
    CompanionLink,
    EligibilityOverride,
    OrderLog,
    OutboxMail,
    Refund,
    StripeEvent,
    Ticket,
    TicketOrder,
    WaitingEntry,
    WaitingList,
)

CURRENT_DIRECTORY = Path(__file__).parent

APP_CONFIG = AppConfig(
    app_name="ticketing",
    migrations_folder_path=str(CURRENT_DIRECTORY / "piccolo_migrations"),
    table_classes=[TicketOrder, Attendee, Ticket, StripeEvent, Refund, OrderLog, EligibilityOverride, OutboxMail,
                   WaitingList, WaitingEntry, CompanionLink],
    migration_dependencies=["events.piccolo_app"],
    commands=[],
)
