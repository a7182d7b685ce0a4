"""Staffing plans: per pool, forecast volume and required against scheduled operators per interval over the
coming weeks (gaps shaded); queue staffing settings; forecasts on request; scaling plans from draft to
applied, with their what-if. Account staff plan, supervisors read."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from uuid import UUID
from zoneinfo import ZoneInfo

from litestar import Controller, Request, get, post
from litestar.params import FromPath
from litestar.response import Redirect, Template

from retaguarda.auth import authenticated, requires_role
from retaguarda.controller_kit import CONTEXT, Ctx
from retaguarda.errors import Conflict, FieldError, InvalidInput, NotFound
from retaguarda.i18n import N_, format_datetime, format_decimal, gettext_for
from retaguarda.portal.charts import Axes, Table, day_axes, staffing_chart
from retaguarda.portal.fields import number_text
from retaguarda.portal.forms import (
    FormSpec,
    decode,
    read_form,
    refusal,
    see_other,
    submit_form,
    text,
    within,
)
from retaguarda.portal.labels import PLAN_CHANGE_LABELS, STAFFING_MODEL_LABELS
from retaguarda.portal.navigation import PLAN_READERS, PLAN_WRITERS
from retaguarda.portal.people import actor_namer
from retaguarda.portal.rendering import page, viewer_locale, viewer_timezone
from retaguarda.tenancy import TenantContext
from retaguarda.work.service import catalog
from staffing.planning.schemas import (
    ForecastRequest,
    OverrideCreate,
    PlanCreate,
    PlanRead,
    QueueStaffingUpdate,
    RequirementGrid,
    SeasonalEventCreate,
    WhatIf,
)
from staffing.planning.service import adjustments, forecasts, plans, queues, requirements, whatif
from staffing.service.operators import list_operators
from staffing.service.pools import get_pool, list_pools

LIMIT = 200
DEFAULT_DAYS = 14
DAY_CHOICES = (7, 14, 21, 28)
CHANGE_ROWS = 4
SETTINGS_FORM = FormSpec(
    ("model", "interval_minutes", "target_service_level", "answer_time_s", "max_occupancy", "shrinkage"),
    {
        "model": N_("Choose how operators are computed."),
        "interval_minutes": N_("Choose the length of an interval."),
        "target_service_level": N_("Enter the service level to reach, in percent (such as 80)."),
        "answer_time_s": N_("Enter the answer time in whole seconds, or leave it empty."),
        "max_occupancy": N_("Enter the highest occupancy, in percent (such as 85)."),
        "shrinkage": N_("Enter the share of paid time not spent on tasks, in percent (such as 30)."),
    },
)
PLAN_FORM = FormSpec(
    ("name", "starts_at", "ends_at", "notes", "pool_id", "changes"),
    {
        "name": N_("Give the plan a name."),
        "starts_at": N_("Enter the day and time the plan starts."),
        "ends_at": N_("Enter the day and time the plan ends."),
        "pool_id": N_("Choose the pool the plan changes."),
        "changes": N_("Add at least one change."),
    },
)
PLAN_ACTIONS = {"approve": plans.approve_plan, "apply": plans.apply_plan, "cancel": plans.cancel_plan}
NOTICES = {
    "created",
    "approve",
    "apply",
    "cancel",
    "forecasts",
    "settings",
    "refused",
    "event",
    "event_deleted",
    "override",
    "override_deleted",
}
EVENT_FORM = FormSpec(
    ("name", "first_day", "last_day", "uplift_percent", "scope"),
    {
        "name": N_("Give the event a name, such as Black Friday."),
        "first_day": N_("Enter the event's first day."),
        "last_day": N_("Enter the event's last day."),
        "uplift_percent": N_("Enter the change in volume in percent, such as 40 or -20."),
        "scope": N_("Choose whether the event applies to this queue or to every queue of the client."),
    },
)
OVERRIDE_FORM = FormSpec(
    ("starts_at", "ends_at", "volume_per_hour", "aht_s", "reason"),
    {
        "starts_at": N_("Enter the day and time the override starts."),
        "ends_at": N_("Enter the day and time the override ends."),
        "reason": N_("Say why the forecast is overridden."),
    },
)


def _uuid(value: str) -> UUID | None:
    try:
        return UUID(value) if value else None
    except ValueError:
        return None


def _titles(locale: str) -> dict[str, str]:
    _ = gettext_for(locale)
    return {
        "required": _("Operators required"),
        "scheduled": _("Operators scheduled"),
        "after": _("Scheduled with the plan"),
    }


def _describe(locale: str, timezone: str) -> Any:
    _ = gettext_for(locale)

    def describe(cell: Any) -> str:
        when = format_datetime(cell.starts_at, timezone, locale, "short")
        if hasattr(cell, "scheduled_after"):
            return _("%(when)s: required %(required)s, scheduled %(before)s, with the plan %(after)s") % {
                "when": when,
                "required": format_decimal(cell.required, locale, 1),
                "before": format_decimal(cell.scheduled_before, locale, 1),
                "after": format_decimal(cell.scheduled_after, locale, 1),
            }
        return _("%(when)s: volume %(volume)s, required %(required)s, scheduled %(scheduled)s") % {
            "when": when,
            "volume": format_decimal(cell.volume, locale, 1),
            "required": format_decimal(cell.required, locale, 1),
            "scheduled": format_decimal(cell.scheduled, locale, 1),
        }

    return describe


def _axes(locale: str, timezone: str) -> Axes:
    _ = gettext_for(locale)
    return day_axes(locale, _("Operators"), _("Days, hour by hour (%(zone)s)") % {"zone": timezone})


def _grid_table(cells: list[Any], locale: str, timezone: str) -> Table:
    """Every interval of the pool's chart, as figures."""
    _ = gettext_for(locale)

    def number(value: float) -> str:
        return format_decimal(value, locale, 1)

    return Table(
        _("Forecast and staffing per hour"),
        [
            _("From"),
            _("Volume (tasks per hour)"),
            _("Operators required"),
            _("Operators scheduled"),
            _("Gap"),
        ],
        [
            [
                format_datetime(c.starts_at, timezone, locale, "short"),
                number(c.volume),
                number(c.required),
                number(c.scheduled),
                number(c.gap),
            ]
            for c in cells
        ],
    )


