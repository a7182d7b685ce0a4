"""CSV imports: the upload, its progress (the page polls the API's progress read) and its per-row report."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from litestar import Controller, Request, get, post
from litestar.datastructures import UploadFile
from litestar.exceptions.http_exceptions import RequestEntityTooLarge
from litestar.params import FromPath
from litestar.response import Redirect, Template

from retaguarda.auth import authenticated, requires_role
from retaguarda.controller_kit import CONTEXT, Ctx
from retaguarda.errors import FieldError, InvalidInput
from retaguarda.portal.forms import read_form, reading, refusal, see_other, text, within
from retaguarda.portal.navigation import CLIENTS
from retaguarda.portal.rendering import page, viewer_locale
from retaguarda.tenancy import TenantContext
from retaguarda.work.imports import service as imports
from retaguarda.work.imports.service import CsvUpload
from retaguarda.work.service import catalog

UPLOAD_FIELDS = {"task_type", "queue", "file"}
MAX_BODY_BYTES = imports.MAX_CSV_BYTES + 64 * 1024
REPORT_PAGE = 100


class ImportPages(Controller):
    path = "/imports"
    include_in_schema = False
    guards = [authenticated, requires_role(*CLIENTS)]
    dependencies = CONTEXT

    @get("/", operation_id="portalImports")
    async def list_page(self, request: Request[Any, Any, Any], ctx: Ctx) -> Template:
        return await _imports_page(request, ctx, {}, {})

    @post("/", operation_id="portalUpload", status_code=303, request_max_body_size=MAX_BODY_BYTES)
    async def upload(self, request: Request[Any, Any, Any]) -> Template | Redirect:
        values: dict[str, str] = {}
        try:
            try:
                form = await read_form(request)
            except RequestEntityTooLarge:
                raise InvalidInput(
                    errors=[FieldError("file", "too_large", "A file has at most 20 MB.")]
                ) from None
            values = {"task_type": text(form, "task_type"), "queue": text(form, "queue")}
            file = form.get("file")
            if not isinstance(file, UploadFile) or not file.filename:
                raise InvalidInput(errors=[FieldError("file", "required", "Choose a CSV file.")])
            upload = CsvUpload(
                raw=await file.read(),
                filename=file.filename,
                task_type=values["task_type"] or None,
                queue=values["queue"] or None,
            )
            created = await within(request, lambda ctx: imports.create_import(ctx, upload))
        except InvalidInput as exc:
            errors = refusal(exc, viewer_locale(request), UPLOAD_FIELDS)

            async def again(ctx: TenantContext) -> Template:
                return await _imports_page(request, ctx, values, errors, status_code=422)

            return await reading(request, again)
        return see_other(f"/imports/{created.id}")

    @get("/{import_id:uuid}", operation_id="portalImport")
    async def detail(self, request: Request[Any, Any, Any], ctx: Ctx, import_id: FromPath[UUID]) -> Template:
        shown = request.query_params.get("rows", "rejected")
        accepted = {"rejected": False, "accepted": True}.get(shown)
        found = await imports.get_import(ctx, import_id)
        rows, next_cursor = await imports.list_import_rows(
            ctx, import_id, accepted=accepted, cursor=request.query_params.get("cursor"), limit=REPORT_PAGE
        )
        task_type = await catalog.get_task_type(ctx, found.task_type_id)
        return page(
            request,
            "imports/detail.html",
            item=found,
            task_type=task_type,
            rows=rows,
            next_cursor=next_cursor,
            shown=shown if accepted is not None else "all",
            finished=found.status in ("done", "failed"),
        )


async def _imports_page(
    request: Request[Any, Any, Any],
    ctx: TenantContext,
    values: dict[str, str],
    errors: dict[str, str],
    status_code: int = 200,
) -> Template:
    tenant_id = ctx.principal.tenant_id
    items, _ = await imports.list_imports(ctx, tenant_id=tenant_id, status=None, cursor=None, limit=50)
    types, _ = await catalog.list_task_types(ctx, tenant_id=tenant_id, active=True, cursor=None, limit=200)
    queues, _ = await catalog.list_queues(ctx, tenant_id=tenant_id, cursor=None, limit=200)
    return page(
        request,
        "imports/list.html",
        status_code=status_code,
        items=items,
        types=types,
        type_names={t.id: t for t in types},
        queues=queues,
        values=values,
        errors=errors,
    )
