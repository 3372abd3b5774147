from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-11-23T18:23:40:000000"
VERSION = "1.38.0"
DESCRIPTION = "One placement, pin and published group per ticket holder and round; groups unique per slot"

INDEXES = (
    "CREATE UNIQUE INDEX IF NOT EXISTS breakout_placement_plan_attendee_round"
    " ON breakout_placement (plan, attendee, round_number)",
    "CREATE UNIQUE INDEX IF NOT EXISTS breakout_pin_plan_attendee_round"
    " ON breakout_pin (plan, attendee, round_number)",
    "CREATE UNIQUE INDEX IF NOT EXISTS published_breakout_plan_attendee_round"
    " ON published_breakout (plan, attendee, round_number)",
    # Lookups of the draft by slot (round, theme, number); not unique: inactive groups keep their numbers.
    "CREATE INDEX IF NOT EXISTS breakout_group_plan_slot ON breakout_group (plan, round_number, theme_key, number)",
)


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="pairing", description=DESCRIPTION)

    async def run():
        # Composite Unique() fails on SQLite (ALTER TABLE ADD CONSTRAINT); an index works on both engines.
        engine = engine_finder()
        for statement in INDEXES:
            await engine.run_ddl(statement)

    manager.add_raw(run)
    return manager
