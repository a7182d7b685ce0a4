"""Task files: who may add them where, the streamed store with its checks, reads, links and deletion.

An upload runs in three steps so that no database connection waits on a slow sender: the target is checked
in a short read (the task is reachable, the purpose fits the caller's side, the room left under the task's
limit), the bytes stream to storage with no transaction open, then the rows are written in one short
transaction. Any failure after bytes were stored deletes them again (:func:`discard`).
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import quote
from uuid import UUID, uuid4

from piccolo.query.functions.aggregate import Sum

from retaguarda.auth import Role, TenantKind
from retaguarda.clock import now
from retaguarda.db import RowScope, row_scope
from retaguarda.errors import Conflict, FieldError, Forbidden, InvalidInput, NotFound
from retaguarda.jobs import enqueue
from retaguarda.settings import get_settings
from retaguarda.storage import ObjectStorage, read_link, sign_link
from retaguarda.tenancy import TenantContext, owning_client, system_context
from retaguarda.work.documents.archive import ArchiveEntry, entry_names
from retaguarda.work.documents.content import SNIFF_BYTES, FileKind, safe_filename, sniff
from retaguarda.work.documents.form import FormPart
from retaguarda.work.documents.previews import PREVIEW_KINDS
from retaguarda.work.documents.schemas import FileLink, FileRead, file_read
from retaguarda.work.documents.tables import FilePurpose, FileSide, TaskFile
from retaguarda.work.schemas import CommentRead, TaskCreate, TaskRead
from retaguarda.work.service import intake, task_reads
from retaguarda.work.service.task_events import record_event
from retaguarda.work.service.task_reads import get_task_row, live_task_files
from retaguarda.work.tables import Task

CLOSED_STATUSES = frozenset({"done", "cancelled"})
# Thumbnails are rendered by a job (jobs.py registers it under this name, which never changes).
PREVIEW_JOB = "documents.render_preview"
ALLOWED_TYPES_TEXT = "PDF, PNG, JPEG, GIF, WebP, TIFF, XLSX, CSV, XML, OFX, ZIP"


@dataclass(frozen=True, slots=True)
class UploadTarget:
    """Where the files of one request go, and the room they have."""

    tenant_id: UUID
    task_id: UUID | None
    purpose: FilePurpose
    side: FileSide
    uploaded_by: UUID | None
    max_file_bytes: int
    room_bytes: int


@dataclass(frozen=True, slots=True)
class StoredFile:
    id: UUID
    storage_key: str
    name: str
    kind: FileKind
    size: int
    sha256: str


def side_of(ctx: TenantContext) -> FileSide:
    return FileSide.PROVIDER if ctx.principal.tenant_kind is TenantKind.PROVIDER else FileSide.CLIENT


def _check_purpose(side: FileSide, purpose: FilePurpose) -> None:
    # Deliverables are what the provider returns; a client's files are its input (or ride on a comment).
    if side is FileSide.CLIENT and purpose is FilePurpose.DELIVERABLE:
        raise Forbidden("Only the provider attaches deliverables.")


async def task_target(ctx: TenantContext, task_id: UUID, purpose: FilePurpose) -> UploadTarget:
    """The target of files added to an existing task; NotFound when the caller cannot reach it."""
    task = await get_task_row(ctx, task_id)
    side = side_of(ctx)
    _check_purpose(side, purpose)
    if task["status"] == "cancelled" or (side is FileSide.CLIENT and task["status"] in CLOSED_STATUSES):
        raise Conflict("The task is closed: no more files can be added.")
    limits = get_settings().storage
    used = await _task_bytes(ctx, task_id)
    return UploadTarget(
        tenant_id=task["tenant_id"],
        task_id=task_id,
        purpose=purpose,
        side=side,
        uploaded_by=ctx.principal.user_id,
        max_file_bytes=limits.max_file_bytes,
        room_bytes=max(0, limits.max_task_bytes - used),
    )


def loose_target(ctx: TenantContext, tenant_id: UUID | None) -> UploadTarget:
    """Files uploaded before the task that names them exists (its intake attaches them)."""
    limits = get_settings().storage
    return UploadTarget(
        tenant_id=owning_client(ctx, tenant_id),
        task_id=None,
        purpose=FilePurpose.INPUT,
        side=side_of(ctx),
        uploaded_by=ctx.principal.user_id,
        max_file_bytes=limits.max_file_bytes,
        room_bytes=limits.max_task_bytes,
    )


async def _task_bytes(ctx: TenantContext, task_id: UUID) -> int:
    row = await (
        ctx.select(TaskFile, Sum(TaskFile.size_bytes, alias="used"))
        .where((TaskFile.task_id == task_id) & TaskFile.deleted_at.is_null())
        .first()
    )
    return int(row["used"] or 0) if row else 0


def attachment_disposition(name: str) -> str:
    """``attachment`` with the name twice: an ASCII fallback and the exact UTF-8 name (RFC 6266 / 5987)."""
    fallback = name.encode("ascii", "replace").decode().replace("?", "_")
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(name, safe='')}"


def _file_error(index: int, code: str, message: str) -> InvalidInput:
    return InvalidInput(errors=[FieldError(f"files[{index}]", code, message)])


async def store_part(
    storage: ObjectStorage, target: UploadTarget, part: FormPart, index: int, room_bytes: int
) -> StoredFile:
    """Stream one file part to storage: its kind proven by its first bytes before anything is written, its
    size held under the per-file limit and the room left on the task, its SHA-256 computed on the way."""
    chunks = aiter(part.chunks())
    head = bytearray()
    async for chunk in chunks:
        head += chunk
        if len(head) >= SNIFF_BYTES:
            break
    kind = sniff(bytes(head[:SNIFF_BYTES]))
    if kind is None:
        raise _file_error(
            index, "type_not_allowed", f"This kind of file is not accepted. Accepted: {ALLOWED_TYPES_TEXT}."
        )
    limit = min(target.max_file_bytes, room_bytes)
    file_id = uuid4()
    key = f"{target.tenant_id}/{file_id}"
    digest = hashlib.sha256()
    size = 0
    refusal: list[InvalidInput] = []

    async def checked() -> AsyncIterator[bytes]:
        nonlocal size
        pending: bytes | None = bytes(head)
        while pending is not None:
            size += len(pending)
            if size > limit:
                refusal.append(_too_large(index, target, limit))
                raise refusal[0]
            digest.update(pending)
            yield pending
            pending = await anext(chunks, None)

    name = safe_filename(part.filename or "", kind)
    try:
        await storage.put(
            key, checked(), content_type=kind.content_type, disposition=attachment_disposition(name)
        )
    except Exception:
        await storage.delete(key)
        if refusal:
            raise refusal[0] from None
        raise
    return StoredFile(file_id, key, name, kind, size, digest.hexdigest())


def _too_large(index: int, target: UploadTarget, limit: int) -> InvalidInput:
    if limit >= target.max_file_bytes:
        return _file_error(index, "too_large", f"A file has at most {target.max_file_bytes} bytes.")
    return _file_error(index, "task_full", f"The task's files would exceed {limit} more bytes.")


async def discard(storage: ObjectStorage, stored: Sequence[StoredFile]) -> None:
    for item in stored:
        await storage.delete(item.storage_key)


async def record_files(
    ctx: TenantContext, target: UploadTarget, stored: Sequence[StoredFile], *, comment_id: UUID | None = None
) -> list[FileRead]:
    """The rows of files already in storage, and the task's history entry."""
    stamp = now()
    rows = [
        TaskFile(
            id=item.id,
            tenant_id=target.tenant_id,
            task_id=target.task_id,
            comment_id=comment_id,
            purpose=target.purpose.value,
            side=target.side.value,
            filename=item.name,
            kind=item.kind.code,
            content_type=item.kind.content_type,
            size_bytes=item.size,
            sha256=item.sha256,
            storage_key=item.storage_key,
            uploaded_by=target.uploaded_by,
            # A microsecond apart, so lists (by created_at) keep the order the files were sent in.
            created_at=stamp + timedelta(microseconds=index),
        )
        for index, item in enumerate(stored)
    ]
    await ctx.insert(*rows)
    for row in rows:
        if row.kind in PREVIEW_KINDS:
            await enqueue(PREVIEW_JOB, tenant_id=target.tenant_id, file_id=str(row.id))
    if target.task_id is not None and rows:
        await record_event(
            target.tenant_id,
            target.task_id,
            "files_added",
            at=stamp,
            actor_user_id=target.uploaded_by,
            data={"fileIds": [str(row.id) for row in rows], "purpose": target.purpose.value},
        )
    return [file_read(row.to_dict()) for row in rows]


