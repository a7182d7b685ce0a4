"""Tenant scoping: the one helper every tenant-owned read and write goes through.

A :class:`TenantContext` wraps the request's :class:`Principal`. Its ``select`` / ``objects`` / ``update`` /
``delete`` / ``get`` / ``insert`` add the tenant condition to every statement, so a service cannot forget it:
a client reaches only its own tenant, an account manager only the clients assigned to it, provider staff every
tenant. A row of an unreachable tenant behaves exactly like a row that does not exist (404), so ids of other
tenants leak nothing.

:func:`unit_of_work` opens the request's one transaction and, on PostgreSQL, publishes the reachable tenants
(``retaguarda.tenant_ids``, ``retaguarda.all_tenants``) that the row-level security policies on every tenant
table check (:mod:`retaguarda.row_security`): a query that skipped this helper still sees no other tenant's
rows. :func:`statement_unit` is the same for the hot handlers whose PostgreSQL writes are one atomic
statement: it opens no transaction around it. :func:`acting_for_system` is the scope of work no person asked
for. SQLite (embedded mode) has no row-level security: there the helper is the only wall.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, AsyncIterator, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any, TypeVar
from uuid import UUID

from litestar import Request
from piccolo.columns import Column
from piccolo.custom_types import Combinable
from piccolo.query import Delete, Objects, Select, Update
from piccolo.table import Table

from retaguarda.auth.guards import current_principal
from retaguarda.auth.middleware import SAFE_METHODS
from retaguarda.auth.principal import ROLE_SCOPES, Principal, Role, TenantKind
from retaguarda.db import ALL_TENANTS, RowScope, is_postgres, row_scope, transaction
from retaguarda.errors import FieldError, InvalidInput, NotFound

T = TypeVar("T", bound=Table)


def tenant_column(table: type[Table]) -> Column:
    """The column that says which tenant owns a row: ``tenant_id``, or the column a table names in
    ``__tenant_column__`` (the tenants table is owned by itself: ``id``)."""
    name = getattr(table, "__tenant_column__", "tenant_id")
    column = getattr(table, name, None)
    if not isinstance(column, Column):
        raise TypeError(f"{table.__name__} is not tenant-owned (no {name!r} column)")
    return column


@dataclass(frozen=True, slots=True)
class TenantContext:
    principal: Principal

    @property
    def tenant_id(self) -> UUID:
        return self.principal.tenant_id

    @property
    def reachable(self) -> frozenset[UUID] | None:
        return self.principal.reachable_tenant_ids

    def can_reach(self, tenant_id: UUID) -> bool:
        return self.principal.can_reach(tenant_id)

    def require(self, tenant_id: UUID) -> None:
        """Raise NotFound for a tenant the caller may not reach (never Forbidden: that would confirm it)."""
        if not self.can_reach(tenant_id):
            raise NotFound()

    def condition(self, table: type[Table]) -> Combinable | None:
        reachable = self.reachable
        if reachable is None:
            return None
        column = tenant_column(table)
        if not reachable:
            # An empty set must match nothing; `IN ()` is not valid SQL everywhere.
            return column.is_null() & column.is_not_null()
        return column.is_in(list(reachable))

    def _scoped(self, query: Any, table: type[Table]) -> Any:
        condition = self.condition(table)
        return query if condition is None else query.where(condition)

    def select(self, table: type[Table], *columns: Any) -> Select[Any]:
        """A scoped SELECT; JSON columns come back decoded."""
        return self._scoped(table.select(*columns).output(load_json=True), table)  # type: ignore[no-any-return]

    def objects(self, table: type[T]) -> Objects[T]:
        return self._scoped(table.objects(), table)  # type: ignore[no-any-return]

    def count(self, table: type[Table]) -> Any:
        return self._scoped(table.count(), table)

    def exists(self, table: type[Table]) -> Any:
        return self._scoped(table.exists(), table)

    def update(self, table: type[Table], values: Mapping[Any, Any]) -> Update[Any]:
        return self._scoped(table.update(dict(values)), table)  # type: ignore[no-any-return]

    def delete(self, table: type[Table]) -> Delete:
        return self._scoped(table.delete(), table)  # type: ignore[no-any-return]

    async def get(self, table: type[T], row_id: Any) -> T:
        """The row with this primary key, if the caller may reach it; NotFound otherwise."""
        row = await self.objects(table).where(table._meta.primary_key == row_id).first()
        if row is None:
            raise NotFound()
        return row

    async def insert(self, *rows: T) -> list[T]:
        """Save new rows after checking each one's tenant is reachable."""
        for row in rows:
            self.require(getattr(row, tenant_column(type(row))._meta.name))
        for row in rows:
            await row.save()
        return list(rows)


