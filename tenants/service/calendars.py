"""Business calendars as data: the rows SLA clocks and surcharges will run on."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any
from uuid import UUID, uuid4

import msgspec

from retaguarda.errors import Conflict, FieldError, InvalidInput, NotFound
from retaguarda.listing import keyset_page
from retaguarda.tenancy import TenantContext
from retaguarda.wire import from_row
from tenants.schemas import CalendarCreate, CalendarRead, CalendarUpdate, WeeklyInterval
from tenants.service.directory import get_tenant
from tenants.service.validation import check_holiday_region, check_timezone, raise_if_any
from tenants.tables import BusinessCalendar


def _read(row: dict[str, Any]) -> CalendarRead:
    return from_row(
        row,
        CalendarRead,
        weekly_hours=msgspec.convert(row["weekly_hours"], list[WeeklyInterval]),
        closed_dates=[date.fromisoformat(d) for d in row["closed_dates"]],
    )


def _check_hours(hours: list[WeeklyInterval]) -> list[FieldError]:
    errors = []
    for index, interval in enumerate(hours):
        if interval.start == interval.end:
            errors.append(
                FieldError(
                    f"weeklyHours[{index}]",
                    "empty_interval",
                    "Start and end are equal; an interval needs a length.",
                )
            )
    return errors


def _to_row_values(values: dict[str, Any]) -> dict[str, Any]:
    if "weekly_hours" in values:
        values["weekly_hours"] = msgspec.to_builtins(values["weekly_hours"])
    if "closed_dates" in values:
        values["closed_dates"] = sorted({d.isoformat() for d in values["closed_dates"]})
    return values


async def list_calendars(
    ctx: TenantContext, *, tenant_id: UUID | None, cursor: str | None, limit: int
) -> tuple[list[CalendarRead], str | None]:
    query = ctx.select(BusinessCalendar)
    if tenant_id is not None:
        query = query.where(BusinessCalendar.tenant_id == tenant_id)
    return await keyset_page(query, BusinessCalendar, cursor, limit, _read)


async def get_calendar(ctx: TenantContext, calendar_id: UUID) -> CalendarRead:
    row = await ctx.select(BusinessCalendar).where(BusinessCalendar.id == calendar_id).first()
    if row is None:
        raise NotFound()
    return _read(row)


async def _clear_other_defaults(ctx: TenantContext, tenant_id: UUID, keep: UUID) -> None:
    await ctx.update(BusinessCalendar, {BusinessCalendar.is_default: False}).where(
        (BusinessCalendar.tenant_id == tenant_id) & (BusinessCalendar.id != keep)
    )


async def create_calendar(ctx: TenantContext, data: CalendarCreate) -> CalendarRead:
    tenant_id = data.tenant_id if ctx.principal.is_provider and data.tenant_id else ctx.principal.tenant_id
    await get_tenant(ctx, tenant_id)
    raise_if_any(
        check_timezone(data.timezone),
        check_holiday_region(data.holiday_country, data.holiday_subdivision),
        _check_hours(data.weekly_hours),
    )
    if await ctx.exists(BusinessCalendar).where(
        (BusinessCalendar.tenant_id == tenant_id) & (BusinessCalendar.name == data.name)
    ):
        raise Conflict(errors=[FieldError("name", "taken", "A calendar with this name exists.")])
    values = _to_row_values({k: v for k, v in msgspec.structs.asdict(data).items() if k != "tenant_id"})
    calendar = BusinessCalendar(id=uuid4(), tenant_id=tenant_id, **values)
    await ctx.insert(calendar)
    if data.is_default:
        await _clear_other_defaults(ctx, tenant_id, calendar.id)
    return await get_calendar(ctx, calendar.id)


async def update_calendar(ctx: TenantContext, calendar_id: UUID, data: CalendarUpdate) -> CalendarRead:
    current = await get_calendar(ctx, calendar_id)
    changes = {k: v for k, v in msgspec.structs.asdict(data).items() if v is not msgspec.UNSET}
    country = changes.get("holiday_country", current.holiday_country)
    subdivision = changes.get("holiday_subdivision", current.holiday_subdivision)
    raise_if_any(
        check_timezone(changes["timezone"]) if "timezone" in changes else None,
        check_holiday_region(country, subdivision),
        _check_hours(changes.get("weekly_hours", [])),
    )
    if changes.get("is_default") is False and current.is_default:
        raise InvalidInput(
            errors=[FieldError("isDefault", "needs_default", "Make another calendar the default instead.")]
        )
    if (
        "name" in changes
        and changes["name"] != current.name
        and await ctx.exists(BusinessCalendar).where(
            (BusinessCalendar.tenant_id == current.tenant_id) & (BusinessCalendar.name == changes["name"])
        )
    ):
        raise Conflict(errors=[FieldError("name", "taken", "A calendar with this name exists.")])
    if changes:
        values = _to_row_values({**changes, "updated_at": datetime.now(UTC)})
        await ctx.update(BusinessCalendar, values).where(BusinessCalendar.id == calendar_id)
        if changes.get("is_default"):
            await _clear_other_defaults(ctx, current.tenant_id, calendar_id)
    return await get_calendar(ctx, calendar_id)


async def delete_calendar(ctx: TenantContext, calendar_id: UUID) -> None:
    current = await get_calendar(ctx, calendar_id)
    if current.is_default:
        raise Conflict("The default calendar cannot be deleted; make another one the default first.")
    await ctx.delete(BusinessCalendar).where(BusinessCalendar.id == calendar_id)
