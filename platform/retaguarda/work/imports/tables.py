"""Tables of CSV imports: an upload and the report line of each of its rows."""

from __future__ import annotations

from enum import StrEnum

from piccolo.columns import (
    JSON,
    UUID,
    Boolean,
    ForeignKey,
    Integer,
    OnDelete,
    Text,
    Timestamptz,
    Varchar,
)
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

from retaguarda.work.tables import Queue, TaskType
from tenants.tables import Tenant


class CsvImportStatus(StrEnum):
    PENDING = "pending"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


class CsvImport(Table, tablename="csv_import"):
    """A CSV upload of many tasks, imported by a job with progress and a per-row report."""

    id = UUID(primary_key=True)
    tenant_id = ForeignKey(references=Tenant, index=True, null=False)
    queue_id = ForeignKey(references=Queue, null=False, on_delete=OnDelete.cascade)
    task_type_id = ForeignKey(references=TaskType, null=False, on_delete=OnDelete.cascade)
    filename = Varchar(length=255, default="")
    content = Text()
    status = Varchar(length=16, choices=CsvImportStatus, default=CsvImportStatus.PENDING.value)
    total_rows = Integer(default=0)
    processed_rows = Integer(default=0)
    accepted = Integer(default=0)
    rejected = Integer(default=0)
    created_by = UUID(null=True, default=None)
    created_at = Timestamptz(default=TimestamptzNow())
    finished_at = Timestamptz(null=True, default=None)


class CsvImportRow(Table, tablename="csv_import_row"):
    """The report line of one CSV row: accepted (with its task) or rejected (with the reasons)."""

    id = UUID(primary_key=True)
    tenant_id = ForeignKey(references=Tenant, index=True, null=False)
    import_id = ForeignKey(references=CsvImport, null=False, index=True)
    row_number = Integer()
    accepted = Boolean()
    task_id = UUID(null=True, default=None)
    errors = JSON(default="[]")
