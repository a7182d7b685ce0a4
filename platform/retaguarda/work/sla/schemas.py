"""SLA policies, notices and attainment reports on the wire."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal
from uuid import UUID

import msgspec
from msgspec import UNSET, Meta, UnsetType

from retaguarda.wire import WireStruct

Minutes = Annotated[int, Meta(ge=1, le=366 * 24 * 60)]
PolicyName = Annotated[str, Meta(min_length=1, max_length=200)]
WarningPercent = Annotated[int, Meta(ge=1, le=99)]


class PriorityTarget(WireStruct):
    priority: Annotated[int, Meta(ge=1, le=4)]
    response_minutes: Minutes
    resolution_minutes: Minutes


class SlaPolicyCreate(WireStruct):
    name: PolicyName
    targets: list[PriorityTarget]
    calendar_id: UUID | None = None
    pause_statuses: list[str] = msgspec.field(default_factory=lambda: ["waiting_on_client"])
    warning_percent: WarningPercent = 80
    tenant_id: UUID | None = None


class SlaPolicyUpdate(WireStruct):
    """A change of terms: any of these makes a new version (the name alone does not)."""

    name: PolicyName | UnsetType = UNSET
    targets: list[PriorityTarget] | UnsetType = UNSET
    calendar_id: UUID | UnsetType | None = UNSET
    pause_statuses: list[str] | UnsetType = UNSET
    warning_percent: WarningPercent | UnsetType = UNSET


class SlaPolicyVersionRead(WireStruct):
    id: UUID
    version: int
    targets: list[PriorityTarget]
    calendar_id: UUID | None
    pause_statuses: list[str]
    warning_percent: int
    created_at: datetime


class SlaPolicyRead(WireStruct):
    id: UUID
    tenant_id: UUID
    name: str
    current_version: int
    terms: SlaPolicyVersionRead
    created_at: datetime
    updated_at: datetime


class SlaPolicyPage(WireStruct):
    items: list[SlaPolicyRead]
    next_cursor: str | None = None


class NotificationRead(WireStruct):
    id: UUID
    tenant_id: UUID
    task_id: UUID | None
    kind: str
    data: dict[str, object]
    created_at: datetime
    read_at: datetime | None


class NotificationPage(WireStruct):
    items: list[NotificationRead]
    next_cursor: str | None = None


class AttainmentRow(WireStruct):
    """One group of a report. Attainment is met / (met + breached), None when nothing is decided yet;
    durations are business hours."""

    group: str
    label: str
    response_met: int
    response_breached: int
    response_in_progress: int
    response_attainment: float | None
    resolution_met: int
    resolution_breached: int
    resolution_in_progress: int
    resolution_attainment: float | None
    response_hours_p50: float | None
    response_hours_p90: float | None
    resolution_hours_p50: float | None
    resolution_hours_p90: float | None


class AttainmentReport(WireStruct):
    group_by: str
    period_from: datetime
    period_to: datetime
    timezone: str
    rows: list[AttainmentRow]
    total: AttainmentRow


class NotificationPreferenceRead(WireStruct):
    """How a client's person hears of one kind of notice (client_question, task_done, sla_warning)."""

    kind: Literal["client_question", "task_done", "sla_warning"]
    in_app: bool
    email: bool
