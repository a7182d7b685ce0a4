"""The audit log's one table, in the kernel's Piccolo app. Rows are only ever inserted: nothing in the code
updates or deletes one, and on PostgreSQL a trigger refuses both (the kernel's migration creates it)."""

from __future__ import annotations

from piccolo.columns import JSON, UUID, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

from retaguarda.audit.actions import ActorKind


class AuditEntry(Table, tablename="audit_entry"):
    """Who did what, when, from where, to what. Ids are kept as plain values, not foreign keys: an entry
    outlives the user, key or invoice it names, and names them as they were (``actor_label``,
    ``target_label``)."""

    id = UUID(primary_key=True)
    occurred_at = Timestamptz(default=TimestamptzNow(), index=True)
    # The tenant the action concerns; empty for a failed sign-in to an unknown email.
    tenant_id = UUID(null=True, default=None, index=True)
    actor_kind = Varchar(length=16, choices=ActorKind)
    actor_user_id = UUID(null=True, default=None, index=True)
    actor_api_key_id = UUID(null=True, default=None)
    actor_label = Varchar(length=320, default="")
    ip = Varchar(length=64, default="")
    user_agent = Varchar(length=300, default="")
    action = Varchar(length=64, index=True)  # an AuditAction
    target_type = Varchar(length=64, default="")
    target_id = Varchar(length=64, default="")
    target_label = Varchar(length=300, default="")
    details = JSON(default="{}")
