"""Wire shapes of clients' webhook endpoints and their delivery log (camelCase, unknown fields rejected)."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Annotated, Any
from uuid import UUID

from msgspec import UNSET, Meta, UnsetType

from retaguarda.wire import WireStruct
from retaguarda.work.webhooks.tables import DeliveryStatus


class WebhookEvent(StrEnum):
    """The task events an endpoint may subscribe to (``webhook.ping`` is sent on request, to any endpoint)."""

    TASK_CREATED = "task.created"
    TASK_CLAIMED = "task.claimed"
    TASK_RELEASED = "task.released"
    TASK_WAITING_ON_CLIENT = "task.waiting_on_client"
    TASK_COMMENTED = "task.commented"
    TASK_COMPLETED = "task.completed"
    TASK_LEASE_EXPIRED = "task.lease_expired"
    TASK_SLA_WARNING = "task.sla_warning"
    TASK_SLA_BREACHED = "task.sla_breached"


Url = Annotated[str, Meta(min_length=1, max_length=2000, description="https (http only for localhost)")]
Events = Annotated[list[WebhookEvent], Meta(min_length=1)]
Description = Annotated[str, Meta(max_length=200)]


class WebhookEndpointCreate(WireStruct):
    url: Url
    events: Events
    description: Description = ""
    active: bool = True
    # Provider staff create endpoints for a client; a client admin's are always its own tenant's.
    tenant_id: UUID | None = None


class WebhookEndpointUpdate(WireStruct):
    url: Url | UnsetType = UNSET
    events: Events | UnsetType = UNSET
    description: Description | UnsetType = UNSET
    active: bool | UnsetType = UNSET


class WebhookEndpointRead(WireStruct):
    id: UUID
    tenant_id: UUID
    url: str
    description: str
    events: list[WebhookEvent]
    active: bool
    created_at: datetime


class WebhookEndpointWithSecret(WebhookEndpointRead):
    """Only the creation and the rotation answer with the signing secret: it is never shown again."""

    secret: str


class WebhookEndpointPage(WireStruct):
    items: list[WebhookEndpointRead]
    next_cursor: str | None = None


class WebhookDeliveryRead(WireStruct):
    id: UUID
    endpoint_id: UUID
    message_id: str
    event_type: str
    status: DeliveryStatus
    attempts: int
    last_status_code: int | None
    last_error: str
    next_attempt_at: datetime | None
    created_at: datetime
    delivered_at: datetime | None
    payload: dict[str, Any]


class WebhookDeliveryPage(WireStruct):
    items: list[WebhookDeliveryRead]
    next_cursor: str | None = None
