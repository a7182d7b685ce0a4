"""The database engine, the transaction helper and the tenant scope each PostgreSQL connection publishes.

Embedded mode keeps everything in one SQLite file; full mode uses PostgreSQL through an asyncpg pool that the
app starts and stops with its lifespan. Piccolo finds the engine through ``piccolo_conf.DB``, which is
:func:`get_engine`'s result, so tables and the app share one engine object (migrations run on the owner's own
engine: :mod:`retaguarda.row_security`).

On PostgreSQL every table that carries ``tenant_id`` has a row-level security policy that reads two settings,
``retaguarda.tenant_ids`` and ``retaguarda.all_tenants`` (:mod:`retaguarda.row_security`). The code says which
tenants it acts for with :func:`row_scope` (a :class:`RowScope` in a context variable; the tenancy helpers and
the job runners set it), and every connection handed out publishes that scope before its first statement.
Nothing set: no tenant at all, so a statement that forgot to say for whom it runs sees no tenant's rows.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import AsyncIterator, Callable, Iterable, Iterator, Sequence
from contextlib import asynccontextmanager, contextmanager, suppress
from contextvars import ContextVar
from dataclasses import dataclass
from functools import lru_cache
from typing import Any
from uuid import UUID

import asyncpg
from piccolo.columns import Column
from piccolo.engine import engine_finder
from piccolo.engine.base import Engine
from piccolo.engine.postgres import PostgresEngine
from piccolo.engine.sqlite import SQLiteEngine, TransactionType, convert_datetime_in
from piccolo.table import Table

from retaguarda.settings import DatabaseSettings, get_settings
from retaguarda.wire import DateTimeParam


@dataclass(frozen=True, slots=True)
class RowScope:
    """The tenants a statement may see, as the row-level security policies read them."""

    tenant_ids: tuple[str, ...] = ()
    all_tenants: bool = False

    @classmethod
    def of(cls, reachable: Iterable[UUID] | None) -> RowScope:
        """None (every tenant, as the provider's staff and system work reach) or the tenants' ids."""
        if reachable is None:
            return ALL_TENANTS
        return cls(tuple(sorted(str(tenant_id) for tenant_id in reachable)))


NO_TENANTS = RowScope()
ALL_TENANTS = RowScope(all_tenants=True)

# None: the statements about to run publish their own scope (see scope_in_statement).
_row_scope: ContextVar[RowScope | None] = ContextVar("row_scope", default=NO_TENANTS)

PUBLISH_SCOPE_SQL = (
    "SELECT set_config('retaguarda.tenant_ids', $1, $3), set_config('retaguarda.all_tenants', $2, $3)"
)


class ScopedConnection(asyncpg.Connection):  # type: ignore[misc]
    """An asyncpg connection that remembers the scope it published for its session, so a connection handed
    out again under the same scope (an operator's next claim on the same pool connection) costs no round
    trip; a different scope costs one."""

    __slots__ = ("_published",)

    async def publish_row_scope(self, scope: RowScope, *, local: bool = False) -> None:
        """Publish ``scope`` for the session, or with ``local`` for the open transaction only."""
        if not local and getattr(self, "_published", None) == scope:
            return
        # Unknown until the server has answered: a statement interrupted half-way must not leave a broader
        # scope on the connection than the one recorded here.
        self._published: RowScope | None = None
        all_tenants = "on" if scope.all_tenants else "off"
        await self.fetch(PUBLISH_SCOPE_SQL, ",".join(scope.tenant_ids), all_tenants, local)
        if not local:
            self._published = scope


async def _publish_current_scope(connection: Any) -> None:
    """asyncpg's ``setup``: runs each time the pool hands a connection out, in the task that asked for it."""
    scope = _row_scope.get()
    if scope is not None:
        await connection.publish_row_scope(scope)


class ScopedPostgresEngine(PostgresEngine):
    """Piccolo's engine, whose connections publish the scope as they are handed out, whoever starts the pool
    and whatever its size, and also when opened outside the pool (a command-line run without one)."""

    async def start_connection_pool(self, **kwargs: Any) -> None:
        # asyncpg's default reset (RESET ALL) would erase the published scope behind the connection's record
        # of it; this application needs no other reset (_keep_session says why).
        await super().start_connection_pool(
            **{**kwargs, "setup": _publish_current_scope, "reset": _keep_session}
        )

    async def get_new_connection(self) -> Any:
        connection = await super().get_new_connection()
        await _publish_current_scope(connection)
        return connection


@asynccontextmanager
async def row_scope(scope: RowScope) -> AsyncIterator[None]:
    """Run the block for ``scope``'s tenants: every connection it takes from the pool publishes that scope.
    Inside a transaction already open (its connection was taken under the outer scope) the scope is
    published for the transaction until the block ends, then the outer one again."""
    outer = _row_scope.get()
    token = _row_scope.set(scope)
    try:
        engine = get_engine()
        current = engine.current_transaction.get() if isinstance(engine, PostgresEngine) else None
        if current is None or scope == outer:
            yield
            return
        await current.connection.publish_row_scope(scope, local=True)
        try:
            yield
        finally:
            # Never back to a broader scope than the outer block's; an aborted transaction ends anyway.
            with suppress(asyncpg.PostgresError):
                await current.connection.publish_row_scope(outer or NO_TENANTS, local=True)
    finally:
        _row_scope.reset(token)


def act_for_system_throughout() -> None:
    """For a process whose own statements are all system work (the test harness: it builds worlds and reads
    back what requests wrote): every tenant, unless a block says otherwise. Call it before the event loop
    starts, so every task inherits it. Requests still start with no tenant (request_row_scope)."""
    _row_scope.set(ALL_TENANTS)


@contextmanager
def request_row_scope() -> Iterator[None]:
    """A request's start: no tenant until its unit of work says which (no transaction is open yet)."""
    token = _row_scope.set(NO_TENANTS)
    try:
        yield
    finally:
        _row_scope.reset(token)


@contextmanager
def scope_in_statement() -> Iterator[None]:
    """For the few statements that publish their scope themselves (the authentication functions, which carry
    ``SET retaguarda.all_tenants`` in their definition): the connection they run on is taken as it is."""
    token = _row_scope.set(None)
    try:
        yield
    finally:
        _row_scope.reset(token)


def create_engine(settings: DatabaseSettings) -> Engine[Any]:
    if settings.is_postgres:
        return ScopedPostgresEngine(
            config={"dsn": settings.asyncpg_dsn, "connection_class": ScopedConnection}
        )
    settings.sqlite_path.parent.mkdir(parents=True, exist_ok=True)
    # Date-time query parameters arrive as wire.DateTimeParam, a datetime subclass; the sqlite3 module picks
    # adapters by exact type, so without this one the value reaches SQLite unconverted.
    sqlite3.register_adapter(DateTimeParam, convert_datetime_in)
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
            await engine.start_connection_pool(
                min_size=settings.pool_min,
                max_size=settings.pool_max,
            )
    else:
        await engine.run_ddl("PRAGMA journal_mode=WAL")
    # Piccolo's tables look their engine up through piccolo_conf at their first query, importing the app
    # registry and the migration machinery with it (black included): done now, at start-up, instead of in
    # the first request, and before the app freezes its start-up heap (app.settle_heap_for_serving).
    engine_finder()


async def _keep_session(connection: Any) -> None:
    """What the pool does to a connection handed back, after asyncpg has rolled back any transaction left
    open on it: nothing more.

    asyncpg's default reset runs ``pg_advisory_unlock_all(); CLOSE ALL; UNLISTEN *; RESET ALL`` on every
    release, a round trip per pool checkout (two per request: the principal's lookup and the unit of work).
    This application leaves no session state on a connection for the next user to inherit but one, which
    the next user replaces before its first statement: the tenant scope published for row-level security
    (``_publish_current_scope``, the pool's ``setup``). It takes no session advisory locks, opens no cursor
    WITH HOLD and never LISTENs. Code that starts doing any of these must bring the default reset back."""


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


async def plan_each_statement() -> None:
    """PostgreSQL: plan the rest of this transaction's statements for their actual values. A prepared
    statement run often falls back to a generic plan, and for a search pattern or a risk window the generic
    plan walks an index in order and filters 100,000 rows (a 1 s page) where the values' own plan reads a
    handful (a few ms). Costs one round trip; a no-op outside a transaction and on SQLite."""
    if is_postgres() and get_engine().transaction_exists():
        await pg_fetch("SET LOCAL plan_cache_mode = force_custom_plan")


async def pg_fetch(sql: str, *args: Any) -> list[Any]:
    """Postgres only: one statement written with asyncpg's own ``$1, $2`` placeholders, run on the current
    transaction's connection (a pooled one outside a transaction); the rows as asyncpg records.

    The hot paths (claim, completion, intake) run a few fixed statements per request; this skips Piccolo's
    query-string processing, which costs more CPU than the database takes to answer them. Piccolo's own
    ``run_querystring`` does the same connection lookup, so the statement joins the request's transaction.
    """
    engine = get_engine()
    if not isinstance(engine, PostgresEngine):
        raise TypeError("pg_fetch runs on PostgreSQL only")
    current = engine.current_transaction.get()
    if current is not None:
        return list(await current.connection.fetch(sql, *args))
    if engine.pool is None:
        raise RuntimeError("the database pool is not started")
    async with engine.pool.acquire() as connection:
        return list(await connection.fetch(sql, *args))


async def ping() -> None:
    """Raise when the database does not answer."""
    await get_engine().run_ddl("SELECT 1")


def is_unique_violation(exc: BaseException) -> bool:
    """True for a duplicate key on either engine (asyncpg's UniqueViolationError, sqlite's IntegrityError)."""
    name = type(exc).__name__
    return name == "UniqueViolationError" or (name == "IntegrityError" and "UNIQUE" in str(exc))


def json_value(value: Any) -> Any:
    """A JSON column's value (Piccolo hands JSON back as text unless asked otherwise)."""
    return json.loads(value) if isinstance(value, str | bytes) else value


def positional(sql: str, **values: Any) -> tuple[str, list[Any]]:
    """Named ``{name}`` placeholders → Piccolo's positional ``{}`` with the values in order (a value used
    three times is passed three times). A value that is a plain ``str`` under a name starting with ``lock``
    is SQL text, not a parameter (the engine-specific locking clause)."""
    pieces: list[str] = []
    args: list[Any] = []
    rest = sql
    while "{" in rest:
        head, _, tail = rest.partition("{")
        name, _, rest = tail.partition("}")
        if name.startswith("lock"):
            pieces.append(head + values[name])
            continue
        pieces.append(head + "{}")
        args.append(values[name])
    pieces.append(rest)
    return "".join(pieces), args


async def bulk_insert(table: type[Table], columns: Sequence[Column], rows: list[tuple[Any, ...]]) -> None:
    """Insert many rows in the current transaction: on Postgres one INSERT of the rows as column arrays
    (``unnest``), on SQLite one prepared statement run for every row. Piccolo's ``insert`` builds its SQL
    value by value, which costs more than the import's own validation; values here are what Piccolo would
    store (JSON as text, SQLite's adapters for ids and times). Callers scope the rows themselves, and on
    Postgres the row-level security policy checks every row too (which is also why this is not COPY:
    PostgreSQL refuses COPY FROM into a table under row-level security)."""
    if not rows:
        return
    engine = get_engine()
    current = engine.current_transaction.get()
    assert current is not None, "bulk inserts run inside a transaction"
    names = [column._meta.db_column_name for column in columns]
    quoted = ", ".join(f'"{name}"' for name in names)
    if isinstance(engine, PostgresEngine):
        arrays = ", ".join(f"${n}::{column.column_type}[]" for n, column in enumerate(columns, start=1))
        statement = f'INSERT INTO "{table._meta.tablename}" ({quoted}) SELECT * FROM unnest({arrays})'  # noqa: S608
        await current.connection.execute(statement, *(list(values) for values in zip(*rows, strict=True)))
        return
    placeholders = ", ".join("?" for _ in names)
    statement = f'INSERT INTO "{table._meta.tablename}" ({quoted}) VALUES ({placeholders})'  # noqa: S608
    await current.connection.executemany(statement, rows)
