"""Unique and composite indexes of the staffing app."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-11-28T19:59:40:000000"
VERSION = "1.38.0"
DESCRIPTION = "roster indexes"

# Composite unique constraints, as unique indexes: both SQLite and Postgres create these, while SQLite
# cannot ALTER TABLE ... ADD CONSTRAINT. tenant_id leads each one, so the schema can be distributed by tenant.
# The plain composite indexes serve the work layer's routing reads (an operator's memberships and shifts at
# a point in time, available operators) and the shift calendar.
STATEMENTS = (
    "CREATE UNIQUE INDEX IF NOT EXISTS skill_tenant_code ON skill (tenant_id, code)",
    "CREATE UNIQUE INDEX IF NOT EXISTS operator_tenant_user ON operator (tenant_id, user_id)",
    "CREATE UNIQUE INDEX IF NOT EXISTS operator_skill_tenant_operator_skill"
    " ON operator_skill (tenant_id, operator_id, skill_id)",
    "CREATE UNIQUE INDEX IF NOT EXISTS pool_tenant_name ON pool (tenant_id, name)",
    "CREATE INDEX IF NOT EXISTS operator_tenant_status ON operator (tenant_id, status)",
    "CREATE INDEX IF NOT EXISTS pool_membership_tenant_operator_from"
    " ON pool_membership (tenant_id, operator_id, valid_from)",
    "CREATE INDEX IF NOT EXISTS shift_tenant_operator_starts ON shift (tenant_id, operator_id, starts_at)",
    "CREATE INDEX IF NOT EXISTS shift_tenant_starts ON shift (tenant_id, starts_at)",
)


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="staffing", description=DESCRIPTION)

    async def create_indexes() -> None:
        engine = engine_finder()
        for statement in STATEMENTS:
            await engine.run_ddl(statement)

    manager.add_raw(create_indexes)
    return manager
