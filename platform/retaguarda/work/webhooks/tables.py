"""Tables of outbound webhooks: clients' endpoints and the delivery log."""

from __future__ import annotations

from enum import StrEnum

from piccolo.columns import (
    JSON,
    UUID,
    Boolean,
    ForeignKey,
    Integer,
    Text,
    Timestamptz,
    Varchar,
)
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

from tenants.tables import Tenant


class DeliveryStatus(StrEnum):
    PENDING = "pending"  # waiting for its (next) attempt
    SENDING = "sending"  # an attempt is in flight
    SUCCEEDED = "succeeded"
    FAILED = "failed"  # gave up after the last attempt; can be retried by hand


class WebhookEndpoint(Table, tablename="webhook_endpoint"):
    id = UUID(primary_key=True)
    tenant_id = ForeignKey(references=Tenant, index=True, null=False)
    url = Varchar(length=2000)
    description = Varchar(length=200, default="")
    # "whsec_" + base64 of 32 random bytes (the Standard Webhooks format).
    # Sealed: a Fernet token of the secret (service/signing.py), about 164 characters.
    secret = Varchar(length=400)
    events = JSON(default="[]")
    active = Boolean(default=True)
    created_at = Timestamptz(default=TimestamptzNow())


class WebhookDelivery(Table, tablename="webhook_delivery"):
    id = UUID(primary_key=True)
    tenant_id = ForeignKey(references=Tenant, index=True, null=False)
    endpoint_id = ForeignKey(references=WebhookEndpoint, null=False, index=True)
    message_id = Varchar(length=64)
    event_type = Varchar(length=60)
    payload = JSON(default="{}")
    status = Varchar(length=16, choices=DeliveryStatus, default=DeliveryStatus.PENDING.value)
    attempts = Integer(default=0)
    last_status_code = Integer(null=True, default=None)
    last_error = Text(default="")
    next_attempt_at = Timestamptz(null=True, default=None)
    created_at = Timestamptz(default=TimestamptzNow())
    delivered_at = Timestamptz(null=True, default=None)
