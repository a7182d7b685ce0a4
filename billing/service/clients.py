"""What the billing services share: the client a call acts on, periods on the client's clock, its calendar."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from functools import lru_cache
from uuid import UUID
from zoneinfo import ZoneInfo

from retaguarda.calendars import Calendar
from retaguarda.clock import now
from retaguarda.db import json_value
from retaguarda.errors import NotFound
from retaguarda.tenancy import TenantContext
from tenants.tables import BusinessCalendar, Tenant


@dataclass(frozen=True, slots=True)
class Client:
    id: UUID
    slug: str
    name: str
    locale: str
    timezone: str
    currency: str

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def instant(self, day: date) -> datetime:
        """Local midnight of ``day`` on the client's clock, as a UTC instant."""
        return datetime.combine(day, time(0), tzinfo=self.zone).astimezone(UTC)

    def today(self, at: datetime | None = None) -> date:
        return (at or now()).astimezone(self.zone).date()


async def load_client(ctx: TenantContext, tenant_id: UUID) -> Client:
    """The client tenant, if the caller reaches it; the provider itself is not billed (404)."""
    row = await ctx.select(Tenant).where((Tenant.id == tenant_id) & (Tenant.kind == "client")).first()
    if row is None:
        raise NotFound()
    return Client(row["id"], row["slug"], row["name"], row["locale"], row["timezone"], row["currency"])


async def client_calendar(ctx: TenantContext, client: Client) -> Calendar:
    """The client's default business calendar (surcharges run on it); a plain weekday calendar in the client's
    zone when it has none."""
    row = (
        await ctx.select(BusinessCalendar)
        .where((BusinessCalendar.tenant_id == client.id) & (BusinessCalendar.is_default == True))  # noqa: E712
        .first()
    )
    if row is None:
        return _calendar(client.timezone, _WEEKDAYS, None, None, "[]", False)
    return _calendar(
        row["timezone"],
        json.dumps(json_value(row["weekly_hours"]), sort_keys=True),
        row["holiday_country"],
        row["holiday_subdivision"],
        json.dumps(json_value(row["closed_dates"])),
        row["always_open"],
    )


_WEEKDAYS = json.dumps([{"weekday": d, "start": "09:00", "end": "18:00"} for d in range(5)])


@lru_cache(maxsize=1024)
def _calendar(
    timezone: str, weekly: str, country: str | None, subdivision: str | None, closed: str, always_open: bool
) -> Calendar:
    """Calendars are immutable values: one per distinct row content, so its resolved days and holiday lists
    are computed once per process, not once per invoice."""
    return Calendar.from_row(
        timezone=timezone,
        weekly_hours=json.loads(weekly),
        holiday_country=country,
        holiday_subdivision=subdivision,
        closed_dates=json.loads(closed),
        always_open=always_open,
    )


def month_bounds(month: str) -> tuple[date, date]:
    year, number = (int(part) for part in month.split("-"))
    start = date(year, number, 1)
    return start, next_month(start)


def next_month(day: date) -> date:
    return date(day.year + day.month // 12, day.month % 12 + 1, 1)
