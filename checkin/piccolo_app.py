from pathlib import Path

from piccolo.conf.apps import AppConfig

from checkin.tables import CheckIn

CURRENT_DIRECTORY = Path(__file__).parent

APP_CONFIG = AppConfig(
    app_name="checkin",
    migrations_folder_path=str(CURRENT_DIRECTORY / "piccolo_migrations"),
    table_classes=[CheckIn],
    migration_dependencies=["events.piccolo_app", "members.piccolo_app", "ticketing.piccolo_app"],
    commands=[],
)
