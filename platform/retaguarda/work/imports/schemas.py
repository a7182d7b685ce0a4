"""Wire shapes of CSV task imports: the import with its progress, and its per-row report."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from retaguarda.errors import FieldError
from retaguarda.wire import WireStruct
from retaguarda.work.imports.tables import CsvImportStatus


class CsvImportRead(WireStruct):
    """An upload and how far its import job got. ``processedRows`` = ``accepted`` + ``rejected``; the
    import is over when ``status`` is ``done`` (every row has a report line) or ``failed`` (``failure``
    says why; the rows reported before it stay)."""

    id: UUID
    tenant_id: UUID
    queue_id: UUID
    task_type_id: UUID
    filename: str
    status: CsvImportStatus
    total_rows: int
    processed_rows: int
    accepted: int
    rejected: int
    created_by: UUID | None
    created_at: datetime
    finished_at: datetime | None
    failure: str | None = None


class CsvImportPage(WireStruct):
    items: list[CsvImportRead]
    next_cursor: str | None = None


class CsvImportRowRead(WireStruct):
    """The report line of one CSV row. ``rowNumber`` is the row as a spreadsheet shows it (the header is row
    1). ``errors`` name the column (``amount``, ``externalRef`` …) with a stable code and an English text."""

    row_number: int
    accepted: bool
    task_id: UUID | None
    errors: list[FieldError]


class CsvImportRowPage(WireStruct):
    items: list[CsvImportRowRead]
    next_cursor: str | None = None
