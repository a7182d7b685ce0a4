"""The claim-order index gains the claim's last tie-breaker (id), so a claim stops at the first index entry
it may take instead of sorting the ties it reads."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-11-28T23:20:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "claim order index with id"

STATEMENTS = (
    "DROP INDEX IF EXISTS task_claim_order",
    "CREATE INDEX IF NOT EXISTS task_claim_order ON task (due_at, priority DESC, created_at, id)"
    " WHERE status = 'queued'",
)


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="work", description=DESCRIPTION)

    async def recreate_index() -> None:
        engine = engine_finder()
        for statement in STATEMENTS:
            await engine.run_ddl(statement)

    manager.add_raw(recreate_index)
    return manager
