"""Unique indexes of the tenants app."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-11-28T19:27:17:000000"
VERSION = "1.38.0"
DESCRIPTION = "unique indexes"

# Composite unique constraints, as unique indexes: both SQLite and Postgres create these, while SQLite
# cannot ALTER TABLE ... ADD CONSTRAINT. tenant_id leads each one, so the schema can be distributed by tenant.
STATEMENTS = (
    "CREATE UNIQUE INDEX IF NOT EXISTS membership_tenant_user ON membership (tenant_id, user_id)",
    "CREATE UNIQUE INDEX IF NOT EXISTS account_assignment_tenant_manager ON account_assignment (tenant_id, manager_id)",
    "CREATE UNIQUE INDEX IF NOT EXISTS api_key_tenant_name ON api_key (tenant_id, name)",
    "CREATE UNIQUE INDEX IF NOT EXISTS business_calendar_tenant_name ON business_calendar (tenant_id, name)",
)


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="tenants", description=DESCRIPTION)

    async def create_indexes() -> None:
        engine = engine_finder()
        for statement in STATEMENTS:
            await engine.run_ddl(statement)

    manager.add_raw(create_indexes)
    return manager
