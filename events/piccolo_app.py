from pathlib import Path

from piccolo.conf.apps import AppConfig

from events.tables import AgendaSession, Event, EventImage, EventRole, Theme

CURRENT_DIRECTORY = Path(__file__).parent

APP_CONFIG = AppConfig(
    app_name="events",
    migrations_folder_path=str(CURRENT_DIRECTORY / "piccolo_migrations"),
    table_classes=[Event, Theme, AgendaSession, EventRole, EventImage],
    migration_dependencies=["members.piccolo_app"],
    commands=[],
)
