"""Pools: teams of operators at a site, in a time zone, that serve queues."""

from __future__ import annotations

from typing import Any
from uuid import UUID, uuid4

import msgspec

from retaguarda.errors import Conflict, FieldError, NotFound
from retaguarda.integrity import StillReferenced, refuse_if_referenced
from retaguarda.listing import keyset_page
from retaguarda.tenancy import TenantContext
from retaguarda.wire import from_row
from staffing.schemas import PoolCreate, PoolRead, PoolUpdate
from staffing.service.owner import roster_owner, unless_taken
from staffing.tables import Pool, PoolMembership, Shift
from tenants.service.validation import check_timezone, raise_if_any

NAME_TAKEN = FieldError("name", "taken", "A pool with this name exists.")


def _read(row: dict[str, Any]) -> PoolRead:
    return from_row(row, PoolRead)


async def list_pools(
    ctx: TenantContext, *, cursor: str | None, limit: int
) -> tuple[list[PoolRead], str | None]:
    return await keyset_page(ctx.select(Pool), Pool, cursor, limit, _read)


async def get_pool(ctx: TenantContext, pool_id: UUID) -> PoolRead:
    row = await ctx.select(Pool).where(Pool.id == pool_id).first()
    if row is None:
        raise NotFound()
    return _read(row)


async def require_pool(ctx: TenantContext, pool_id: UUID, *, field: str = "poolId") -> PoolRead:
    """The pool a request body names (404 naming the field when unknown)."""
    row = await ctx.select(Pool).where(Pool.id == pool_id).first()
    if row is None:
        raise NotFound(errors=[FieldError(field, "not_found", "No such pool.")])
    return _read(row)


async def _name_taken(ctx: TenantContext, tenant_id: UUID, name: str) -> bool:
    return bool(await ctx.exists(Pool).where((Pool.tenant_id == tenant_id) & (Pool.name == name)))


async def create_pool(ctx: TenantContext, data: PoolCreate) -> PoolRead:
    tenant_id = roster_owner(ctx)
    raise_if_any(check_timezone(data.timezone))
    if await _name_taken(ctx, tenant_id, data.name):
        raise Conflict(errors=[NAME_TAKEN])
    pool = Pool(id=uuid4(), tenant_id=tenant_id, name=data.name, site=data.site, timezone=data.timezone)
    await unless_taken(ctx.insert(pool), NAME_TAKEN)
    return await get_pool(ctx, pool.id)


async def update_pool(ctx: TenantContext, pool_id: UUID, data: PoolUpdate) -> PoolRead:
    current = await get_pool(ctx, pool_id)
    changes = {k: v for k, v in msgspec.structs.asdict(data).items() if v is not msgspec.UNSET}
    raise_if_any(check_timezone(changes["timezone"]) if "timezone" in changes else None)
    if changes.get("name", current.name) != current.name and await _name_taken(
        ctx, current.tenant_id, changes["name"]
    ):
        raise Conflict(errors=[NAME_TAKEN])
    if changes:
        await unless_taken(ctx.update(Pool, changes).where(Pool.id == pool_id).run(), NAME_TAKEN)
    return await get_pool(ctx, pool_id)


async def delete_pool(ctx: TenantContext, pool_id: UUID) -> None:
    """A pool with memberships (past ones included: they are the staffing history) is not deleted; its
    shifts stay, no longer tied to a pool."""
    await get_pool(ctx, pool_id)
    members = await ctx.count(PoolMembership).where(PoolMembership.pool_id == pool_id)
    if members:
        raise StillReferenced(f"The pool has {members} membership(s); delete them first.")
    await refuse_if_referenced(Pool, pool_id)  # scaling plans
    await ctx.update(Shift, {Shift.pool_id: None}).where(Shift.pool_id == pool_id)
    await ctx.delete(Pool).where(Pool.id == pool_id)