def _effect_table(cells: list[Any], locale: str, timezone: str) -> Table:
    """Every interval of a plan's what-if chart, as figures."""
    _ = gettext_for(locale)

    def number(value: float) -> str:
        return format_decimal(value, locale, 1)

    return Table(
        _("Operators per hour, before and with the plan"),
        [_("From"), _("Operators required"), _("Operators scheduled"), _("Scheduled with the plan")],
        [
            [
                format_datetime(c.starts_at, timezone, locale, "short"),
                number(c.required),
                number(c.scheduled_before),
                number(c.scheduled_after),
            ]
            for c in cells
        ],
    )


def _short_hours(grid: RequirementGrid) -> float:
    hours = grid.interval_minutes / 60
    return sum(-cell.gap * hours for cell in grid.intervals if cell.gap < 0)


class StaffingPages(Controller):
    path = "/staffing"
    include_in_schema = False
    guards = [authenticated, requires_role(*PLAN_READERS)]
    dependencies = CONTEXT

    @get("/", operation_id="portalStaffing")
    async def pool_page(self, request: Request[Any, Any, Any], ctx: Ctx) -> Template:
        pools, _ = await list_pools(ctx, cursor=None, limit=LIMIT)
        wanted = _uuid(request.query_params.get("pool", ""))
        pool = next((p for p in pools if p.id == wanted), pools[0] if pools else None)
        days_raw = request.query_params.get("days", "")
        days = int(days_raw) if days_raw.isdigit() and int(days_raw) in DAY_CHOICES else DEFAULT_DAYS
        context: dict[str, Any] = {}
        if pool is not None:
            locale, timezone = viewer_locale(request), pool.timezone
            grid = await requirements.requirement_grid(ctx, pool.id, None, days, 60)
            served = {q.queue_id for q in grid.queues}
            all_queues, _ = await catalog.list_queues(ctx, tenant_id=None, cursor=None, limit=LIMIT)
            pool_plans, _ = await plans.list_plans(
                ctx, pool_id=pool.id, status=None, cursor=None, limit=LIMIT
            )
            context = {
                "grid": grid,
                "chart": staffing_chart(
                    grid.intervals,
                    gettext_for(locale)("Forecast volume, operators required and scheduled per hour"),
                    _titles(locale),
                    _describe(locale, timezone),
                    _axes(locale, timezone),
                    table=_grid_table(grid.intervals, locale, timezone),
                ),
                "peak_volume": max((c.volume for c in grid.intervals), default=0.0),
                "short_hours": _short_hours(grid),
                "short_intervals": sum(1 for cell in grid.intervals if cell.gap < 0),
                "queues": [q for q in all_queues if q.id in served],
                "runs": {q: await forecasts.latest_run(ctx, q) for q in served},
                "plans": list(reversed(pool_plans)),
            }
        notice = request.query_params.get("notice")
        return page(
            request,
            "staffing/pool.html",
            pools=pools,
            pool=pool,
            days=days,
            day_choices=DAY_CHOICES,
            can_plan=ctx.principal.role in PLAN_WRITERS,
            notice=notice if notice in NOTICES else None,
            **context,
        )

    @post(
        "/forecasts",
        operation_id="portalRequestForecasts",
        status_code=303,
        guards=[requires_role(*PLAN_WRITERS)],
    )
    async def request_forecasts(self, request: Request[Any, Any, Any]) -> Redirect:
        form = await read_form(request)
        pool_id = _uuid(text(form, "pool"))
        if pool_id is None:
            raise NotFound()

        async def run(ctx: TenantContext) -> None:
            await get_pool(ctx, pool_id)
            queue_ids = await queues.queues_of_pool(ctx, pool_id)
            await forecasts.request_forecasts(
                ctx, ForecastRequest(queue_ids=queue_ids), ctx.principal.user_id
            )

        try:
            await within(request, run)
        except InvalidInput:
            return see_other("/staffing", pool=str(pool_id), notice="refused")
        return see_other("/staffing", pool=str(pool_id), notice="forecasts")

    # ---- queue settings ----------------------------------------------------------------------------------

    @get("/queues/{queue_id:uuid}", operation_id="portalQueueStaffing")
    async def queue_page(
        self, request: Request[Any, Any, Any], ctx: Ctx, queue_id: FromPath[UUID]
    ) -> Template:
        return await _queue_page(request, ctx, queue_id, None, {})

    # ---- seasonal events and manual overrides of a queue -------------------------------------------------

    @post(
        "/queues/{queue_id:uuid}/events",
        operation_id="portalCreateSeasonalEvent",
        status_code=303,
        guards=[requires_role(*PLAN_WRITERS)],
    )
    async def create_event(
        self, request: Request[Any, Any, Any], queue_id: FromPath[UUID]
    ) -> Template | Redirect:
        locale = viewer_locale(request)

        async def create(ctx: TenantContext, values: dict[str, str]) -> None:
            queue = await catalog.get_queue(ctx, queue_id)
            body = _event_body(values, locale)
            if values["scope"] == "client":
                body["tenantId"] = str(queue.tenant_id)
            else:
                body["queueId"] = str(queue.id)
            data = decode(body, SeasonalEventCreate)
            try:
                await adjustments.create_event(ctx, data, ctx.principal.user_id)
            except InvalidInput as exc:
                raise InvalidInput(errors=[_plain(e) for e in exc.errors]) from None

        async def again(ctx: TenantContext, values: dict[str, str], errors: dict[str, str]) -> Template:
            return await _queue_page(request, ctx, queue_id, None, {}, event=(values, errors))

        return await submit_form(
            request,
            EVENT_FORM,
            create,
            again,
            lambda _: see_other(f"/staffing/queues/{queue_id}", notice="event"),
        )

    @post(
        "/queues/{queue_id:uuid}/events/{event_id:uuid}/delete",
        operation_id="portalDeleteSeasonalEvent",
        status_code=303,
        guards=[requires_role(*PLAN_WRITERS)],
    )
    async def delete_event(
        self, request: Request[Any, Any, Any], queue_id: FromPath[UUID], event_id: FromPath[UUID]
    ) -> Redirect:
        async def delete(ctx: TenantContext) -> None:
            await catalog.get_queue(ctx, queue_id)
            await adjustments.delete_event(ctx, event_id)

        await within(request, delete)
        return see_other(f"/staffing/queues/{queue_id}", notice="event_deleted")

    @post(
        "/queues/{queue_id:uuid}/overrides",
        operation_id="portalCreateOverride",
        status_code=303,
        guards=[requires_role(*PLAN_WRITERS)],
    )
    async def create_override(
        self, request: Request[Any, Any, Any], queue_id: FromPath[UUID]
    ) -> Template | Redirect:
        locale, timezone = viewer_locale(request), viewer_timezone(request)

        async def create(ctx: TenantContext, values: dict[str, str]) -> None:
            queue = await catalog.get_queue(ctx, queue_id)
            body = {"queueId": str(queue.id), **_override_body(values, locale, timezone)}
            data = decode(body, OverrideCreate)
            try:
                await adjustments.create_override(ctx, data, ctx.principal.user_id)
            except InvalidInput as exc:
                raise InvalidInput(errors=[_plain(e) for e in exc.errors]) from None

        async def again(ctx: TenantContext, values: dict[str, str], errors: dict[str, str]) -> Template:
            return await _queue_page(request, ctx, queue_id, None, {}, override=(values, errors))

        return await submit_form(
            request,
            OVERRIDE_FORM,
            create,
            again,
            lambda _: see_other(f"/staffing/queues/{queue_id}", notice="override"),
        )

    @post(
        "/queues/{queue_id:uuid}/overrides/{override_id:uuid}/delete",
        operation_id="portalDeleteOverride",
        status_code=303,
        guards=[requires_role(*PLAN_WRITERS)],
    )
    async def delete_override(
        self, request: Request[Any, Any, Any], queue_id: FromPath[UUID], override_id: FromPath[UUID]
    ) -> Redirect:
        async def delete(ctx: TenantContext) -> None:
            await catalog.get_queue(ctx, queue_id)
            await adjustments.delete_override(ctx, override_id)

        await within(request, delete)
        return see_other(f"/staffing/queues/{queue_id}", notice="override_deleted")

    @post(
        "/queues/{queue_id:uuid}",
        operation_id="portalUpdateQueueStaffing",
        status_code=303,
        guards=[requires_role(*PLAN_WRITERS)],
    )
    async def update_queue(
        self, request: Request[Any, Any, Any], queue_id: FromPath[UUID]
    ) -> Template | Redirect:
        async def save(ctx: TenantContext, values: dict[str, str]) -> None:
            await queues.update_settings(ctx, queue_id, decode(_settings_body(values), QueueStaffingUpdate))

        async def again(ctx: TenantContext, values: dict[str, str], errors: dict[str, str]) -> Template:
            return await _queue_page(request, ctx, queue_id, values, errors)

        return await submit_form(
            request,
            SETTINGS_FORM,
            save,
            again,
            lambda _: see_other(f"/staffing/queues/{queue_id}", notice="settings"),
        )

    # ---- scaling plans -----------------------------------------------------------------------------------

    @get("/plans/new", operation_id="portalNewPlan", guards=[requires_role(*PLAN_WRITERS)])
    async def new_plan(self, request: Request[Any, Any, Any], ctx: Ctx) -> Template:
        return await _plan_form(request, ctx, {"pool_id": request.query_params.get("pool", "")}, {})

    @post("/plans", operation_id="portalCreatePlan", status_code=303, guards=[requires_role(*PLAN_WRITERS)])
    async def create_plan(self, request: Request[Any, Any, Any]) -> Template | Redirect:
        form = await read_form(request)
        values = PLAN_FORM.read(form)
        for i in range(CHANGE_ROWS):
            for name in ("kind", "operator", "share", "from_pool"):
                values[f"{name}_{i}"] = text(form, f"{name}_{i}")
        timezone = viewer_timezone(request)

        async def create(ctx: TenantContext, values: dict[str, str]) -> PlanRead:
            return await plans.create_plan(ctx, decode(_plan_body(values, timezone), PlanCreate))

        async def again(ctx: TenantContext, values: dict[str, str], errors: dict[str, str]) -> Template:
            return await _plan_form(request, ctx, values, errors)

        return await submit_form(
            request,
            PLAN_FORM,
            create,
            again,
            lambda created: see_other(f"/staffing/plans/{created.id}", notice="created"),
            values=values,
        )

    @get("/plans/{plan_id:uuid}", operation_id="portalPlan")
    async def plan_page(self, request: Request[Any, Any, Any], ctx: Ctx, plan_id: FromPath[UUID]) -> Template:
        plan = await plans.get_plan(ctx, plan_id)
        locale = viewer_locale(request)
        effect: WhatIf | None = None
        effect_error = None
        if plan.status in ("draft", "approved"):
            try:
                effect = await whatif.what_if(ctx, plan_id, 60)
            except Conflict as exc:
                effect_error = refusal(exc, locale).get("_form")
        pools, _ = await list_pools(ctx, cursor=None, limit=LIMIT)
        operators, _ = await list_operators(ctx, status=None, pool_id=None, cursor=None, limit=LIMIT)
        pool = next((p for p in pools if p.id == plan.pool_id), None)
        timezone = pool.timezone if pool else viewer_timezone(request)
        charts = (
            {
                effect_pool.pool_id: staffing_chart(
                    effect_pool.intervals,
                    gettext_for(locale)("Operators required, scheduled now and with the plan per hour"),
                    _titles(locale),
                    _describe(locale, timezone),
                    _axes(locale, timezone),
                    table=_effect_table(effect_pool.intervals, locale, timezone),
                    volume=False,
                    after=True,
                )
                for effect_pool in effect.pools
            }
            if effect
            else {}
        )
        notice = request.query_params.get("notice")
        events = await plans.plan_events(ctx, plan_id)
        return page(
            request,
            "staffing/plan.html",
            plan=plan,
            effect=effect,
            effect_error=effect_error,
            charts=charts,
            pool_names={p.id: p.name for p in pools},
            operator_names={o.id: o.display_name for o in operators},
            events=events,
            who=await actor_namer(events, gettext_for(viewer_locale(request))),
            can_plan=ctx.principal.role in PLAN_WRITERS,
            notice=notice if notice in NOTICES else None,
            error=request.query_params.get("error") == "1",
        )

    @post(
        "/plans/{plan_id:uuid}/{action:str}",
        operation_id="portalPlanAction",
        status_code=303,
        guards=[requires_role(*PLAN_WRITERS)],
    )
    async def plan_action(
        self, request: Request[Any, Any, Any], plan_id: FromPath[UUID], action: FromPath[str]
    ) -> Redirect:
        step = PLAN_ACTIONS.get(action)
        if step is None:
            raise NotFound()
        try:
            await within(request, lambda ctx: step(ctx, plan_id))
        except (Conflict, InvalidInput):
            return see_other(f"/staffing/plans/{plan_id}", notice="refused", error="1")
        return see_other(f"/staffing/plans/{plan_id}", notice=action)


