import os

from piccolo.conf.apps import AppConfig, table_finder

CURRENT_DIRECTORY = os.path.dirname(os.path.abspath(__file__))

APP_CONFIG = AppConfig(
    app_name="kernel",
    migrations_folder_path=os.path.join(CURRENT_DIRECTORY, "piccolo_migrations"),
    # The audit log's table lives with its module (retaguarda.audit) but migrates with the kernel.
    table_classes=table_finder(
        modules=["retaguarda.kernel.tables", "retaguarda.audit.tables"], exclude_imported=True
    ),
    migration_dependencies=[],
    commands=[],
)
