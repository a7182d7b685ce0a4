"""Tables of SLA tracking: versioned policies. Each task's clocks are columns of the task row
(``retaguarda.work.tables.Task``); notices are ``retaguarda.work.tables.Notification``."""

from __future__ import annotations

from piccolo.columns import (
    JSON,
    UUID,
    ForeignKey,
    Integer,
    OnDelete,
    Timestamptz,
    Varchar,
)
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

from tenants.tables import Tenant


class SlaPolicy(Table, tablename="sla_policy"):
    """A client's service level agreement, by name. Its terms live in versions: a change adds a version and
    never touches the clocks of tasks started under an earlier one."""

    id = UUID(primary_key=True)
    tenant_id = ForeignKey(references=Tenant, index=True, null=False)
    name = Varchar(length=200)
    current_version = Integer(default=1)
    created_at = Timestamptz(default=TimestamptzNow())
    updated_at = Timestamptz(default=TimestamptzNow())
    # Unique (tenant_id, name): created by this app's SLA index migration.


class SlaPolicyVersion(Table, tablename="sla_policy_version"):
    """The terms of a policy from one change to the next. ``targets`` maps each priority ("1".."4") to its
    first-response and resolution targets in business minutes; ``calendar_id`` None means the client's
    default calendar."""

    id = UUID(primary_key=True)
    tenant_id = ForeignKey(references=Tenant, index=True, null=False)
    policy_id = ForeignKey(references=SlaPolicy, null=False, index=True, on_delete=OnDelete.cascade)
    version = Integer()
    targets = JSON(default="{}")
    calendar_id = UUID(null=True, default=None)
    pause_statuses = JSON(default='["waiting_on_client"]')
    warning_percent = Integer(default=80)
    created_at = Timestamptz(default=TimestamptzNow())
    created_by = UUID(null=True, default=None)
    # Unique (policy_id, version).
