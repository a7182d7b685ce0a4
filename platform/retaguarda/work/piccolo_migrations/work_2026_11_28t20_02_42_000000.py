"""Unique and ordering indexes of the work app."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-11-28T20:02:42:000000"
VERSION = "1.38.0"
DESCRIPTION = "work indexes"

# Composite indexes as plain CREATE INDEX statements, which SQLite and Postgres both accept (SQLite cannot
# ALTER TABLE ... ADD CONSTRAINT). tenant_id leads every unique one, so the schema can be distributed by tenant.
STATEMENTS = (
    "CREATE UNIQUE INDEX IF NOT EXISTS task_type_tenant_code ON task_type (tenant_id, code)",
    "CREATE UNIQUE INDEX IF NOT EXISTS work_queue_tenant_code ON work_queue (tenant_id, code)",
    "CREATE UNIQUE INDEX IF NOT EXISTS queue_pool_tenant_queue_pool ON queue_pool (tenant_id, queue_id, pool_id)",
    "CREATE UNIQUE INDEX IF NOT EXISTS task_tenant_external_ref ON task (tenant_id, external_ref)"
    " WHERE external_ref IS NOT NULL",
    # The claim walks queued tasks in its order (due time, priority high first, age) and stops at the first
    # one the operator may take, so the index is the order itself.
    "CREATE INDEX IF NOT EXISTS task_claim_order ON task (due_at, priority DESC, created_at)"
    " WHERE status = 'queued'",
    # The reaper scans claimed tasks by lease expiry.
    "CREATE INDEX IF NOT EXISTS task_lease ON task (lease_expires_at) WHERE status = 'claimed'",
    # Lists: a tenant's tasks newest first.
    "CREATE INDEX IF NOT EXISTS task_tenant_created ON task (tenant_id, created_at, id)",
    "CREATE INDEX IF NOT EXISTS task_event_task_at ON task_event (task_id, at)",
    "CREATE INDEX IF NOT EXISTS time_entry_tenant_started ON time_entry (tenant_id, started_at)",
    "CREATE INDEX IF NOT EXISTS time_entry_open ON time_entry (task_id, operator_id) WHERE ended_at IS NULL",
    "CREATE INDEX IF NOT EXISTS webhook_delivery_endpoint_created ON webhook_delivery (endpoint_id, created_at)",
    "CREATE INDEX IF NOT EXISTS csv_import_row_import_row ON csv_import_row (import_id, row_number)",
)


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="work", description=DESCRIPTION)

    async def create_indexes() -> None:
        engine = engine_finder()
        for statement in STATEMENTS:
            await engine.run_ddl(statement)

    manager.add_raw(create_indexes)
    return manager
