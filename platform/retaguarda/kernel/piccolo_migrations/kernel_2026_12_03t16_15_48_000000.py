"""The audit log refuses UPDATE and DELETE on PostgreSQL (a migration of its own: Piccolo runs a migration's
raw steps before its tables exist)."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder
from piccolo.engine.postgres import PostgresEngine

ID = "2026-12-03T16:15:48:000000"
VERSION = "1.38.0"
DESCRIPTION = "the audit log is append-only"

# The database itself refuses to change or remove an entry, whoever asks (the code has no path that would).
# TRUNCATE is not refused: it is the owner's alone, and the test harness empties tables with it.
STATEMENTS = (
    """CREATE OR REPLACE FUNCTION audit_entry_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        RAISE EXCEPTION 'the audit log is append-only: % refused', TG_OP
            USING ERRCODE = 'insufficient_privilege';
    END
    $$""",
    "DROP TRIGGER IF EXISTS audit_entry_append_only ON audit_entry",
    """CREATE TRIGGER audit_entry_append_only BEFORE UPDATE OR DELETE ON audit_entry
    FOR EACH ROW EXECUTE FUNCTION audit_entry_refuse_change()""",
)


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="kernel", description=DESCRIPTION)

    async def refuse_changes() -> None:
        engine = engine_finder()
        if isinstance(engine, PostgresEngine):
            for statement in STATEMENTS:
                await engine.run_ddl(statement)

    manager.add_raw(refuse_changes)
    return manager
