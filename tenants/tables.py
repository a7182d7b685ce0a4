"""Tenants, users and what ties them together.

Every tenant-owned table carries ``tenant_id`` (indexed, first in every unique constraint), so the schema
can be distributed by tenant. Users are global identities (one email, one password) that reach tenants only
through memberships.
"""

from __future__ import annotations

from piccolo.columns import JSON, UUID, Boolean, ForeignKey, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table


class Tenant(Table, tablename="tenant"):
    """The provider (kind ``provider``, exactly one) or a client company (kind ``client``)."""

    __tenant_column__ = "id"

    id = UUID(primary_key=True)
    kind = Varchar(length=16, index=True)
    slug = Varchar(length=63, unique=True)
    name = Varchar(length=200)
    status = Varchar(length=16, default="active")
    locale = Varchar(length=16, default="en")
    timezone = Varchar(length=64, default="UTC")
    currency = Varchar(length=3, default="USD")
    created_at = Timestamptz(default=TimestamptzNow())
    updated_at = Timestamptz(default=TimestamptzNow())


class User(Table, tablename="app_user"):
    id = UUID(primary_key=True)
    email = Varchar(length=320, unique=True)
    display_name = Varchar(length=200)
    password_hash = Varchar(length=255, null=True, default=None)
    locale = Varchar(length=16, null=True, default=None)
    timezone = Varchar(length=64, null=True, default=None)
    is_active = Boolean(default=True)
    created_at = Timestamptz(default=TimestamptzNow())
    last_login_at = Timestamptz(null=True, default=None)


class Membership(Table, tablename="membership"):
    """A user's role in one tenant (provider roles in the provider, client roles in a client)."""

    id = UUID(primary_key=True)
    tenant_id = ForeignKey(references=Tenant, index=True, null=False)
    user_id = ForeignKey(references=User, index=True, null=False)
    role = Varchar(length=32)
    created_at = Timestamptz(default=TimestamptzNow())

    # Unique ("tenant_id", "user_id"): a unique index created by this app's migration (portable to SQLite).


class AccountAssignment(Table, tablename="account_assignment"):
    """An account manager (a provider user) owning a client account; owned by the client tenant."""

    id = UUID(primary_key=True)
    tenant_id = ForeignKey(references=Tenant, index=True, null=False)
    manager_id = ForeignKey(references=User, index=True, null=False)
    created_at = Timestamptz(default=TimestamptzNow())

    # Unique ("tenant_id", "manager_id"): a unique index created by this app's migration (portable to SQLite).


class ApiKey(Table, tablename="api_key"):
    """A bearer key for a tenant's integrations. The secret is shown once; only its SHA-256 is kept."""

    id = UUID(primary_key=True)
    tenant_id = ForeignKey(references=Tenant, index=True, null=False)
    name = Varchar(length=100)
    prefix = Varchar(length=16)
    key_hash = Varchar(length=64, unique=True)
    scopes = JSON(default="[]")
    created_by = UUID(null=True, default=None)
    created_at = Timestamptz(default=TimestamptzNow())
    last_used_at = Timestamptz(null=True, default=None)
    expires_at = Timestamptz(null=True, default=None)
    revoked_at = Timestamptz(null=True, default=None)

    # Unique ("tenant_id", "name"): a unique index created by this app's migration (portable to SQLite).


class BusinessCalendar(Table, tablename="business_calendar"):
    """Opening hours and closed days that SLA clocks and surcharges run on (the arithmetic lives in
    ``retaguarda.calendars``). ``weekly_hours`` is a list of ``{"weekday": 0-6, "start": "HH:MM",
    "end": "HH:MM"}``; an interval whose end is not after its start runs past midnight."""

    id = UUID(primary_key=True)
    tenant_id = ForeignKey(references=Tenant, index=True, null=False)
    name = Varchar(length=100)
    timezone = Varchar(length=64)
    weekly_hours = JSON(default="[]")
    holiday_country = Varchar(length=2, null=True, default=None)
    holiday_subdivision = Varchar(length=10, null=True, default=None)
    closed_dates = JSON(default="[]")
    always_open = Boolean(default=False)
    is_default = Boolean(default=False)
    created_at = Timestamptz(default=TimestamptzNow())
    updated_at = Timestamptz(default=TimestamptzNow())

    # Unique ("tenant_id", "name"): a unique index created by this app's migration (portable to SQLite).
