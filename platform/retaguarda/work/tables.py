"""Tables of the work loop. Every row is owned by a client tenant (``tenant_id``), including the rows that
point at the provider's roster (pools, operators, skills), so a client's data can live on its own shard."""

from __future__ import annotations

from enum import StrEnum

from piccolo.columns import (
    JSON,
    UUID,
    BigInt,
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

from retaguarda.work.sla.clocks import ClockState
from retaguarda.work.sla.tables import SlaPolicy
from staffing.tables import Operator, Pool, Skill
from tenants.tables import Tenant, User


class TaskStatus(StrEnum):
    QUEUED = "queued"
    CLAIMED = "claimed"
    WAITING_ON_CLIENT = "waiting_on_client"
    DONE = "done"
    CANCELLED = "cancelled"


class TaskType(Table, tablename="task_type"):
    """A kind of work a client sends: its typed fields, the skill it needs, its defaults and price."""

    id = UUID(primary_key=True)
    tenant_id = ForeignKey(references=Tenant, index=True, null=False)
    code = Varchar(length=60)
    # {"en": "...", "pt_BR": "...", "es": "..."}
    names = JSON(default="{}")
    # [{"key", "kind", "required", "labels": {locale: text}, "choices": [...], "maxLength", ...}]
    fields = JSON(default="[]")
    family = Varchar(length=40, default="")
    required_skill_id = ForeignKey(
        references=Skill, null=True, default=None, index=True, on_delete=OnDelete.restrict
    )
    default_priority = Integer(default=2)
    expected_handle_s = Integer(default=600)
    unit_price_minor = BigInt(null=True, default=None)
    sla_policy_id = ForeignKey(
        references=SlaPolicy, null=True, default=None, index=True, on_delete=OnDelete.set_null
    )
    active = Boolean(default=True)
    created_at = Timestamptz(default=TimestamptzNow())
    updated_at = Timestamptz(default=TimestamptzNow())
    # Unique (tenant_id, code): created by this app's index migration.


class Queue(Table, tablename="work_queue"):
    id = UUID(primary_key=True)
    tenant_id = ForeignKey(references=Tenant, index=True, null=False)
    code = Varchar(length=60)
    name = Varchar(length=200)
    created_at = Timestamptz(default=TimestamptzNow())
    # Unique (tenant_id, code).


class QueuePool(Table, tablename="queue_pool"):
    """Which of the provider's pools serve a client's queue."""

    id = UUID(primary_key=True)
    tenant_id = ForeignKey(references=Tenant, index=True, null=False)
    queue_id = ForeignKey(references=Queue, null=False, index=True, on_delete=OnDelete.cascade)
    pool_id = ForeignKey(references=Pool, null=False, index=True, on_delete=OnDelete.cascade)
    created_at = Timestamptz(default=TimestamptzNow())
    # Unique (tenant_id, queue_id, pool_id).


class Task(Table, tablename="task"):
    """One piece of work. ``fencing_token`` grows with every claim: a call carrying an older token comes from
    a holder that lost the lease, and is refused."""

    id = UUID(primary_key=True)
    # No single-column indexes on tenant_id, queue_id and task_type_id: the composite ones lead with
    # tenant_id, reads by queue or type go through them, and every index is written again by each claim,
    # heartbeat, sweep and completion (a task row is updated a dozen times in its life).
    tenant_id = ForeignKey(references=Tenant, index=False, null=False)
    queue_id = ForeignKey(references=Queue, null=False, index=False, on_delete=OnDelete.restrict)
    task_type_id = ForeignKey(references=TaskType, null=False, index=False, on_delete=OnDelete.restrict)
    external_ref = Varchar(length=200, null=True, default=None)
    title = Varchar(length=300, default="")
    payload = JSON(default="{}")
    priority = Integer(default=2)
    status = Varchar(length=24, choices=TaskStatus, default=TaskStatus.QUEUED.value)
    required_skill_id = UUID(null=True, default=None)
    assignee_id = ForeignKey(
        references=Operator, null=True, default=None, index=True, on_delete=OnDelete.set_null
    )
    # After a client's answer the task waits for the operator who asked first.
    preferred_operator_id = UUID(null=True, default=None)
    preferred_until = Timestamptz(null=True, default=None)
    lease_expires_at = Timestamptz(null=True, default=None)
    heartbeat_at = Timestamptz(null=True, default=None)
    fencing_token = BigInt(default=0)
    due_at = Timestamptz(null=True, default=None)
    created_at = Timestamptz(default=TimestamptzNow())
    updated_at = Timestamptz(default=TimestamptzNow())
    first_claimed_at = Timestamptz(null=True, default=None)
    completed_at = Timestamptz(null=True, default=None)
    created_by = UUID(null=True, default=None)
    # SLA clocks (retaguarda.work.sla): the policy version the task started under, and per clock its due
    # and warning instants and its state (running | warning | breached | paused, or met / breached once
    # closed, which the timestamps tell: first_claimed_at closes the response clock, completed_at the
    # resolution clock). ``sla_next_at`` is the next instant a sweep must look at (the earliest warning or
    # due instant not yet fired), NULL when nothing is pending, so a sweep is an index scan.
    sla_version_id = UUID(null=True, default=None)
    response_due_at = Timestamptz(null=True, default=None)
    response_warn_at = Timestamptz(null=True, default=None)
    response_state = Varchar(length=12, null=True, default=None, choices=ClockState)
    resolution_due_at = Timestamptz(null=True, default=None)
    resolution_warn_at = Timestamptz(null=True, default=None)
    resolution_state = Varchar(length=12, null=True, default=None, choices=ClockState)
    sla_next_at = Timestamptz(null=True, default=None)
    # While paused: when it paused and the business seconds the resolution clock had left (negative once
    # breached); the business seconds spent paused so far.
    sla_paused_at = Timestamptz(null=True, default=None)
    resolution_remaining_s = BigInt(null=True, default=None)
    sla_paused_s = BigInt(default=0)
    # Unique (tenant_id, external_ref) where given; claim order index (status, queue_id, due_at, priority,
    # created_at): both in the index migration.


# The columns of a task's SLA clocks, as ``work.sla.clocks`` starts and advances them: one list for every path
# that reads or bulk-writes them (the CSV import, the sweep, the risk lists).
SLA_CLOCK_COLUMNS = (
    Task.sla_version_id,
    Task.response_due_at,
    Task.response_warn_at,
    Task.response_state,
    Task.resolution_due_at,
    Task.resolution_warn_at,
    Task.resolution_state,
    Task.sla_next_at,
)


class TaskEvent(Table, tablename="task_event"):
    """The append-only history of a task."""

    id = UUID(primary_key=True)
    tenant_id = ForeignKey(references=Tenant, index=True, null=False)
    # Indexed by (task_id, at) in the index migration: a history is read in order.
    task_id = ForeignKey(references=Task, null=False, index=False)
    kind = Varchar(length=40)
    at = Timestamptz(default=TimestamptzNow())
    actor_user_id = UUID(null=True, default=None)
    operator_id = UUID(null=True, default=None)
    fencing_token = BigInt(default=0)
    data = JSON(default="{}")


class TaskComment(Table, tablename="task_comment"):
    id = UUID(primary_key=True)
    tenant_id = ForeignKey(references=Tenant, index=True, null=False)
    task_id = ForeignKey(references=Task, null=False, index=True)
    author_id = ForeignKey(references=User, null=True, default=None, on_delete=OnDelete.set_null)
    side = Varchar(length=16)  # client | provider
    # reply: a message both sides read; note: the provider's internal note, never shown to the client;
    # resolution: the operator's closing note on completion, shown to the client.
    kind = Varchar(length=16, default="reply")
    body = Text()
    created_at = Timestamptz(default=TimestamptzNow())


class SavedView(Table, tablename="saved_view"):
    """A person's saved task filter: a name and the list's query string. Owned by the person's own tenant
    and only ever read back by that person."""

    id = UUID(primary_key=True)
    tenant_id = ForeignKey(references=Tenant, index=False, null=False)
    user_id = ForeignKey(references=User, null=False, index=True, on_delete=OnDelete.cascade)
    name = Varchar(length=100)
    query = Text(default="")
    created_at = Timestamptz(default=TimestamptzNow())


class TimeEntry(Table, tablename="time_entry"):
    """Handling time of one operator on one task. ``auto`` entries come from claim to release / pause /
    completion / lease expiry; ``manual`` ones correct them, with a reason. Locked once invoiced."""

    id = UUID(primary_key=True)
    tenant_id = ForeignKey(references=Tenant, index=True, null=False)
    task_id = ForeignKey(references=Task, null=False, index=True)
    operator_id = ForeignKey(references=Operator, null=False, index=True, on_delete=OnDelete.restrict)
    started_at = Timestamptz()
    ended_at = Timestamptz(null=True, default=None)
    seconds = Integer(default=0)
    source = Varchar(length=16, default="auto")
    reason = Text(default="")
    billable = Boolean(default=True)
    corrects_id = UUID(null=True, default=None)
    created_by = UUID(null=True, default=None)
    invoice_id = UUID(null=True, default=None)
    created_at = Timestamptz(default=TimestamptzNow())


class Notification(Table, tablename="notification"):
    """An in-app notice to one person about one client's task: SLA warnings and breaches for provider staff;
    questions, completions and SLA warnings for the client's own users."""

    id = UUID(primary_key=True)
    tenant_id = ForeignKey(references=Tenant, index=True, null=False)
    user_id = ForeignKey(references=User, null=False, index=True, on_delete=OnDelete.cascade)
    task_id = UUID(null=True, default=None)
    kind = Varchar(length=40)
    data = JSON(default="{}")
    created_at = Timestamptz(default=TimestamptzNow())
    read_at = Timestamptz(null=True, default=None)


class NotificationPreference(Table, tablename="notification_preference"):
    """How one person wants to hear about one kind of notice: in the app, by email, both or neither. No row
    means both (the defaults). Owned by the person's own tenant."""

    id = UUID(primary_key=True)
    tenant_id = ForeignKey(references=Tenant, index=False, null=False)
    user_id = ForeignKey(references=User, null=False, index=True, on_delete=OnDelete.cascade)
    kind = Varchar(length=40)
    in_app = Boolean(default=True)
    email = Boolean(default=True)
    # Unique (user_id, kind).
