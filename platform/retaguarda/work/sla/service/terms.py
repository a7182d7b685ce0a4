"""A policy version and its calendar as plain values (``clocks.Terms``), cached per process.

Versions never change once written, so a version's targets can be cached for good; its calendar can change
(a closed date added), so an entry lives for ``TTL_S`` seconds: a calendar edit reaches new clocks within
a minute, and existing clocks keep the due times they were given, as a policy change does.
"""

from __future__ import annotations

import time
from typing import Any
from uuid import UUID

from retaguarda.calendars import Calendar
from retaguarda.db import json_value
from retaguarda.work.sla.clocks import Target, Terms
from retaguarda.work.sla.tables import SlaPolicy, SlaPolicyVersion
from tenants.tables import BusinessCalendar, Tenant

TTL_S = 60.0
_cache: dict[UUID, tuple[float, Terms]] = {}


def parse_targets(raw: Any) -> dict[int, Target]:
    return {
        int(priority): Target(int(t["responseMinutes"]), int(t["resolutionMinutes"]))
        for priority, t in (json_value(raw) or {}).items()
    }


def calendar_of(row: dict[str, Any]) -> Calendar:
    return Calendar.from_row(
        timezone=row["timezone"],
        weekly_hours=json_value(row["weekly_hours"]) or [],
        holiday_country=row["holiday_country"],
        holiday_subdivision=row["holiday_subdivision"],
        closed_dates=json_value(row["closed_dates"]) or [],
        always_open=bool(row["always_open"]),
    )


async def tenant_calendar(tenant_id: UUID, calendar_id: UUID | None) -> Calendar:
    """The named calendar (when it still exists), else the client's default one, else round the clock in the
    client's time zone (a client that set no hours has bought a 24x7 service)."""
    client_calendars = BusinessCalendar.select().where(  # scope: the caller holds a row of this tenant
        BusinessCalendar.tenant_id == tenant_id
    )
    row = None
    if calendar_id is not None:
        row = await client_calendars.where(BusinessCalendar.id == calendar_id).first()
    if row is None:
        row = (
            await BusinessCalendar.select()
            .where(  # scope: as above
                (BusinessCalendar.tenant_id == tenant_id) & (BusinessCalendar.is_default == True)  # noqa: E712
            )
            .first()
        )
    if row is not None:
        return calendar_of(row)
    tenant = await Tenant.select(Tenant.timezone).where(Tenant.id == tenant_id).first()  # scope: as above
    return Calendar(timezone=tenant["timezone"] if tenant else "UTC", always_open=True)


async def load_terms(version_id: UUID) -> Terms | None:
    cached = _cache.get(version_id)
    if cached is not None and time.monotonic() - cached[0] < TTL_S:
        return cached[1]
    row = (
        await SlaPolicyVersion.select(  # scope: the version id comes from a row the caller already scoped
            *SlaPolicyVersion.all_columns()
        )
        .where(SlaPolicyVersion.id == version_id)
        .first()
    )
    if row is None:
        return None
    terms = Terms(
        version_id=row["id"],
        policy_id=row["policy_id"],
        version=row["version"],
        targets=parse_targets(row["targets"]),
        pause_statuses=frozenset(json_value(row["pause_statuses"]) or []),
        warning_percent=int(row["warning_percent"]),
        calendar=await tenant_calendar(row["tenant_id"], row["calendar_id"]),
    )
    _cache[version_id] = (time.monotonic(), terms)
    return terms


async def current_version_id(policy_id: UUID) -> UUID | None:
    """The version a task started now runs under."""
    policy = (
        await SlaPolicy.select(SlaPolicy.current_version)
        .where(  # scope: id from a scoped task type
            SlaPolicy.id == policy_id
        )
        .first()
    )
    if policy is None:
        return None
    version = (
        await SlaPolicyVersion.select(SlaPolicyVersion.id)  # scope: as above
        .where(
            (SlaPolicyVersion.policy_id == policy_id)
            & (SlaPolicyVersion.version == policy["current_version"])
        )
        .first()
    )
    return version["id"] if version else None
