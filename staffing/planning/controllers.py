"""Thin Litestar controllers for the planning API under /api/v1/planning: per-queue staffing settings and
forecasts, seasonal events, overrides, requirement grids per pool (JSON and CSV), scaling plans with their
approval, application, cancellation, what-if and audit trail. Provider staff only: admins and account
managers plan, supervisors read."""

from __future__ import annotations

from datetime import date
from typing import Annotated
from uuid import UUID

from litestar import Controller, Response, delete, get, patch, post
from litestar.params import FromPath, FromQuery, JSONBody, QueryParameter
from litestar.status_codes import HTTP_200_OK, HTTP_202_ACCEPTED

from retaguarda.auth import Role, Scope, authenticated, provider_staff, requires_role, requires_scope
from retaguarda.controller_kit import (
    CONTEXT,
    READ_ERRORS,
    STATEFUL_READ_ERRORS,
    WRITE_ERRORS,
    Ctx,
    Cursor,
    Limit,
    page,
)
from retaguarda.spreadsheets import CSV_MEDIA_TYPE
from staffing.planning.schemas import (
    ForecastCell,
    ForecastGrid,
    ForecastRequest,
    ForecastRunList,
    ForecastRunRead,
    IntervalMinutes,
    OverrideCreate,
    OverridePage,
    OverrideRead,
    PlanCreate,
    PlanEventList,
    PlanPage,
    PlanRead,
    PlanUpdate,
    QueueStaffingRead,
    QueueStaffingUpdate,
    RequirementGrid,
    SeasonalEventCreate,
    SeasonalEventPage,
    SeasonalEventRead,
    WhatIf,
)
from staffing.planning.service import adjustments, forecasts, plans, queues, requirements, whatif
from staffing.planning.service.export import requirement_csv
from staffing.planning.tables import PlanStatus

READ = [requires_role(Role.ADMIN, Role.ACCOUNT_MANAGER, Role.SUPERVISOR), requires_scope(Scope.STAFFING_READ)]
WRITE = [requires_role(Role.ADMIN, Role.ACCOUNT_MANAGER), requires_scope(Scope.STAFFING_WRITE)]

FirstDay = Annotated[
    date | None, QueryParameter(name="from", description="First local day (default: today there).")
]
Days = Annotated[int, QueryParameter(ge=1, le=31, description="Number of local days (at most 31).")]
Interval = Annotated[
    IntervalMinutes | None, QueryParameter(name="interval", description="Interval length in minutes.")
]
PoolInterval = Annotated[IntervalMinutes, QueryParameter(name="interval", description="Interval minutes.")]
QueueFilter = Annotated[UUID | None, QueryParameter(name="queueId")]


class QueuePlanningController(Controller):
    path = "/api/v1/planning/queues/{queue_id:uuid}"
    tags = ["Planning"]
    guards = [authenticated, provider_staff]
    dependencies = CONTEXT

    @get("/settings", operation_id="getQueueStaffing", guards=READ, responses=READ_ERRORS)
    async def get_settings(self, ctx: Ctx, queue_id: FromPath[UUID]) -> QueueStaffingRead:
        return (await queues.planned_queue(ctx, queue_id)).read()

    @patch("/settings", operation_id="updateQueueStaffing", guards=WRITE, responses=WRITE_ERRORS)
    async def update_settings(
        self, ctx: Ctx, queue_id: FromPath[UUID], data: JSONBody[QueueStaffingUpdate]
    ) -> QueueStaffingRead:
        return await queues.update_settings(ctx, queue_id, data)

    @get(
        "/forecast",
        operation_id="getQueueForecast",
        summary="The queue's forecast grid in its client's time zone, events and overrides applied",
        guards=READ,
        responses=READ_ERRORS,
    )
    async def get_forecast(
        self,
        ctx: Ctx,
        queue_id: FromPath[UUID],
        first_day: FirstDay = None,
        days: Days = 7,
        interval: Interval = None,
    ) -> ForecastGrid:
        queue = await queues.planned_queue(ctx, queue_id)
        grid = forecasts.queue_grid(queue, first_day, days, interval)
        found = await forecasts.queue_forecast(ctx, queue, grid)
        cells = [
            ForecastCell(
                starts_at=grid.start_at(i).astimezone(queue.zone),
                volume=round(float(found.volume[i]), 3),
                aht_s=round(float(found.aht_s[i]), 1),
                baseline_volume=round(float(found.baseline_volume[i]), 3),
                baseline_aht_s=round(float(found.baseline_aht_s[i]), 1),
                uplift_percent=float(found.uplift_percent[i]),
                overridden=bool(found.overridden[i]),
            )
            for i in range(grid.starts.size)
        ]
        return ForecastGrid(
            queue_id=queue.id,
            timezone=queue.zone.key,
            interval_minutes=grid.minutes,
            run=await forecasts.latest_run(ctx, queue.id),
            intervals=cells,
        )


