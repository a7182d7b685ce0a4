"""Intake: a task is validated against its type, stored, and its `created` event and outbox rows are written
in the same transaction."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache
from typing import Any
from uuid import UUID, uuid4

import msgspec
from piccolo.table import Table

from retaguarda.clock import now
from retaguarda.db import is_postgres, pg_fetch
from retaguarda.errors import Conflict, FieldError, InvalidInput
from retaguarda.tenancy import TenantContext, owning_client
from retaguarda.work.fields import validate_payload
from retaguarda.work.schemas import TaskCreate, TaskRead, TaskTypeRead
from retaguarda.work.service.catalog import find_queue, find_task_type, type_read
from retaguarda.work.service.task_events import outbox_written, record_event
from retaguarda.work.service.task_reads import task_read
from retaguarda.work.sla.service.task_clocks import clocks_for_new_task, task_sla
from retaguarda.work.tables import Queue, Task, TaskType
from tenants.tables import Tenant

DEFAULT_QUEUE = "default"


async def _tenant_currency(ctx: TenantContext, tenant_id: UUID) -> str:
    row = await ctx.select(Tenant, Tenant.currency).where(Tenant.id == tenant_id).first()
    return str(row["currency"]) if row else "USD"


def _title(data_title: str | None, task_type: TaskTypeRead, payload: dict[str, Any]) -> str:
    if data_title:
        return data_title
    for spec in task_type.fields:
        value = payload.get(spec.key)
        if isinstance(value, str) and spec.kind in {"text", "email"}:
            return f"{task_type.names.get('en', task_type.code)}: {value}"[:300]
    return task_type.names.get("en", task_type.code)[:300]


# The columns of a task that nobody has touched yet.
UNCLAIMED: dict[str, Any] = {
    "assignee_id": None,
    "lease_expires_at": None,
    "fencing_token": 0,
    "due_at": None,
    "completed_at": None,
}


@dataclass(frozen=True, slots=True)
class NewTask:
    """A validated task not yet stored. A plain value rather than a Piccolo row: a CSV import prepares
    100,000 of them, and building Table instances cost more than validating the payloads."""

    id: UUID
    tenant_id: UUID
    queue_id: UUID
    task_type_id: UUID
    external_ref: str | None
    title: str
    payload: dict[str, Any]
    priority: int
    status: str
    required_skill_id: UUID | None
    created_at: datetime
    updated_at: datetime
    created_by: UUID | None
    # The SLA clock columns its type's policy starts (empty without a policy): see retaguarda.work.sla.
    clocks: dict[str, Any] = field(default_factory=dict)

    def columns(self) -> dict[str, Any]:
        """The task's column values, clocks included."""
        values = {name: getattr(self, name) for name in TASK_FIELDS}
        values.update(self.clocks)
        return values

    def to_row(self) -> Task:
        return Task(**self.columns())


TASK_FIELDS = tuple(name for name in NewTask.__slots__ if name != "clocks")
# A stored task with no SLA history yet, as reads expect it.
NO_CLOCKS: dict[str, Any] = {
    "sla_version_id": None,
    "response_due_at": None,
    "response_warn_at": None,
    "response_state": None,
    "resolution_due_at": None,
    "resolution_warn_at": None,
    "resolution_state": None,
    "sla_next_at": None,
    "sla_paused_at": None,
    "resolution_remaining_s": None,
    "sla_paused_s": 0,
    "first_claimed_at": None,
}


async def prepare_task(
    ctx: TenantContext,
    tenant_id: UUID,
    data: TaskCreate,
    *,
    currency: str,
    lenient_strings: bool = False,
    types: dict[str, TaskTypeRead] | None = None,
    queues: dict[str, dict[str, Any]] | None = None,
) -> NewTask:
    """A validated, unsaved task; raises InvalidInput with one error per bad field."""
    task_type = types.get(data.task_type) if types is not None else None
    if task_type is None:
        task_type = await find_task_type(ctx, tenant_id, data.task_type)
        if types is not None and task_type is not None:
            types[data.task_type] = task_type
    if task_type is None or not task_type.active:
        raise InvalidInput(
            errors=[FieldError("taskType", "not_found", "No active task type with this code.")]
        )
    queue_code = data.queue or DEFAULT_QUEUE
    queue = queues.get(queue_code) if queues is not None else None
    if queue is None:
        queue = await find_queue(ctx, tenant_id, queue_code)
        if queues is not None and queue is not None:
            queues[queue_code] = queue
    errors: list[FieldError] = []
    if queue is None:
        errors.append(FieldError("queue", "not_found", f"No queue with the code {queue_code!r}."))
    payload, field_errors = validate_payload(
        task_type.fields, data.payload, currency=currency, lenient_strings=lenient_strings
    )
    errors.extend(field_errors)
    if errors:
        raise InvalidInput(errors=errors)
    assert queue is not None
    stamp = now()
    priority = data.priority or task_type.default_priority
    return NewTask(
        id=uuid4(),
        tenant_id=tenant_id,
        queue_id=queue["id"],
        task_type_id=task_type.id,
        external_ref=data.external_ref,
        title=_title(data.title, task_type, payload),
        payload=payload,
        priority=priority,
        status="queued",
        required_skill_id=task_type.required_skill_id,
        created_at=stamp,
        updated_at=stamp,
        created_by=ctx.principal.user_id,
        clocks=await clocks_for_new_task(task_type.sla_policy_id, priority, stamp),
    )


