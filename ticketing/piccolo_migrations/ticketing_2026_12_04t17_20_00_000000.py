from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import SmallInt
from piccolo.columns.indexes import IndexMethod

ID = "2026-12-04T17:20:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "A companion's experience level, or NULL when nobody gave it (issue 15)"


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="ticketing", description=DESCRIPTION)

    # Nullable with no default: existing places get NULL, which is what they are (never asked).
    manager.add_column(
        table_class_name="Attendee",
        tablename="ticket_attendee",
        column_name="experience_level",
        db_column_name="experience_level",
        column_class_name="SmallInt",
        column_class=SmallInt,
        params={
            "default": None,
            "null": True,
            "primary_key": False,
            "unique": False,
            "index": False,
            "index_method": IndexMethod.btree,
            "choices": None,
            "db_column_name": None,
            "secret": False,
        },
        schema=None,
    )

    return manager
