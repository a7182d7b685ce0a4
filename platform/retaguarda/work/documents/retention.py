"""Retention (LGPD / GDPR): the files of a closed task are deleted once the period its client's contract
sets has passed since the task closed (completed, or cancelled), unless a file is under legal hold. Each
deletion leaves its record in the task's history (``files_expired``: which files, their names and SHA-256,
the period applied), and the file's row stays, marked deleted, so what existed remains provable without the
bytes. Contracts belong to billing, a layer above: billing's job hands the periods in."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

from retaguarda.db import transaction
from retaguarda.storage import get_storage
from retaguarda.tenancy import system_context
from retaguarda.work.documents.tables import TaskFile
from retaguarda.work.service.task_events import record_event

BATCH = 500


def _closed_before(cutoff: datetime) -> Any:
    task = TaskFile.task_id._
    return ((task.status == "done") & (task.completed_at <= cutoff)) | (
        (task.status == "cancelled") & (task.updated_at <= cutoff)
    )


async def expire_closed_task_files(retention_days: Mapping[UUID, int], at: datetime) -> int:
    """Delete the files whose retention ran out at ``at``, for each client with a period; returns how many.
    Safe to run twice: an object already gone is not an error, a file already marked is not found again."""
    expired = 0
    for tenant_id, days in retention_days.items():
        ctx = system_context(tenant_id)
        while True:
            rows = await (
                ctx.select(
                    TaskFile,
                    TaskFile.id,
                    TaskFile.task_id,
                    TaskFile.filename,
                    TaskFile.sha256,
                    TaskFile.storage_key,
                    TaskFile.preview_key,
                )
                .where(
                    TaskFile.deleted_at.is_null()
                    & (TaskFile.legal_hold == False)  # noqa: E712 - SQL
                    & _closed_before(at - timedelta(days=days))
                )
                .limit(BATCH)
            )
            if not rows:
                break
            await _expire(tenant_id, rows, days, at)
            expired += len(rows)
    return expired


async def _expire(tenant_id: UUID, rows: list[dict[str, Any]], days: int, at: datetime) -> None:
    storage = get_storage()
    # The bytes first: a crash between the two leaves rows a second run deletes (again, harmlessly).
    for row in rows:
        await storage.delete(row["storage_key"])
        if row["preview_key"]:
            await storage.delete(row["preview_key"])
    by_task: dict[UUID, list[dict[str, Any]]] = {}
    for row in rows:
        by_task.setdefault(row["task_id"], []).append(row)
    async with transaction():
        ctx = system_context(tenant_id)
        await ctx.update(TaskFile, {TaskFile.deleted_at: at}).where(
            TaskFile.id.is_in([r["id"] for r in rows])
        )
        for task_id, files in by_task.items():
            await record_event(
                tenant_id,
                task_id,
                "files_expired",
                at=at,
                data={
                    "reason": "retention",
                    "retentionDays": days,
                    "files": [
                        {"id": str(f["id"]), "name": f["filename"], "sha256": f["sha256"]} for f in files
                    ],
                },
            )


# Files uploaded ahead of a submission that never came are kept this long, then deleted.
ABANDONED_AFTER = timedelta(hours=24)


async def purge_abandoned_uploads(at: datetime) -> int:
    """Delete the files uploaded for a task or message that was never submitted (the form was left, the
    client's call failed), once ABANDONED_AFTER has passed; returns how many."""
    purged = 0
    ctx = system_context()
    while True:
        rows = await (
            ctx.select(TaskFile, TaskFile.id, TaskFile.storage_key, TaskFile.preview_key)
            .where(
                TaskFile.task_id.is_null()
                & TaskFile.deleted_at.is_null()
                & (TaskFile.created_at < at - ABANDONED_AFTER)
            )
            .limit(BATCH)
        )
        if not rows:
            return purged
        storage = get_storage()
        for row in rows:
            await storage.delete(row["storage_key"])
            if row["preview_key"]:
                await storage.delete(row["preview_key"])
        async with transaction():
            await ctx.update(TaskFile, {TaskFile.deleted_at: at}).where(
                TaskFile.id.is_in([row["id"] for row in rows])
            )
        purged += len(rows)
