"""Tables the kernel itself owns. They reference tenants and users by id only: the kernel knows no domain."""

from __future__ import annotations

from piccolo.columns import JSON, UUID, Boolean, Integer, Text, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table


class WebSession(Table, tablename="kernel_session"):
    """A portal sign-in. The cookie holds a random token; only its SHA-256 is stored."""

    id = UUID(primary_key=True)
    token_hash = Varchar(length=64, unique=True)
    user_id = UUID(index=True)
    tenant_id = UUID(index=True)
    created_at = Timestamptz(default=TimestamptzNow())
    last_seen_at = Timestamptz(default=TimestamptzNow())
    expires_at = Timestamptz(index=True)
    ip = Varchar(length=64, default="")
    user_agent = Varchar(length=300, default="")


class LoginAttempt(Table, tablename="kernel_login_attempt"):
    """Failed sign-ins, counted per account key and per client address for rate limiting."""

    id = UUID(primary_key=True)
    account_key = Varchar(length=64, index=True)
    ip = Varchar(length=64, index=True)
    attempted_at = Timestamptz(default=TimestamptzNow(), index=True)


class OutboxJob(Table, tablename="kernel_outbox"):
    """A job written in the same transaction as the change that causes it; deleted once it has succeeded."""

    id = UUID(primary_key=True)
    tenant_id = UUID(null=True, index=True)
    job = Varchar(length=100)
    args = JSON(default="{}")
    created_at = Timestamptz(default=TimestamptzNow())
    available_at = Timestamptz(default=TimestamptzNow(), index=True)
    dispatched_at = Timestamptz(null=True, default=None)
    attempts = Integer(default=0)
    last_error = Text(default="")
    dead = Boolean(default=False, index=True)


class IdempotencyKey(Table, tablename="kernel_idempotency_key"):
    """The first response to a request sent with an ``Idempotency-Key``, replayed for repeats."""

    id = UUID(primary_key=True)
    tenant_id = UUID(index=True)
    key = Varchar(length=255)
    request_hash = Varchar(length=64)
    status_code = Integer()
    response_body = Text()
    created_at = Timestamptz(default=TimestamptzNow())
    expires_at = Timestamptz(index=True)

    # Unique ("tenant_id", "key"): a unique index created by this app's migration (portable to SQLite).