async def list_task_files(ctx: TenantContext, task_id: UUID) -> list[FileRead]:
    await get_task_row(ctx, task_id)
    return [file_read(row) for row in await live_task_files(ctx, task_id)]


async def _file_row(ctx: TenantContext, file_id: UUID) -> dict[str, Any]:
    """A live file the caller may see: its task must be reachable (an operator's pools serve it), and a file
    not yet attached to a task is seen only by its uploader and provider staff."""
    row: dict[str, Any] | None = (
        await ctx.select(TaskFile).where((TaskFile.id == file_id) & TaskFile.deleted_at.is_null()).first()
    )
    if row is None:
        raise NotFound()
    if row["task_id"] is not None:
        await get_task_row(ctx, row["task_id"])
    elif side_of(ctx) is FileSide.CLIENT and row["uploaded_by"] != ctx.principal.user_id:
        raise NotFound()
    return row


async def task_archive(ctx: TenantContext, task_id: UUID) -> list[ArchiveEntry]:
    """The files of a task as ZIP entries, for a client's administrator or provider staff."""
    if not ctx.principal.is_provider and ctx.principal.role is not Role.CLIENT_ADMIN:
        raise Forbidden("Only a client administrator downloads all of a task's files at once.")
    await get_task_row(ctx, task_id)
    rows = await live_task_files(ctx, task_id)
    names = entry_names([(row["purpose"], row["filename"]) for row in rows])
    return [
        ArchiveEntry(name, row["storage_key"], row["created_at"])
        for name, row in zip(names, rows, strict=True)
    ]


