"""The delivery log (list, read, ping, retry) and the fan-out of task events into it: one delivery row per
subscribed endpoint, each with its ``work.deliver_webhook`` job, in the caller's transaction."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from uuid import UUID, uuid4, uuid5

from retaguarda.clock import now
from retaguarda.db import is_postgres
from retaguarda.errors import Conflict, NotFound
from retaguarda.jobs import enqueue
from retaguarda.listing import page_of
from retaguarda.tenancy import TenantContext, system_context
from retaguarda.wire import MAX_PAGE_SIZE, decode_cursor, from_row
from retaguarda.work.service.task_reads import live_task_files
from retaguarda.work.tables import Task, TaskEvent
from retaguarda.work.webhooks.schemas import WebhookDeliveryRead
from retaguarda.work.webhooks.service.endpoints import _endpoint_row
from retaguarda.work.webhooks.service.sending import PING
from retaguarda.work.webhooks.tables import DeliveryStatus, WebhookDelivery, WebhookEndpoint

# Webhook event → the TaskEvent kind recording it, where the two names differ ("task.claimed" ↔ "claimed").
EVENT_KINDS = {"task.waiting_on_client": "paused"}


def _iso(moment: datetime | None) -> str | None:
    return None if moment is None else moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


# ---- the delivery log --------------------------------------------------------------------------------------


def _delivery_read(row: dict[str, Any]) -> WebhookDeliveryRead:
    return from_row(
        row, WebhookDeliveryRead, status=DeliveryStatus(row["status"]), payload=row["payload"] or {}
    )


async def list_deliveries(
    ctx: TenantContext,
    endpoint_id: UUID,
    *,
    status: DeliveryStatus | None,
    cursor: str | None,
    limit: int,
) -> tuple[list[WebhookDeliveryRead], str | None]:
    """Newest first, keyset-paginated on (created_at, id) descending."""
    await _endpoint_row(ctx, endpoint_id)
    query = ctx.select(WebhookDelivery).where(WebhookDelivery.endpoint_id == endpoint_id)
    if status is not None:
        query = query.where(WebhookDelivery.status == status.value)
    if cursor:
        created_at, row_id = decode_cursor(cursor)
        query = query.where(
            (WebhookDelivery.created_at < created_at)
            | ((WebhookDelivery.created_at == created_at) & (WebhookDelivery.id < row_id))
        )
    limit = min(limit, MAX_PAGE_SIZE)
    rows = await query.order_by(WebhookDelivery.created_at, WebhookDelivery.id, ascending=False).limit(
        limit + 1
    )
    return page_of(rows, limit, _delivery_read)


async def get_delivery(ctx: TenantContext, endpoint_id: UUID, delivery_id: UUID) -> WebhookDeliveryRead:
    row = (
        await ctx.select(WebhookDelivery)
        .where((WebhookDelivery.id == delivery_id) & (WebhookDelivery.endpoint_id == endpoint_id))
        .first()
    )
    if row is None:
        raise NotFound()
    return _delivery_read(row)


async def _queue_delivery(
    ctx: TenantContext, endpoint: dict[str, Any], message_id: str, event_type: str, payload: dict[str, Any]
) -> UUID:
    """A delivery row and its job, in the caller's transaction."""
    stamp = now()
    delivery = WebhookDelivery(
        id=uuid4(),
        tenant_id=endpoint["tenant_id"],
        endpoint_id=endpoint["id"],
        message_id=message_id,
        event_type=event_type,
        payload=payload,
        status=DeliveryStatus.PENDING.value,
        next_attempt_at=stamp,
        created_at=stamp,
    )
    await ctx.insert(delivery)
    await enqueue("work.deliver_webhook", tenant_id=delivery.tenant_id, delivery_id=str(delivery.id))
    return delivery.id


async def ping(ctx: TenantContext, endpoint_id: UUID) -> WebhookDeliveryRead:
    """A ``webhook.ping`` message, delivered like any other (also to an inactive endpoint: someone asked)."""
    endpoint = await _endpoint_row(ctx, endpoint_id)
    payload = {"type": PING, "timestamp": _iso(now()), "data": {"endpointId": str(endpoint_id)}}
    delivery_id = await _queue_delivery(ctx, endpoint, "msg_" + uuid4().hex, PING, payload)
    return await get_delivery(ctx, endpoint_id, delivery_id)


async def retry_delivery(ctx: TenantContext, endpoint_id: UUID, delivery_id: UUID) -> WebhookDeliveryRead:
    """Send a failed delivery again, with the same message id: one more attempt, no automatic ones after it
    once the attempts are used up."""
    endpoint = await _endpoint_row(ctx, endpoint_id)
    current = await get_delivery(ctx, endpoint_id, delivery_id)
    if current.status is not DeliveryStatus.FAILED:
        raise Conflict("Only a failed delivery can be retried.")
    if not endpoint["active"]:
        raise Conflict("The endpoint is inactive: activate it first.")
    # Conditional, so two retries racing each other enqueue one attempt.
    reopened = (
        await ctx.update(
            WebhookDelivery,
            {WebhookDelivery.status: DeliveryStatus.PENDING.value, WebhookDelivery.next_attempt_at: now()},
        )
        .where((WebhookDelivery.id == delivery_id) & (WebhookDelivery.status == DeliveryStatus.FAILED.value))
        .returning(WebhookDelivery.id)
    )
    if reopened:
        await enqueue("work.deliver_webhook", tenant_id=endpoint["tenant_id"], delivery_id=str(delivery_id))
    return await get_delivery(ctx, endpoint_id, delivery_id)


