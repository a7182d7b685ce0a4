"""The database engine and the transaction helper.

Embedded mode keeps everything in one SQLite file; full mode uses PostgreSQL through an asyncpg pool that the
app starts and stops with its lifespan. Piccolo finds the engine through ``piccolo_conf.DB``, which is
:func:`get_engine`'s result, so tables, migrations and the app all share one engine object.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from contextvars import ContextVar
from functools import lru_cache
from typing import Any

from piccolo.engine.base import Engine
from piccolo.engine.postgres import PostgresEngine
from piccolo.engine.sqlite import SQLiteEngine, TransactionType

from retaguarda.settings import DatabaseSettings, get_settings


def create_engine(settings: DatabaseSettings) -> Engine[Any]:
    if settings.is_postgres:
        return PostgresEngine(config={"dsn": settings.asyncpg_dsn})
    settings.sqlite_path.parent.mkdir(parents=True, exist_ok=True)
    # A generous busy timeout: in embedded mode the web requests and the in-process job runner share one
    # file, and SQLite serialises writers; waiting is right, failing with "database is locked" is not.
    return SQLiteEngine(path=str(settings.sqlite_path), timeout=30)


@lru_cache(maxsize=1)
def get_engine() -> Engine[Any]:
    return create_engine(get_settings().db)


def is_postgres() -> bool:
    return isinstance(get_engine(), PostgresEngine)


async def start_database() -> None:
    """Open the pool (Postgres) or switch the file to WAL so readers never wait on the writer (SQLite)."""
    engine = get_engine()
    settings = get_settings().db
    if isinstance(engine, PostgresEngine):
        if engine.pool is None:
            await engine.start_connection_pool(min_size=settings.pool_min, max_size=settings.pool_max)
    else:
        await engine.run_ddl("PRAGMA journal_mode=WAL")


async def stop_database() -> None:
    engine = get_engine()
    if isinstance(engine, PostgresEngine) and engine.pool is not None:
        await engine.close_connection_pool()


_after_commit: ContextVar[list[Callable[[], None]] | None] = ContextVar("after_commit", default=None)


def after_commit(callback: Callable[[], None]) -> None:
    """Run ``callback`` once the current transaction has committed (at once when none is open).

    This is how a job runner is woken for an outbox row: never before the row is visible to it.
    """
    pending = _after_commit.get()
    if pending is None:
        callback()
    else:
        pending.append(callback)


@asynccontextmanager
async def transaction(*, write: bool = True) -> AsyncIterator[None]:
    """One database transaction; a nested call joins the transaction already open.

    On SQLite a writing transaction starts IMMEDIATE: it takes the write lock up front, so two writers queue
    behind the busy timeout instead of deadlocking on a lock upgrade half-way through.
    """
    engine = get_engine()
    if engine.transaction_exists():
        yield
        return
    callbacks: list[Callable[[], None]] = []
    token = _after_commit.set(callbacks)
    try:
        if isinstance(engine, SQLiteEngine):
            kind = TransactionType.immediate if write else TransactionType.deferred
            async with engine.transaction(transaction_type=kind):
                yield
        else:
            async with engine.transaction():
                yield
    finally:
        _after_commit.reset(token)
    for callback in callbacks:
        callback()


async def ping() -> None:
    """Raise when the database does not answer."""
    await get_engine().run_ddl("SELECT 1")


def is_unique_violation(exc: BaseException) -> bool:
    """True for a duplicate key on either engine (asyncpg's UniqueViolationError, sqlite's IntegrityError)."""
    name = type(exc).__name__
    return name == "UniqueViolationError" or (name == "IntegrityError" and "UNIQUE" in str(exc))
