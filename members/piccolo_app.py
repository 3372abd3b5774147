from pathlib import Path

from piccolo.conf.apps import AppConfig

from core.tables import RateLimitBucket
from members.tables import AuthToken, EmailVerification, Member, PasswordReset, RoleLog

CURRENT_DIRECTORY = Path(__file__).parent

# RateLimitBucket is core's table, but this app's migrations made it: listed here, Piccolo compares it with the
# history that made it, and no migration moves it (docs/architecture.md).

APP_CONFIG = AppConfig(
    app_name="members",
    migrations_folder_path=str(CURRENT_DIRECTORY / "piccolo_migrations"),
    table_classes=[Member, AuthToken, EmailVerification, PasswordReset, RateLimitBucket, RoleLog],
    migration_dependencies=[],
    commands=[],
)
