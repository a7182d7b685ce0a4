import os

from piccolo.conf.apps import AppConfig, table_finder

CURRENT_DIRECTORY = os.path.dirname(os.path.abspath(__file__))

APP_CONFIG = AppConfig(
    app_name="work",
    migrations_folder_path=os.path.join(CURRENT_DIRECTORY, "piccolo_migrations"),
    table_classes=table_finder(
        modules=[
            "retaguarda.work.tables",
            "retaguarda.work.sla.tables",
            "retaguarda.work.webhooks.tables",
            "retaguarda.work.imports.tables",
        ],
        exclude_imported=True,
    ),
    migration_dependencies=["tenants.piccolo_app", "staffing.piccolo_app"],
    commands=[],
)
