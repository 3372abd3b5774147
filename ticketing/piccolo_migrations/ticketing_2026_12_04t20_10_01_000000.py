from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-12-04T20:10:01:000000"
VERSION = "1.38.0"
DESCRIPTION = "One exception in force per event and address; revoked ones stay as the log"


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="ticketing", description=DESCRIPTION)

    async def run():
        # A raw step runs before a migration's column changes, hence a migration of its own after the columns.
        # Revoked exceptions stay (who revoked, when), so an address can get a new exception after one was revoked:
        # the unique index covers the exceptions in force only. A partial unique index works on both engines.
        engine = engine_finder()
        await engine.run_ddl("DROP INDEX IF EXISTS eligibility_override_event_email")
        await engine.run_ddl(
            "CREATE UNIQUE INDEX IF NOT EXISTS eligibility_override_in_force ON eligibility_override (event, email) "
            "WHERE revoked_at IS NULL"
        )

    manager.add_raw(run)
    return manager
