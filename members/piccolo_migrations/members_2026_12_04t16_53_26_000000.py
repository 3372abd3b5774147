from datetime import datetime, timezone

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import Serial
from piccolo.table import Table

ID = "2026-12-04T16:53:26:000000"
VERSION = "1.38.0"
DESCRIPTION = "The global facilitator role retires (facilitators are per event now); each one is logged first"


class RoleLog(Table, tablename="role_log", schema=None):
    id = Serial(primary_key=True)


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="members", description=DESCRIPTION)

    async def log_retired_facilitators():
        # Raw steps run before the column is dropped (Piccolo runs a migration's raw steps first). The events
        # migration that creates per-event roles reads these rows and gives each of these members the facilitator
        # role at every event that has not ended yet, so nobody loses a board they could open before.
        await RoleLog.raw(
            "INSERT INTO role_log (actor, subject, role, action, event_id, event_slug, at) "
            "SELECT NULL, id, 'facilitator', 'revoke', NULL, '', {} FROM member WHERE is_facilitator",
            datetime.now(timezone.utc),
        )

    manager.add_raw(log_retired_facilitators)
    manager.drop_column(
        table_class_name="Member",
        tablename="member",
        column_name="is_facilitator",
        db_column_name="is_facilitator",
        schema=None,
    )
    return manager
