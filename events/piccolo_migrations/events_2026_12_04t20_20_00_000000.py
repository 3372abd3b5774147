from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.base import OnDelete, OnUpdate
from piccolo.columns.column_types import Bytea, ForeignKey, Serial, Text, Timestamptz, Varchar
from piccolo.columns.indexes import IndexMethod
from piccolo.table import Table

ID = "2026-12-04T20:20:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "Events: a contact address, an English title and description, and a banner image (event_image)"


class Event(Table, tablename="event", schema=None):
    id = Serial(null=False, primary_key=True, unique=False, index=False, index_method=IndexMethod.btree,
                choices=None, db_column_name="id", secret=False)


def _params(**overrides):
    params = {"null": False, "primary_key": False, "unique": False, "index": False,
              "index_method": IndexMethod.btree, "choices": None, "db_column_name": None, "secret": False}
    params.update(overrides)
    return params


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="events", description=DESCRIPTION)
    # New columns with empty defaults (no contact address, no English text: the Dutch is shown): nothing stored
    # changes.
    for name, column_class, params in (
        ("contact_email", Varchar, _params(length=254, default="")),
        ("title_en", Varchar, _params(length=160, default="")),
        ("description_en", Text, _params(default="")),
    ):
        manager.add_column(
            table_class_name="Event", tablename="event", column_name=name, db_column_name=name,
            column_class_name=column_class.__name__, column_class=column_class, params=params, schema=None,
        )
    manager.add_table(class_name="EventImage", tablename="event_image", schema=None, columns=None)
    manager.add_column(
        table_class_name="EventImage", tablename="event_image", column_name="event", db_column_name="event",
        column_class_name="ForeignKey", column_class=ForeignKey,
        params=_params(references=Event, on_delete=OnDelete.cascade, on_update=OnUpdate.cascade,
                       target_column=None, unique=True, null=True),
        schema=None,
    )
    manager.add_column(
        table_class_name="EventImage", tablename="event_image", column_name="digest", db_column_name="digest",
        column_class_name="Varchar", column_class=Varchar, params=_params(length=16, default=""), schema=None,
    )
    for name in ("share_jpeg", "page_webp"):
        manager.add_column(
            table_class_name="EventImage", tablename="event_image", column_name=name, db_column_name=name,
            column_class_name="Bytea", column_class=Bytea, params=_params(default=b""), schema=None,
        )
    manager.add_column(
        table_class_name="EventImage", tablename="event_image", column_name="created_at",
        db_column_name="created_at", column_class_name="Timestamptz", column_class=Timestamptz,
        params=_params(default=None), schema=None,
    )
    return manager
