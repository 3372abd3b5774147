# Issue 12: the status columns name their StrEnum with `choices=`. Metadata only: Piccolo runs no SQL for a
# change of choices, so no row and no schema changes (checked on SQLite and PostgreSQL).
from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from enum import Enum
from piccolo.columns.column_types import Varchar

ID = "2026-12-04T20:41:11:551360"
VERSION = "1.38.0"
DESCRIPTION = "status columns with choices= (metadata only)"


async def forwards():
    manager = MigrationManager(
        migration_id=ID, app_name="pairing", description=DESCRIPTION
    )

    manager.alter_column(
        table_class_name="BreakoutPlan",
        tablename="breakout_plan",
        column_name="status",
        db_column_name="status",
        params={
            "choices": Enum(
                "PlanStatus", {"DRAFT": "draft", "PUBLISHED": "published"}
            )
        },
        old_params={"choices": None},
        column_class=Varchar,
        old_column_class=Varchar,
        schema=None,
    )

    return manager
