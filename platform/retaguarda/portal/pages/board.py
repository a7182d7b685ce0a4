"""The supervisor's floor: a live board per pool (backlog, oldest waiting task, tasks at risk, who holds
what) with reassignment, and time-entry corrections with a reason."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID
from zoneinfo import ZoneInfo

from litestar import Controller, Request, get, post
from litestar.params import FromPath
from litestar.response import Redirect, Template

from retaguarda.auth import authenticated, requires_role
from retaguarda.controller_kit import CONTEXT, Ctx
from retaguarda.db import plan_each_statement
from retaguarda.errors import Conflict, FieldError, InvalidInput
from retaguarda.portal.forms import decode, read_form, reading, refusal, see_other, text, within
from retaguarda.portal.navigation import FLOOR_LEADS
from retaguarda.portal.pages.tasks import client_names
from retaguarda.portal.rendering import page, viewer_locale, viewer_timezone
from retaguarda.tenancy import TenantContext
from retaguarda.work.schemas import TaskRead, TimeCorrection
from retaguarda.work.service import boards, claims, task_reads, time
from retaguarda.work.sla.service import risk
from staffing.service.operators import list_operators
from staffing.service.pools import get_pool, list_pools

REFRESH_S = 15
SEARCH_LIMIT = 20
CORRECTION_FIELDS = {"task_id", "operator_id", "started_at", "ended_at", "reason", "corrects_id"}


def _uuid(value: str) -> UUID | None:
    try:
        return UUID(value) if value else None
    except ValueError:
        return None


class BoardPages(Controller):
    path = "/board"
    include_in_schema = False
    guards = [authenticated, requires_role(*FLOOR_LEADS)]
    dependencies = CONTEXT

    @get("/", operation_id="portalBoard")
    async def board(self, request: Request[Any, Any, Any], ctx: Ctx) -> Template:
        pools, _ = await list_pools(ctx, cursor=None, limit=200)
        wanted = _uuid(request.query_params.get("pool", ""))
        pool = next((p for p in pools if p.id == wanted), pools[0] if pools else None)
        context = await _panel_context(ctx, pool.id) if pool else {}
        notice = request.query_params.get("notice")
        return page(
            request,
            "board/board.html",
            pools=pools,
            pool=pool,
            refresh_s=REFRESH_S,
            notice=notice if notice in {"reassigned", "conflict"} else None,
            **context,
        )

    @get("/{pool_id:uuid}/panel", operation_id="portalBoardPanel")
    async def panel(self, request: Request[Any, Any, Any], ctx: Ctx, pool_id: FromPath[UUID]) -> Template:
        pool = await get_pool(ctx, pool_id)
        return page(request, "board/_panel.html", pool=pool, **await _panel_context(ctx, pool_id))

    @post("/tasks/{task_id:uuid}/reassign", operation_id="portalReassign", status_code=303)
    async def reassign(self, request: Request[Any, Any, Any], task_id: FromPath[UUID]) -> Redirect:
        form = await read_form(request)
        pool = text(form, "pool")
        operator_id = _uuid(text(form, "operator_id"))
        try:
            await within(request, lambda ctx: claims.reassign(ctx, task_id, operator_id))
        except (Conflict, InvalidInput):
            return see_other("/board", pool=pool, notice="conflict")
        return see_other("/board", pool=pool, notice="reassigned")


async def _panel_context(ctx: TenantContext, pool_id: UUID) -> dict[str, Any]:
    await plan_each_statement()  # the risk windows and due orders read by their values (see there)
    operators, _ = await list_operators(ctx, status=None, pool_id=pool_id, cursor=None, limit=200)
    board = await boards.pool_board(ctx, pool_id)
    queue_ids = [line.queue_id for line in board.queues]
    return {
        "board": board,
        "operators": operators,
        "risk": await risk.risk_counts(ctx, queue_ids=queue_ids),
        "sla_risk": await risk.tasks_at_risk(ctx, limit=10, queue_ids=queue_ids),
        "due_next": await risk.due_next(ctx, limit=10, queue_ids=queue_ids),
        "task_href": lambda task_id: f"/tasks/{task_id}",
    }


class TimePages(Controller):
    path = "/time"
    include_in_schema = False
    guards = [authenticated, requires_role(*FLOOR_LEADS)]
    dependencies = CONTEXT

    @get("/", operation_id="portalTime")
    async def time_page(self, request: Request[Any, Any, Any], ctx: Ctx) -> Template:
        task_id = _uuid(request.query_params.get("task", ""))
        return await _time_page(request, ctx, task_id, {}, {})

    @post("/", operation_id="portalCorrectTime", status_code=303)
    async def correct(self, request: Request[Any, Any, Any]) -> Template | Redirect:
        form = await read_form(request)
        values = {name: text(form, name) for name in (*CORRECTION_FIELDS, "billable")}
        timezone = viewer_timezone(request)
        task_id = _uuid(values["task_id"])
        try:
            body = {
                "taskId": values["task_id"],
                "operatorId": values["operator_id"],
                "startedAt": _moment(values["started_at"], timezone, "startedAt"),
                "endedAt": _moment(values["ended_at"], timezone, "endedAt"),
                "reason": values["reason"],
                "billable": values["billable"] == "on",
                "correctsId": values["corrects_id"] or None,
            }
            await within(request, lambda ctx: time.correct_time(ctx, decode(body, TimeCorrection)))
        except (InvalidInput, Conflict) as exc:
            errors = refusal(exc, viewer_locale(request), CORRECTION_FIELDS)

            async def again(ctx: TenantContext) -> Template:
                return await _time_page(request, ctx, task_id, values, errors, status_code=422)

            return await reading(request, again)
        return see_other("/time", task=values["task_id"], notice="corrected")


def _moment(value: str, timezone: str, field: str) -> str:
    """A datetime-local input, read in the viewer's time zone."""
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise InvalidInput(
            errors=[FieldError(field, "invalid_datetime", "Use a valid date and time.")]
        ) from None
    return (moment if moment.tzinfo else moment.replace(tzinfo=ZoneInfo(timezone))).isoformat()


async def _time_page(
    request: Request[Any, Any, Any],
    ctx: TenantContext,
    task_id: UUID | None,
    values: dict[str, str],
    errors: dict[str, str],
    status_code: int = 200,
) -> Template:
    operators, _ = await list_operators(ctx, status=None, pool_id=None, cursor=None, limit=200)
    detail = entries = None
    search = request.query_params.get("q", "").strip()
    found: list[TaskRead] = []
    if search and task_id is None:
        found, _ = await task_reads.list_tasks(ctx, text=search, limit=SEARCH_LIMIT)
        if len(found) == 1:
            task_id = found[0].id  # one match: show it straight away
    if task_id is not None:
        detail = await task_reads.get_task_detail(ctx, task_id)
        entries, _ = await time.list_time_entries(
            ctx, task_id=task_id, operator_id=None, started_from=None, started_to=None, cursor=None, limit=200
        )
    return page(
        request,
        "board/time.html",
        status_code=status_code,
        task=detail.task if detail else None,
        search=search,
        found=found,
        clients=await client_names(ctx, {item.tenant_id for item in found}),
        entries=entries or [],
        operators=operators,
        operator_names={op.id: op.display_name for op in operators},
        values=values or {"billable": "on"},
        errors=errors,
        notice=request.query_params.get("notice"),
    )
