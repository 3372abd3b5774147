from datetime import datetime, timezone

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder
from piccolo.columns.column_types import Serial
from piccolo.table import Table

ID = "2026-12-04T16:53:27:000000"
VERSION = "1.38.0"
DESCRIPTION = "One role per member and event; former global facilitators keep the boards of events to come"


class EventRole(Table, tablename="event_role", schema=None):
    id = Serial(primary_key=True)


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="events", description=DESCRIPTION)

    async def run():
        # Composite Unique() fails on SQLite (ALTER TABLE ADD CONSTRAINT); an index works on both engines.
        await engine_finder().run_ddl(
            "CREATE UNIQUE INDEX IF NOT EXISTS event_role_event_member_role ON event_role (event, member, role)"
        )
        # The members migration before this one logged every global facilitator as it retired the role (a
        # 'facilitator' revoke without an event and without an actor). Each of them becomes facilitator of every
        # event that has not ended, granted by nobody (the migration), and the log says so per event.
        now = datetime.now(timezone.utc)
        retired = (
            "SELECT DISTINCT l.subject FROM role_log l WHERE l.role = 'facilitator' AND l.action = 'revoke' "
            "AND l.event_id IS NULL AND l.actor IS NULL AND l.subject IS NOT NULL"
        )
        await EventRole.raw(
            "INSERT INTO event_role (event, member, role, granted_by, granted_at) "
            f"SELECT e.id, r.subject, 'facilitator', NULL, {{}} FROM event e, ({retired}) r "
            "WHERE e.ends_at > {} AND e.status != 'cancelled'",
            now, now,
        )
        await EventRole.raw(
            "INSERT INTO role_log (actor, subject, role, action, event_id, event_slug, at) "
            "SELECT NULL, er.member, 'facilitator', 'grant', er.event, e.slug, {} FROM event_role er "
            "JOIN event e ON e.id = er.event",
            now,
        )

    manager.add_raw(run)
    return manager