async def create_task(ctx: TenantContext, data: TaskCreate) -> TaskRead:
    tenant_id = owning_client(ctx, data.tenant_id)
    if is_postgres():
        task = await _create_task_pg(ctx, tenant_id, data)
    else:
        task = await prepare_task(ctx, tenant_id, data, currency=await _tenant_currency(ctx, tenant_id))
        if data.external_ref and await ctx.exists(Task).where(
            (Task.tenant_id == tenant_id) & (Task.external_ref == data.external_ref)
        ):
            raise _external_ref_taken()
        await ctx.insert(task.to_row())
        await task_created(task, ctx.principal.user_id)
    # The stored row is exactly these values: no need to read it back.
    stored = {**UNCLAIMED, **NO_CLOCKS, **task.columns()}
    return msgspec.structs.replace(task_read(stored), sla=await task_sla(stored))


async def task_created(task: NewTask, actor_user_id: UUID | None) -> None:
    """The history and the outbox of a new task (the same transaction as its insert)."""
    await record_event(
        task.tenant_id,
        task.id,
        "created",
        at=task.created_at,
        actor_user_id=actor_user_id,
        publish="task.created",
    )


def _external_ref_taken() -> Conflict:
    return Conflict(
        errors=[FieldError("externalRef", "taken", "A task with this external reference exists.")]
    )


def _aliased(table: type[Table], alias: str) -> str:
    return ", ".join(
        f'{alias}."{column._meta.db_column_name}" AS "{alias}.{column._meta.name}"'
        for column in table._meta.columns
    )


# Postgres: what intake needs to know before validating, in one round trip: the tenant's currency, the task
# type by code and the queue by code (NULL columns when either is missing: prepare_task then looks again and
# reports the error as usual), each with its row version (xmin, which every UPDATE of the row changes).
INTAKE_LOOKUP_SQL = f"""
SELECT t.currency AS "currency", t.xmin::text::bigint AS "tenant_version",
       tt.xmin::text::bigint AS "type_version", q.xmin::text::bigint AS "queue_version",
       {_aliased(TaskType, "tt")}, {_aliased(Queue, "q")}
FROM tenant t
LEFT JOIN task_type tt ON tt.tenant_id = t.id AND tt.code = $2
LEFT JOIN work_queue q ON q.tenant_id = t.id AND q.code = $3
WHERE t.id = $1
"""  # noqa: S608 - the column lists come from the table definitions, not from input


def _part(row: Any, alias: str) -> dict[str, Any] | None:
    prefix = alias + "."
    part = {key[len(prefix) :]: value for key, value in row.items() if key.startswith(prefix)}
    return part if part["id"] is not None else None


@dataclass(frozen=True, slots=True)
class IntakeCatalog:
    """What a submission is validated against (the tenant's currency, its task type and queue), with the row
    version each was read at. Kept per process and reused without reading it again: the insert itself checks
    the three versions and writes nothing when one changed (see INTAKE_INSERT_SQL), so a stale copy is never
    acted on; it is read again and the submission retried."""

    currency: str
    task_type: TaskTypeRead
    queue: dict[str, Any]
    versions: tuple[int, int, int]  # tenant, task type, queue


# (tenant, task type code, queue code) → its catalog, the most recent CATALOG_CACHE_SIZE.
_catalogs: dict[tuple[UUID, str, str], IntakeCatalog] = {}
CATALOG_CACHE_SIZE = 1024
# A catalog changed under a submission is read again; more changes than this in a row answer 409.
INTAKE_ATTEMPTS = 3


async def _create_task_pg(ctx: TenantContext, tenant_id: UUID, data: TaskCreate) -> NewTask:
    key = (tenant_id, data.task_type, data.queue or DEFAULT_QUEUE)
    for _ in range(INTAKE_ATTEMPTS):
        catalog = _catalogs.get(key) or await _read_catalog(ctx, tenant_id, data)
        task = await prepare_task(
            ctx,
            tenant_id,
            data,
            currency=catalog.currency,
            types={data.task_type: catalog.task_type},
            queues={key[2]: catalog.queue},
        )
        if await _store_task_pg(ctx, task, catalog):
            if len(_catalogs) >= CATALOG_CACHE_SIZE and key not in _catalogs:
                del _catalogs[next(iter(_catalogs))]
            _catalogs[key] = catalog
            return task
        _catalogs.pop(key, None)
    raise _catalog_changed()


