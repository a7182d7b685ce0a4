"""Importing an upload: it streams the stored text and imports it batch by batch, one transaction and one
announcement of the new tasks per batch, resuming after the last row it reported."""

from __future__ import annotations

import asyncio
import contextlib
import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any, Final
from uuid import UUID, uuid4

import msgspec
from piccolo.query.functions.aggregate import Max

from retaguarda.clock import now
from retaguarda.db import bulk_insert, is_postgres, is_unique_violation, transaction
from retaguarda.errors import FieldError, InvalidInput, NotFound
from retaguarda.jobs import enqueue
from retaguarda.tenancy import TenantContext, system_context
from retaguarda.work.imports.service.reports import FILE_ROW
from retaguarda.work.imports.service.upload import HEADER_ROW, CsvLayout, is_blank, open_csv
from retaguarda.work.imports.tables import CsvImport, CsvImportRow, CsvImportStatus
from retaguarda.work.schemas import TaskCreate, TaskTypeRead
from retaguarda.work.service.catalog import get_task_type
from retaguarda.work.service.intake import NewTask, prepare_task
from retaguarda.work.tables import SLA_CLOCK_COLUMNS, Queue, Task, TaskEvent
from retaguarda.work.webhooks import service as webhooks
from tenants.tables import Tenant

# Rows per transaction: large enough that the bulk statements dominate, small enough that a batch's tasks,
# events and report lines stay a few megabytes and within Postgres's 32 767 bind parameters per statement.
BATCH_ROWS = 1000
YIELD_EVERY: Final = 50
MAX_EXTERNAL_REF: Final = 200
MAX_TITLE: Final = 300
PRIORITY_WORDS: Final = {"low": 1, "normal": 2, "high": 3, "urgent": 4}
ANNOUNCE_JOB: Final = "work.import_csv_created"


class ImportFailed(Exception):
    """The file cannot be imported any further (its task type changed or was switched off)."""


@dataclass(slots=True)
class _Plan:
    """What every row of one import needs, loaded once per run."""

    import_id: UUID
    tenant_id: UUID
    ctx: TenantContext
    task_type: TaskTypeRead
    queue: dict[str, Any]
    currency: str
    layout: CsvLayout
    types: dict[str, TaskTypeRead] = field(default_factory=dict)
    queues: dict[str, dict[str, Any]] = field(default_factory=dict)


@dataclass(slots=True)
class _Outcome:
    row_number: int
    task: NewTask | None
    errors: list[FieldError]


async def run_import(import_id: UUID) -> None:
    """Import what is left of an upload; a finished (or failed) import is left alone."""
    async with transaction():
        started = await _start(import_id)
    if started is None:
        return
    ctx, text = started
    try:
        plan = await _plan(ctx, import_id, text)
        await _import_rows(
            plan, _records(text, plan.layout.delimiter, after=await _last_reported_row(ctx, import_id))
        )
    except ImportFailed as failed:
        await _finish(ctx, import_id, failure=str(failed))
        return
    await _finish(ctx, import_id)


async def _import_rows(plan: _Plan, records: Iterator[tuple[int, list[str]]]) -> None:
    """Validate batch after batch while the previous one is being written: the rows' checks run in Python and
    the writes in Postgres, so the two overlap. Batches still commit one at a time, in order."""
    writing: asyncio.Task[None] | None = None
    try:
        for batch in _batches(records):
            outcomes = await _validate_batch(plan, batch)
            if writing is not None:
                await writing
            writing = asyncio.create_task(_write_batch(plan, outcomes))
        if writing is not None:
            await writing
            writing = None
    finally:
        if writing is not None:
            # Leave no transaction half-way when the reading or validating failed; its own error is secondary.
            with contextlib.suppress(Exception):
                await writing


def _batches(records: Iterator[tuple[int, list[str]]]) -> Iterator[list[tuple[int, list[str]]]]:
    batch: list[tuple[int, list[str]]] = []
    for numbered in records:
        batch.append(numbered)
        if len(batch) >= BATCH_ROWS:
            yield batch
            batch = []
    if batch:
        yield batch


async def _start(import_id: UUID) -> tuple[TenantContext, str] | None:
    """Mark the import running; its tenant's scope (acting as the uploader) and its text."""
    row = (
        await CsvImport.select(  # scope: the job reloads the import it was given; its tenant scopes the rest
            CsvImport.tenant_id, CsvImport.status, CsvImport.created_by, CsvImport.content
        )
        .where(CsvImport.id == import_id)
        .first()
    )
    if row is None or row["status"] in (CsvImportStatus.DONE, CsvImportStatus.FAILED):
        return None
    scope = system_context(row["tenant_id"])
    # The uploader is the author of the tasks and of their `created` events.
    ctx = TenantContext(replace(scope.principal, user_id=row["created_by"]))
    if row["status"] == CsvImportStatus.PENDING:
        await ctx.update(CsvImport, {CsvImport.status: CsvImportStatus.RUNNING.value}).where(
            (CsvImport.id == import_id) & (CsvImport.status == CsvImportStatus.PENDING.value)
        )
    return ctx, str(row["content"])


