# Issue 12: the status columns name their StrEnum with `choices=`. Metadata only: Piccolo runs no SQL for a
# change of choices, so no row and no schema changes (checked on SQLite and PostgreSQL).
from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from enum import Enum
from piccolo.columns.column_types import Varchar

ID = "2026-12-04T20:41:02:335298"
VERSION = "1.38.0"
DESCRIPTION = "status columns with choices= (metadata only)"


async def forwards():
    manager = MigrationManager(
        migration_id=ID, app_name="ticketing", description=DESCRIPTION
    )

    manager.alter_column(
        table_class_name="TicketOrder",
        tablename="ticket_order",
        column_name="status",
        db_column_name="status",
        params={
            "choices": Enum(
                "OrderStatus",
                {
                    "PENDING": "pending_payment",
                    "PAID": "paid",
                    "EXPIRED": "expired",
                    "PAYMENT_FAILED": "payment_failed",
                    "CANCELLED": "cancelled",
                    "REFUND_PENDING": "refund_pending",
                    "REFUNDED": "refunded",
                },
            )
        },
        old_params={"choices": None},
        column_class=Varchar,
        old_column_class=Varchar,
        schema=None,
    )

    manager.alter_column(
        table_class_name="Attendee",
        tablename="ticket_attendee",
        column_name="role",
        db_column_name="role",
        params={
            "choices": Enum(
                "PlaceRole", {"BUYER": "buyer", "COMPANION": "companion"}
            )
        },
        old_params={"choices": None},
        column_class=Varchar,
        old_column_class=Varchar,
        schema=None,
    )

    manager.alter_column(
        table_class_name="Ticket",
        tablename="duo_ticket",
        column_name="status",
        db_column_name="status",
        params={
            "choices": Enum("TicketStatus", {"VALID": "valid", "VOID": "void"})
        },
        old_params={"choices": None},
        column_class=Varchar,
        old_column_class=Varchar,
        schema=None,
    )

    manager.alter_column(
        table_class_name="Refund",
        tablename="ticket_refund",
        column_name="status",
        db_column_name="status",
        params={
            "choices": Enum(
                "RefundStatus",
                {
                    "PENDING": "pending",
                    "SUBMITTED": "submitted",
                    "SUCCEEDED": "succeeded",
                    "FAILED": "failed",
                },
            )
        },
        old_params={"choices": None},
        column_class=Varchar,
        old_column_class=Varchar,
        schema=None,
    )

    manager.alter_column(
        table_class_name="WaitingEntry",
        tablename="waiting_entry",
        column_name="status",
        db_column_name="status",
        params={
            "choices": Enum(
                "WaitingStatus",
                {
                    "WAITING": "waiting",
                    "OFFERED": "offered",
                    "LEFT": "left",
                    "CLOSED": "closed",
                    "REFUSED": "refused",
                },
            )
        },
        old_params={"choices": None},
        column_class=Varchar,
        old_column_class=Varchar,
        schema=None,
    )

    return manager
