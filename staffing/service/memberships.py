"""Dated pool memberships: an operator in a pool for a period (open-ended or not), for a share of their
time, as permanent staff or as a seasonal reinforcement."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID, uuid4

import msgspec

from retaguarda.errors import Conflict, FieldError, NotFound
from retaguarda.listing import keyset_page
from retaguarda.tenancy import TenantContext
from retaguarda.wire import from_row
from staffing.schemas import MembershipCreate, MembershipKind, MembershipRead, MembershipUpdate
from staffing.service.operators import require_operator
from staffing.service.periods import as_utc, check_offset, covering, overlapping
from staffing.service.pools import get_pool
from staffing.tables import PoolMembership
from tenants.service.validation import raise_if_any


def _read(row: dict[str, Any]) -> MembershipRead:
    return from_row(row, MembershipRead)


def _check_period(
    kind: MembershipKind, valid_from: datetime, valid_until: datetime | None
) -> list[FieldError]:
    if valid_until is None:
        if kind == "seasonal":
            return [FieldError("validUntil", "required", "A seasonal reinforcement needs an end.")]
        return []
    if valid_until <= valid_from:
        return [FieldError("validUntil", "not_after_start", "Choose a time after validFrom.")]
    return []


async def _refuse_overlap(
    ctx: TenantContext,
    pool_id: UUID,
    operator_id: UUID,
    valid_from: datetime,
    valid_until: datetime | None,
    *,
    exclude: UUID | None = None,
) -> None:
    """One operator is in one pool at most once at any instant: two rows would count them twice."""
    query = ctx.exists(PoolMembership).where(
        (PoolMembership.pool_id == pool_id)
        & (PoolMembership.operator_id == operator_id)
        & overlapping(PoolMembership.valid_from, PoolMembership.valid_until, valid_from, valid_until)
    )
    if exclude is not None:
        query = query.where(PoolMembership.id != exclude)
    if await query:
        raise Conflict(
            "The operator is already a member of this pool during this period.",
            errors=[
                FieldError("validFrom", "overlaps", "Overlaps another membership of this operator here.")
            ],
        )


async def list_memberships(
    ctx: TenantContext, pool_id: UUID, *, active_at: datetime | None, cursor: str | None, limit: int
) -> tuple[list[MembershipRead], str | None]:
    raise_if_any(check_offset(active_at, "activeAt"))
    await get_pool(ctx, pool_id)
    query = ctx.select(PoolMembership).where(PoolMembership.pool_id == pool_id)
    if active_at is not None:
        query = query.where(covering(PoolMembership.valid_from, PoolMembership.valid_until, active_at))
    return await keyset_page(query, PoolMembership, cursor, limit, _read)


async def get_membership(ctx: TenantContext, pool_id: UUID, membership_id: UUID) -> MembershipRead:
    row = (
        await ctx.select(PoolMembership)
        .where((PoolMembership.id == membership_id) & (PoolMembership.pool_id == pool_id))
        .first()
    )
    if row is None:
        raise NotFound()
    return _read(row)


async def create_membership(ctx: TenantContext, pool_id: UUID, data: MembershipCreate) -> MembershipRead:
    pool = await get_pool(ctx, pool_id)
    valid_from = as_utc(data.valid_from)
    valid_until = as_utc(data.valid_until) if data.valid_until is not None else None
    raise_if_any(_check_period(data.kind, valid_from, valid_until))
    await require_operator(ctx, data.operator_id, lock=True)
    await _refuse_overlap(ctx, pool_id, data.operator_id, valid_from, valid_until)
    membership = PoolMembership(
        id=uuid4(),
        tenant_id=pool.tenant_id,
        pool_id=pool_id,
        operator_id=data.operator_id,
        kind=data.kind,
        valid_from=valid_from,
        valid_until=valid_until,
        share=data.share,
    )
    await ctx.insert(membership)
    return await get_membership(ctx, pool_id, membership.id)


async def update_membership(
    ctx: TenantContext, pool_id: UUID, membership_id: UUID, data: MembershipUpdate
) -> MembershipRead:
    """Change a membership, e.g. end a seasonal reinforcement early by moving ``validUntil``."""
    current = await get_membership(ctx, pool_id, membership_id)
    changes = {k: v for k, v in msgspec.structs.asdict(data).items() if v is not msgspec.UNSET}
    for key in ("valid_from", "valid_until"):
        if changes.get(key) is not None:
            changes[key] = as_utc(changes[key])
    valid_from = changes.get("valid_from", current.valid_from)
    valid_until = changes.get("valid_until", current.valid_until)
    raise_if_any(_check_period(changes.get("kind", current.kind), valid_from, valid_until))
    if not changes:
        return current
    await require_operator(ctx, current.operator_id, lock=True)
    await _refuse_overlap(ctx, pool_id, current.operator_id, valid_from, valid_until, exclude=membership_id)
    await ctx.update(PoolMembership, changes).where(PoolMembership.id == membership_id)
    return await get_membership(ctx, pool_id, membership_id)


async def delete_membership(ctx: TenantContext, pool_id: UUID, membership_id: UUID) -> None:
    await get_membership(ctx, pool_id, membership_id)
    await ctx.delete(PoolMembership).where(PoolMembership.id == membership_id)