async def preview_key(ctx: TenantContext, file_id: UUID) -> str:
    row = await _file_row(ctx, file_id)
    if not row["preview_key"]:
        raise NotFound("This file has no preview.")
    return str(row["preview_key"])


async def get_file(ctx: TenantContext, file_id: UUID) -> FileRead:
    return file_read(await _file_row(ctx, file_id))


async def file_link(ctx: TenantContext, storage: ObjectStorage, file_id: UUID, base_url: str) -> FileLink:
    """A short-lived download link: a presigned URL on S3, the app's own signed link on local storage."""
    row = await _file_row(ctx, file_id)
    ttl = get_settings().storage.link_ttl_s
    expires_s = int(time.time()) + ttl
    if storage.presigns:
        url = await storage.presigned_url(row["storage_key"], ttl)
    else:
        url = base_url.rstrip("/") + "/files/" + sign_link(f"{row['tenant_id']}.{row['id']}", expires_s)
    return FileLink(url=url, expires_at=datetime.fromtimestamp(expires_s, UTC))


async def delete_file(ctx: TenantContext, storage: ObjectStorage, file_id: UUID) -> None:
    """Files are withdrawn by the side that sent them; the client's own input only while the task is
    open (after that it is the record of what was asked)."""
    row = await _file_row(ctx, file_id)
    side = side_of(ctx)
    if row["side"] != side.value:
        raise Forbidden("Only the side that sent a file may withdraw it.")
    if side is FileSide.CLIENT and row["task_id"] is not None:
        task = await ctx.select(Task, Task.status).where(Task.id == row["task_id"]).first()
        if task is not None and task["status"] in CLOSED_STATUSES:
            raise Conflict("The task is closed: its files are kept.")
    await ctx.update(TaskFile, {TaskFile.deleted_at: now()}).where(TaskFile.id == file_id)
    if row["task_id"] is not None:
        await record_event(
            row["tenant_id"],
            row["task_id"],
            "file_deleted",
            actor_user_id=ctx.principal.user_id,
            data={"fileId": str(file_id)},
        )
    await storage.delete(row["storage_key"])
    if row["preview_key"]:
        await storage.delete(row["preview_key"])


async def linked_file(token: str) -> dict[str, Any]:
    """The file a signed link names, if the link is intact and unexpired and the file still exists in the
    tenant the link was made for; NotFound otherwise (an expired link says no more than a forged one)."""
    subject = read_link(token, int(time.time()))
    if subject is None:
        raise NotFound()
    tenant_text, _, file_text = subject.partition(".")
    try:
        tenant_id, file_id = UUID(tenant_text), UUID(file_text)
    except ValueError:
        raise NotFound() from None
    # The link, not a signed-in person, names the tenant: row-level security is given that one tenant.
    async with row_scope(RowScope.of({tenant_id})):
        row: dict[str, Any] | None = (
            await system_context(tenant_id)
            .select(TaskFile)
            .where((TaskFile.id == file_id) & TaskFile.deleted_at.is_null())
            .first()
        )
    if row is None:
        raise NotFound()
    return row