def _percent(
    values: dict[str, str], name: str, body: dict[str, Any], key: str, errors: list[FieldError]
) -> None:
    raw = values.get(name, "").replace(",", ".")
    if not raw:
        return
    try:
        body[key] = float(raw) / 100
    except ValueError:
        errors.append(FieldError(key, "invalid", "Enter a percentage."))


def _settings_body(values: dict[str, str]) -> dict[str, Any]:
    errors: list[FieldError] = []
    body: dict[str, Any] = {"model": values.get("model") or None}
    if not body["model"]:
        body.pop("model")
    interval = values.get("interval_minutes", "")
    if interval:
        body["intervalMinutes"] = int(interval) if interval.isdigit() else interval
    _percent(values, "target_service_level", body, "targetServiceLevel", errors)
    _percent(values, "max_occupancy", body, "maxOccupancy", errors)
    _percent(values, "shrinkage", body, "shrinkage", errors)
    answer = values.get("answer_time_s", "")
    if answer.isdigit():
        body["answerTimeS"] = int(answer)
    elif answer:
        errors.append(FieldError("answerTimeS", "invalid", "Enter whole seconds."))
    else:
        body["answerTimeS"] = None
    if errors:
        raise InvalidInput(errors=errors)
    return body


def _number(
    values: dict[str, str], name: str, locale: str, key: str, body: dict[str, Any], errors: list[FieldError]
) -> None:
    raw = values.get(name, "")
    if not raw:
        return
    try:
        body[key] = float(number_text(raw, locale))
    except ValueError:
        errors.append(FieldError(key, "invalid", "Enter a number."))


