"""PostgreSQL walls the tenants off too: row-level security on every tenant table, and the two roles.

Every table with a ``tenant_id`` column has row-level security ENABLEd and FORCEd and one policy,
``tenant_wall``: a row can be read or written only when its tenant is among ``retaguarda.tenant_ids`` or
``retaguarda.all_tenants`` is ``on``, the scope each connection publishes for the code running on it
(:mod:`retaguarda.db`; :mod:`retaguarda.tenancy` sets it from the principal). Nothing published, nothing
seen: a query that skipped the scoping helper, or forgot for whom it runs, finds no other tenant's rows, and
an insert or update that would put a row in an unreachable tenant fails.

Two roles. The owner owns the schema and runs the migrations (``DATABASE_OWNER_URL``); the app connects as
``DATABASE_URL``'s role, which is not a superuser, owns no table and has only SELECT, INSERT, UPDATE and
DELETE, so the policies hold it. (FORCE holds the owner too, except a superuser; migrations publish every
tenant, as they act for the whole database.)

:func:`migrate_database` runs the migrations as the owner, then walls off every tenant table the catalog shows
without its wall, so a table a later migration adds is covered the next time migrations run, and grants the
app's role what it lacks. Already walled, nothing is touched: no lock is taken on a running database.
"""

from __future__ import annotations

import logging
from urllib.parse import urlparse

from piccolo.apps.migrations.commands.forwards import run_forwards
from piccolo.apps.migrations.tables import Migration
from piccolo.conf.apps import Finder
from piccolo.engine.postgres import PostgresEngine
from piccolo.table import Table

from retaguarda.db import get_engine
from retaguarda.settings import DatabaseSettings, get_settings

log = logging.getLogger("retaguarda.row_security")

POLICY = "tenant_wall"
TENANT_COLUMN = "tenant_id"
# The settings are read in sub-selects, which PostgreSQL evaluates once per statement (init plans) instead of
# once per row; tenant_ids is a comma-separated list of ids, as retaguarda.db publishes it. (COALESCE makes
# the list an expression: `= ANY ((SELECT ...))` would read as a comparison with each row of a sub-query.)
POLICY_CONDITION = (
    "(SELECT current_setting('retaguarda.all_tenants', true)) = 'on' OR {column} = ANY (COALESCE("
    "(SELECT string_to_array(current_setting('retaguarda.tenant_ids', true), ',')::uuid[]), '{{}}'))"
)
# Piccolo's own bookkeeping: the app never reads it.
OWNER_ONLY_TABLES = frozenset({Migration._meta.tablename})
APP_TABLE_PRIVILEGES = ("SELECT", "INSERT", "UPDATE", "DELETE")

TENANT_TABLES_SQL = """
SELECT c.relname AS name, c.relrowsecurity AS enabled, c.relforcerowsecurity AS forced,
       EXISTS (SELECT 1 FROM pg_policy p WHERE p.polrelid = c.oid AND p.polname = $1) AS walled
FROM pg_class c
JOIN pg_namespace n ON n.oid = c.relnamespace
JOIN pg_attribute a ON a.attrelid = c.oid AND a.attname = $2 AND NOT a.attisdropped
WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p')
ORDER BY c.relname
"""
UNGRANTED_TABLES_SQL = """
SELECT c.relname AS name
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p') AND NOT (c.relname = ANY($2::text[]))
  AND NOT (has_table_privilege($1, c.oid, 'SELECT') AND has_table_privilege($1, c.oid, 'INSERT')
           AND has_table_privilege($1, c.oid, 'UPDATE') AND has_table_privilege($1, c.oid, 'DELETE'))
ORDER BY c.relname
"""
UNGRANTED_SEQUENCES_SQL = """
SELECT c.relname AS name
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = current_schema() AND c.relkind = 'S'
  -- Guarded: the planner may test a row before its relkind, and the function refuses a table.
  AND CASE WHEN c.relkind = 'S' THEN NOT has_sequence_privilege($1, c.oid, 'USAGE') ELSE false END
"""
# What the app's connection may do that the policies would not hold back.
APP_ROLE_POWERS_SQL = """
SELECT r.rolsuper AS superuser, r.rolbypassrls AS bypasses,
       (SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p') AND c.relowner = r.oid) AS owned
FROM pg_roles r WHERE r.rolname = current_user
"""


class MigrationFailed(RuntimeError):
    pass


