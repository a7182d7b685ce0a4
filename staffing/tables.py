"""The roster: skills, operators and their skills, pools, dated pool memberships and shifts.

Every row is owned by the provider tenant (``tenant_id``, indexed, first in every composite index), so the
scoping helper fences clients out and the schema can be distributed by tenant. Times are ``Timestamptz``,
stored in UTC. The work layer reads these tables to route tasks; the composite indexes it relies on are
created by this app's second migration (portable to SQLite, which cannot add constraints to a table).
"""

from __future__ import annotations

from piccolo.columns import UUID, ForeignKey, Integer, OnDelete, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

from tenants.tables import Tenant, User


class Skill(Table, tablename="skill"):
    id = UUID(primary_key=True)
    tenant_id = ForeignKey(references=Tenant, index=True, null=False)
    code = Varchar(length=40)
    name = Varchar(length=200)
    created_at = Timestamptz(default=TimestamptzNow())

    # Unique ("tenant_id", "code").


class Operator(Table, tablename="operator"):
    """A provider user who takes work: how many tasks at once (``capacity``) and whether they are
    ``available``, ``away`` or ``offline``."""

    id = UUID(primary_key=True)
    tenant_id = ForeignKey(references=Tenant, index=True, null=False)
    user_id = ForeignKey(references=User, index=True, null=False)
    capacity = Integer(default=1)
    status = Varchar(length=16, default="offline")
    created_at = Timestamptz(default=TimestamptzNow())
    updated_at = Timestamptz(default=TimestamptzNow())

    # Unique ("tenant_id", "user_id"); index ("tenant_id", "status").


class OperatorSkill(Table, tablename="operator_skill"):
    id = UUID(primary_key=True)
    tenant_id = ForeignKey(references=Tenant, index=True, null=False)
    operator_id = ForeignKey(references=Operator, index=True, null=False, on_delete=OnDelete.cascade)
    # A skill that operators hold is not deleted from under them (the service answers 409 first).
    skill_id = ForeignKey(references=Skill, index=True, null=False, on_delete=OnDelete.restrict)
    level = Integer(default=1)

    # Unique ("tenant_id", "operator_id", "skill_id").


class Pool(Table, tablename="pool"):
    """A team of operators at one site, working in one time zone; queues are served by pools."""

    id = UUID(primary_key=True)
    tenant_id = ForeignKey(references=Tenant, index=True, null=False)
    name = Varchar(length=100)
    site = Varchar(length=200, default="")
    timezone = Varchar(length=64, default="UTC")
    created_at = Timestamptz(default=TimestamptzNow())

    # Unique ("tenant_id", "name").


class PoolMembership(Table, tablename="pool_membership"):
    """An operator in a pool from ``valid_from`` until ``valid_until`` (exclusive; null = open-ended), for a
    ``share`` (percent) of their time: ``permanent`` staff or a ``seasonal`` reinforcement."""

    id = UUID(primary_key=True)
    tenant_id = ForeignKey(references=Tenant, index=True, null=False)
    pool_id = ForeignKey(references=Pool, index=True, null=False, on_delete=OnDelete.restrict)
    operator_id = ForeignKey(references=Operator, index=True, null=False, on_delete=OnDelete.cascade)
    kind = Varchar(length=16, default="permanent")
    valid_from = Timestamptz()
    valid_until = Timestamptz(null=True, default=None)
    share = Integer(default=100)
    created_at = Timestamptz(default=TimestamptzNow())

    # Index ("tenant_id", "operator_id", "valid_from").


class Shift(Table, tablename="shift"):
    """An operator's scheduled working time, ``[starts_at, ends_at)``, optionally in one pool."""

    id = UUID(primary_key=True)
    tenant_id = ForeignKey(references=Tenant, index=True, null=False)
    operator_id = ForeignKey(references=Operator, index=True, null=False, on_delete=OnDelete.cascade)
    pool_id = ForeignKey(references=Pool, index=True, null=True, default=None, on_delete=OnDelete.set_null)
    starts_at = Timestamptz()
    ends_at = Timestamptz()
    created_at = Timestamptz(default=TimestamptzNow())

    # Indexes ("tenant_id", "operator_id", "starts_at") and ("tenant_id", "starts_at").