def _event_body(values: dict[str, str], locale: str) -> dict[str, Any]:
    errors: list[FieldError] = []
    body: dict[str, Any] = {"name": values.get("name", "")}
    if not body["name"]:
        errors.append(FieldError("name", "required", "Give the event a name."))
    for name, key in (("first_day", "firstDay"), ("last_day", "lastDay")):
        try:
            body[key] = date.fromisoformat(values.get(name, "")).isoformat()
        except ValueError:
            code = "required" if not values.get(name) else "invalid_date"
            errors.append(FieldError(key, code, "Enter a valid date."))
    if not values.get("uplift_percent"):
        errors.append(FieldError("upliftPercent", "required", "Enter the uplift in percent."))
    _number(values, "uplift_percent", locale, "upliftPercent", body, errors)
    if values.get("scope") not in ("queue", "client"):
        errors.append(FieldError("scope", "invalid_choice", "Choose one of the options."))
    if errors:
        raise InvalidInput(errors=errors)
    return body


def _override_body(values: dict[str, str], locale: str, timezone: str) -> dict[str, Any]:
    errors: list[FieldError] = []
    body: dict[str, Any] = {"reason": values.get("reason", "")}
    for name, key in (("starts_at", "startsAt"), ("ends_at", "endsAt")):
        try:
            body[key] = _moment(values.get(name, ""), timezone, key)
        except InvalidInput as exc:
            errors.extend(exc.errors)
    _number(values, "volume_per_hour", locale, "volumePerHour", body, errors)
    _number(values, "aht_s", locale, "ahtS", body, errors)
    if errors:
        raise InvalidInput(errors=errors)
    return body


