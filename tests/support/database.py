"""Create, migrate and empty the test database, as deployed: an owner role and an app role.

The full pass is given one URL with a role that may create roles and databases (``postgres`` locally). From it
the harness makes the deployment's two roles for that database, ``<database>_owner`` (owns it, runs the
migrations) and ``<database>_app`` (what the app connects as: no superuser, owns nothing), and points
DATABASE_OWNER_URL and DATABASE_URL at them (tests/conftest.py), so the whole full pass runs the app behind
row-level security. Roles are named after the database so that runs on other databases of the same server do
not share them.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
from urllib.parse import urlparse, urlunparse

import asyncpg
from piccolo.conf.apps import Finder
from piccolo.engine.postgres import PostgresEngine
from piccolo.table import Table, sort_table_classes

from retaguarda.db import get_engine, transaction
from retaguarda.row_security import migrate_database, quote_identifier

ADMIN_URL_VARIABLE = "RETAGUARDA_TEST_ADMIN_URL"


def role_names(url: str) -> tuple[str, str]:
    """The owner and app roles of the database named in ``url``."""
    name = urlparse(url).path.lstrip("/")
    return f"{name}_owner", f"{name}_app"


def deployed_urls(admin_url: str) -> tuple[str, str]:
    """The owner's and the app's URLs for the database ``admin_url`` names (passwords: the role names)."""
    parsed = urlparse(admin_url)
    host = parsed.hostname or "127.0.0.1"
    netloc_host = f"{host}:{parsed.port}" if parsed.port else host
    owner, app = role_names(admin_url)
    return (
        urlunparse(parsed._replace(netloc=f"{owner}:{owner}@{netloc_host}")),
        urlunparse(parsed._replace(netloc=f"{app}:{app}@{netloc_host}")),
    )


def deploy_roles_from_environment() -> None:
    """DATABASE_URL names the server and database with a role that may create roles (as the full pass and
    the benchmarks are given it): keep it as the admin URL, and point DATABASE_OWNER_URL and DATABASE_URL at
    the deployment's owner and app roles. Already done (the variables set): nothing."""
    if os.environ.get("DATABASE_URL") and not os.environ.get("DATABASE_OWNER_URL"):
        os.environ[ADMIN_URL_VARIABLE] = os.environ["DATABASE_URL"]
        os.environ["DATABASE_OWNER_URL"], os.environ["DATABASE_URL"] = deployed_urls(
            os.environ["DATABASE_URL"]
        )


def admin_url() -> str:
    """The full pass's given URL (the harness moved DATABASE_URL to the app role)."""
    return os.environ.get(ADMIN_URL_VARIABLE) or os.environ["DATABASE_URL"]


async def _ensure_role(connection: asyncpg.Connection, name: str) -> None:
    exists = await connection.fetchval("SELECT 1 FROM pg_roles WHERE rolname = $1", name)
    if exists:
        return
    password = name.replace("'", "''")
    statement = f"CREATE ROLE {quote_identifier(name)} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOBYPASSRLS"
    # Another run on this server may have created it meanwhile.
    with contextlib.suppress(asyncpg.DuplicateObjectError):
        await connection.execute(f"{statement} PASSWORD '{password}'")


async def recreate_postgres_database(url: str, *, with_roles: bool = False) -> None:
    """Drop and create the database named in ``url`` (connecting to the server's maintenance database as
    ``url``'s role). ``with_roles``: also create its owner and app roles, and give the database to the
    owner."""
    parsed = urlparse(url)
    name = parsed.path.lstrip("/")
    maintenance_url = urlunparse(parsed._replace(path="/postgres"))
    connection = await asyncpg.connect(maintenance_url)
    try:
        await connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        if not with_roles:
            await connection.execute(f'CREATE DATABASE "{name}"')
            return
        owner, app = role_names(url)
        await _ensure_role(connection, owner)
        await _ensure_role(connection, app)
        await connection.execute(f'CREATE DATABASE "{name}" OWNER {quote_identifier(owner)}')
    finally:
        await connection.close()


async def drop_postgres_database(url: str) -> None:
    parsed = urlparse(url)
    connection = await asyncpg.connect(urlunparse(parsed._replace(path="/postgres")))
    try:
        await connection.execute(f'DROP DATABASE IF EXISTS "{parsed.path.lstrip("/")}" WITH (FORCE)')
    finally:
        await connection.close()


async def migrate() -> None:
    """As ``retaguarda migrate`` does: as the owner, walls included."""
    await migrate_database()


_owner_connection: asyncpg.Connection | None = None


async def owner_connection() -> asyncpg.Connection:
    """The owner's connection, for TRUNCATE (the app role is not granted it, as deployed)."""
    global _owner_connection  # noqa: PLW0603 - one per test session
    if _owner_connection is None or _owner_connection.is_closed():
        from retaguarda.settings import get_settings

        _owner_connection = await asyncpg.connect(get_settings().db.owner_dsn)
    return _owner_connection


async def close_owner() -> None:
    global _owner_connection  # noqa: PLW0603
    if _owner_connection is not None:
        await _owner_connection.close()
        _owner_connection = None


def all_tables() -> list[type[Table]]:
    return sort_table_classes(Finder().get_table_classes())


async def empty_all_tables() -> None:
    engine = get_engine()
    tables = all_tables()
    if isinstance(engine, PostgresEngine):
        names = ", ".join(f'"{t._meta.tablename}"' for t in tables)
        await (await owner_connection()).execute(f"TRUNCATE {names} CASCADE")
        return
    # One write transaction: the in-process job runner may still be finishing the previous test's job, and
    # its writes must wait rather than land between two deletes (foreign keys are checked at commit).
    async with transaction():
        await engine.run_ddl("PRAGMA defer_foreign_keys = ON")
        for table in reversed(tables):
            await engine.run_ddl(f'DELETE FROM "{table._meta.tablename}"')  # noqa: S608 - our own table names


def run(coro: object) -> None:
    asyncio.run(coro)  # type: ignore[arg-type]
