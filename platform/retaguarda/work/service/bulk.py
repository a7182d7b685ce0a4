"""Inserting many rows at once, for the paths that write thousands per transaction (CSV imports, SLA
sweeps)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from piccolo.columns import Column
from piccolo.engine.postgres import PostgresEngine
from piccolo.table import Table

from retaguarda.db import get_engine


async def bulk_insert(table: type[Table], columns: Sequence[Column], rows: list[tuple[Any, ...]]) -> None:
    """Insert many rows in the current transaction: COPY on Postgres, one prepared statement run for every row
    on SQLite. Piccolo's ``insert`` builds its SQL value by value, which costs more than the import's own
    validation; values here are what Piccolo would store (JSON as text, SQLite's adapters for ids and times).
    Callers scope the rows themselves."""
    engine = get_engine()
    current = engine.current_transaction.get()
    assert current is not None, "bulk inserts run inside a transaction"
    names = [column._meta.db_column_name for column in columns]
    if isinstance(engine, PostgresEngine):
        await current.connection.copy_records_to_table(table._meta.tablename, records=rows, columns=names)
        return
    quoted = ", ".join(f'"{name}"' for name in names)
    placeholders = ", ".join("?" for _ in names)
    statement = f'INSERT INTO "{table._meta.tablename}" ({quoted}) VALUES ({placeholders})'  # noqa: S608
    await current.connection.executemany(statement, rows)
