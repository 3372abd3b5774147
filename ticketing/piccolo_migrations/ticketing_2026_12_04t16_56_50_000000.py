from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-12-04T16:56:50:000000"
VERSION = "1.38.0"
DESCRIPTION = "The waiting list's partial unique indexes"

# As in 2026-11-23T18:16:10: CREATE (UNIQUE) INDEX works on both engines, partial ones too.
STATEMENTS = (
    # An e-mail address waits in at most one duo per event, as buyer and as companion (the cross-check between
    # the two columns, and with live places, runs under the event's row lock: ticketing.waitlist.join).
    "CREATE UNIQUE INDEX IF NOT EXISTS waiting_entry_buyer_waiting ON waiting_entry (event, buyer_email) "
    "WHERE status = 'waiting'",
    "CREATE UNIQUE INDEX IF NOT EXISTS waiting_entry_companion_waiting ON waiting_entry (event, companion_email) "
    "WHERE status = 'waiting'",
    # The next duo in line: the event's waiting entries by id.
    "CREATE INDEX IF NOT EXISTS waiting_entry_event_status ON waiting_entry (event, status, id)",
)


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="ticketing", description=DESCRIPTION)

    async def run():
        engine = engine_finder()
        for statement in STATEMENTS:
            await engine.run_ddl(statement)

    manager.add_raw(run)
    return manager