# Planning's messages name API fields ("after startsAt"); the page names its inputs. Its "too long" on an
# override is about the duration, not a text.
_PLAIN = {
    "before_first_day": ("before_first_day", "Choose a day on or after the first day."),
    "not_after_start": ("not_after_start", "Choose a time after the start."),
    "too_long": ("override_too_long", "An override covers at most 92 days."),
}


def _plain(error: FieldError) -> FieldError:
    code, message = _PLAIN.get(error.code, (error.code, error.message))
    return FieldError(error.field, code, message)


async def _queue_page(
    request: Request[Any, Any, Any],
    ctx: TenantContext,
    queue_id: UUID,
    values: dict[str, str] | None,
    errors: dict[str, str],
    status_code: int = 200,
    *,
    event: tuple[dict[str, str], dict[str, str]] = ({"scope": "queue"}, {}),
    override: tuple[dict[str, str], dict[str, str]] = ({}, {}),
) -> Template:
    planned = await queues.planned_queue(ctx, queue_id)
    settings = planned.read()
    queue = await catalog.get_queue(ctx, queue_id)
    events, _ = await adjustments.list_events(ctx, queue_id=None, cursor=None, limit=LIMIT)
    overrides, _ = await adjustments.list_overrides(ctx, queue_id=queue_id, cursor=None, limit=LIMIT)
    shown = values or {
        "model": settings.model,
        "interval_minutes": str(settings.interval_minutes),
        "target_service_level": f"{settings.target_service_level * 100:g}",
        "answer_time_s": str(settings.answer_time_s) if settings.answer_time_source == "queue" else "",
        "max_occupancy": f"{settings.max_occupancy * 100:g}",
        "shrinkage": f"{settings.shrinkage * 100:g}",
    }
    notice = request.query_params.get("notice")
    return page(
        request,
        "staffing/queue.html",
        status_code=status_code,
        queue=queue,
        settings=settings,
        run=await forecasts.latest_run(ctx, queue_id),
        values=shown,
        errors=errors,
        models=STAFFING_MODEL_LABELS,
        events=sorted(
            (e for e in events if e.tenant_id == queue.tenant_id and e.queue_id in (None, queue.id)),
            key=lambda e: e.first_day,
        ),
        overrides=sorted(overrides, key=lambda o: o.starts_at),
        event_values=event[0],
        event_errors=event[1],
        override_values=override[0],
        override_errors=override[1],
        can_plan=ctx.principal.role in PLAN_WRITERS,
        notice=notice if notice in NOTICES else None,
    )


