from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-11-23T18:16:10:000000"
VERSION = "1.38.0"
DESCRIPTION = "Partial and composite unique indexes"

# Composite Unique() fails on SQLite (ALTER TABLE ADD CONSTRAINT); CREATE UNIQUE INDEX works on both
# engines, and so does a partial one (WHERE). Boolean `live` is 0/1 on SQLite and boolean on PostgreSQL;
# a bare `WHERE live` reads the same on both.
STATEMENTS = (
    # One e-mail holds at most one live place (held or paid) per event.
    "CREATE UNIQUE INDEX IF NOT EXISTS ticket_attendee_live_email ON ticket_attendee (event, email) WHERE live",
    # One override per e-mail per event.
    "CREATE UNIQUE INDEX IF NOT EXISTS eligibility_override_event_email ON eligibility_override (event, email)",
    # The jobs look for work by status and time.
    "CREATE INDEX IF NOT EXISTS ticket_order_status_expires ON ticket_order (status, expires_at)",
    "CREATE INDEX IF NOT EXISTS mail_outbox_status_next ON mail_outbox (status, next_attempt_at)",
)


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="ticketing", description=DESCRIPTION)

    async def run():
        engine = engine_finder()
        for statement in STATEMENTS:
            await engine.run_ddl(statement)

    manager.add_raw(run)
    return manager
