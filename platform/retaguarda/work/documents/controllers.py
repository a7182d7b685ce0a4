"""The files API: multipart uploads streamed to storage, lists, links, downloads and withdrawal."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any
from uuid import UUID

from litestar import Controller, Request, Response, delete, get, post, put
from litestar.openapi.spec import OpenAPIFormat, OpenAPIMediaType, OpenAPIType, Operation, RequestBody, Schema
from litestar.params import FromPath, JSONBody, QueryParameter
from litestar.response import Redirect, Stream

from retaguarda.auth import Scope, authenticated, current_principal, requires_scope
from retaguarda.controller_kit import CONTEXT, READ_ERRORS, WRITE_ERRORS, Ctx
from retaguarda.errors import FieldError, InvalidInput
from retaguarda.storage import get_storage
from retaguarda.tenancy import unit_of_work
from retaguarda.work.documents import service
from retaguarda.work.documents.archive import zip_stream
from retaguarda.work.documents.form import StreamedForm, form_boundary
from retaguarda.work.documents.schemas import FileLink, FileRead, LegalHold
from retaguarda.work.documents.tables import FilePurpose

# The multipart envelope around the files: part headers and boundaries.
ENVELOPE_BYTES = 64 * 1024
UPLOAD_HELP = (
    "multipart/form-data with one or more parts named `files` (any name is accepted for a file part). "
    "Each file's type is decided by its content, never its name or Content-Type: PDF, PNG, JPEG, GIF, WebP, "
    "TIFF, XLSX, CSV, XML, OFX or ZIP; anything else (HTML, SVG, executables …) is refused with 422 "
    "`type_not_allowed`. Limits: FILES_MAX_BYTES per file, FILES_MAX_TASK_BYTES per task (`too_large`, "
    "`task_full`). The body is streamed to storage as it arrives; on any refusal nothing is kept."
)


@dataclass
class MultipartUpload(Operation):
    """The OpenAPI operation of an upload handler, with its multipart body described by hand: the handler
    reads the body as a stream, so it declares no ``data`` for Litestar to document (or to buffer)."""

    def __post_init__(self) -> None:
        binary = Schema(type=OpenAPIType.STRING, format=OpenAPIFormat.BINARY)
        self.request_body = RequestBody(
            required=True,
            description=UPLOAD_HELP,
            content={
                "multipart/form-data": OpenAPIMediaType(
                    schema=Schema(
                        type=OpenAPIType.OBJECT,
                        properties={"files": Schema(type=OpenAPIType.ARRAY, items=binary)},
                        required=["files"],
                    )
                )
            },
        )


def _purpose(text: str | None) -> FilePurpose:
    try:
        return FilePurpose(text or FilePurpose.INPUT.value)
    except ValueError:
        choices = ", ".join(p.value for p in FilePurpose)
        raise InvalidInput(errors=[FieldError("purpose", "invalid", f"One of: {choices}.")]) from None


async def receive_files(request: Request[Any, Any, Any], target: service.UploadTarget) -> list[FileRead]:
    """Stream every file part of the request to storage, then record them; nothing is kept on failure."""
    boundary = form_boundary(request.headers.get("content-type", ""))
    form = StreamedForm(
        request.stream(), boundary, max_bytes=target.room_bytes + ENVELOPE_BYTES * 16 + target.max_file_bytes
    )
    storage = get_storage()
    stored: list[service.StoredFile] = []
    try:
        async for part in form.parts():
            if not part.is_file:
                continue
            room = target.room_bytes - sum(item.size for item in stored)
            stored.append(await service.store_part(storage, target, part, len(stored), room))
        if not stored:
            raise InvalidInput(errors=[FieldError("files", "required", "Attach at least one file.")])
        async with unit_of_work(current_principal(request)) as ctx:
            return await service.record_files(ctx, target, stored)
    except BaseException:
        await service.discard(storage, stored)
        raise


class TaskFileController(Controller):
    path = "/api/v1/tasks/{task_id:uuid}/files"
    tags = ["Files"]
    guards = [authenticated]

    @post(
        "/",
        operation_id="uploadTaskFiles",
        summary="Attach files to a task (multipart, streamed)",
        description=UPLOAD_HELP + " `purpose`: `input` (the client's), `deliverable` (the provider's) or "
        "`comment`.",
        guards=[requires_scope(Scope.TASKS_WRITE)],
        request_max_body_size=None,
        operation_class=MultipartUpload,
        responses=WRITE_ERRORS,
    )
    async def upload(
        self,
        request: Request[Any, Any, Any],
        task_id: FromPath[UUID],
        purpose: Annotated[str | None, QueryParameter(description="input | deliverable | comment")] = None,
    ) -> list[FileRead]:
        # The target is checked in a short read; the body streams afterwards with no transaction open.
        async with unit_of_work(current_principal(request), write=False) as ctx:
            target = await service.task_target(ctx, task_id, _purpose(purpose))
        return await receive_files(request, target)

    @get(
        "/",
        operation_id="listTaskFiles",
        guards=[requires_scope(Scope.TASKS_READ)],
        responses=READ_ERRORS,
        dependencies=CONTEXT,
    )
    async def list_files(self, ctx: Ctx, task_id: FromPath[UUID]) -> list[FileRead]:
        return await service.list_task_files(ctx, task_id)

    @get(
        "/archive",
        operation_id="downloadTaskFiles",
        summary="All of the task's files as one ZIP (client administrators and provider staff)",
        guards=[requires_scope(Scope.TASKS_READ)],
        responses=READ_ERRORS,
        dependencies=CONTEXT,
        media_type="application/zip",
    )
    async def archive(self, ctx: Ctx, task_id: FromPath[UUID]) -> Stream:
        entries = await service.task_archive(ctx, task_id)
        return Stream(
            zip_stream(get_storage(), entries),
            media_type="application/zip",
            headers={
                **DOWNLOAD_HEADERS,
                "Content-Disposition": service.attachment_disposition(f"task-{str(task_id)[:8]}-files.zip"),
            },
        )


class FileController(Controller):
    path = "/api/v1/files"
    tags = ["Files"]
    guards = [authenticated]

    @post(
        "/",
        operation_id="uploadFiles",
        summary="Upload files before submitting the task that names them (multipart, streamed)",
        description=UPLOAD_HELP + " Name the returned ids in the submission's `fileIds`.",
        guards=[requires_scope(Scope.TASKS_WRITE)],
        request_max_body_size=None,
        operation_class=MultipartUpload,
        responses=WRITE_ERRORS,
    )
    async def upload(
        self,
        request: Request[Any, Any, Any],
        tenant_id: Annotated[UUID | None, QueryParameter(name="tenantId")] = None,
    ) -> list[FileRead]:
        async with unit_of_work(current_principal(request), write=False) as ctx:
            target = service.loose_target(ctx, tenant_id)
        return await receive_files(request, target)

    @get(
        "/{file_id:uuid}",
        operation_id="getFile",
        guards=[requires_scope(Scope.TASKS_READ)],
        responses=READ_ERRORS,
        dependencies=CONTEXT,
    )
    async def get_file(self, ctx: Ctx, file_id: FromPath[UUID]) -> FileRead:
        return await service.get_file(ctx, file_id)

    @get(
        "/{file_id:uuid}/link",
        operation_id="getFileLink",
        summary="A short-lived download link (presigned on S3, signed by the app on local storage)",
        guards=[requires_scope(Scope.TASKS_READ)],
        responses=READ_ERRORS,
        dependencies=CONTEXT,
    )
    async def link(self, ctx: Ctx, request: Request[Any, Any, Any], file_id: FromPath[UUID]) -> FileLink:
        return await service.file_link(ctx, get_storage(), file_id, str(request.base_url))

    @get(
        "/{file_id:uuid}/download",
        operation_id="downloadFile",
        summary="Redirects (303) to a short-lived download link",
        guards=[requires_scope(Scope.TASKS_READ)],
        responses=READ_ERRORS,
        dependencies=CONTEXT,
    )
    async def download(self, ctx: Ctx, request: Request[Any, Any, Any], file_id: FromPath[UUID]) -> Redirect:
        link = await service.file_link(ctx, get_storage(), file_id, str(request.base_url))
        return Redirect(link.url, status_code=303, headers={"Cache-Control": "no-store"})

    @get(
        "/{file_id:uuid}/preview",
        operation_id="getFilePreview",
        summary="The file's thumbnail (PNG), once the preview job has rendered it",
        guards=[requires_scope(Scope.TASKS_READ)],
        responses=READ_ERRORS,
        dependencies=CONTEXT,
        media_type="image/png",
    )
    async def preview(self, ctx: Ctx, file_id: FromPath[UUID]) -> Stream:
        key = await service.preview_key(ctx, file_id)
        # Our own PNG, rendered from the file: safe to show inline, and still never sniffed as anything else.
        return Stream(
            get_storage().read(key),
            media_type="image/png",
            headers={"X-Content-Type-Options": "nosniff", "Cache-Control": "private, max-age=3600"},
        )

    @put(
        "/{file_id:uuid}/legal-hold",
        operation_id="setFileLegalHold",
        summary="Keep a file whatever the retention period says, or release it (provider admins, managers)",
        guards=[requires_scope(Scope.TASKS_WRITE)],
        responses=WRITE_ERRORS,
        dependencies=CONTEXT,
    )
    async def legal_hold(self, ctx: Ctx, file_id: FromPath[UUID], data: JSONBody[LegalHold]) -> FileRead:
        return await service.set_legal_hold(ctx, file_id, data.hold)

    @delete(
        "/{file_id:uuid}",
        operation_id="deleteFile",
        guards=[requires_scope(Scope.TASKS_WRITE)],
        responses=WRITE_ERRORS,
        dependencies=CONTEXT,
    )
    async def delete_file(self, ctx: Ctx, file_id: FromPath[UUID]) -> None:
        await service.delete_file(ctx, get_storage(), file_id)


# What a browser gets with a file: a download, never a page. nosniff stops it guessing a type the content
# check did not prove; the sandboxing CSP keeps anything it still renders from running script in our origin.
DOWNLOAD_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Content-Security-Policy": "default-src 'none'; sandbox",
    "Cache-Control": "private, no-store",
    "Referrer-Policy": "no-referrer",
}


@get(
    "/files/{token:str}",
    operation_id="downloadSignedFile",
    summary="A file through a signed, expiring link (local storage)",
    tags=["Files"],
    # A link for browsers, handed out as a file's `url`, not an operation a client composes: its errors are
    # the portal's pages (an expired link reads "page not found"), so it stays out of the API's document.
    include_in_schema=False,
)
async def download_signed(token: FromPath[str]) -> Response[Any]:
    row = await service.linked_file(token)
    return Stream(
        get_storage().read(row["storage_key"]),
        media_type=row["content_type"],
        headers={
            **DOWNLOAD_HEADERS,
            "Content-Disposition": service.attachment_disposition(row["filename"]),
            "Content-Length": str(row["size_bytes"]),
        },
    )


ROUTES: list[Any] = [TaskFileController, FileController, download_signed]
