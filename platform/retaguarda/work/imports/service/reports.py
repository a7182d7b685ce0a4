"""Reading imports and their row reports: an import's progress, why a failed one stopped, and the report
line of each row in row order."""

from __future__ import annotations

from typing import Any, Final
from uuid import UUID

import msgspec

from retaguarda.db import json_value
from retaguarda.errors import FieldError, InvalidInput, NotFound
from retaguarda.listing import keyset_page
from retaguarda.tenancy import TenantContext
from retaguarda.wire import MAX_PAGE_SIZE
from retaguarda.work.imports.schemas import CsvImportRead, CsvImportRowRead
from retaguarda.work.imports.tables import CsvImport, CsvImportRow, CsvImportStatus

# The report line of the file as a whole: where a failed import says why it stopped.
FILE_ROW: Final = 0

_READ_COLUMNS: Final = CsvImport.all_columns(exclude=[CsvImport.content])


def _import_read(row: dict[str, Any], failure: str | None) -> CsvImportRead:
    return CsvImportRead(
        id=row["id"],
        tenant_id=row["tenant_id"],
        queue_id=row["queue_id"],
        task_type_id=row["task_type_id"],
        filename=row["filename"],
        status=CsvImportStatus(row["status"]),
        total_rows=row["total_rows"],
        processed_rows=row["processed_rows"],
        accepted=row["accepted"],
        rejected=row["rejected"],
        created_by=row["created_by"],
        created_at=row["created_at"],
        finished_at=row["finished_at"],
        failure=failure,
    )


async def _failures(ctx: TenantContext, rows: list[dict[str, Any]]) -> dict[UUID, str]:
    """Why each failed import of ``rows`` stopped (from its file-level report line)."""
    failed = [row["id"] for row in rows if row["status"] == CsvImportStatus.FAILED]
    if not failed:
        return {}
    lines = await ctx.select(CsvImportRow, CsvImportRow.import_id, CsvImportRow.errors).where(
        CsvImportRow.import_id.is_in(failed) & (CsvImportRow.row_number == FILE_ROW)
    )
    return {
        line["import_id"]: " ".join(error["message"] for error in json_value(line["errors"]))
        for line in lines
    }


async def get_import(ctx: TenantContext, import_id: UUID) -> CsvImportRead:
    row = await ctx.select(CsvImport, *_READ_COLUMNS).where(CsvImport.id == import_id).first()
    if row is None:
        raise NotFound()
    return _import_read(row, (await _failures(ctx, [row])).get(row["id"]))


async def list_imports(
    ctx: TenantContext,
    *,
    tenant_id: UUID | None,
    status: CsvImportStatus | None,
    cursor: str | None,
    limit: int,
) -> tuple[list[CsvImportRead], str | None]:
    query = ctx.select(CsvImport, *_READ_COLUMNS)
    if tenant_id is not None:
        query = query.where(CsvImport.tenant_id == tenant_id)
    if status is not None:
        query = query.where(CsvImport.status == status.value)
    rows, next_cursor = await keyset_page(query, CsvImport, cursor, limit, dict)
    failures = await _failures(ctx, rows)
    return [_import_read(row, failures.get(row["id"])) for row in rows], next_cursor


def _row_cursor(cursor: str | None) -> int:
    if cursor is None:
        return FILE_ROW
    if not cursor.isdigit() or len(cursor) > 9:
        raise InvalidInput(errors=[FieldError("cursor", "invalid", "The cursor is not valid.")])
    return int(cursor)


async def list_import_rows(
    ctx: TenantContext, import_id: UUID, *, accepted: bool | None, cursor: str | None, limit: int
) -> tuple[list[CsvImportRowRead], str | None]:
    """The report, in row order; the cursor is the last row number of the previous page."""
    after = _row_cursor(cursor)
    if not await ctx.exists(CsvImport).where(CsvImport.id == import_id):
        raise NotFound()
    query = ctx.select(
        CsvImportRow,
        CsvImportRow.row_number,
        CsvImportRow.accepted,
        CsvImportRow.task_id,
        CsvImportRow.errors,
    ).where((CsvImportRow.import_id == import_id) & (CsvImportRow.row_number > after))
    if accepted is not None:
        query = query.where(CsvImportRow.accepted == accepted)
    limit = min(limit, MAX_PAGE_SIZE)
    rows = await query.order_by(CsvImportRow.row_number).limit(limit + 1)
    page = rows[:limit]
    items = [
        CsvImportRowRead(
            row_number=row["row_number"],
            accepted=row["accepted"],
            task_id=row["task_id"],
            errors=msgspec.convert(json_value(row["errors"]), list[FieldError]),
        )
        for row in page
    ]
    return items, str(page[-1]["row_number"]) if len(rows) > limit else None
