from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-11-23T18:08:40:632198"
VERSION = "1.38.0"
DESCRIPTION = "Theme keys are unique per event"


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="events", description=DESCRIPTION)

    async def run():
        # Composite Unique() fails on SQLite (ALTER TABLE ADD CONSTRAINT); an index works on both engines.
        engine = engine_finder()
        await engine.run_ddl(
            "CREATE UNIQUE INDEX IF NOT EXISTS event_theme_event_key ON event_theme (event, key)"
        )

    manager.add_raw(run)
    return manager
