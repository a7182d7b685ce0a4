"""PostgreSQL: the look-ups that find out who is calling, as functions that see every tenant.

Row-level security (retaguarda.row_security) shows a statement only the tenants its connection published, and
before the caller is known there is none to publish: the session cookie or API key is what names the tenant.
These functions publish every tenant for their own query only and put the caller's setting back before they
return: each finds rows by a secret hash (or, for an account manager, its own assignments) and nothing else. They run with the caller's privileges (SECURITY
INVOKER). SQLite has no row-level security and keeps the plain queries."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import PostgresEngine, engine_finder

ID = "2026-12-03T16:30:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "authentication look-ups for row-level security"

# Each widens the scope for its own query and puts back what it found: set_config(..., true) would otherwise
# last to the end of the caller's transaction. (A SET clause in the definition would restore it by itself,
# but PostgreSQL lets only a superuser attach a custom setting to a function.) An error inside aborts the
# statement, and with it the widened setting.
FUNCTION = """
CREATE OR REPLACE FUNCTION {name}({parameters}) RETURNS SETOF {returns}
LANGUAGE plpgsql VOLATILE ROWS 1 AS $fn$
DECLARE
    v_outer text := current_setting('retaguarda.all_tenants', true);
BEGIN
    PERFORM set_config('retaguarda.all_tenants', 'on', true);
    RETURN QUERY {query};
    PERFORM set_config('retaguarda.all_tenants', coalesce(v_outer, ''), true);
END
$fn$
"""
STATEMENTS = tuple(
    FUNCTION.format(name=name, parameters=parameters, returns=returns, query=query)
    for name, parameters, returns, query in (
        ("auth_api_key", "p_key_hash varchar", "api_key", "SELECT * FROM api_key WHERE key_hash = p_key_hash"),
        (
            "auth_session",
            "p_token_hash varchar, p_now timestamptz",
            "kernel_session",
            "SELECT * FROM kernel_session WHERE token_hash = p_token_hash AND expires_at > p_now",
        ),
        (
            "auth_membership",
            "p_user uuid, p_tenant uuid",
            "membership",
            "SELECT * FROM membership WHERE user_id = p_user AND tenant_id = p_tenant",
        ),
        (
            "auth_assigned_tenants",
            "p_manager uuid",
            "uuid",
            "SELECT tenant_id FROM account_assignment WHERE manager_id = p_manager",
        ),
    )
)


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="tenants", description=DESCRIPTION)

    async def create_functions() -> None:
        engine = engine_finder()
        if isinstance(engine, PostgresEngine):
            for statement in STATEMENTS:
                await engine.run_ddl(statement)

    manager.add_raw(create_functions)
    return manager
