"""The files of tasks. The bytes live in object storage under ``storage_key`` (made from ids only); a row
keeps what the file is (by content), its size and SHA-256, who sent it and from which side."""

from __future__ import annotations

from enum import StrEnum

from piccolo.columns import UUID, BigInt, Boolean, ForeignKey, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

from retaguarda.work.tables import Task
from tenants.tables import Tenant


class FilePurpose(StrEnum):
    INPUT = "input"  # sent by the client with the task
    DELIVERABLE = "deliverable"  # returned by the provider
    COMMENT = "comment"  # attached to a message of the conversation


class FileSide(StrEnum):
    CLIENT = "client"
    PROVIDER = "provider"


class TaskFile(Table, tablename="task_file"):
    id = UUID(primary_key=True)
    tenant_id = ForeignKey(references=Tenant, index=True, null=False)
    # NULL between an upload-first call and the submission that names it.
    task_id = ForeignKey(references=Task, null=True, default=None, index=True)
    comment_id = UUID(null=True, default=None)
    purpose = Varchar(length=16, choices=FilePurpose, default=FilePurpose.INPUT.value)
    side = Varchar(length=16, choices=FileSide, default=FileSide.CLIENT.value)
    filename = Varchar(length=255)
    kind = Varchar(length=16)
    content_type = Varchar(length=100)
    size_bytes = BigInt()
    sha256 = Varchar(length=64)
    storage_key = Varchar(length=300)
    uploaded_by = UUID(null=True, default=None)
    created_at = Timestamptz(default=TimestamptzNow())
    deleted_at = Timestamptz(null=True, default=None)
    # Set by the provider while a file must be kept whatever the retention period says (litigation, audit).
    legal_hold = Boolean(default=False)
    # A small PNG of the first page or the image, rendered by a job; NULL until then (or for other kinds).
    preview_key = Varchar(length=300, null=True, default=None)
