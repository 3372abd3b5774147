from pathlib import Path

from piccolo.conf.apps import AppConfig

from invoicing.tables import BillingDetails, Invoice, InvoiceCounter, SellerProfile

CURRENT_DIRECTORY = Path(__file__).parent

APP_CONFIG = AppConfig(
    app_name="invoicing",
    migrations_folder_path=str(CURRENT_DIRECTORY / "piccolo_migrations"),
    table_classes=[SellerProfile, BillingDetails, InvoiceCounter, Invoice],
    migration_dependencies=["members.piccolo_app", "ticketing.piccolo_app"],
    commands=[],
)