# ---- fan-out -----------------------------------------------------------------------------------------------


def _task_data(task: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": str(task["id"]),
        "externalRef": task["external_ref"],
        "status": task["status"],
        "taskTypeId": str(task["task_type_id"]),
        "queueId": str(task["queue_id"]),
        "priority": task["priority"],
        "createdAt": _iso(task["created_at"]),
        "completedAt": _iso(task["completed_at"]),
    }


async def _subscribed_endpoints(ctx: TenantContext, tenant_id: UUID, event: str) -> list[dict[str, Any]]:
    rows = await ctx.select(
        WebhookEndpoint, WebhookEndpoint.id, WebhookEndpoint.tenant_id, WebhookEndpoint.events
    ).where(
        (WebhookEndpoint.tenant_id == tenant_id) & (WebhookEndpoint.active == True)  # noqa: E712 - SQL
    )
    endpoints = sorted((r for r in rows if event in (r["events"] or [])), key=lambda r: r["id"])
    if endpoints and is_postgres():
        # Two runs of one job at once would each see "no delivery yet" and each write one: locking the
        # endpoints (in id order, so runs never deadlock) makes the second wait for the first's commit.
        await (
            ctx.select(WebhookEndpoint, WebhookEndpoint.id)
            .where(WebhookEndpoint.id.is_in([r["id"] for r in endpoints]))
            .order_by(WebhookEndpoint.id)
            .lock_rows("UPDATE")
        )
    return endpoints


async def _occurrence(
    ctx: TenantContext, task_id: UUID, event: str, event_id: UUID | None
) -> tuple[str, datetime, dict[str, Any]]:
    """The message id and time of the event being fanned out: those of the task's history row that records
    it, so every run of the job names the same message (and a later occurrence, another one)."""
    kind = EVENT_KINDS.get(event, event.removeprefix("task."))
    query = ctx.select(TaskEvent, TaskEvent.id, TaskEvent.at, TaskEvent.data).where(
        (TaskEvent.task_id == task_id) & (TaskEvent.kind == kind)
    )
    if event_id is not None:
        query = query.where(TaskEvent.id == event_id)
    row = await query.order_by(TaskEvent.at, TaskEvent.id, ascending=False).first()
    if row is not None:
        return "msg_" + row["id"].hex, row["at"], row["data"] or {}
    # An event with no history row: at most one message per task and event type.
    return "msg_" + uuid5(task_id, event).hex, now(), {}


async def fan_out(task_id: UUID, event: str, event_id: UUID | None = None) -> None:
    """One delivery per active endpoint of the task's client subscribed to ``event`` (in the caller's
    transaction, with its job).

    Idempotent: the message id is derived from the task's history row for the event (the latest of its kind,
    or exactly ``event_id`` when the caller knows it), and an endpoint that already has a delivery of that
    message gets none again. A run repeated after a crash, or a late run whose event has since happened again,
    therefore writes nothing twice; the price is that two events of one kind on one task in quick succession,
    both fanned out after the second, make one message (its payload is the task as it is now, either way).
    """
    task = await system_context().select(Task).where(Task.id == task_id).first()
    if task is None:
        return  # gone before the job ran
    tenant_id = task["tenant_id"]
    ctx = system_context(tenant_id)
    endpoints = await _subscribed_endpoints(ctx, tenant_id, event)
    if not endpoints:
        return
    message_id, at, event_data = await _occurrence(ctx, task_id, event, event_id)
    already = {
        r["endpoint_id"]
        for r in await ctx.select(WebhookDelivery, WebhookDelivery.endpoint_id).where(
            (WebhookDelivery.message_id == message_id)
            & WebhookDelivery.endpoint_id.is_in([e["id"] for e in endpoints])
        )
    }
    data = _task_data(task)
    # Each file's id, name, type, size and hash: a receiver fetches the bytes through the files API.
    data["files"] = [
        {
            "id": str(f["id"]),
            "name": f["filename"],
            "contentType": f["content_type"],
            "size": int(f["size_bytes"]),
            "sha256": f["sha256"],
            "purpose": f["purpose"],
        }
        for f in await live_task_files(ctx, task_id)
    ]
    if event.startswith("task.sla_"):
        # Which clock warned or breached, and when it is or was due.
        data["sla"] = {"clock": event_data.get("clock"), "dueAt": event_data.get("dueAt")}
    payload = {"type": event, "timestamp": _iso(at), "data": data}
    for endpoint in endpoints:
        if endpoint["id"] not in already:
            await _queue_delivery(ctx, endpoint, message_id, event, payload)