async def loose_files(ctx: TenantContext, file_ids: Sequence[UUID]) -> list[FileRead]:
    """The caller's own files still waiting for a task, among ``file_ids`` (a form shown again keeps them)."""
    if not file_ids:
        return []
    rows = await ctx.select(TaskFile).where(
        TaskFile.id.is_in(list(file_ids))
        & TaskFile.task_id.is_null()
        & TaskFile.deleted_at.is_null()
        & (TaskFile.uploaded_by == ctx.principal.user_id)
    )
    return [file_read(row) for row in rows]


async def attach_loose_files(
    ctx: TenantContext,
    tenant_id: UUID,
    task_id: UUID,
    file_ids: Sequence[UUID],
    *,
    purpose: FilePurpose = FilePurpose.INPUT,
    comment_id: UUID | None = None,
) -> None:
    """The files uploaded beforehand go to a new task (its input) or a new message (``comment_id``). Each
    must be the caller's own, loose (not already on a task) and of the task's tenant; anything else is invalid
    input."""
    if not file_ids:
        return
    wanted = list(dict.fromkeys(file_ids))
    rows = await ctx.select(TaskFile, TaskFile.id, TaskFile.uploaded_by, TaskFile.task_id).where(
        TaskFile.id.is_in(wanted) & (TaskFile.tenant_id == tenant_id) & TaskFile.deleted_at.is_null()
    )
    usable = {
        row["id"] for row in rows if row["task_id"] is None and row["uploaded_by"] == ctx.principal.user_id
    }
    missing = [index for index, file_id in enumerate(wanted) if file_id not in usable]
    if missing:
        raise InvalidInput(
            errors=[
                FieldError(f"fileIds[{index}]", "not_found", "No file of yours waiting for a task.")
                for index in missing
            ]
        )
    await ctx.update(
        TaskFile,
        {TaskFile.task_id: task_id, TaskFile.purpose: purpose.value, TaskFile.comment_id: comment_id},
    ).where(TaskFile.id.is_in(wanted))
    await record_event(
        tenant_id,
        task_id,
        "files_added",
        actor_user_id=ctx.principal.user_id,
        data={"fileIds": [str(file_id) for file_id in wanted], "purpose": purpose.value},
    )


async def submit_task_with_files(ctx: TenantContext, data: TaskCreate) -> TaskRead:
    """Intake, then the files uploaded beforehand become the new task's input (in the caller's
    transaction)."""
    created = await intake.create_task(ctx, data)
    await attach_loose_files(ctx, created.tenant_id, created.id, data.file_ids)
    return created


async def comment_with_files(
    ctx: TenantContext, task_id: UUID, body: str, file_ids: Sequence[UUID], *, internal: bool = False
) -> CommentRead:
    """A message (or the provider's internal note), and the files uploaded beforehand that go with it (in the
    caller's transaction)."""
    comment = await task_reads.add_comment(ctx, task_id, body, internal=internal)
    if file_ids:
        task = await get_task_row(ctx, task_id)
        await attach_loose_files(
            ctx, task["tenant_id"], task_id, file_ids, purpose=FilePurpose.COMMENT, comment_id=comment.id
        )
    return comment


async def set_legal_hold(ctx: TenantContext, file_id: UUID, hold: bool) -> FileRead:
    """Keep a file whatever the retention period says (litigation, an audit), or release it again. Provider
    administrators and account managers decide; the task's history says who and when."""
    if not ctx.principal.is_provider or ctx.principal.role not in (Role.ADMIN, Role.ACCOUNT_MANAGER):
        raise Forbidden("Only the provider's administrators and account managers set legal holds.")
    row = await _file_row(ctx, file_id)
    await ctx.update(TaskFile, {TaskFile.legal_hold: hold}).where(TaskFile.id == file_id)
    if row["task_id"] is not None and bool(row["legal_hold"]) != hold:
        await record_event(
            row["tenant_id"],
            row["task_id"],
            "legal_hold_set" if hold else "legal_hold_released",
            actor_user_id=ctx.principal.user_id,
            data={"fileId": str(file_id)},
        )
    return file_read({**row, "legal_hold": hold})