class ForecastController(Controller):
    path = "/api/v1/planning/forecasts"
    tags = ["Planning"]
    guards = [authenticated, provider_staff]
    dependencies = CONTEXT

    @post(
        "/",
        operation_id="requestForecasts",
        summary="Forecast queues (a job computes them; poll each run)",
        guards=WRITE,
        responses=WRITE_ERRORS,
        status_code=HTTP_202_ACCEPTED,
    )
    async def request_forecasts(self, ctx: Ctx, data: JSONBody[ForecastRequest]) -> ForecastRunList:
        runs = await forecasts.request_forecasts(ctx, data, ctx.principal.user_id)
        return ForecastRunList(items=runs)

    @get("/{run_id:uuid}", operation_id="getForecastRun", guards=READ, responses=READ_ERRORS)
    async def get_run(self, ctx: Ctx, run_id: FromPath[UUID]) -> ForecastRunRead:
        return await forecasts.get_run(ctx, run_id)


class SeasonalEventController(Controller):
    path = "/api/v1/planning/events"
    tags = ["Planning"]
    guards = [authenticated, provider_staff]
    dependencies = CONTEXT

    @get("/", operation_id="listSeasonalEvents", guards=READ, responses=READ_ERRORS)
    async def list_events(
        self, ctx: Ctx, queue_id: QueueFilter = None, cursor: Cursor = None, limit: Limit = 50
    ) -> SeasonalEventPage:
        return page(
            SeasonalEventPage,
            await adjustments.list_events(ctx, queue_id=queue_id, cursor=cursor, limit=limit),
        )

    @post("/", operation_id="createSeasonalEvent", guards=WRITE, responses=WRITE_ERRORS)
    async def create_event(self, ctx: Ctx, data: JSONBody[SeasonalEventCreate]) -> SeasonalEventRead:
        return await adjustments.create_event(ctx, data, ctx.principal.user_id)

    @get("/{event_id:uuid}", operation_id="getSeasonalEvent", guards=READ, responses=READ_ERRORS)
    async def get_event(self, ctx: Ctx, event_id: FromPath[UUID]) -> SeasonalEventRead:
        return await adjustments.get_event(ctx, event_id)

    @delete("/{event_id:uuid}", operation_id="deleteSeasonalEvent", guards=WRITE, responses=WRITE_ERRORS)
    async def delete_event(self, ctx: Ctx, event_id: FromPath[UUID]) -> None:
        await adjustments.delete_event(ctx, event_id)


class OverrideController(Controller):
    path = "/api/v1/planning/overrides"
    tags = ["Planning"]
    guards = [authenticated, provider_staff]
    dependencies = CONTEXT

    @get("/", operation_id="listForecastOverrides", guards=READ, responses=READ_ERRORS)
    async def list_overrides(
        self, ctx: Ctx, queue_id: QueueFilter = None, cursor: Cursor = None, limit: Limit = 50
    ) -> OverridePage:
        return page(
            OverridePage, await adjustments.list_overrides(ctx, queue_id=queue_id, cursor=cursor, limit=limit)
        )

    @post("/", operation_id="createForecastOverride", guards=WRITE, responses=WRITE_ERRORS)
    async def create_override(self, ctx: Ctx, data: JSONBody[OverrideCreate]) -> OverrideRead:
        return await adjustments.create_override(ctx, data, ctx.principal.user_id)

    @get("/{override_id:uuid}", operation_id="getForecastOverride", guards=READ, responses=READ_ERRORS)
    async def get_override(self, ctx: Ctx, override_id: FromPath[UUID]) -> OverrideRead:
        return await adjustments.get_override(ctx, override_id)

    @delete(
        "/{override_id:uuid}", operation_id="deleteForecastOverride", guards=WRITE, responses=WRITE_ERRORS
    )
    async def delete_override(self, ctx: Ctx, override_id: FromPath[UUID]) -> None:
        await adjustments.delete_override(ctx, override_id)


