"""Wire shapes of the work API (camelCase, unknown fields rejected)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal
from uuid import UUID

import msgspec
from msgspec import UNSET, Meta, UnsetType

from retaguarda.wire import WireStruct
from retaguarda.work.documents.schemas import FileRead
from retaguarda.work.fields import FieldSpec
from retaguarda.work.tables import TaskStatus

Code = Annotated[str, Meta(pattern=r"^[a-z0-9][a-z0-9_.-]{0,59}$")]
Priority = Annotated[int, Meta(ge=1, le=4, description="1 low, 2 normal, 3 high, 4 urgent")]
LocaleNames = Annotated[dict[str, Annotated[str, Meta(min_length=1, max_length=200)]], Meta(min_length=1)]
Body = Annotated[str, Meta(min_length=1, max_length=10000)]


# ---- task types and queues ----------------------------------------------------------------------------


class TaskTypeCreate(WireStruct):
    code: Code
    names: LocaleNames
    fields: list[FieldSpec] = msgspec.field(default_factory=list)
    family: Annotated[str, Meta(max_length=40)] = ""
    required_skill_id: UUID | None = None
    default_priority: Priority = 2
    expected_handle_s: Annotated[int, Meta(ge=1, le=7 * 24 * 3600)] = 600
    unit_price_minor: Annotated[int, Meta(ge=0)] | None = None
    sla_policy_id: UUID | None = None
    tenant_id: UUID | None = None


class TaskTypeFromTemplate(WireStruct):
    template: Annotated[str, Meta(min_length=1, max_length=60)]
    code: Code | None = None
    tenant_id: UUID | None = None


class TaskTypeUpdate(WireStruct):
    names: LocaleNames | UnsetType = UNSET
    fields: list[FieldSpec] | UnsetType = UNSET
    required_skill_id: UUID | UnsetType | None = UNSET
    default_priority: Priority | UnsetType = UNSET
    expected_handle_s: Annotated[int, Meta(ge=1, le=7 * 24 * 3600)] | UnsetType = UNSET
    unit_price_minor: Annotated[int, Meta(ge=0)] | UnsetType | None = UNSET
    sla_policy_id: UUID | UnsetType | None = UNSET
    active: bool | UnsetType = UNSET


class TaskTypeRead(WireStruct):
    id: UUID
    tenant_id: UUID
    code: str
    names: dict[str, str]
    fields: list[FieldSpec]
    family: str
    required_skill_id: UUID | None
    default_priority: int
    expected_handle_s: int
    unit_price_minor: int | None
    sla_policy_id: UUID | None
    active: bool
    created_at: datetime


class TaskTypePage(WireStruct):
    items: list[TaskTypeRead]
    next_cursor: str | None = None


class QueueCreate(WireStruct):
    code: Code
    name: Annotated[str, Meta(min_length=1, max_length=200)]
    pool_ids: list[UUID] = msgspec.field(default_factory=list)
    tenant_id: UUID | None = None


class QueueUpdate(WireStruct):
    name: Annotated[str, Meta(min_length=1, max_length=200)] | UnsetType = UNSET
    pool_ids: list[UUID] | UnsetType = UNSET


class QueueRead(WireStruct):
    id: UUID
    tenant_id: UUID
    code: str
    name: str
    pool_ids: list[UUID]
    created_at: datetime


class QueuePage(WireStruct):
    items: list[QueueRead]
    next_cursor: str | None = None


# ---- tasks --------------------------------------------------------------------------------------------


class TaskCreate(WireStruct):
    task_type: Annotated[str, Meta(min_length=1, max_length=60, description="The task type's code.")]
    payload: dict[str, Any] = msgspec.field(default_factory=dict)
    queue: Annotated[str, Meta(min_length=1, max_length=60)] | None = None
    priority: Priority | None = None
    external_ref: Annotated[str, Meta(min_length=1, max_length=200)] | None = None
    title: Annotated[str, Meta(max_length=300)] | None = None
    # Provider staff submit on behalf of a client; a client's own calls always land in its tenant.
    tenant_id: UUID | None = None
    # Files uploaded beforehand (POST /api/v1/files) that become the task's input.
    file_ids: Annotated[list[UUID], Meta(max_length=50)] = msgspec.field(default_factory=list)


class SlaClockRead(WireStruct):
    """One SLA clock: business time used, left (negative when overdue) and spent paused, in seconds."""

    state: str  # running | paused | warning | breached | met
    target_minutes: int
    due_at: datetime | None
    warn_at: datetime | None
    elapsed_seconds: int
    remaining_seconds: int
    paused_seconds: int


class TaskSla(WireStruct):
    policy_id: UUID
    policy_version: int
    response: SlaClockRead
    resolution: SlaClockRead


class TaskRead(WireStruct):
    id: UUID
    tenant_id: UUID
    queue_id: UUID
    task_type_id: UUID
    external_ref: str | None
    title: str
    payload: dict[str, Any]
    priority: int
    status: TaskStatus
    assignee_id: UUID | None
    lease_expires_at: datetime | None
    fencing_token: int
    due_at: datetime | None
    created_at: datetime
    updated_at: datetime
    completed_at: datetime | None
    sla: TaskSla | None = None


class TaskPage(WireStruct):
    items: list[TaskRead]
    next_cursor: str | None = None


class TaskEventRead(WireStruct):
    id: UUID
    kind: str
    at: datetime
    actor_user_id: UUID | None
    operator_id: UUID | None
    data: dict[str, Any]


class CommentRead(WireStruct):
    """``kind``: reply (both sides read it), note (the provider's internal note: clients never see one),
    resolution (the operator's closing note, which the client reads)."""

    id: UUID
    side: Literal["client", "provider"]
    kind: Literal["reply", "note", "resolution"]
    author_id: UUID | None
    body: str
    created_at: datetime


class TaskDetail(WireStruct):
    task: TaskRead
    events: list[TaskEventRead]
    comments: list[CommentRead]
    # Every live file of the task: the client's input, the deliverables, and those on messages (commentId).
    files: list[FileRead] = msgspec.field(default_factory=list)


class CommentCreate(WireStruct):
    body: Body
    # Files uploaded beforehand (POST /api/v1/files) that go with the message.
    file_ids: Annotated[list[UUID], Meta(max_length=20)] = msgspec.field(default_factory=list)
    # Provider staff only: a note for the team that the client never sees (nor its webhooks).
    internal: bool = False


# ---- the operator's loop -----------------------------------------------------------------------------


class Lease(WireStruct):
    """What an operator holds: the task, its fencing token and when the lease runs out."""

    task: TaskRead
    fencing_token: int
    lease_expires_at: datetime


class LeaseCall(WireStruct):
    """Every call on a held task carries the token the claim gave; an older one means the lease was lost."""

    fencing_token: int


class CompleteTask(WireStruct):
    """Completion, optionally with a resolution note the client reads on the task."""

    fencing_token: int
    resolution: Body | None = None


class AskClient(WireStruct):
    fencing_token: int
    question: Body


class Reassign(WireStruct):
    operator_id: UUID | None = None


class TaskBatch(WireStruct):
    """One change to several tasks: reassign (to ``operatorId``, or back to the queue without one),
    reprioritise (to ``priority``) or cancel (with a ``reason``)."""

    task_ids: Annotated[list[UUID], Meta(min_length=1, max_length=200)]
    action: Literal["reassign", "reprioritise", "cancel"]
    operator_id: UUID | None = None
    priority: Priority | None = None
    reason: Annotated[str, Meta(max_length=500)] = ""


class TaskRefusal(WireStruct):
    task_id: UUID
    code: str


class TaskBatchResult(WireStruct):
    changed: list[UUID]
    refused: list[TaskRefusal]


# ---- time ---------------------------------------------------------------------------------------------


class TimeEntryRead(WireStruct):
    id: UUID
    tenant_id: UUID
    task_id: UUID
    operator_id: UUID
    started_at: datetime
    ended_at: datetime | None
    seconds: int
    source: Literal["auto", "manual"]
    reason: str
    billable: bool
    corrects_id: UUID | None
    invoiced: bool


class TimeEntryPage(WireStruct):
    items: list[TimeEntryRead]
    next_cursor: str | None = None


class TimeCorrection(WireStruct):
    """A supervisor's correction: a manual entry that replaces (``correctsId``) or adds to captured time."""

    task_id: UUID
    operator_id: UUID
    started_at: datetime
    ended_at: datetime
    reason: Annotated[str, Meta(min_length=3, max_length=1000)]
    billable: bool = True
    corrects_id: UUID | None = None
