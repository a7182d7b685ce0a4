"""Indexes for the portal's reads over large backlogs (bench/portal.py: 100,000 tasks)."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-11-28T22:40:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "portal indexes"

OPEN = "status IN ('queued', 'claimed', 'waiting_on_client')"
STATEMENTS = (
    # A client's open work nearest its resolution deadline (the dashboard's "at risk").
    f"CREATE INDEX IF NOT EXISTS task_open_resolution_due ON task (tenant_id, resolution_due_at)"
    f" WHERE {OPEN} AND resolution_due_at IS NOT NULL",
    # A client's open backlog counted by status.
    f"CREATE INDEX IF NOT EXISTS task_open_status ON task (tenant_id, status) WHERE {OPEN}",
    # Lists across several tenants (an account manager's clients) newest first: tenant_id IN (…) cannot use
    # the (tenant_id, created_at) index for the order, so without this one every row is sorted.
    "CREATE INDEX IF NOT EXISTS task_created ON task (created_at, id)",
)


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="work", description=DESCRIPTION)

    async def create_indexes() -> None:
        engine = engine_finder()
        for statement in STATEMENTS:
            await engine.run_ddl(statement)

    manager.add_raw(create_indexes)
    return manager
