"""Create, migrate and empty the test database."""

from __future__ import annotations

import asyncio
from urllib.parse import urlparse, urlunparse

import asyncpg
from piccolo.apps.migrations.commands.forwards import run_forwards
from piccolo.conf.apps import Finder
from piccolo.engine.postgres import PostgresEngine
from piccolo.table import Table, sort_table_classes

from retaguarda.db import get_engine, transaction


async def recreate_postgres_database(url: str) -> None:
    """Drop and create the database named in ``url`` (connecting to the server's maintenance database)."""
    parsed = urlparse(url)
    name = parsed.path.lstrip("/")
    admin_url = urlunparse(parsed._replace(path="/postgres"))
    connection = await asyncpg.connect(admin_url)
    try:
        await connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await connection.execute(f'CREATE DATABASE "{name}"')
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
    result = await run_forwards(app_name="all")
    assert result.success, result.message


def all_tables() -> list[type[Table]]:
    return sort_table_classes(Finder().get_table_classes())


async def empty_all_tables() -> None:
    engine = get_engine()
    tables = all_tables()
    if isinstance(engine, PostgresEngine):
        names = ", ".join(f'"{t._meta.tablename}"' for t in tables)
        await engine.run_ddl(f"TRUNCATE {names} CASCADE")
        return
    # One write transaction: the in-process job runner may still be finishing the previous test's job, and
    # its writes must wait rather than land between two deletes (foreign keys are checked at commit).
    async with transaction():
        await engine.run_ddl("PRAGMA defer_foreign_keys = ON")
        for table in reversed(tables):
            await engine.run_ddl(f'DELETE FROM "{table._meta.tablename}"')  # noqa: S608 - our own table names


def run(coro: object) -> None:
    asyncio.run(coro)  # type: ignore[arg-type]