def _moment(value: str, timezone: str, field: str) -> str:
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        code = "required" if not value else "invalid_datetime"
        raise InvalidInput(errors=[FieldError(field, code, "Enter a valid date and time.")]) from None
    return (moment if moment.tzinfo else moment.replace(tzinfo=ZoneInfo(timezone))).isoformat()


def _plan_body(values: dict[str, str], timezone: str) -> dict[str, Any]:
    errors: list[FieldError] = []
    if not values.get("name"):
        errors.append(FieldError("name", "required", "Give the plan a name."))
    moments = {}
    for name, key in (("starts_at", "startsAt"), ("ends_at", "endsAt")):
        try:
            moments[key] = _moment(values[name], timezone, key)
        except InvalidInput as exc:
            errors.extend(exc.errors)
    changes = []
    for i in range(CHANGE_ROWS):
        kind, operator = values.get(f"kind_{i}", ""), values.get(f"operator_{i}", "")
        if not kind or not operator:
            continue
        share = values.get(f"share_{i}", "") or "100"
        change: dict[str, Any] = {
            "kind": kind,
            "operatorId": operator,
            "share": int(share) if share.isdigit() else 0,
        }
        if values.get(f"from_pool_{i}"):
            change["fromPoolId"] = values[f"from_pool_{i}"]
        changes.append(change)
    if not changes:
        errors.append(FieldError("changes", "required", "Add at least one change."))
    if errors:
        raise InvalidInput(errors=errors)
    return {
        "poolId": values.get("pool_id", ""),
        "name": values.get("name", ""),
        "notes": values.get("notes", ""),
        "changes": changes,
        **moments,
    }


async def _plan_form(
    request: Request[Any, Any, Any],
    ctx: TenantContext,
    values: dict[str, str],
    errors: dict[str, str],
    status_code: int = 200,
) -> Template:
    pools, _ = await list_pools(ctx, cursor=None, limit=LIMIT)
    operators, _ = await list_operators(ctx, status=None, pool_id=None, cursor=None, limit=LIMIT)
    return page(
        request,
        "staffing/new_plan.html",
        status_code=status_code,
        pools=pools,
        operators=operators,
        values=values,
        errors=errors,
        rows=range(CHANGE_ROWS),
        kinds=PLAN_CHANGE_LABELS,
        today=date.today(),
    )