def owning_client(ctx: TenantContext, requested: UUID | None) -> UUID:
    """The client tenant a write lands in. A client user writes into its own tenant (naming another one is a
    404, as if it did not exist); provider staff must name the client (422 without one) and reach it (404
    otherwise)."""
    principal = ctx.principal
    if principal.tenant_kind is TenantKind.CLIENT:
        if requested is not None and requested != principal.tenant_id:
            raise NotFound()
        return principal.tenant_id
    if requested is None:
        raise InvalidInput(errors=[FieldError("tenantId", "required", "Name the client tenant.")])
    ctx.require(requested)
    return requested


def system_context(tenant_id: UUID | None = None) -> TenantContext:
    """The scope of work no person asked for (jobs, the CLI, the demo loader): one tenant when given, else
    all.
    Jobs that act for a tenant pass its id, so the same scoping rules still fence them in."""
    return TenantContext(
        Principal(
            tenant_id=tenant_id or UUID(int=0),
            tenant_kind=TenantKind.PROVIDER,
            role=Role.ADMIN,
            via="system",
            scopes=ROLE_SCOPES[Role.ADMIN],
            reachable_tenant_ids=None if tenant_id is None else frozenset({tenant_id}),
            locale="en",
            timezone="UTC",
            display_name="system",
        )
    )


def row_scope_of(principal: Principal) -> RowScope:
    """The tenants PostgreSQL's row-level security lets this principal's statements see: the same reachable
    set the helper above scopes by (the provider's staff: every tenant; an account manager: its own and its
    assigned clients; a client: itself)."""
    return RowScope.of(principal.reachable_tenant_ids)


@asynccontextmanager
async def unit_of_work(principal: Principal, *, write: bool = True) -> AsyncIterator[TenantContext]:
    """The request's one transaction, knowing its principal; on PostgreSQL its connection publishes the
    principal's tenants for row-level security."""
    async with row_scope(row_scope_of(principal)), transaction(write=write):
        yield TenantContext(principal)


@asynccontextmanager
async def statement_unit(principal: Principal, *, write: bool = True) -> AsyncIterator[TenantContext]:
    """The unit of work of a handler whose writes on PostgreSQL are one statement, atomic by itself (a claim,
    a completion, an intake without an idempotency key): each statement runs in its own implicit transaction,
    without the BEGIN and COMMIT round trips around it, which were half of such a request's. A handler that
    writes more than once under it opens ``transaction()`` around those writes itself. Each statement's
    connection publishes the principal's tenants as it is handed out (no round trip when it already did for
    an earlier statement of the same scope). SQLite gets the usual :func:`unit_of_work`."""
    if not is_postgres():
        async with unit_of_work(principal, write=write) as ctx:
            yield ctx
        return
    async with row_scope(row_scope_of(principal)):
        yield TenantContext(principal)


@asynccontextmanager
async def acting_for_system() -> AsyncIterator[None]:
    """Work that acts for no person, across tenants: jobs, the periodic sweeps, the command line, and the
    look-ups that find out who is signing in. On PostgreSQL its connections publish every tenant
    (``retaguarda.all_tenants``), deliberately and only here; the app never connects as the tables' owner.
    The application-level scoping still applies inside (``system_context(tenant_id)`` fences a job to the
    tenant it acts for)."""
    async with row_scope(ALL_TENANTS):
        yield


async def provide_tenant_context(request: Request[Any, Any, Any]) -> AsyncGenerator[TenantContext, None]:
    """Litestar dependency: the request's unit of work. It must stay a handler's only dependency: Litestar
    resolves sibling dependencies in a task group, and a transaction opened in another task would not be the
    one the handler's queries see."""
    async with unit_of_work(current_principal(request), write=request.method not in SAFE_METHODS) as ctx:
        yield ctx


async def provide_statement_context(request: Request[Any, Any, Any]) -> AsyncGenerator[TenantContext, None]:
    """Litestar dependency: the request's :func:`statement_unit` (for handlers that declare it)."""
    async with statement_unit(current_principal(request), write=request.method not in SAFE_METHODS) as ctx:
        yield ctx
