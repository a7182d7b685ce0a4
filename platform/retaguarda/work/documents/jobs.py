"""Jobs of task files. Each takes ids, reloads, and is harmless to run twice."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from uuid import UUID

from retaguarda import clock
from retaguarda.db import transaction
from retaguarda.jobs import every, job
from retaguarda.storage import get_storage
from retaguarda.tenancy import system_context
from retaguarda.work.documents.previews import PREVIEW_MAX_BYTES, render_thumbnail
from retaguarda.work.documents.retention import purge_abandoned_uploads
from retaguarda.work.documents.service import PREVIEW_JOB
from retaguarda.work.documents.tables import TaskFile

log = logging.getLogger("retaguarda.work.documents")


@job(PREVIEW_JOB)
async def render_preview(file_id: str) -> None:
    """Render and store a file's thumbnail. A file that cannot be rendered keeps none (no retry: the same
    bytes would fail again); one deleted meanwhile is left alone."""
    # scope: a job knows only the file id; the row names its tenant, and the writes are fenced to it
    row = await TaskFile.select().where(TaskFile.id == UUID(file_id)).first()
    if row is None or row["deleted_at"] is not None or row["preview_key"]:
        return
    if row["size_bytes"] > PREVIEW_MAX_BYTES:
        return
    storage = get_storage()
    content = b"".join([chunk async for chunk in storage.read(row["storage_key"])])
    try:
        thumbnail = await asyncio.to_thread(render_thumbnail, content, row["kind"])
    except ValueError as exc:
        log.info("no preview for file %s: %s", file_id, exc)
        return
    key = f"{row['storage_key']}.preview.png"

    async def once() -> AsyncIterator[bytes]:
        yield thumbnail

    await storage.put(key, once(), content_type="image/png", disposition="inline")
    async with transaction():
        ctx = system_context(row["tenant_id"])
        stored = await (
            ctx.update(TaskFile, {TaskFile.preview_key: key})
            .where((TaskFile.id == row["id"]) & TaskFile.deleted_at.is_null())
            .returning(TaskFile.id)
        )
    if not stored:  # deleted while it was rendering: leave no thumbnail behind
        await storage.delete(key)


@every(3600, "documents.purge_abandoned_uploads")
async def purge_abandoned() -> None:
    """Hourly: files uploaded for a submission that never came are deleted after a day."""
    purged = await purge_abandoned_uploads(clock.now())
    if purged:
        log.info("%d abandoned uploads deleted", purged)
