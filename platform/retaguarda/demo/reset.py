"""``retaguarda demo --reset``: every row of every table goes (the schema stays), so the demo loads afresh."""

from __future__ import annotations

import asyncpg
from piccolo.conf.apps import Finder
from piccolo.engine.postgres import PostgresEngine
from piccolo.table import sort_table_classes

from retaguarda.db import get_engine, transaction
from retaguarda.settings import get_settings


async def empty_database() -> None:
    tables = sort_table_classes(Finder().get_table_classes())
    engine = get_engine()
    names = [table._meta.tablename for table in tables]
    if isinstance(engine, PostgresEngine):
        # TRUNCATE is the tables' owner's alone (the app's role may only read and write rows).
        owner = await asyncpg.connect(get_settings().db.owner_dsn)
        try:
            await owner.execute("TRUNCATE " + ", ".join(f'"{name}"' for name in names) + " CASCADE")
        finally:
            await owner.close()
        return
    async with transaction():
        # Foreign keys are checked at commit, once every table is empty.
        await engine.run_ddl("PRAGMA defer_foreign_keys = ON")
        for name in reversed(names):
            await engine.run_ddl(f'DELETE FROM "{name}"')  # noqa: S608 - our own table names
