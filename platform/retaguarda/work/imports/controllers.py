"""Controllers for CSV task imports: the upload, its progress and its per-row report."""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

from litestar import Controller, Request, get, post
from litestar.datastructures import UploadFile
from litestar.exceptions.http_exceptions import RequestEntityTooLarge
from litestar.params import FromPath, FromQuery, QueryParameter

from retaguarda.auth import Scope, authenticated, current_principal, requires_scope
from retaguarda.controller_kit import CONTEXT, READ_ERRORS, WRITE_ERRORS, Ctx, Cursor, Limit, page
from retaguarda.errors import FieldError, InvalidInput
from retaguarda.tenancy import unit_of_work
from retaguarda.work.imports import service
from retaguarda.work.imports.schemas import CsvImportPage, CsvImportRead, CsvImportRowPage
from retaguarda.work.imports.service import CsvUpload
from retaguarda.work.imports.tables import CsvImportStatus

TenantFilter = Annotated[UUID | None, QueryParameter(name="tenantId")]
CSV_MEDIA_TYPES = frozenset({"text/csv", "application/csv", "text/plain"})
# Room for the multipart envelope and the form fields around a file of the largest size allowed.
MAX_BODY_BYTES = service.MAX_CSV_BYTES + 64 * 1024
UPLOAD_HELP = (
    "Send the file as multipart/form-data (field `file`, with `taskType`, optional `queue` and, for provider "
    "staff, `tenantId` as form fields or query parameters), or as a raw text/csv body with those query "
    "parameters. The header row names the task type's field keys, plus optional `externalRef`, `priority` "
    "and `title`; UTF-8 with or without BOM, `;` or `,` separated, at most 20 MB and 200,000 rows. The "
    "import runs as a job: follow it with GET /api/v1/task-imports/{id}."
)


def _form_text(form: Any, name: str) -> str | None:
    value = form.get(name)
    return value.strip() or None if isinstance(value, str) else None


def _tenant_id(text: str | None) -> UUID | None:
    if text is None:
        return None
    try:
        return UUID(text)
    except ValueError:
        raise InvalidInput(errors=[FieldError("tenantId", "invalid", "Not a valid id.")]) from None


async def _read_upload(
    request: Request[Any, Any, Any], *, task_type: str | None, queue: str | None, tenant_id: UUID | None
) -> CsvUpload:
    media_type = request.content_type[0]
    try:
        if media_type == "multipart/form-data":
            form = await request.form()
            upload = form.get("file")
            if not isinstance(upload, UploadFile):
                raise InvalidInput(errors=[FieldError("file", "required", "Attach the CSV as `file`.")])
            try:
                raw = await upload.read()
            finally:
                await upload.close()
            return CsvUpload(
                raw=raw,
                filename=upload.filename or "",
                task_type=_form_text(form, "taskType") or task_type,
                queue=_form_text(form, "queue") or queue,
                tenant_id=_tenant_id(_form_text(form, "tenantId")) or tenant_id,
            )
        if media_type in CSV_MEDIA_TYPES:
            raw = await request.body()
            return CsvUpload(raw=raw, task_type=task_type, queue=queue, tenant_id=tenant_id)
    except RequestEntityTooLarge:
        raise InvalidInput(errors=[FieldError("file", "too_large", "A file has at most 20 MB.")]) from None
    raise InvalidInput(
        errors=[FieldError("file", "required", "Send multipart/form-data with a `file`, or a text/csv body.")]
    )


class TaskImportController(Controller):
    path = "/api/v1/task-imports"
    tags = ["Task imports"]
    guards = [authenticated]
    dependencies = CONTEXT

    @post(
        "/",
        operation_id="importTasks",
        summary="Upload a CSV of tasks (imported by a job)",
        description=UPLOAD_HELP,
        status_code=202,
        guards=[requires_scope(Scope.TASKS_WRITE)],
        request_max_body_size=MAX_BODY_BYTES,
        responses=WRITE_ERRORS,
    )
    async def upload(
        self,
        request: Request[Any, Any, Any],
        task_type: Annotated[str | None, QueryParameter(name="taskType")] = None,
        queue: FromQuery[str | None] = None,
        tenant_id: TenantFilter = None,
    ) -> CsvImportRead:
        # The body is read before the unit of work opens, so a slow upload holds no database connection.
        upload = await _read_upload(request, task_type=task_type, queue=queue, tenant_id=tenant_id)
        async with unit_of_work(current_principal(request)) as ctx:
            return await service.create_import(ctx, upload)

    @get(
        "/", operation_id="listTaskImports", guards=[requires_scope(Scope.TASKS_READ)], responses=READ_ERRORS
    )
    async def list_imports(
        self,
        ctx: Ctx,
        tenant_id: TenantFilter = None,
        status: FromQuery[CsvImportStatus | None] = None,
        cursor: Cursor = None,
        limit: Limit = 50,
    ) -> CsvImportPage:
        return page(
            CsvImportPage,
            await service.list_imports(ctx, tenant_id=tenant_id, status=status, cursor=cursor, limit=limit),
        )

    @get(
        "/{import_id:uuid}",
        operation_id="getTaskImport",
        summary="An import's progress",
        guards=[requires_scope(Scope.TASKS_READ)],
        responses=READ_ERRORS,
    )
    async def get_import(self, ctx: Ctx, import_id: FromPath[UUID]) -> CsvImportRead:
        return await service.get_import(ctx, import_id)

    @get(
        "/{import_id:uuid}/rows",
        operation_id="listTaskImportRows",
        summary="An import's per-row report (accepted, or rejected with the reasons)",
        guards=[requires_scope(Scope.TASKS_READ)],
        responses=READ_ERRORS,
    )
    async def list_rows(
        self,
        ctx: Ctx,
        import_id: FromPath[UUID],
        accepted: FromQuery[bool | None] = None,
        cursor: Cursor = None,
        limit: Limit = 100,
    ) -> CsvImportRowPage:
        return page(
            CsvImportRowPage,
            await service.list_import_rows(ctx, import_id, accepted=accepted, cursor=cursor, limit=limit),
        )


ROUTES: list[Any] = [TaskImportController]