def quote_identifier(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def wall_statements(table: str, column: str = TENANT_COLUMN) -> list[str]:
    condition = POLICY_CONDITION.format(column=quote_identifier(column))
    quoted = quote_identifier(table)
    return [
        f"ALTER TABLE {quoted} ENABLE ROW LEVEL SECURITY",
        f"ALTER TABLE {quoted} FORCE ROW LEVEL SECURITY",
        f"DROP POLICY IF EXISTS {POLICY} ON {quoted}",
        f"CREATE POLICY {POLICY} ON {quoted} USING ({condition}) WITH CHECK ({condition})",
    ]


def app_role_name(settings: DatabaseSettings) -> str | None:
    """The role the app connects as, when it is not the owner's (then it needs grants of its own)."""
    app_user = urlparse(settings.asyncpg_dsn).username
    owner_user = urlparse(settings.owner_dsn).username
    return app_user if app_user and app_user != owner_user else None


async def wall_off_tenant_tables(engine: PostgresEngine, app_role: str | None) -> list[str]:
    """Give every tenant table its wall, and the app's role its privileges, where they are missing. Returns
    the tables walled off now."""
    walled = []
    for table in await engine.run_ddl(_numbered(TENANT_TABLES_SQL, POLICY, TENANT_COLUMN)):
        if table["enabled"] and table["forced"] and table["walled"]:
            continue
        async with engine.transaction():
            for statement in wall_statements(table["name"]):
                await engine.run_ddl(statement)
        walled.append(table["name"])
    if app_role is not None:
        await _grant_app_role(engine, app_role)
    return walled


async def _grant_app_role(engine: PostgresEngine, app_role: str) -> None:
    role = quote_identifier(app_role)
    owner_only = "{" + ",".join(sorted(OWNER_ONLY_TABLES)) + "}"
    for row in await engine.run_ddl(_numbered(UNGRANTED_TABLES_SQL, app_role, owner_only)):
        privileges = ", ".join(APP_TABLE_PRIVILEGES)
        await engine.run_ddl(f"GRANT {privileges} ON {quote_identifier(row['name'])} TO {role}")
    for row in await engine.run_ddl(_numbered(UNGRANTED_SEQUENCES_SQL, app_role)):
        await engine.run_ddl(f"GRANT USAGE, SELECT ON SEQUENCE {quote_identifier(row['name'])} TO {role}")


def _numbered(sql: str, *args: str) -> str:
    """``run_ddl`` takes no parameters: our own catalog constants and role names, as quoted literals."""
    for n, value in reversed(list(enumerate(args, start=1))):
        sql = sql.replace(f"${n}", "'" + value.replace("'", "''") + "'")
    return sql


async def migrate_database() -> None:
    """Bring the configured database to the current schema: on PostgreSQL as the owner, walls included."""
    settings = get_settings().db
    if not settings.is_postgres:
        await _run_forwards()
        return
    owner = PostgresEngine(
        config={"dsn": settings.owner_dsn, "server_settings": {"retaguarda.all_tenants": "on"}}
    )
    conf = Finder().get_piccolo_conf_module()
    assert conf is not None, "piccolo_conf is not importable"
    app_engine = conf.DB
    conf.DB = owner
    _rebind_tables()
    try:
        await _run_forwards()
        walled = await wall_off_tenant_tables(owner, app_role_name(settings))
        if walled:
            log.info("row-level security now walls off %s", ", ".join(walled))
    finally:
        conf.DB = app_engine
        _rebind_tables()


async def _run_forwards() -> None:
    result = await run_forwards(app_name="all")
    if not result.success:
        raise MigrationFailed(result.message)


def _rebind_tables() -> None:
    """Tables remember the engine of their first query: the app's tables must never keep the owner's."""
    tables: list[type[Table]] = [*Finder().get_table_classes(), Migration]
    for table in tables:
        table._meta.refresh_db()


async def warn_unless_walled() -> None:
    """At start-up: say so loudly when the app's own connection would pass through the walls."""
    engine = get_engine()
    if not isinstance(engine, PostgresEngine):
        return
    rows = await engine.run_ddl(APP_ROLE_POWERS_SQL)
    if rows and (rows[0]["superuser"] or rows[0]["bypasses"] or rows[0]["owned"]):
        log.warning(
            "the app connects as a role that row-level security does not hold (superuser, BYPASSRLS or "
            "owner of %d tables): connect DATABASE_URL as the app role and migrate with DATABASE_OWNER_URL",
            rows[0]["owned"],
        )