def _catalog_changed() -> Conflict:
    return Conflict("The task type or queue changed while the task was submitted; submit it again.")


async def _read_catalog(ctx: TenantContext, tenant_id: UUID, data: TaskCreate) -> IntakeCatalog:
    """The catalog as stored now. A missing task type or queue raises the usual field errors."""
    queue_code = data.queue or DEFAULT_QUEUE
    # scope: tenant_id is owning_client()'s, which the caller may reach
    found = await pg_fetch(INTAKE_LOOKUP_SQL, tenant_id, data.task_type, queue_code)
    row = found[0] if found else None
    task_type = _part(row, "tt") if row is not None else None
    queue = _part(row, "q") if row is not None else None
    if row is None or task_type is None or queue is None:
        types = {data.task_type: type_read(task_type)} if task_type is not None else {}
        queues = {queue_code: queue} if queue is not None else {}
        currency = str(row["currency"]) if row is not None else "USD"
        await prepare_task(ctx, tenant_id, data, currency=currency, types=types, queues=queues)
        raise _catalog_changed()  # prepare_task found what the lookup had not: created in between
    return IntakeCatalog(
        currency=str(row["currency"]),
        task_type=type_read(task_type),
        queue=queue,
        versions=(row["tenant_version"], row["type_version"], row["queue_version"]),
    )


# Postgres: the intake insert. A new task (its columns are NewTask.columns(): the one place that says what a
# new task stores), its `created` event and that event's outbox row, in one statement, written only while
# the catalog the task was validated against is as it was read ($6 to $11: tenant, task type and queue ids
# and row versions; `fresh` says whether it was). A taken external reference inserts nothing (ON CONFLICT on
# the partial unique index), so the answer is a 409, not an aborted transaction; this also settles two
# concurrent submissions of one reference.
INTAKE_INSERT_SQL = """
WITH fresh AS (
    SELECT EXISTS (SELECT 1 FROM tenant WHERE id = $6 AND xmin::text::bigint = $7)
       AND EXISTS (SELECT 1 FROM task_type WHERE id = $8 AND xmin::text::bigint = $9)
       AND EXISTS (SELECT 1 FROM work_queue WHERE id = $10 AND xmin::text::bigint = $11) AS ok
), created AS (
    INSERT INTO task ({columns}) SELECT {values} FROM fresh WHERE fresh.ok
    ON CONFLICT (tenant_id, external_ref) WHERE external_ref IS NOT NULL DO NOTHING
    RETURNING id, tenant_id
), event AS (
    INSERT INTO task_event (id, tenant_id, task_id, kind, at, actor_user_id)
    SELECT $1::uuid, tenant_id, id, 'created', $2::timestamptz, $3::uuid FROM created
), outbox AS (
    INSERT INTO kernel_outbox (id, tenant_id, job, args, available_at)
    SELECT $4::uuid, tenant_id, 'work.task_event',
           json_build_object('task_id', id::text, 'event', 'task.created', 'event_id', $1::text),
           $5::timestamptz
    FROM created
)
SELECT (SELECT ok FROM fresh) AS fresh, (SELECT id FROM created) AS id
"""
INTAKE_INSERT_FIRST_VALUE = 12


@lru_cache(maxsize=8)
def _intake_insert(columns: tuple[str, ...]) -> str:
    """The statement for one set of task columns (one per shape: with or without SLA clocks)."""
    numbers = range(INTAKE_INSERT_FIRST_VALUE, INTAKE_INSERT_FIRST_VALUE + len(columns))
    return INTAKE_INSERT_SQL.format(
        columns=", ".join(f'"{name}"' for name in columns), values=", ".join(f"${n}" for n in numbers)
    )


def _sql_value(value: Any) -> Any:
    # JSON columns take JSON text (asyncpg's default json codec).
    return msgspec.json.encode(value).decode() if isinstance(value, dict | list) else value


async def _store_task_pg(ctx: TenantContext, task: NewTask, catalog: IntakeCatalog) -> bool:
    """Insert the task; False, with nothing written, when its catalog changed since it was read."""
    ctx.require(task.tenant_id)
    columns = task.columns()
    tenant_version, type_version, queue_version = catalog.versions
    # scope: the task's tenant was just required to be reachable
    rows = await pg_fetch(
        _intake_insert(tuple(columns)),
        uuid4(),
        task.created_at,
        ctx.principal.user_id,
        uuid4(),
        now(),
        task.tenant_id,
        tenant_version,
        task.task_type_id,
        type_version,
        task.queue_id,
        queue_version,
        *(_sql_value(value) for value in columns.values()),
    )
    if not rows[0]["fresh"]:
        return False
    if rows[0]["id"] is None:
        raise _external_ref_taken()
    outbox_written()
    return True
