from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.base import OnDelete, OnUpdate
from piccolo.columns.column_types import ForeignKey, Serial, Timestamptz
from piccolo.columns.indexes import IndexMethod
from piccolo.table import Table

ID = "2026-12-04T20:10:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "Exceptions to the companion rule can be revoked: eligibility_override.revoked_at and revoked_by"


class Member(Table, tablename="member", schema=None):
    id = Serial(null=False, primary_key=True, unique=False, index=False, index_method=IndexMethod.btree,
                choices=None, db_column_name="id", secret=False)


def _params(**overrides):
    params = {"null": False, "primary_key": False, "unique": False, "index": False,
              "index_method": IndexMethod.btree, "choices": None, "db_column_name": None, "secret": False}
    params.update(overrides)
    return params


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="ticketing", description=DESCRIPTION)
    # New columns, NULL for every exception made so far (all of them in force): nothing stored changes.
    manager.add_column(
        table_class_name="EligibilityOverride", tablename="eligibility_override", column_name="revoked_at",
        db_column_name="revoked_at", column_class_name="Timestamptz", column_class=Timestamptz,
        params=_params(default=None, null=True), schema=None,
    )
    manager.add_column(
        table_class_name="EligibilityOverride", tablename="eligibility_override", column_name="revoked_by",
        db_column_name="revoked_by", column_class_name="ForeignKey", column_class=ForeignKey,
        params=_params(references=Member, on_delete=OnDelete.set_null, on_update=OnUpdate.cascade,
                       target_column=None, default=None, null=True),
        schema=None,
    )
    return manager
