"""Shifts: when an operator is scheduled to work, in UTC, at most a day long, never overlapping."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

from retaguarda.errors import Conflict, FieldError, NotFound
from retaguarda.tenancy import TenantContext
from retaguarda.wire import MAX_PAGE_SIZE, decode_cursor, encode_cursor, from_row
from staffing.schemas import ShiftCreate, ShiftRead
from staffing.service.operators import require_operator
from staffing.service.periods import as_utc, check_offset, overlapping
from staffing.service.pools import require_pool
from staffing.tables import Shift
from tenants.service.validation import raise_if_any

MAX_SHIFT = timedelta(hours=24)


def _read(row: dict[str, Any]) -> ShiftRead:
    return from_row(row, ShiftRead)


def _check_times(starts_at: datetime, ends_at: datetime) -> list[FieldError]:
    if ends_at <= starts_at:
        return [FieldError("endsAt", "not_after_start", "Choose a time after startsAt.")]
    if ends_at - starts_at > MAX_SHIFT:
        return [FieldError("endsAt", "too_long", "A shift lasts at most 24 hours.")]
    return []


async def list_shifts(
    ctx: TenantContext,
    *,
    operator_id: UUID | None,
    pool_id: UUID | None,
    since: datetime | None,
    until: datetime | None,
    cursor: str | None,
    limit: int,
) -> tuple[list[ShiftRead], str | None]:
    """Shifts in chronological order; with ``since`` / ``until``, those that overlap that window."""
    raise_if_any(check_offset(since, "from"), check_offset(until, "to"))
    if since is not None and until is not None and until <= since:
        raise_if_any(FieldError("to", "not_after_start", "Choose a time after from."))
    query = ctx.select(Shift)
    if operator_id is not None:
        query = query.where(Shift.operator_id == operator_id)
    if pool_id is not None:
        query = query.where(Shift.pool_id == pool_id)
    if since is not None:
        query = query.where(Shift.ends_at > as_utc(since))
    if until is not None:
        query = query.where(Shift.starts_at < as_utc(until))
    if cursor:
        # Keyset on (starts_at, id): a calendar reads in time order, not in order of entry.
        starts_at, row_id = decode_cursor(cursor)
        query = query.where(
            (Shift.starts_at > starts_at) | ((Shift.starts_at == starts_at) & (Shift.id > row_id))
        )
    limit = min(limit, MAX_PAGE_SIZE)
    rows = await query.order_by(Shift.starts_at, Shift.id).limit(limit + 1)
    page, more = rows[:limit], len(rows) > limit
    next_cursor = encode_cursor(page[-1]["starts_at"], page[-1]["id"]) if more else None
    return [_read(row) for row in page], next_cursor


async def get_shift(ctx: TenantContext, shift_id: UUID) -> ShiftRead:
    row = await ctx.select(Shift).where(Shift.id == shift_id).first()
    if row is None:
        raise NotFound()
    return _read(row)


async def create_shift(ctx: TenantContext, data: ShiftCreate) -> ShiftRead:
    starts_at, ends_at = as_utc(data.starts_at), as_utc(data.ends_at)
    raise_if_any(_check_times(starts_at, ends_at))
    operator = await require_operator(ctx, data.operator_id, lock=True)
    if data.pool_id is not None:
        await require_pool(ctx, data.pool_id)
    clash = await ctx.exists(Shift).where(
        (Shift.operator_id == data.operator_id)
        & overlapping(Shift.starts_at, Shift.ends_at, starts_at, ends_at)
    )
    if clash:
        raise Conflict(
            "The operator already has a shift at this time.",
            errors=[FieldError("startsAt", "overlaps", "Overlaps another shift of this operator.")],
        )
    shift = Shift(
        id=uuid4(),
        tenant_id=operator.tenant_id,
        operator_id=data.operator_id,
        pool_id=data.pool_id,
        starts_at=starts_at,
        ends_at=ends_at,
    )
    await ctx.insert(shift)
    return await get_shift(ctx, shift.id)


async def delete_shift(ctx: TenantContext, shift_id: UUID) -> None:
    await get_shift(ctx, shift_id)
    await ctx.delete(Shift).where(Shift.id == shift_id)
