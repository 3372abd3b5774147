from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.base import OnDelete, OnUpdate
from piccolo.columns.column_types import ForeignKey, Serial, Timestamptz, Varchar
from piccolo.columns.indexes import IndexMethod
from piccolo.table import Table

ID = "2026-12-04T17:50:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "The companion's own page: companion_link (token hashes) and ticket_attendee.details_confirmed_at"


class Attendee(Table, tablename="ticket_attendee", schema=None):
    id = Serial(null=False, primary_key=True, unique=False, index=False, index_method=IndexMethod.btree,
                choices=None, db_column_name="id", secret=False)


def _params(**overrides):
    params = {"null": False, "primary_key": False, "unique": False, "index": False,
              "index_method": IndexMethod.btree, "choices": None, "db_column_name": None, "secret": False}
    params.update(overrides)
    return params


# The table is new, so its single-column UNIQUEs are part of its CREATE TABLE (works on SQLite and PostgreSQL).
async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="ticketing", description=DESCRIPTION)

    manager.add_column(
        table_class_name="Attendee", tablename="ticket_attendee", column_name="details_confirmed_at",
        db_column_name="details_confirmed_at", column_class_name="Timestamptz", column_class=Timestamptz,
        params=_params(default=None, null=True), schema=None,
    )
    manager.add_table(class_name="CompanionLink", tablename="companion_link", schema=None, columns=None)
    manager.add_column(
        table_class_name="CompanionLink", tablename="companion_link", column_name="attendee",
        db_column_name="attendee", column_class_name="ForeignKey", column_class=ForeignKey,
        params=_params(references=Attendee, on_delete=OnDelete.cascade, on_update=OnUpdate.cascade,
                       target_column=None, unique=True, null=True),
        schema=None,
    )
    manager.add_column(
        table_class_name="CompanionLink", tablename="companion_link", column_name="token_hash",
        db_column_name="token_hash", column_class_name="Varchar", column_class=Varchar,
        params=_params(length=64, default="", unique=True), schema=None,
    )
    manager.add_column(
        table_class_name="CompanionLink", tablename="companion_link", column_name="feed_token_hash",
        db_column_name="feed_token_hash", column_class_name="Varchar", column_class=Varchar,
        params=_params(length=64, default=None, null=True, unique=True), schema=None,
    )
    for name in ("issued_at", "opened_at"):
        manager.add_column(
            table_class_name="CompanionLink", tablename="companion_link", column_name=name,
            db_column_name=name, column_class_name="Timestamptz", column_class=Timestamptz,
            params=_params(default=None, null=name == "opened_at"), schema=None,
        )
    return manager