async def _plan(ctx: TenantContext, import_id: UUID, text: str) -> _Plan:
    row = (
        await ctx.select(CsvImport, CsvImport.tenant_id, CsvImport.task_type_id, CsvImport.queue_id)
        .where(CsvImport.id == import_id)
        .first()
    )
    if row is None:
        raise NotFound()
    task_type = await get_task_type(ctx, row["task_type_id"])
    if not task_type.active:
        raise ImportFailed("The task type was switched off before the import finished.")
    queue = await ctx.select(Queue).where(Queue.id == row["queue_id"]).first()
    if queue is None:
        raise ImportFailed("The queue no longer exists.")
    tenant = await ctx.select(Tenant, Tenant.currency).where(Tenant.id == row["tenant_id"]).first()
    try:
        _, layout = open_csv(text, task_type.fields)
    except InvalidInput as invalid:
        # The type's fields changed since the upload was checked.
        raise ImportFailed(" ".join(error.message for error in invalid.errors)) from None
    return _Plan(
        import_id=import_id,
        tenant_id=row["tenant_id"],
        ctx=ctx,
        task_type=task_type,
        queue=queue,
        currency=str(tenant["currency"]) if tenant else "USD",
        layout=layout,
        types={task_type.code: task_type},
        queues={str(queue["code"]): queue},
    )


def _records(text: str, delimiter: str, *, after: int) -> Iterator[tuple[int, list[str]]]:
    """The non-blank data rows numbered as a spreadsheet shows them, from row ``after + 1`` on."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    number = HEADER_ROW
    try:
        next(reader, None)
        for number, record in enumerate(reader, start=HEADER_ROW + 1):
            if number > after and not is_blank(record):
                yield number, record
    except csv.Error as exc:  # the upload was read whole once, so this means the stored text was altered
        raise ImportFailed(f"Row {number + 1}: {exc}.") from None


async def _last_reported_row(ctx: TenantContext, import_id: UUID) -> int:
    row = (
        await ctx.select(CsvImportRow, Max(CsvImportRow.row_number, alias="last"))
        .where(CsvImportRow.import_id == import_id)
        .first()
    )
    return int(row["last"]) if row and row["last"] is not None else FILE_ROW


async def _validate_batch(plan: _Plan, batch: list[tuple[int, list[str]]]) -> list[_Outcome]:
    """The rows' outcomes, before any transaction opens (it then holds its locks for the writes only)."""
    outcomes = []
    for index, (number, record) in enumerate(batch):
        if index % YIELD_EVERY == 0:
            await asyncio.sleep(0)  # let the previous batch's writes go on meanwhile
        outcomes.append(await _prepare_row(plan, number, record))
    return outcomes


async def _write_batch(plan: _Plan, outcomes: list[_Outcome]) -> None:
    # A task submitted through the API with one of the batch's references between the check and the insert
    # breaks the unique index and rolls the batch back; the next attempt sees it and rejects that row.
    for attempt in range(3):
        try:
            async with transaction():
                await _commit_batch(plan, outcomes)
            return
        except Exception as exc:
            if attempt == 2 or not is_unique_violation(exc):
                raise


async def _commit_batch(plan: _Plan, outcomes: list[_Outcome]) -> None:
    ctx = plan.ctx
    progress = ctx.select(
        CsvImport, CsvImport.status, CsvImport.processed_rows, CsvImport.accepted, CsvImport.rejected
    ).where(CsvImport.id == plan.import_id)
    if is_postgres():
        # Two runs of the job (a redelivery while the first still works) take turns per batch; the second
        # then finds the rows reported and skips them.
        progress = progress.lock_rows("UPDATE")
    counts = await progress.first()
    if counts is None or counts["status"] != CsvImportStatus.RUNNING:
        return
    reported = await _last_reported_row(ctx, plan.import_id)
    outcomes = [outcome for outcome in outcomes if outcome.row_number > reported]
    if not outcomes:
        return
    await _reject_taken_references(plan, outcomes)
    tasks = [outcome.task for outcome in outcomes if outcome.task is not None]
    # Every row below belongs to the import's tenant, which the job's scope holds.
    ctx.require(plan.tenant_id)
    if tasks:
        await bulk_insert(Task, TASK_COLUMNS, [_task_values(task) for task in tasks])
        await bulk_insert(TaskEvent, EVENT_COLUMNS, [_created_event(task) for task in tasks])
        await enqueue(
            ANNOUNCE_JOB,
            tenant_id=plan.tenant_id,
            import_id=str(plan.import_id),
            first_row=outcomes[0].row_number,
            last_row=outcomes[-1].row_number,
        )
    await bulk_insert(CsvImportRow, REPORT_COLUMNS, [_report_line(plan, outcome) for outcome in outcomes])
    await ctx.update(
        CsvImport,
        {
            CsvImport.processed_rows: counts["processed_rows"] + len(outcomes),
            CsvImport.accepted: counts["accepted"] + len(tasks),
            CsvImport.rejected: counts["rejected"] + len(outcomes) - len(tasks),
        },
    ).where(CsvImport.id == plan.import_id)


