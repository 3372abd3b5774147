from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import Integer
from piccolo.columns.indexes import IndexMethod

ID = "2026-12-04T23:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "Events: waiting_duos, the number of duos on the event's waiting list (kept by ticketing.waitlist)"


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="events", description=DESCRIPTION)
    # 0 here; ticketing's migration of the same time counts the duos already waiting (the waiting list is
    # ticketing's table, made after every events migration has run).
    manager.add_column(
        table_class_name="Event", tablename="event", column_name="waiting_duos", db_column_name="waiting_duos",
        column_class_name="Integer", column_class=Integer,
        params={"default": 0, "null": False, "primary_key": False, "unique": False, "index": False,
                "index_method": IndexMethod.btree, "choices": None, "db_column_name": None, "secret": False},
        schema=None,
    )
    return manager
