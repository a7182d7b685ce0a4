"""Jobs of CSV imports: importing an upload, and announcing one batch's new tasks to the client's webhooks.
Each takes ids, reloads, and is harmless to run twice (the report lines are the import's bookmark)."""

from __future__ import annotations

from uuid import UUID

from retaguarda.jobs import job
from retaguarda.work.imports.service.importing import ANNOUNCE_JOB, announce_batch, run_import
from retaguarda.work.imports.service.upload import IMPORT_JOB


@job(IMPORT_JOB)
async def import_csv(import_id: str) -> None:
    await run_import(UUID(import_id))


@job(ANNOUNCE_JOB)
async def announce_imported_tasks(import_id: str, first_row: int, last_row: int) -> None:
    await announce_batch(UUID(import_id), first_row, last_row)
