"""Unique indexes of the kernel app."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-11-28T19:27:15:000000"
VERSION = "1.38.0"
DESCRIPTION = "unique indexes"

# Composite unique constraints, as unique indexes: both SQLite and Postgres create these, while SQLite
# cannot ALTER TABLE ... ADD CONSTRAINT. tenant_id leads each one, so the schema can be distributed by tenant.
STATEMENTS = (
    "CREATE UNIQUE INDEX IF NOT EXISTS kernel_idempotency_key_tenant_key ON kernel_idempotency_key (tenant_id, key)",
)


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="kernel", description=DESCRIPTION)

    async def create_indexes() -> None:
        engine = engine_finder()
        for statement in STATEMENTS:
            await engine.run_ddl(statement)

    manager.add_raw(create_indexes)
    return manager
