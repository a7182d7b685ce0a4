"""Wire shapes of the roster API (camelCase, unknown fields rejected, times ISO-8601 with an offset)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal
from uuid import UUID

import msgspec
from msgspec import UNSET, Meta, UnsetType

from retaguarda.wire import WireStruct

SkillCode = Annotated[str, Meta(pattern=r"^[a-z0-9_.-]{1,40}$", max_length=40)]
SkillName = Annotated[str, Meta(min_length=1, max_length=200)]
SkillLevel = Annotated[int, Meta(ge=1, le=5)]
# Concurrent tasks an operator may hold; the upper bound only catches typos.
Capacity = Annotated[int, Meta(ge=1, le=100)]
OperatorStatus = Literal["available", "away", "offline"]
PoolName = Annotated[str, Meta(min_length=1, max_length=100)]
Site = Annotated[str, Meta(max_length=200)]
TimeZoneName = Annotated[str, Meta(min_length=1, max_length=64)]
MembershipKind = Literal["permanent", "seasonal"]
SharePercent = Annotated[int, Meta(ge=1, le=100)]
# An instant: a naive time would be read in some server's zone, so the offset is required.
Instant = Annotated[datetime, Meta(tz=True)]


# ---- skills ----------------------------------------------------------------------------------------------


class SkillCreate(WireStruct):
    code: SkillCode
    name: SkillName


class SkillUpdate(WireStruct):
    code: SkillCode | UnsetType = UNSET
    name: SkillName | UnsetType = UNSET


class SkillRead(WireStruct):
    id: UUID
    tenant_id: UUID
    code: str
    name: str
    created_at: datetime


class SkillPage(WireStruct):
    items: list[SkillRead]
    next_cursor: str | None = None


# ---- operators -------------------------------------------------------------------------------------------


class OperatorSkillLevel(WireStruct):
    skill_id: UUID
    level: SkillLevel


class OperatorSkillRead(WireStruct):
    skill_id: UUID
    code: str
    level: int


class OperatorCreate(WireStruct):
    user_id: UUID
    capacity: Capacity = 1
    status: OperatorStatus = "offline"
    skills: list[OperatorSkillLevel] = msgspec.field(default_factory=list)


class OperatorUpdate(WireStruct):
    capacity: Capacity | UnsetType = UNSET
    status: OperatorStatus | UnsetType = UNSET
    # When sent, the operator's whole skill list: skills left out are removed.
    skills: list[OperatorSkillLevel] | UnsetType = UNSET


class OperatorRead(WireStruct):
    id: UUID
    tenant_id: UUID
    user_id: UUID
    email: str
    display_name: str
    capacity: int
    status: OperatorStatus
    skills: list[OperatorSkillRead]
    created_at: datetime
    updated_at: datetime


class OperatorPage(WireStruct):
    items: list[OperatorRead]
    next_cursor: str | None = None


# ---- pools -----------------------------------------------------------------------------------------------


class PoolCreate(WireStruct):
    name: PoolName
    timezone: TimeZoneName
    site: Site = ""


class PoolUpdate(WireStruct):
    name: PoolName | UnsetType = UNSET
    timezone: TimeZoneName | UnsetType = UNSET
    site: Site | UnsetType = UNSET


class PoolRead(WireStruct):
    id: UUID
    tenant_id: UUID
    name: str
    site: str
    timezone: str
    created_at: datetime


class PoolPage(WireStruct):
    items: list[PoolRead]
    next_cursor: str | None = None


# ---- pool memberships ------------------------------------------------------------------------------------


class MembershipCreate(WireStruct):
    operator_id: UUID
    valid_from: Instant
    # Exclusive; null = open-ended. A seasonal reinforcement always ends.
    valid_until: Instant | None = None
    kind: MembershipKind = "permanent"
    share: SharePercent = 100


class MembershipUpdate(WireStruct):
    valid_from: Instant | UnsetType = UNSET
    valid_until: Instant | UnsetType | None = UNSET
    kind: MembershipKind | UnsetType = UNSET
    share: SharePercent | UnsetType = UNSET


class MembershipRead(WireStruct):
    id: UUID
    tenant_id: UUID
    pool_id: UUID
    operator_id: UUID
    kind: MembershipKind
    valid_from: datetime
    valid_until: datetime | None
    share: int
    created_at: datetime


class MembershipPage(WireStruct):
    items: list[MembershipRead]
    next_cursor: str | None = None


# ---- shifts ----------------------------------------------------------------------------------------------


class ShiftCreate(WireStruct):
    operator_id: UUID
    starts_at: Instant
    ends_at: Instant
    pool_id: UUID | None = None


class ShiftRead(WireStruct):
    id: UUID
    tenant_id: UUID
    operator_id: UUID
    pool_id: UUID | None
    starts_at: datetime
    ends_at: datetime
    created_at: datetime


class ShiftPage(WireStruct):
    items: list[ShiftRead]
    next_cursor: str | None = None
