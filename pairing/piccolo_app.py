from pathlib import Path

from piccolo.conf.apps import AppConfig

from pairing.tables import (
    BreakoutGroup,
    BreakoutPin,
    BreakoutPlacement,
    BreakoutPlan,
    PublishedBreakout,
    ThemeRanking,
)

CURRENT_DIRECTORY = Path(__file__).parent

APP_CONFIG = AppConfig(
    app_name="pairing",
    migrations_folder_path=str(CURRENT_DIRECTORY / "piccolo_migrations"),
    table_classes=[ThemeRanking, BreakoutPlan, BreakoutGroup, BreakoutPlacement, BreakoutPin, PublishedBreakout],
    migration_dependencies=["events.piccolo_app", "members.piccolo_app", "ticketing.piccolo_app"],
    commands=[],
)
