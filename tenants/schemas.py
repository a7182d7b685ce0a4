"""Wire shapes of the tenants API (camelCase, unknown fields rejected)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal
from uuid import UUID

import msgspec
from msgspec import UNSET, Meta, UnsetType

from retaguarda.auth import Role, Scope, TenantKind
from retaguarda.wire import WireStruct

Slug = Annotated[str, Meta(pattern=r"^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$", max_length=63)]
Name = Annotated[str, Meta(min_length=1, max_length=200)]
Email = Annotated[str, Meta(pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$", max_length=320)]
Password = Annotated[str, Meta(min_length=10, max_length=200)]
LocaleCode = Annotated[str, Meta(min_length=2, max_length=16)]
TimeZoneName = Annotated[str, Meta(min_length=1, max_length=64)]
CurrencyCode = Annotated[str, Meta(pattern=r"^[A-Z]{3}$")]
ClockTime = Annotated[str, Meta(pattern=r"^([01]\d|2[0-3]):[0-5]\d$")]
CountryCode = Annotated[str, Meta(pattern=r"^[A-Z]{2}$")]
TenantStatus = Literal["active", "suspended"]


class TenantCreate(WireStruct):
    slug: Slug
    name: Name
    locale: LocaleCode = "en"
    timezone: TimeZoneName = "UTC"
    currency: CurrencyCode = "USD"
    holiday_country: CountryCode | None = None
    holiday_subdivision: str | None = None


class TenantUpdate(WireStruct):
    name: Name | UnsetType = UNSET
    status: TenantStatus | UnsetType = UNSET
    locale: LocaleCode | UnsetType = UNSET
    timezone: TimeZoneName | UnsetType = UNSET
    currency: CurrencyCode | UnsetType = UNSET


class TenantRead(WireStruct):
    id: UUID
    kind: TenantKind
    slug: str
    name: str
    status: str
    locale: str
    timezone: str
    currency: str
    created_at: datetime


class MemberCreate(WireStruct):
    email: Email
    display_name: Name
    role: Role
    # Only used when the email is new; an existing user keeps their own password.
    password: Password | None = None


class MemberUpdate(WireStruct):
    role: Role


class MemberRead(WireStruct):
    id: UUID
    tenant_id: UUID
    user_id: UUID
    email: str
    display_name: str
    role: Role
    created_at: datetime


class AssignmentCreate(WireStruct):
    tenant_id: UUID
    manager_id: UUID


class AssignmentRead(WireStruct):
    id: UUID
    tenant_id: UUID
    manager_id: UUID
    created_at: datetime


class ApiKeyCreate(WireStruct):
    name: Annotated[str, Meta(min_length=1, max_length=100)]
    scopes: Annotated[list[Scope], Meta(min_length=1)]
    expires_at: datetime | None = None
    # Provider staff create keys for a client; a client admin's keys are always its own tenant's.
    tenant_id: UUID | None = None


class ApiKeyRead(WireStruct):
    id: UUID
    tenant_id: UUID
    name: str
    prefix: str
    scopes: list[Scope]
    created_at: datetime
    last_used_at: datetime | None
    expires_at: datetime | None
    revoked_at: datetime | None


class ApiKeyCreated(ApiKeyRead):
    """The only response that carries the secret: it is not stored and cannot be shown again."""

    key: str


class WeeklyInterval(WireStruct):
    weekday: Annotated[int, Meta(ge=0, le=6)]  # 0 = Monday
    start: ClockTime
    end: ClockTime  # not after start: the interval runs past midnight


class CalendarCreate(WireStruct):
    name: Annotated[str, Meta(min_length=1, max_length=100)]
    timezone: TimeZoneName
    weekly_hours: list[WeeklyInterval] = msgspec.field(default_factory=list)
    holiday_country: CountryCode | None = None
    holiday_subdivision: Annotated[str, Meta(max_length=10)] | None = None
    closed_dates: list[date] = msgspec.field(default_factory=list)
    always_open: bool = False
    is_default: bool = False
    tenant_id: UUID | None = None


class CalendarUpdate(WireStruct):
    name: Annotated[str, Meta(min_length=1, max_length=100)] | UnsetType = UNSET
    timezone: TimeZoneName | UnsetType = UNSET
    weekly_hours: list[WeeklyInterval] | UnsetType = UNSET
    holiday_country: CountryCode | UnsetType | None = UNSET
    holiday_subdivision: Annotated[str, Meta(max_length=10)] | UnsetType | None = UNSET
    closed_dates: list[date] | UnsetType = UNSET
    always_open: bool | UnsetType = UNSET
    is_default: bool | UnsetType = UNSET


class CalendarRead(WireStruct):
    id: UUID
    tenant_id: UUID
    name: str
    timezone: str
    weekly_hours: list[WeeklyInterval]
    holiday_country: str | None
    holiday_subdivision: str | None
    closed_dates: list[date]
    always_open: bool
    is_default: bool
    created_at: datetime


class MeRead(WireStruct):
    user_id: UUID | None
    email: str | None
    display_name: str
    role: Role
    scopes: list[Scope]
    tenant: TenantRead
    locale: str
    timezone: str
    via: Literal["session", "api_key", "system"]


class TenantPage(WireStruct):
    items: list[TenantRead]
    next_cursor: str | None = None


class MemberPage(WireStruct):
    items: list[MemberRead]
    next_cursor: str | None = None


class AssignmentPage(WireStruct):
    items: list[AssignmentRead]
    next_cursor: str | None = None


class ApiKeyPage(WireStruct):
    items: list[ApiKeyRead]
    next_cursor: str | None = None


class CalendarPage(WireStruct):
    items: list[CalendarRead]
    next_cursor: str | None = None
