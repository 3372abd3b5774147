from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-12-04T23:00:01:000000"
VERSION = "1.38.0"
DESCRIPTION = "event.waiting_duos counts the duos already waiting on each event's list"


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="ticketing", description=DESCRIPTION)

    async def run():
        # The column is the events migration of 2026-12-04T23:00:00 (every events migration runs before
        # ticketing's: ticketing depends on events). From here on ticketing.waitlist keeps it.
        await engine_finder().run_ddl(
            "UPDATE event SET waiting_duos = (SELECT COUNT(*) FROM waiting_entry w "
            "WHERE w.event = event.id AND w.status = 'waiting')"
        )

    manager.add_raw(run)
    return manager
