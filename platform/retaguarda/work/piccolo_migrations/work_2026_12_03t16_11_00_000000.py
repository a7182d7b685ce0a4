"""Task search over title, reference and field values, fast at 100,000 tasks and more: on PostgreSQL a
trigram GIN index (pg_trgm) on the very expression work.service.search matches with ILIKE '%…%', so a CNPJ or
an amount anywhere in the payload is found by the index, not a scan. SQLite (embedded mode, small data)
scans. Also: one preference row per person and kind of notice."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import PostgresEngine, engine_finder

ID = "2026-12-03T16:11:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "task search index"

# Must stay character for character the expression of work.service.search.SEARCH_EXPRESSION (a test
# compares them): the planner uses the index only for the same expression.
SEARCH_EXPRESSION = "lower(title || ' ' || coalesce(external_ref, '') || ' ' || payload::text)"
POSTGRES = (
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    f"CREATE INDEX IF NOT EXISTS task_search ON task USING gin (({SEARCH_EXPRESSION}) gin_trgm_ops)",
)
BOTH = (
    "CREATE UNIQUE INDEX IF NOT EXISTS notification_preference_user_kind"
    " ON notification_preference (user_id, kind)",
)


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="work", description=DESCRIPTION)

    async def create_indexes() -> None:
        engine = engine_finder()
        statements = (*POSTGRES, *BOTH) if isinstance(engine, PostgresEngine) else BOTH
        for statement in statements:
            await engine.run_ddl(statement)

    manager.add_raw(create_indexes)
    return manager
