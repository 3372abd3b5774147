from pathlib import Path

from piccolo.conf.apps import AppConfig

from members.tables import AuthToken, EmailVerification, Member, PasswordReset, RateLimitBucket, RoleLog

CURRENT_DIRECTORY = Path(__file__).parent

APP_CONFIG = AppConfig(
    app_name="members",
    migrations_folder_path=str(CURRENT_DIRECTORY / "piccolo_migrations"),
    table_classes=[Member, AuthToken, EmailVerification, PasswordReset, RateLimitBucket, RoleLog],
    migration_dependencies=[],
    commands=[],
)