TASK_COLUMNS: Final = (
    Task.id,
    Task.tenant_id,
    Task.queue_id,
    Task.task_type_id,
    Task.external_ref,
    Task.title,
    Task.payload,
    Task.priority,
    Task.status,
    Task.required_skill_id,
    Task.fencing_token,
    Task.created_at,
    Task.updated_at,
    Task.created_by,
    # SLA clocks (None without a policy), in the order of CLOCK_NAMES.
    *SLA_CLOCK_COLUMNS,
    Task.due_at,
)
CLOCK_NAMES: Final = tuple(column._meta.name for column in (*SLA_CLOCK_COLUMNS, Task.due_at))
EVENT_COLUMNS: Final = (
    TaskEvent.id,
    TaskEvent.tenant_id,
    TaskEvent.task_id,
    TaskEvent.kind,
    TaskEvent.at,
    TaskEvent.actor_user_id,
    TaskEvent.fencing_token,
    TaskEvent.data,
)
REPORT_COLUMNS: Final = (
    CsvImportRow.id,
    CsvImportRow.tenant_id,
    CsvImportRow.import_id,
    CsvImportRow.row_number,
    CsvImportRow.accepted,
    CsvImportRow.task_id,
    CsvImportRow.errors,
)


def _json(value: Any) -> str:
    return msgspec.json.encode(value).decode()


def _task_values(task: NewTask) -> tuple[Any, ...]:
    return (
        task.id,
        task.tenant_id,
        task.queue_id,
        task.task_type_id,
        task.external_ref,
        task.title,
        _json(task.payload),
        task.priority,
        task.status,
        task.required_skill_id,
        0,
        task.created_at,
        task.updated_at,
        task.created_by,
        *(task.clocks.get(name) for name in CLOCK_NAMES),
    )


async def _prepare_row(plan: _Plan, row_number: int, record: list[str]) -> _Outcome:
    columns = plan.layout.columns
    values = dict(zip(columns, record, strict=False))  # a short row leaves its last columns blank
    extra_errors: list[FieldError] = []
    if len(record) > len(columns) and not is_blank(record[len(columns) :]):
        extra_errors.append(
            FieldError(
                "row", "too_many_values", f"The row has {len(record)} values for {len(columns)} columns."
            )
        )
    priority = _priority(values.pop("priority", ""), extra_errors)
    external_ref = _short_text("externalRef", values.pop("externalRef", ""), MAX_EXTERNAL_REF, extra_errors)
    title = _short_text("title", values.pop("title", ""), MAX_TITLE, extra_errors)
    data = TaskCreate(
        task_type=plan.task_type.code,
        payload=values,
        queue=str(plan.queue["code"]),
        priority=priority,
        external_ref=external_ref,
        title=title,
    )
    try:
        task = await prepare_task(
            plan.ctx,
            plan.tenant_id,
            data,
            currency=plan.currency,
            lenient_strings=True,
            types=plan.types,
            queues=plan.queues,
        )
    except InvalidInput as invalid:
        errors = [_as_column(error) for error in invalid.errors]
        return _Outcome(row_number, None, errors + extra_errors)
    if extra_errors:
        return _Outcome(row_number, None, extra_errors)
    return _Outcome(row_number, task, [])


def _as_column(error: FieldError) -> FieldError:
    """A CSV reader thinks in columns: ``payload.amount`` is the ``amount`` column."""
    return FieldError(error.field.removeprefix("payload."), error.code, error.message)


def _priority(text: str, errors: list[FieldError]) -> int | None:
    value = text.strip().casefold()
    if not value:
        return None
    if value in PRIORITY_WORDS:
        return PRIORITY_WORDS[value]
    if value in {"1", "2", "3", "4"}:
        return int(value)
    errors.append(FieldError("priority", "invalid", "Write 1 (low), 2 (normal), 3 (high) or 4 (urgent)."))
    return None


