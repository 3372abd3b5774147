from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-12-04T16:54:40:000000"
VERSION = "1.38.0"
DESCRIPTION = "One counter per series and year; invoice numbers and one invoice per order and kind, unique"

# Composite Unique() fails on SQLite (ALTER TABLE ADD CONSTRAINT); CREATE UNIQUE INDEX works on both engines.
STATEMENTS = (
    "CREATE UNIQUE INDEX IF NOT EXISTS invoice_counter_series_year"
    " ON invoice_counter (organiser_id, series, year)",
    "CREATE UNIQUE INDEX IF NOT EXISTS invoice_number_unique ON invoice (organiser_id, series, year, sequence)",
    "CREATE UNIQUE INDEX IF NOT EXISTS invoice_order_kind ON invoice (order_id, kind)",
)


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="invoicing", description=DESCRIPTION)

    async def run():
        engine = engine_finder()
        for statement in STATEMENTS:
            await engine.run_ddl(statement)

    manager.add_raw(run)
    return manager
