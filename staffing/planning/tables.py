"""Planning's tables: per-queue staffing settings, forecasts, seasonal events and manual overrides (owned by
the client tenant of the queue), and scaling plans with their audit trail (owned by the provider, like the
pools they change). Instants are ``Timestamptz`` in UTC; seasonal events are whole local days of the client,
so they are dates."""

from __future__ import annotations

from enum import StrEnum

from piccolo.columns import (
    JSON,
    UUID,
    Date,
    Float,
    ForeignKey,
    Integer,
    OnDelete,
    Text,
    Timestamptz,
    Varchar,
)
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

from retaguarda.work.tables import Queue
from staffing.tables import Pool
from tenants.tables import Tenant


class ForecastRunStatus(StrEnum):
    PENDING = "pending"
    DONE = "done"
    FAILED = "failed"


class PlanStatus(StrEnum):
    """draft -> approved -> applied, or cancelled before it is applied."""

    DRAFT = "draft"
    APPROVED = "approved"
    APPLIED = "applied"
    CANCELLED = "cancelled"


class QueueStaffing(Table, tablename="queue_staffing"):
    """How a queue is staffed: ``erlang_c`` (live contacts answered within ``answer_time_s``) or
    ``workload`` (back office: hours of work per interval). A queue without a row uses the defaults."""

    id = UUID(primary_key=True)
    tenant_id = ForeignKey(references=Tenant, index=True, null=False)
    queue_id = ForeignKey(references=Queue, index=True, null=False, on_delete=OnDelete.cascade)
    model = Varchar(length=16, default="workload")
    interval_minutes = Integer(default=30)
    target_service_level = Float(default=0.8)
    # Null: the SLA policy's first-response target, else the default.
    answer_time_s = Integer(null=True, default=None)
    max_occupancy = Float(default=0.85)
    shrinkage = Float(default=0.3)
    updated_at = Timestamptz(default=TimestamptzNow())
    # Unique (tenant_id, queue_id).


class ForecastRun(Table, tablename="forecast_run"):
    """One generation of one queue's forecast: what history it learned from, how it was fitted, and how well
    the same method forecast the held-out last days (WAPE per interval)."""

    id = UUID(primary_key=True)
    tenant_id = ForeignKey(references=Tenant, index=True, null=False)
    queue_id = ForeignKey(references=Queue, index=True, null=False, on_delete=OnDelete.cascade)
    status = Varchar(length=16, choices=ForecastRunStatus, default=ForecastRunStatus.PENDING.value)
    interval_minutes = Integer(default=30)
    first_day = Date()
    days = Integer()
    history_days = Integer()
    holdout_days = Integer()
    wape = Float(null=True, default=None)
    method = JSON(default="{}")
    error = Text(default="")
    created_by = UUID(null=True, default=None)
    created_at = Timestamptz(default=TimestamptzNow())
    finished_at = Timestamptz(null=True, default=None)


class ForecastInterval(Table, tablename="forecast_interval"):
    """The statistical forecast of one queue for one interval (events and overrides apply on reading)."""

    id = UUID(primary_key=True)
    tenant_id = ForeignKey(references=Tenant, index=True, null=False)
    run_id = ForeignKey(references=ForecastRun, index=True, null=False, on_delete=OnDelete.cascade)
    queue_id = UUID()
    starts_at = Timestamptz()
    minutes = Integer()
    volume = Float()
    aht_s = Float()
    # Index (tenant_id, queue_id, starts_at).


class SeasonalEvent(Table, tablename="seasonal_event"):
    """An uplift (or dip) of volume over whole local days: one queue's, or every queue of the client."""

    id = UUID(primary_key=True)
    tenant_id = ForeignKey(references=Tenant, index=True, null=False)
    queue_id = ForeignKey(references=Queue, null=True, default=None, index=True, on_delete=OnDelete.cascade)
    name = Varchar(length=200)
    first_day = Date()
    last_day = Date()
    uplift_percent = Float()
    created_by = UUID(null=True, default=None)
    created_at = Timestamptz(default=TimestamptzNow())


class ForecastOverride(Table, tablename="forecast_override"):
    """A planner's numbers for one queue's intervals in ``[starts_at, ends_at)``: they win over the
    forecast and over events. ``volume`` is per interval of the forecast's length."""

    id = UUID(primary_key=True)
    tenant_id = ForeignKey(references=Tenant, index=True, null=False)
    queue_id = ForeignKey(references=Queue, index=True, null=False, on_delete=OnDelete.cascade)
    starts_at = Timestamptz()
    ends_at = Timestamptz()
    volume = Float(null=True, default=None)
    aht_s = Float(null=True, default=None)
    reason = Text(default="")
    created_by = UUID(null=True, default=None)
    created_at = Timestamptz(default=TimestamptzNow())


class ScalingPlan(Table, tablename="scaling_plan"):
    """Seasonal changes to one pool for ``[starts_at, ends_at)``: draft -> approved -> applied, or
    cancelled before it is applied. Its changes are ``changes`` (see schemas.PlanChange)."""

    id = UUID(primary_key=True)
    tenant_id = ForeignKey(references=Tenant, index=True, null=False)
    pool_id = ForeignKey(references=Pool, index=True, null=False, on_delete=OnDelete.restrict)
    name = Varchar(length=200)
    status = Varchar(length=16, choices=PlanStatus, default=PlanStatus.DRAFT.value)
    starts_at = Timestamptz()
    ends_at = Timestamptz()
    changes = JSON(default="[]")
    notes = Text(default="")
    created_by = UUID(null=True, default=None)
    created_at = Timestamptz(default=TimestamptzNow())
    updated_at = Timestamptz(default=TimestamptzNow())


class ScalingPlanEvent(Table, tablename="scaling_plan_event"):
    """The audit trail of a plan: who did what, when (created, updated, approved, applied, cancelled), with
    what (the changes, the roster rows written)."""

    id = UUID(primary_key=True)
    tenant_id = ForeignKey(references=Tenant, index=True, null=False)
    plan_id = ForeignKey(references=ScalingPlan, index=True, null=False, on_delete=OnDelete.cascade)
    kind = Varchar(length=24)
    actor_user_id = UUID(null=True, default=None)
    at = Timestamptz(default=TimestamptzNow())
    data = JSON(default="{}")