def _short_text(column: str, text: str, limit: int, errors: list[FieldError]) -> str | None:
    value = text.strip()
    if not value:
        return None
    if len(value) > limit:
        errors.append(FieldError(column, "too_long", f"At most {limit} characters (this has {len(value)})."))
        return None
    if any(ord(char) < 32 or ord(char) == 127 for char in value):
        errors.append(FieldError(column, "invalid_type", "The text contains control characters."))
        return None
    return value


# The batch's references as one array parameter, probed through the unique (tenant_id, external_ref) index.
# An IN list of a thousand parameters is slow to build, and Postgres's generic plan for it compares every
# task of the tenant with every reference: the import slowed down batch after batch.
TAKEN_SQL: Final = (
    "SELECT t.external_ref FROM unnest({}::varchar[]) AS wanted(ref)"
    " JOIN task t ON t.external_ref = wanted.ref WHERE t.tenant_id = {}"
)
TAKEN_SQL_SQLITE: Final = (
    "SELECT external_ref FROM task WHERE external_ref IN (SELECT value FROM json_each({})) AND tenant_id = {}"
)


async def _taken_references(plan: _Plan, wanted: set[str]) -> set[str]:
    plan.ctx.require(plan.tenant_id)
    if is_postgres():
        rows = await Task.raw(TAKEN_SQL, list(wanted), plan.tenant_id)  # scope: the import's tenant_id
    else:
        rows = await Task.raw(TAKEN_SQL_SQLITE, _json(list(wanted)), plan.tenant_id)  # scope: as above
    return {str(row["external_ref"]) for row in rows}


async def _reject_taken_references(plan: _Plan, outcomes: list[_Outcome]) -> None:
    """An external reference already used by a task of the tenant, or by an earlier row of the file, makes
    its row rejected. Earlier batches are already tasks, so one query per batch covers the whole file."""
    wanted = {o.task.external_ref for o in outcomes if o.task is not None and o.task.external_ref}
    if not wanted:
        return
    taken = await _taken_references(plan, wanted)
    first_row: dict[str, int] = {}
    for outcome in outcomes:
        reference = outcome.task.external_ref if outcome.task is not None else None
        if not reference:
            continue
        if reference in taken:
            message = "A task with this external reference exists."
        elif reference in first_row:
            message = f"Row {first_row[reference]} has the same external reference."
        else:
            first_row[reference] = outcome.row_number
            continue
        outcome.task = None
        outcome.errors.append(FieldError("externalRef", "taken", message))


def _created_event(task: NewTask) -> tuple[Any, ...]:
    return (uuid4(), task.tenant_id, task.id, "created", task.created_at, task.created_by, 0, "{}")


def _report_line(plan: _Plan, outcome: _Outcome) -> tuple[Any, ...]:
    task_id = outcome.task.id if outcome.task is not None else None
    errors = _json(outcome.errors)
    return (uuid4(), plan.tenant_id, plan.import_id, outcome.row_number, task_id is not None, task_id, errors)


async def _finish(ctx: TenantContext, import_id: UUID, *, failure: str | None = None) -> None:
    stamp: datetime = now()
    status = CsvImportStatus.FAILED if failure else CsvImportStatus.DONE
    async with transaction():
        changed = (
            await ctx.update(CsvImport, {CsvImport.status: status.value, CsvImport.finished_at: stamp})
            .where((CsvImport.id == import_id) & (CsvImport.status == CsvImportStatus.RUNNING.value))
            .returning(CsvImport.tenant_id)
        )
        if changed and failure:
            await ctx.insert(
                CsvImportRow(
                    id=uuid4(),
                    tenant_id=changed[0]["tenant_id"],
                    import_id=import_id,
                    row_number=FILE_ROW,
                    accepted=False,
                    errors=[{"field": "file", "code": "import_failed", "message": failure}],
                )
            )


async def announce_batch(import_id: UUID, first_row: int, last_row: int) -> None:
    """The ``task.created`` webhooks of one batch's tasks: one outbox row per batch, not one per task."""
    async with transaction():
        rows = await CsvImportRow.select(CsvImportRow.task_id).where(  # scope: its own batch
            (CsvImportRow.import_id == import_id)
            & (CsvImportRow.accepted == True)  # noqa: E712 - Piccolo builds SQL from the comparison
            & (CsvImportRow.row_number >= first_row)
            & (CsvImportRow.row_number <= last_row)
        )
        for row in rows:
            await webhooks.fan_out(row["task_id"], "task.created")
