"""Wire shapes of the planning API (camelCase, unknown fields rejected, instants ISO-8601 with an offset;
days are local days of the queue's client or of the pool, as each endpoint says)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal
from uuid import UUID

import msgspec
from msgspec import UNSET, Meta, UnsetType

from retaguarda.wire import WireStruct
from staffing.planning.tables import ForecastRunStatus, PlanStatus

StaffingModel = Literal["erlang_c", "workload"]
IntervalMinutes = Literal[15, 30, 60]
Fraction = Annotated[float, Meta(gt=0, le=1)]
# A service level of 100 % needs infinitely many operators under Erlang C.
ServiceLevel = Annotated[float, Meta(gt=0, lt=1)]
Shrinkage = Annotated[float, Meta(ge=0, le=0.9)]
AnswerSeconds = Annotated[int, Meta(ge=1, le=7 * 86400)]
HorizonDays = Annotated[int, Meta(ge=1, le=92)]
HistoryDays = Annotated[int, Meta(ge=7, le=1092)]
HoldoutDays = Annotated[int, Meta(ge=0, le=56)]
# -100 % closes the queue for the event; +1000 % is far beyond any real campaign, so it is a typo.
UpliftPercent = Annotated[float, Meta(ge=-100, le=1000)]
Name = Annotated[str, Meta(min_length=1, max_length=200)]
Reason = Annotated[str, Meta(max_length=2000)]
Volume = Annotated[float, Meta(ge=0, le=1_000_000)]
HandleSeconds = Annotated[float, Meta(gt=0, le=86400)]
SharePercent = Annotated[int, Meta(ge=1, le=100)]
Instant = Annotated[datetime, Meta(tz=True)]
ChangeKind = Literal["add", "remove", "borrow"]


# ---- queue staffing settings -----------------------------------------------------------------------------


class QueueStaffingUpdate(WireStruct):
    model: StaffingModel | UnsetType = UNSET
    interval_minutes: IntervalMinutes | UnsetType = UNSET
    target_service_level: ServiceLevel | UnsetType = UNSET
    # null: back to the default (the SLA's first-response target when there is one).
    answer_time_s: AnswerSeconds | UnsetType | None = UNSET
    max_occupancy: Fraction | UnsetType = UNSET
    shrinkage: Shrinkage | UnsetType = UNSET


class QueueStaffingRead(WireStruct):
    queue_id: UUID
    tenant_id: UUID
    model: StaffingModel
    interval_minutes: int
    target_service_level: float
    answer_time_s: int
    # queue: its own setting; sla: the client's first-response target (normal priority); default: 20 s.
    answer_time_source: Literal["queue", "sla", "default"]
    max_occupancy: float
    shrinkage: float
    is_default: bool


# ---- forecasts -------------------------------------------------------------------------------------------


class ForecastRequest(WireStruct):
    """Forecast these queues (all the caller reaches when empty) for ``days`` local days from ``firstDay``
    (default: tomorrow in the client's time zone), learning from ``historyDays`` before it and scoring the
    method on the last ``holdoutDays`` of them."""

    queue_ids: list[UUID] = msgspec.field(default_factory=list)
    first_day: date | None = None
    days: HorizonDays = 28
    history_days: HistoryDays = 364
    holdout_days: HoldoutDays = 28
    interval_minutes: IntervalMinutes | None = None


class ForecastRunRead(WireStruct):
    id: UUID
    tenant_id: UUID
    queue_id: UUID
    status: ForecastRunStatus
    interval_minutes: int
    first_day: date
    days: int
    history_days: int
    holdout_days: int
    wape: float | None
    method: dict[str, Any]
    error: str
    created_at: datetime
    finished_at: datetime | None


class ForecastRunList(WireStruct):
    items: list[ForecastRunRead]


class ForecastCell(WireStruct):
    starts_at: datetime
    volume: float
    aht_s: float
    baseline_volume: float
    baseline_aht_s: float
    uplift_percent: float
    overridden: bool


class ForecastGrid(WireStruct):
    queue_id: UUID
    timezone: str
    interval_minutes: int
    run: ForecastRunRead | None
    intervals: list[ForecastCell]


# ---- seasonal events and overrides -----------------------------------------------------------------------


class SeasonalEventCreate(WireStruct):
    """One queue's event with ``queueId``; every queue of a client with ``tenantId`` alone."""

    name: Name
    first_day: date
    last_day: date
    uplift_percent: UpliftPercent
    queue_id: UUID | None = None
    tenant_id: UUID | None = None


class SeasonalEventRead(WireStruct):
    id: UUID
    tenant_id: UUID
    queue_id: UUID | None
    name: str
    first_day: date
    last_day: date
    uplift_percent: float
    created_at: datetime


class SeasonalEventPage(WireStruct):
    items: list[SeasonalEventRead]
    next_cursor: str | None = None


class OverrideCreate(WireStruct):
    """A planner's numbers for ``[startsAt, endsAt)`` of one queue. Volume is a rate (tasks per hour), so
    it reads the same on a grid of any interval length."""

    queue_id: UUID
    starts_at: Instant
    ends_at: Instant
    volume_per_hour: Volume | None = None
    aht_s: HandleSeconds | None = None
    reason: Reason = ""


class OverrideRead(WireStruct):
    id: UUID
    tenant_id: UUID
    queue_id: UUID
    starts_at: datetime
    ends_at: datetime
    volume_per_hour: float | None
    aht_s: float | None
    reason: str
    created_at: datetime


class OverridePage(WireStruct):
    items: list[OverrideRead]
    next_cursor: str | None = None


# ---- requirements ----------------------------------------------------------------------------------------


class RequirementCell(WireStruct):
    starts_at: datetime
    volume: float
    required: float
    scheduled: float
    # scheduled - required: negative when the pool is short of operators.
    gap: float
    # Erlang C with the scheduled operators (null when no work is forecast).
    expected_service_level: float | None


class ServedQueue(WireStruct):
    queue_id: UUID
    tenant_id: UUID
    model: StaffingModel
    # The queue's requirement is split evenly between the pools that serve it.
    pools_serving: int


class RequirementGrid(WireStruct):
    pool_id: UUID
    timezone: str
    interval_minutes: int
    queues: list[ServedQueue]
    intervals: list[RequirementCell]


# ---- scaling plans ---------------------------------------------------------------------------------------


class PlanChange(WireStruct):
    """``add``: the operator joins the plan's pool as a seasonal member for the period, for ``share``.
    ``remove``: the operator's membership of the plan's pool is suspended for the period.
    ``borrow``: the operator joins for ``share`` of their time, and their membership of ``fromPoolId`` is
    reduced by that share for the period."""

    kind: ChangeKind
    operator_id: UUID
    share: SharePercent = 100
    from_pool_id: UUID | None = None


Changes = Annotated[list[PlanChange], Meta(min_length=1, max_length=200)]


class PlanCreate(WireStruct):
    pool_id: UUID
    name: Name
    starts_at: Instant
    ends_at: Instant
    changes: Changes
    notes: Reason = ""


class PlanUpdate(WireStruct):
    name: Name | UnsetType = UNSET
    starts_at: Instant | UnsetType = UNSET
    ends_at: Instant | UnsetType = UNSET
    changes: Changes | UnsetType = UNSET
    notes: Reason | UnsetType = UNSET


class PlanRead(WireStruct):
    id: UUID
    tenant_id: UUID
    pool_id: UUID
    name: str
    status: PlanStatus
    starts_at: datetime
    ends_at: datetime
    changes: list[PlanChange]
    notes: str
    created_by: UUID | None
    created_at: datetime
    updated_at: datetime


class PlanPage(WireStruct):
    items: list[PlanRead]
    next_cursor: str | None = None


class PlanEventRead(WireStruct):
    id: UUID
    plan_id: UUID
    kind: str
    actor_user_id: UUID | None
    at: datetime
    data: dict[str, Any]


class PlanEventList(WireStruct):
    items: list[PlanEventRead]


class WhatIfCell(WireStruct):
    starts_at: datetime
    required: float
    scheduled_before: float
    scheduled_after: float
    gap_before: float
    gap_after: float
    service_level_before: float | None
    service_level_after: float | None


class WhatIfSummary(WireStruct):
    required_hours: float
    scheduled_hours: float
    # Operator-hours short, summed over the intervals where scheduled < required.
    short_hours: float
    # Volume-weighted over the period (null when no work is forecast).
    service_level: float | None


class PoolEffect(WireStruct):
    pool_id: UUID
    role: Literal["receiving", "lending"]
    before: WhatIfSummary
    after: WhatIfSummary
    intervals: list[WhatIfCell]


class WhatIf(WireStruct):
    plan_id: UUID
    interval_minutes: int
    pools: list[PoolEffect]
