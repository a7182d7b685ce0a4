"""The upload: a file is checked whole (encoding, size, rows, header) and stored with its import job, or
refused with nothing stored."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Final
from uuid import UUID, uuid4

from retaguarda.clock import now
from retaguarda.errors import FieldError, InvalidInput
from retaguarda.jobs import enqueue
from retaguarda.tenancy import TenantContext, owning_client
from retaguarda.work.fields import FieldSpec
from retaguarda.work.imports.schemas import CsvImportRead
from retaguarda.work.imports.service.reports import get_import
from retaguarda.work.imports.tables import CsvImport, CsvImportStatus
from retaguarda.work.service.catalog import find_queue, find_task_type
from retaguarda.work.service.intake import DEFAULT_QUEUE

MAX_CSV_BYTES = 20 * 1024 * 1024
MAX_CSV_ROWS = 200_000
EXTRA_COLUMNS: Final = ("externalRef", "priority", "title")
HEADER_ROW: Final = 1
# The upload enqueues the job (``imports.jobs`` registers it under this name). Jobs are stored by name in
# the outbox: the name never changes.
IMPORT_JOB: Final = "work.import_csv"


@dataclass(frozen=True, slots=True)
class CsvUpload:
    raw: bytes
    filename: str = ""
    task_type: str | None = None
    queue: str | None = None
    tenant_id: UUID | None = None


@dataclass(frozen=True, slots=True)
class CsvLayout:
    """How a file is cut: its separator and, by position, the column each cell belongs to."""

    delimiter: str
    columns: tuple[str, ...]


def _file_error(code: str, message: str) -> InvalidInput:
    return InvalidInput(errors=[FieldError("file", code, message)])


def decode_upload(raw: bytes) -> str:
    """The file's text: UTF-8, with or without a byte order mark (Excel writes one)."""
    if len(raw) > MAX_CSV_BYTES:
        raise _file_error("too_large", f"A file has at most {MAX_CSV_BYTES // (1024 * 1024)} MB.")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise _file_error(
            "invalid_encoding", f"Save the file as UTF-8 (byte {exc.start} is not UTF-8)."
        ) from None


def sniff_delimiter(text: str) -> str:
    """``;`` or ``,``, whichever the header line has more of (spreadsheets in pt_BR and es write ``;``)."""
    end = text.find("\n")
    header = text if end < 0 else text[:end]
    return ";" if header.count(";") > header.count(",") else ","


def open_csv(text: str, specs: Sequence[FieldSpec]) -> tuple[Iterator[list[str]], CsvLayout]:
    """A reader positioned after the header, and the layout the header gives; InvalidInput when the header
    does not fit the task type. The reader streams: it never holds more than the current row."""
    delimiter = sniff_delimiter(text)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        header = next(reader, None)
    except csv.Error as exc:
        raise _file_error("invalid_csv", f"Row 1: {exc}.") from None
    if not header or not any(cell.strip() for cell in header):
        raise _file_error("empty", "The file has no header row.")
    return reader, CsvLayout(delimiter, _columns(header, specs))


def _columns(header: list[str], specs: Sequence[FieldSpec]) -> tuple[str, ...]:
    known = {name.casefold(): name for name in (*(spec.key for spec in specs), *EXTRA_COLUMNS)}
    expected = ", ".join(known.values())
    columns: list[str] = []
    errors: list[FieldError] = []
    for index, cell in enumerate(header):
        name = cell.strip()
        canonical = known.get(name.casefold())
        if canonical is None:
            errors.append(
                FieldError(
                    f"columns[{index}]",
                    "unknown_column",
                    f"Unknown column {name!r}; this task type's columns are: {expected}.",
                )
            )
        elif canonical in columns:
            errors.append(FieldError(f"columns[{index}]", "duplicate", f"The column {canonical!r} repeats."))
        columns.append(canonical or name)
    errors.extend(
        FieldError("columns", "missing_column", f"The required column {spec.key!r} is missing.")
        for spec in specs
        if spec.required and spec.key not in columns
    )
    if errors:
        raise InvalidInput(errors=errors)
    return tuple(columns)


def is_blank(record: list[str]) -> bool:
    return not any(cell.strip() for cell in record)


def count_rows(reader: Iterator[list[str]]) -> int:
    """The non-blank rows after the header; InvalidInput beyond :data:`MAX_CSV_ROWS` or on broken CSV."""
    total = 0
    number = HEADER_ROW
    try:
        for number, record in enumerate(reader, start=HEADER_ROW + 1):  # noqa: B007 - read after the loop
            if is_blank(record):
                continue
            total += 1
            if total > MAX_CSV_ROWS:
                raise _file_error("too_many_rows", f"A file has at most {MAX_CSV_ROWS} rows.")
    except csv.Error as exc:
        raise _file_error("invalid_csv", f"Row {number + 1}: {exc}.") from None
    if total == 0:
        raise _file_error("empty", "The file has no rows after the header.")
    return total


async def create_import(ctx: TenantContext, upload: CsvUpload) -> CsvImportRead:
    """Check and store an upload, and enqueue its import in the same transaction."""
    tenant_id = owning_client(ctx, upload.tenant_id)
    text = decode_upload(upload.raw)
    if not upload.task_type:
        raise InvalidInput(errors=[FieldError("taskType", "required", "Name the task type (its code).")])
    task_type = await find_task_type(ctx, tenant_id, upload.task_type)
    if task_type is None or not task_type.active:
        raise InvalidInput(
            errors=[FieldError("taskType", "not_found", "No active task type with this code.")]
        )
    queue_code = upload.queue or DEFAULT_QUEUE
    queue = await find_queue(ctx, tenant_id, queue_code)
    if queue is None:
        raise InvalidInput(
            errors=[FieldError("queue", "not_found", f"No queue with the code {queue_code!r}.")]
        )
    reader, _ = open_csv(text, task_type.fields)
    total = count_rows(reader)
    row = CsvImport(
        id=uuid4(),
        tenant_id=tenant_id,
        queue_id=queue["id"],
        task_type_id=task_type.id,
        filename=upload.filename[:255],
        content=text,
        status=CsvImportStatus.PENDING.value,
        total_rows=total,
        created_by=ctx.principal.user_id,
        created_at=now(),
    )
    await ctx.insert(row)
    await enqueue(IMPORT_JOB, tenant_id=tenant_id, import_id=str(row.id))
    return await get_import(ctx, row.id)
