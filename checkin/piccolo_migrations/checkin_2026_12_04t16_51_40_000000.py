from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-12-04T16:51:40:000000"
VERSION = "1.38.0"
DESCRIPTION = "One active check-in per ticket; arrivals by event and time"

# A partial unique index works on both engines (a bare `WHERE undone_at IS NULL` reads the same on both).
STATEMENTS = (
    "CREATE UNIQUE INDEX IF NOT EXISTS door_checkin_active_ticket ON door_checkin (ticket) WHERE undone_at IS NULL",
    "CREATE INDEX IF NOT EXISTS door_checkin_event_scanned ON door_checkin (event, scanned_at)",
)


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="checkin", description=DESCRIPTION)

    async def run():
        engine = engine_finder()
        for statement in STATEMENTS:
            await engine.run_ddl(statement)

    manager.add_raw(run)
    return manager