class RequirementController(Controller):
    path = "/api/v1/planning/pools/{pool_id:uuid}"
    tags = ["Planning"]
    guards = [authenticated, provider_staff]
    dependencies = CONTEXT

    async def _grid(
        self, ctx: Ctx, pool_id: UUID, first_day: date | None, days: int, interval: int
    ) -> RequirementGrid:
        return await requirements.requirement_grid(ctx, pool_id, first_day, days, interval)

    @get(
        "/requirements",
        operation_id="getPoolRequirements",
        summary="Required and scheduled operators, gap and expected service level per interval",
        guards=READ,
        responses=READ_ERRORS,
    )
    async def get_requirements(
        self,
        ctx: Ctx,
        pool_id: FromPath[UUID],
        first_day: FirstDay = None,
        days: Days = 7,
        interval: PoolInterval = 60,
    ) -> RequirementGrid:
        return await self._grid(ctx, pool_id, first_day, days, interval)

    @get(
        "/requirements.csv",
        operation_id="exportPoolRequirements",
        summary="The requirement grid as CSV (times in the pool's time zone)",
        guards=READ,
        responses=READ_ERRORS,
        media_type=CSV_MEDIA_TYPE,
    )
    async def export_requirements(
        self,
        ctx: Ctx,
        pool_id: FromPath[UUID],
        first_day: FirstDay = None,
        days: Days = 7,
        interval: PoolInterval = 60,
    ) -> Response[str]:
        grid = await self._grid(ctx, pool_id, first_day, days, interval)
        filename = f"requirements-{pool_id}-{grid.intervals[0].starts_at.date().isoformat()}.csv"
        return Response(
            requirement_csv(grid),
            media_type=CSV_MEDIA_TYPE,
            headers={"Content-Disposition": f'attachment; filename="{filename}"'},
        )


class PlanController(Controller):
    path = "/api/v1/planning/plans"
    tags = ["Planning"]
    guards = [authenticated, provider_staff]
    dependencies = CONTEXT

    @get("/", operation_id="listScalingPlans", guards=READ, responses=READ_ERRORS)
    async def list_plans(
        self,
        ctx: Ctx,
        pool_id: Annotated[UUID | None, QueryParameter(name="poolId")] = None,
        status: FromQuery[PlanStatus | None] = None,
        cursor: Cursor = None,
        limit: Limit = 50,
    ) -> PlanPage:
        return page(
            PlanPage, await plans.list_plans(ctx, pool_id=pool_id, status=status, cursor=cursor, limit=limit)
        )

    @post("/", operation_id="createScalingPlan", guards=WRITE, responses=WRITE_ERRORS)
    async def create_plan(self, ctx: Ctx, data: JSONBody[PlanCreate]) -> PlanRead:
        return await plans.create_plan(ctx, data)

    @get("/{plan_id:uuid}", operation_id="getScalingPlan", guards=READ, responses=READ_ERRORS)
    async def get_plan(self, ctx: Ctx, plan_id: FromPath[UUID]) -> PlanRead:
        return await plans.get_plan(ctx, plan_id)

    @patch(
        "/{plan_id:uuid}",
        operation_id="updateScalingPlan",
        summary="Change a draft plan (a `changes` list replaces the whole list)",
        guards=WRITE,
        responses=WRITE_ERRORS,
    )
    async def update_plan(self, ctx: Ctx, plan_id: FromPath[UUID], data: JSONBody[PlanUpdate]) -> PlanRead:
        return await plans.update_plan(ctx, plan_id, data)

    @post(
        "/{plan_id:uuid}/approve",
        operation_id="approveScalingPlan",
        guards=WRITE,
        responses=WRITE_ERRORS,
        status_code=HTTP_200_OK,
    )
    async def approve_plan(self, ctx: Ctx, plan_id: FromPath[UUID]) -> PlanRead:
        return await plans.approve_plan(ctx, plan_id)

    @post(
        "/{plan_id:uuid}/apply",
        operation_id="applyScalingPlan",
        summary="Write an approved plan's memberships into the roster",
        guards=WRITE,
        responses=WRITE_ERRORS,
        status_code=HTTP_200_OK,
    )
    async def apply_plan(self, ctx: Ctx, plan_id: FromPath[UUID]) -> PlanRead:
        return await plans.apply_plan(ctx, plan_id)

    @post(
        "/{plan_id:uuid}/cancel",
        operation_id="cancelScalingPlan",
        guards=WRITE,
        responses=WRITE_ERRORS,
        status_code=HTTP_200_OK,
    )
    async def cancel_plan(self, ctx: Ctx, plan_id: FromPath[UUID]) -> PlanRead:
        return await plans.cancel_plan(ctx, plan_id)

    @get(
        "/{plan_id:uuid}/what-if",
        operation_id="getScalingPlanWhatIf",
        summary="The plan's effect on gaps and expected service level, before and after",
        guards=READ,
        responses=STATEFUL_READ_ERRORS,
    )
    async def what_if(self, ctx: Ctx, plan_id: FromPath[UUID], interval: PoolInterval = 60) -> WhatIf:
        return await whatif.what_if(ctx, plan_id, interval)

    @get("/{plan_id:uuid}/events", operation_id="listScalingPlanEvents", guards=READ, responses=READ_ERRORS)
    async def plan_events(self, ctx: Ctx, plan_id: FromPath[UUID]) -> PlanEventList:
        return PlanEventList(items=await plans.plan_events(ctx, plan_id))


ROUTES = [
    QueuePlanningController,
    ForecastController,
    SeasonalEventController,
    OverrideController,
    RequirementController,
    PlanController,
]
