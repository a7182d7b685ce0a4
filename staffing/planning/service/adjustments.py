"""Seasonal events (uplifts over whole local days, one queue's or a whole client's) and manual overrides
(a planner's numbers for one queue's time range, which win over the forecast and over events)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from uuid import UUID, uuid4

from retaguarda.errors import FieldError
from retaguarda.listing import keyset_page
from retaguarda.tenancy import TenantContext
from retaguarda.wire import from_row
from staffing.planning.schemas import (
    OverrideCreate,
    OverrideRead,
    SeasonalEventCreate,
    SeasonalEventRead,
)
from staffing.planning.service.queues import planned_queue
from staffing.planning.tables import ForecastOverride, SeasonalEvent
from staffing.service.periods import as_utc
from tenants.service.validation import raise_if_any
from tenants.tables import Tenant

# An override covers at most a quarter: longer, it is a new baseline and belongs in a forecast.
MAX_OVERRIDE_DAYS = 92


def _event_read(row: dict[str, Any]) -> SeasonalEventRead:
    return from_row(row, SeasonalEventRead)


def _override_read(row: dict[str, Any]) -> OverrideRead:
    return from_row(row, OverrideRead, volume_per_hour=row["volume"])


async def _event_tenant(ctx: TenantContext, data: SeasonalEventCreate) -> UUID:
    if data.queue_id is not None:
        queue = await planned_queue(ctx, data.queue_id, field="queueId")
        if data.tenant_id is not None and data.tenant_id != queue.tenant_id:
            raise_if_any(FieldError("tenantId", "mismatch", "The queue belongs to another client."))
        return queue.tenant_id
    if data.tenant_id is None:
        raise_if_any(FieldError("tenantId", "required", "Name the client, or a queue."))
    tenant_id: UUID = data.tenant_id  # type: ignore[assignment]
    found = await ctx.exists(Tenant).where((Tenant.id == tenant_id) & (Tenant.kind == "client"))
    if not found:
        raise_if_any(FieldError("tenantId", "not_found", "No such client."))
    return tenant_id


async def create_event(
    ctx: TenantContext, data: SeasonalEventCreate, actor: UUID | None
) -> SeasonalEventRead:
    if data.last_day < data.first_day:
        raise_if_any(FieldError("lastDay", "before_first_day", "Choose a day on or after firstDay."))
    tenant_id = await _event_tenant(ctx, data)
    event = SeasonalEvent(
        id=uuid4(),
        tenant_id=tenant_id,
        queue_id=data.queue_id,
        name=data.name,
        first_day=data.first_day,
        last_day=data.last_day,
        uplift_percent=data.uplift_percent,
        created_by=actor,
    )
    await ctx.insert(event)
    return await get_event(ctx, event.id)


async def get_event(ctx: TenantContext, event_id: UUID) -> SeasonalEventRead:
    return _event_read((await ctx.get(SeasonalEvent, event_id)).to_dict())


async def list_events(
    ctx: TenantContext, *, queue_id: UUID | None, cursor: str | None, limit: int
) -> tuple[list[SeasonalEventRead], str | None]:
    query = ctx.select(SeasonalEvent)
    if queue_id is not None:
        query = query.where(SeasonalEvent.queue_id == queue_id)
    return await keyset_page(query, SeasonalEvent, cursor, limit, _event_read)


async def delete_event(ctx: TenantContext, event_id: UUID) -> None:
    await ctx.get(SeasonalEvent, event_id)
    await ctx.delete(SeasonalEvent).where(SeasonalEvent.id == event_id)


async def create_override(ctx: TenantContext, data: OverrideCreate, actor: UUID | None) -> OverrideRead:
    starts_at, ends_at = as_utc(data.starts_at), as_utc(data.ends_at)
    errors = []
    if ends_at <= starts_at:
        errors.append(FieldError("endsAt", "not_after_start", "Choose a time after startsAt."))
    elif (ends_at - starts_at).days > MAX_OVERRIDE_DAYS:
        errors.append(FieldError("endsAt", "too_long", "An override covers at most 92 days."))
    if data.volume_per_hour is None and data.aht_s is None:
        errors.append(FieldError("volumePerHour", "required", "Give a volume, a handle time, or both."))
    raise_if_any(errors)
    queue = await planned_queue(ctx, data.queue_id, field="queueId")
    override = ForecastOverride(
        id=uuid4(),
        tenant_id=queue.tenant_id,
        queue_id=queue.id,
        starts_at=starts_at,
        ends_at=ends_at,
        volume=data.volume_per_hour,
        aht_s=data.aht_s,
        reason=data.reason,
        created_by=actor,
    )
    await ctx.insert(override)
    return await get_override(ctx, override.id)


async def get_override(ctx: TenantContext, override_id: UUID) -> OverrideRead:
    return _override_read((await ctx.get(ForecastOverride, override_id)).to_dict())


async def list_overrides(
    ctx: TenantContext, *, queue_id: UUID | None, cursor: str | None, limit: int
) -> tuple[list[OverrideRead], str | None]:
    query = ctx.select(ForecastOverride)
    if queue_id is not None:
        query = query.where(ForecastOverride.queue_id == queue_id)
    return await keyset_page(query, ForecastOverride, cursor, limit, _override_read)


async def delete_override(ctx: TenantContext, override_id: UUID) -> None:
    await ctx.get(ForecastOverride, override_id)
    await ctx.delete(ForecastOverride).where(ForecastOverride.id == override_id)


async def events_for(ctx: TenantContext, queue_id: UUID, tenant_id: UUID) -> list[dict[str, Any]]:
    return list(
        await ctx.select(SeasonalEvent).where(
            (SeasonalEvent.tenant_id == tenant_id)
            & (SeasonalEvent.queue_id.is_null() | (SeasonalEvent.queue_id == queue_id))
        )
    )


async def overrides_for(
    ctx: TenantContext, queue_id: UUID, since: datetime, until: datetime
) -> list[dict[str, Any]]:
    """Overrides of the queue that overlap the window, oldest first (so the newest is applied last)."""
    return list(
        await ctx.select(ForecastOverride)
        .where(
            (ForecastOverride.queue_id == queue_id)
            & (ForecastOverride.starts_at < until.astimezone(UTC))
            & (ForecastOverride.ends_at > since.astimezone(UTC))
        )
        .order_by(ForecastOverride.created_at)
    )
