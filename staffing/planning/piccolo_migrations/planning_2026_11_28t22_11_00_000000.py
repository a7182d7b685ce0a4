"""Unique and composite indexes of the planning app."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-11-28T22:11:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "planning indexes"

# As unique indexes rather than constraints: SQLite cannot ALTER TABLE ... ADD CONSTRAINT. tenant_id leads
# each, so the schema can be distributed by tenant. The forecast index serves the grid reads (a queue's
# intervals in a time range); the event and override indexes the same reads' adjustments.
STATEMENTS = (
    "CREATE UNIQUE INDEX IF NOT EXISTS queue_staffing_tenant_queue ON queue_staffing (tenant_id, queue_id)",
    "CREATE INDEX IF NOT EXISTS forecast_interval_tenant_queue_starts"
    " ON forecast_interval (tenant_id, queue_id, starts_at)",
    "CREATE INDEX IF NOT EXISTS forecast_run_tenant_queue_created"
    " ON forecast_run (tenant_id, queue_id, created_at)",
    "CREATE INDEX IF NOT EXISTS seasonal_event_tenant_days ON seasonal_event (tenant_id, first_day, last_day)",
    "CREATE INDEX IF NOT EXISTS forecast_override_tenant_queue_starts"
    " ON forecast_override (tenant_id, queue_id, starts_at)",
    "CREATE INDEX IF NOT EXISTS scaling_plan_tenant_pool_starts ON scaling_plan (tenant_id, pool_id, starts_at)",
    "CREATE INDEX IF NOT EXISTS scaling_plan_event_tenant_plan_at ON scaling_plan_event (tenant_id, plan_id, at)",
)


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="planning", description=DESCRIPTION)

    async def create_indexes() -> None:
        engine = engine_finder()
        for statement in STATEMENTS:
            await engine.run_ddl(statement)

    manager.add_raw(create_indexes)
    return manager
