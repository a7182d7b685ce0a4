"""Unique and sweep indexes of the SLA tables and task clocks."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-11-28T22:09:28:000000"
VERSION = "1.38.0"
DESCRIPTION = "SLA indexes"

STATEMENTS = (
    "CREATE UNIQUE INDEX IF NOT EXISTS sla_policy_tenant_name ON sla_policy (tenant_id, name)",
    "CREATE UNIQUE INDEX IF NOT EXISTS sla_policy_version_policy_version"
    " ON sla_policy_version (policy_id, version)",
    # The sweep reads the tasks whose next warning or due instant has come, earliest first: a range scan of
    # this index, however many tasks are open.
    "CREATE INDEX IF NOT EXISTS task_sla_next ON task (sla_next_at) WHERE sla_next_at IS NOT NULL",
    # Reports: a tenant's tasks closed in a period.
    "CREATE INDEX IF NOT EXISTS task_tenant_completed ON task (tenant_id, completed_at)",
    "CREATE INDEX IF NOT EXISTS notification_user_created ON notification (user_id, created_at)",
)


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="work", description=DESCRIPTION)

    async def create_indexes() -> None:
        engine = engine_finder()
        for statement in STATEMENTS:
            await engine.run_ddl(statement)

    manager.add_raw(create_indexes)
    return manager
