"""The operator's work screen: take the next task, work it with its fields and conversation in view (the page
keeps the lease alive while it is open), then complete it, hand it back or ask the client."""

from __future__ import annotations

from datetime import datetime, time
from typing import Any
from uuid import UUID
from zoneinfo import ZoneInfo

from babel import Locale
from litestar import Controller, Request, get, post
from litestar.params import FromPath
from litestar.response import Redirect, Template

from retaguarda.auth import authenticated, requires_role
from retaguarda.controller_kit import CONTEXT, Ctx
from retaguarda.errors import Conflict, FieldError, Forbidden, InvalidInput
from retaguarda.portal.fields import shown_values
from retaguarda.portal.forms import read_form, reading, refusal, see_other, text, within
from retaguarda.portal.labels import SIDE_LABELS
from retaguarda.portal.navigation import WORKERS
from retaguarda.portal.rendering import page, viewer_locale, viewer_timezone
from retaguarda.settings import get_settings
from retaguarda.tenancy import TenantContext
from retaguarda.work.service import boards, catalog, claims, task_reads
from retaguarda.work.service.claims import LeaseLost
from tenants.service.directory import get_tenant

NOTICES = ("done", "released", "asked", "empty", "lost", "replied", "noted")


def _token(form: Any) -> int:
    value = text(form, "fencing_token")
    return int(value) if value.isdigit() else -1


class WorkPages(Controller):
    path = "/work"
    include_in_schema = False
    guards = [authenticated, requires_role(*WORKERS)]
    dependencies = CONTEXT

    @get("/", operation_id="portalWork")
    async def screen(self, request: Request[Any, Any, Any], ctx: Ctx) -> Template:
        try:
            return await _work_page(request, ctx, {}, "")
        except Forbidden:
            # The menu offers "My work" to every supervisor; one without an operator record is told why
            # there is nothing here rather than refused.
            return page(request, "work/not_operator.html")

    @post("/next", operation_id="portalClaimNext", status_code=303)
    async def claim_next(self, request: Request[Any, Any, Any]) -> Redirect:
        form = await read_form(request)
        if text(form, "confirm") != "1":
            # Holding a task already, another one is taken only once the operator says so.
            held = await reading(request, claims.held_leases)
            if held:
                return see_other("/work", task=str(held[0].task.id), confirm="next")
        lease = await within(request, claims.claim_next_task)
        if lease is None:
            return see_other("/work", notice="empty")
        return see_other("/work", task=str(lease.task.id))

    @post("/{task_id:uuid}/complete", operation_id="portalComplete", status_code=303)
    async def complete(self, request: Request[Any, Any, Any], task_id: FromPath[UUID]) -> Redirect:
        form = await read_form(request)
        token, resolution = _token(form), text(form, "resolution")[:10000] or None
        return await _fenced(request, lambda ctx: claims.complete(ctx, task_id, token, resolution), "done")

    @post("/{task_id:uuid}/reply", operation_id="portalReply", status_code=303)
    async def reply(self, request: Request[Any, Any, Any], task_id: FromPath[UUID]) -> Template | Redirect:
        """A message to the client, or an internal note for the team, while the task stays held."""
        form = await read_form(request)
        body, internal = text(form, "body"), text(form, "internal") == "1"
        try:
            if not body:
                raise InvalidInput(errors=[FieldError("body", "required", "Write a message.")])
            await within(
                request, lambda ctx: task_reads.add_comment(ctx, task_id, body[:10000], internal=internal)
            )
        except (InvalidInput, Conflict) as exc:
            errors = refusal(exc, viewer_locale(request), {"body"})

            async def again(ctx: TenantContext) -> Template:
                return await _work_page(
                    request, ctx, errors, "", active_id=task_id, status_code=422, draft=body
                )

            return await reading(request, again)
        return see_other("/work", task=str(task_id), notice="noted" if internal else "replied")

    @post("/{task_id:uuid}/release", operation_id="portalRelease", status_code=303)
    async def release(self, request: Request[Any, Any, Any], task_id: FromPath[UUID]) -> Redirect:
        token = _token(await read_form(request))
        return await _fenced(request, lambda ctx: claims.release(ctx, task_id, token), "released")

    @post("/{task_id:uuid}/ask", operation_id="portalAskClient", status_code=303)
    async def ask(self, request: Request[Any, Any, Any], task_id: FromPath[UUID]) -> Template | Redirect:
        form = await read_form(request)
        token, question = _token(form), text(form, "question")
        try:
            if not question:
                raise InvalidInput(errors=[FieldError("question", "required", "Write the question.")])
            await within(request, lambda ctx: claims.ask_client(ctx, task_id, token, question[:10000]))
        except LeaseLost:
            return see_other("/work", notice="lost")
        except InvalidInput as exc:
            errors = refusal(exc, viewer_locale(request), {"question"})

            async def again(ctx: TenantContext) -> Template:
                return await _work_page(request, ctx, errors, question, active_id=task_id, status_code=422)

            return await reading(request, again)
        return see_other("/work", notice="asked")


async def _fenced(request: Request[Any, Any, Any], action: Any, notice: str) -> Redirect:
    """A call on a held task; a lease lost meanwhile (expired, reassigned) is said so, not an error page."""
    try:
        await within(request, action)
    except LeaseLost:
        return see_other("/work", notice="lost")
    return see_other("/work", notice=notice)


async def _work_page(
    request: Request[Any, Any, Any],
    ctx: TenantContext,
    errors: dict[str, str],
    question: str,
    *,
    active_id: UUID | None = None,
    status_code: int = 200,
    draft: str = "",
) -> Template:
    held = await claims.held_leases(ctx)
    wanted = active_id or _uuid(request.query_params.get("task", ""))
    active = next((lease for lease in held if lease.task.id == wanted), held[0] if held else None)
    timezone = viewer_timezone(request)
    today = datetime.combine(datetime.now(ZoneInfo(timezone)).date(), time(0), tzinfo=ZoneInfo(timezone))
    operator_id = await claims.current_operator(ctx)
    context: dict[str, Any] = {}
    if active is not None:
        detail = await task_reads.get_task_detail(ctx, active.task.id)
        task_type = await catalog.get_task_type(ctx, active.task.task_type_id)
        tenant = await get_tenant(ctx, active.task.tenant_id)
        context = {
            "task_type": task_type,
            "tenant": tenant,
            "sla": detail.task.sla,
            "client_language": Locale.parse(tenant.locale).get_display_name(viewer_locale(request)),
            "values": shown_values(
                task_type.fields, active.task.payload, viewer_locale(request), timezone, tenant.currency
            ),
            "comments": detail.comments,
            "client_files": [f for f in detail.files if f.side == "client"],
            "deliverables": [f for f in detail.files if f.purpose == "deliverable"],
            "max_file_bytes": get_settings().storage.max_file_bytes,
        }
    notice = request.query_params.get("notice")
    return page(
        request,
        "work/screen.html",
        status_code=status_code,
        held=held,
        active=active,
        day=await boards.operator_day(ctx, operator_id, today),
        heartbeat_s=max(5, get_settings().work.lease_s // 3),
        sides=SIDE_LABELS,
        errors=errors,
        question=question,
        notice=notice if notice in NOTICES else None,
        confirm_next=request.query_params.get("confirm") == "next" and bool(held),
        draft=draft,
        **context,
    )


def _uuid(value: str) -> UUID | None:
    try:
        return UUID(value) if value else None
    except ValueError:
        return None
