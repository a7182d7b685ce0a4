"""Tasks: the list with its filters, the submit form generated from the task type's fields, and the task page
with its history and conversation."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any
from uuid import UUID
from zoneinfo import ZoneInfo

from litestar import Controller, Request, Response, get, post
from litestar.params import FromPath
from litestar.response import Redirect, Template

from retaguarda.auth import Role, authenticated, requires_role
from retaguarda.controller_kit import CONTEXT, Ctx
from retaguarda.errors import Conflict, FieldError, InvalidInput
from retaguarda.i18n import N_, format_decimal, gettext_for
from retaguarda.portal.fields import field_inputs, form_payload, shown_values
from retaguarda.portal.forms import (
    FORM_LEVEL,
    decode,
    read_form,
    reading,
    refusal,
    safe_path,
    see_other,
    text,
    within,
)
from retaguarda.portal.labels import PRIORITY_LABELS, SIDE_LABELS, SLA_STATE_LABELS, STATUS_LABELS
from retaguarda.portal.navigation import CLIENTS, FLOOR_LEADS, TASK_READERS
from retaguarda.portal.people import actor_namer, user_names
from retaguarda.portal.rendering import page, viewer_locale, viewer_timezone
from retaguarda.settings import get_settings
from retaguarda.spreadsheets import CSV_MEDIA_TYPE, safe_row
from retaguarda.tenancy import TenantContext
from retaguarda.work.documents import service as documents
from retaguarda.work.documents.schemas import FileRead
from retaguarda.work.documents.tables import FilePurpose
from retaguarda.work.fields import localized
from retaguarda.work.schemas import TaskCreate, TaskRead, TaskTypeRead
from retaguarda.work.service import catalog, intake, saved_views, task_batches, task_reads
from retaguarda.work.sla.clocks import ClockState
from retaguarda.work.tables import TaskStatus
from staffing.service.operators import list_operators
from tenants.service.directory import get_tenant

PAGE_SIZE = 25
EXPORT_LIMIT = 10_000
FILTERS = ("status", "queue", "type", "priority", "from", "to", "q")
SUBMIT_FIELDS = {"task_type", "queue", "priority", "title", "external_ref"}


def _uuid(value: str) -> UUID | None:
    try:
        return UUID(value) if value else None
    except ValueError:
        return None


def _day_start(value: str, timezone: str) -> datetime | None:
    try:
        day = date.fromisoformat(value) if value else None
    except ValueError:
        return None
    return datetime.combine(day, time(0), tzinfo=ZoneInfo(timezone)) if day else None


async def _catalog(ctx: TenantContext) -> tuple[list[TaskTypeRead], dict[UUID, Any]]:
    types, _ = await catalog.list_task_types(ctx, tenant_id=None, active=None, cursor=None, limit=200)
    queues, _ = await catalog.list_queues(ctx, tenant_id=None, cursor=None, limit=200)
    return types, {queue.id: queue for queue in queues}


class TaskPages(Controller):
    path = "/tasks"
    include_in_schema = False
    guards = [authenticated, requires_role(*TASK_READERS)]
    dependencies = CONTEXT

    @get("/", operation_id="portalTasks")
    async def list_page(self, request: Request[Any, Any, Any], ctx: Ctx) -> Template:
        query = {name: request.query_params.get(name, "").strip() for name in FILTERS}
        items, next_cursor = await _filtered(
            ctx, query, viewer_timezone(request), request.query_params.get("cursor") or None, PAGE_SIZE
        )
        types, queues = await _catalog(ctx)
        clients = await client_names(ctx, {item.tenant_id for item in items})
        can_batch = ctx.principal.role in FLOOR_LEADS
        operators: list[Any] = []
        if can_batch:
            operators, _ = await list_operators(ctx, status=None, pool_id=None, cursor=None, limit=200)
        notice = request.query_params.get("notice")
        return page(
            request,
            "tasks/list.html",
            items=items,
            next_cursor=next_cursor,
            query=query,
            filtered=any(query.values()),
            filter_query={k: v for k, v in query.items() if v},
            types={t.id: t for t in types},
            queues=queues,
            clients=clients,
            statuses=list(STATUS_LABELS),
            priorities=PRIORITY_LABELS,
            views=await saved_views.list_views(ctx),
            can_batch=can_batch,
            operators=operators,
            notice=notice if notice in ("saved_view", "deleted_view", "batch") else None,
            changed=request.query_params.get("changed", ""),
            refused=request.query_params.get("refused", ""),
        )

    @get("/export.csv", operation_id="portalExportTasks")
    async def export(self, request: Request[Any, Any, Any], ctx: Ctx) -> Response[str]:
        """The filtered list (every page, up to EXPORT_LIMIT tasks) as a spreadsheet in the viewer's
        language, zone and number format; no cell runs as a formula."""
        query = {name: request.query_params.get(name, "").strip() for name in FILTERS}
        locale, timezone = viewer_locale(request), viewer_timezone(request)
        rows: list[TaskRead] = []
        cursor: str | None = None
        while len(rows) < EXPORT_LIMIT:
            items, cursor = await _filtered(ctx, query, timezone, cursor, 200)
            rows += items
            if cursor is None:
                break
        types, queues = await _catalog(ctx)
        clients = await client_names(ctx, {item.tenant_id for item in rows})
        body = tasks_csv(rows[:EXPORT_LIMIT], locale, timezone, {t.id: t for t in types}, queues, clients)
        return Response(
            body,
            media_type=CSV_MEDIA_TYPE,
            headers={"Content-Disposition": 'attachment; filename="tasks.csv"'},
        )

    @post("/views", operation_id="portalSaveView", status_code=303)
    async def save_view(self, request: Request[Any, Any, Any]) -> Redirect:
        form = await read_form(request)
        query = text(form, "query")
        try:
            await within(request, lambda ctx: saved_views.save_view(ctx, text(form, "name"), query))
        except InvalidInput:
            return Redirect("/tasks?" + saved_views.clean_query(query), status_code=303)
        cleaned = saved_views.clean_query(query)
        return Redirect(
            f"/tasks?{cleaned}&notice=saved_view" if cleaned else "/tasks?notice=saved_view", status_code=303
        )

    @post("/views/{view_id:uuid}/delete", operation_id="portalDeleteView", status_code=303)
    async def delete_view(self, request: Request[Any, Any, Any], view_id: FromPath[UUID]) -> Redirect:
        await within(request, lambda ctx: saved_views.delete_view(ctx, view_id))
        return see_other("/tasks", notice="deleted_view")

    @post("/batch", operation_id="portalChangeTasks", guards=[requires_role(*FLOOR_LEADS)], status_code=303)
    async def batch(self, request: Request[Any, Any, Any]) -> Template | Redirect:
        """First the review (what will happen to which tasks), then, confirmed, the change itself."""
        form = await read_form(request)
        task_ids = [task_id for task_id in map(_uuid, form.getall("task_ids", [])) if task_id]
        action = text(form, "action")
        operator_id = _uuid(text(form, "operator_id"))
        priority = int(text(form, "priority")) if text(form, "priority") in {"1", "2", "3", "4"} else None
        reason = text(form, "reason")[:500]
        back = text(form, "back")
        if not task_ids or action not in ("reassign", "reprioritise", "cancel"):
            return Redirect(safe_path(back, "/tasks"), status_code=303)
        if text(form, "confirm") != "1":

            async def review(ctx: TenantContext) -> Template:
                chosen = [await task_reads.get_task_detail(ctx, task_id) for task_id in task_ids[:200]]
                operators, _ = await list_operators(ctx, status=None, pool_id=None, cursor=None, limit=200)
                return page(
                    request,
                    "tasks/batch.html",
                    tasks=[detail.task for detail in chosen],
                    action=action,
                    operator=next((op for op in operators if op.id == operator_id), None),
                    operator_id=operator_id,
                    priority=priority,
                    reason=reason,
                    back=safe_path(back, "/tasks"),
                    missing_reason=action == "cancel" and not reason.strip(),
                    missing_priority=action == "reprioritise" and priority is None,
                )

            return await reading(request, review)
        outcome = await within(
            request,
            lambda ctx: task_batches.apply_batch(
                ctx, task_ids, action, operator_id=operator_id, priority=priority, reason=reason
            ),
        )
        target = safe_path(back, "/tasks")
        joiner = "&" if "?" in target else "?"
        return Redirect(
            f"{target}{joiner}notice=batch&changed={len(outcome.changed)}&refused={len(outcome.refused)}",
            status_code=303,
        )

    @get("/new", operation_id="portalNewTask", guards=[requires_role(*CLIENTS)])
    async def new_page(self, request: Request[Any, Any, Any], ctx: Ctx) -> Template:
        chosen = request.query_params.get("type", "")
        return await _submit_form(request, ctx, {"task_type": chosen}, {})

    @post("/new", operation_id="portalSubmitTask", guards=[requires_role(*CLIENTS)], status_code=303)
    async def submit(self, request: Request[Any, Any, Any]) -> Template | Redirect:
        form = await read_form(request)
        values = {name: value for name, value in form.items() if isinstance(value, str)}
        file_ids = [file_id for file_id in map(_uuid, form.getall("file_ids", [])) if file_id]
        locale, timezone = viewer_locale(request), viewer_timezone(request)

        async def create(ctx: TenantContext) -> UUID:
            task_type = await catalog.find_task_type(ctx, ctx.principal.tenant_id, text(form, "task_type"))
            specs = task_type.fields if task_type else []
            body = {
                "taskType": text(form, "task_type"),
                "payload": form_payload(specs, form, locale, timezone),
                "queue": text(form, "queue") or None,
                "priority": int(text(form, "priority")) if text(form, "priority").isdigit() else None,
                "title": text(form, "title") or None,
                "externalRef": text(form, "external_ref") or None,
            }
            task = await intake.create_task(ctx, decode(body, TaskCreate))
            await documents.attach_loose_files(ctx, task.tenant_id, task.id, file_ids)
            return task.id

        try:
            task_id = await within(request, create)
        except (InvalidInput, Conflict) as exc:
            errors = refusal(exc, locale)

            async def again(ctx: TenantContext) -> Template:
                kept = await documents.loose_files(ctx, file_ids)
                return await _submit_form(request, ctx, values, errors, kept=kept, status_code=422)

            return await reading(request, again)
        return see_other(f"/tasks/{task_id}", created="1")

    @get("/{task_id:uuid}", operation_id="portalTask")
    async def detail(self, request: Request[Any, Any, Any], ctx: Ctx, task_id: FromPath[UUID]) -> Template:
        return await task_page(request, ctx, task_id, {}, "")

    @post("/{task_id:uuid}/comments", operation_id="portalComment", status_code=303)
    async def comment(self, request: Request[Any, Any, Any], task_id: FromPath[UUID]) -> Template | Redirect:
        form = await read_form(request)
        body, internal = text(form, "body"), text(form, "internal") == "1"
        file_ids = [file_id for file_id in map(_uuid, form.getall("file_ids", [])) if file_id]
        try:
            if not body:
                raise InvalidInput(errors=[FieldError("body", "required", "Write a message.")])
            await within(
                request,
                lambda ctx: documents.comment_with_files(
                    ctx, task_id, body[:10000], file_ids, internal=internal
                ),
            )
        except (InvalidInput, Conflict) as exc:
            errors = refusal(exc, viewer_locale(request), {"body"})

            async def again(ctx: TenantContext) -> Template:
                return await task_page(request, ctx, task_id, errors, body, status_code=422)

            return await reading(request, again)
        return see_other(f"/tasks/{task_id}", sent="1")


async def _filtered(
    ctx: TenantContext, query: dict[str, str], timezone: str, cursor: str | None, limit: int
) -> tuple[list[TaskRead], str | None]:
    """One page of the list the filters describe (the page, the export and a saved view read the same)."""
    status = query["status"] if query["status"] in STATUS_LABELS else None
    priority = int(query["priority"]) if query["priority"] in {"1", "2", "3", "4"} else None
    created_to = _day_start(query["to"], timezone)
    return await task_reads.list_tasks(
        ctx,
        status=TaskStatus(status) if status else None,
        queue_id=_uuid(query["queue"]),
        task_type_id=_uuid(query["type"]),
        priority=priority,
        created_from=_day_start(query["from"], timezone),
        created_to=created_to + timedelta(days=1) if created_to else None,
        text=query["q"] or None,
        cursor=cursor,
        limit=limit,
    )


def tasks_csv(
    rows: list[TaskRead],
    locale: str,
    timezone: str,
    types: dict[UUID, TaskTypeRead],
    queues: dict[UUID, Any],
    clients: dict[UUID, str],
) -> str:
    _ = gettext_for(locale)
    zone = ZoneInfo(timezone)
    delimiter = ";" if format_decimal(Decimal("0.5"), locale, 1) == "0,5" else ","
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter, lineterminator="\r\n")
    headers = [N_("Reference"), N_("Title"), N_("Client"), N_("Type"), N_("Queue"), N_("Status")]
    headers += [N_("Priority"), N_("Submitted"), N_("Due"), N_("Completed"), N_("SLA")]
    writer.writerow(safe_row(_(h) for h in headers))

    def local(moment: datetime | None) -> str:
        return moment.astimezone(zone).strftime("%Y-%m-%d %H:%M") if moment else ""

    for task in rows:
        task_type = types.get(task.task_type_id)
        queue = queues.get(task.queue_id)
        writer.writerow(
            safe_row(
                [
                    task.external_ref or "",
                    task.title,
                    clients.get(task.tenant_id, ""),
                    localized(task_type.names, locale, task_type.code) if task_type else "",
                    queue.name if queue else "",
                    _(STATUS_LABELS[task.status]),
                    _(PRIORITY_LABELS.get(task.priority, "")),
                    local(task.created_at),
                    local(task.due_at),
                    local(task.completed_at),
                    _(SLA_STATE_LABELS[ClockState(task.sla.resolution.state)]) if task.sla else "",
                ]
            )
        )
    return "\ufeff" + out.getvalue()  # the BOM makes Excel read UTF-8


async def client_names(ctx: TenantContext, tenant_ids: set[UUID]) -> dict[UUID, str]:
    """Provider staff read which client each task is of; a client knows."""
    if not ctx.principal.is_provider:
        return {}
    names = {}
    for tenant_id in tenant_ids:
        names[tenant_id] = (await get_tenant(ctx, tenant_id)).name
    return names


async def _submit_form(
    request: Request[Any, Any, Any],
    ctx: TenantContext,
    values: dict[str, str],
    errors: dict[str, str],
    kept: list[FileRead] | None = None,
    status_code: int = 200,
) -> Template:
    tenant = await get_tenant(ctx, ctx.principal.tenant_id)
    types, _ = await catalog.list_task_types(ctx, tenant_id=tenant.id, active=True, cursor=None, limit=200)
    queues, _ = await catalog.list_queues(ctx, tenant_id=tenant.id, cursor=None, limit=200)
    chosen = next(
        (t for t in types if t.code == values.get("task_type")), types[0] if len(types) == 1 else None
    )
    locale = viewer_locale(request)
    known = {"f_" + spec.key for spec in chosen.fields} | SUBMIT_FIELDS if chosen else SUBMIT_FIELDS
    shown_errors = {k: v for k, v in errors.items() if k in known or k == FORM_LEVEL}
    leftover = [v for k, v in errors.items() if k not in known and k != FORM_LEVEL]
    if leftover:
        shown_errors[FORM_LEVEL] = " ".join([shown_errors.get(FORM_LEVEL, ""), *leftover]).strip()
    return page(
        request,
        "tasks/new.html",
        status_code=status_code,
        types=types,
        queues=queues,
        chosen=chosen,
        inputs=field_inputs(chosen.fields, locale, tenant.currency, values, shown_errors) if chosen else [],
        values=values,
        errors=shown_errors,
        priorities=PRIORITY_LABELS,
        kept_files=kept or [],
        max_file_bytes=get_settings().storage.max_file_bytes,
    )


async def task_page(
    request: Request[Any, Any, Any],
    ctx: TenantContext,
    task_id: UUID,
    errors: dict[str, str],
    draft: str,
    status_code: int = 200,
) -> Template:
    detail = await task_reads.get_task_detail(ctx, task_id)
    task = detail.task
    task_type = await catalog.get_task_type(ctx, task.task_type_id)
    queue = await catalog.get_queue(ctx, task.queue_id)
    tenant = await get_tenant(ctx, task.tenant_id)
    open_task = task.status not in (TaskStatus.DONE, TaskStatus.CANCELLED)
    comment_files: dict[UUID, list[FileRead]] = {}
    for item in detail.files:
        if item.comment_id is not None:
            comment_files.setdefault(item.comment_id, []).append(item)
    return page(
        request,
        "tasks/detail.html",
        status_code=status_code,
        task=task,
        task_type=task_type,
        queue=queue,
        tenant=tenant,
        values=shown_values(
            task_type.fields, task.payload, viewer_locale(request), viewer_timezone(request), tenant.currency
        ),
        events=list(reversed(detail.events)),
        who=await actor_namer(detail.events, gettext_for(viewer_locale(request))),
        authors=await user_names(c.author_id for c in detail.comments),
        comments=detail.comments,
        sides=SIDE_LABELS,
        open=open_task,
        input_files=[f for f in detail.files if f.purpose == FilePurpose.INPUT],
        deliverables=[f for f in detail.files if f.purpose == FilePurpose.DELIVERABLE],
        comment_files=comment_files,
        can_download_all=ctx.principal.is_provider or ctx.principal.role is Role.CLIENT_ADMIN,
        # The client adds input while the task is open; the provider adds deliverables until it is cancelled.
        attach_purpose=(
            ("deliverable" if task.status is not TaskStatus.CANCELLED else None)
            if ctx.principal.is_provider
            else ("input" if open_task else None)
        ),
        max_file_bytes=get_settings().storage.max_file_bytes,
        errors=errors,
        draft=draft,
        created=request.query_params.get("created") == "1",
        sent=request.query_params.get("sent") == "1",
    )
