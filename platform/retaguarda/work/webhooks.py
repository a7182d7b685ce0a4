"""Outbound webhooks: clients' endpoints, the fan-out of task events, and signed delivery with retries.

Messages follow the Standard Webhooks spec (https://www.standardwebhooks.com). Every attempt POSTs the same
JSON body with ``webhook-id`` (the message id, the same on every attempt so a receiver can drop repeats),
``webhook-timestamp`` (this attempt, Unix seconds) and ``webhook-signature`` (``v1,`` and the base64
HMAC-SHA256 of ``{id}.{timestamp}.{body}`` keyed by the endpoint's secret).

Everything runs from the outbox. ``fan_out`` (the ``work.task_event`` job) writes one delivery row per
subscribed endpoint and enqueues ``work.deliver_webhook`` for it in the same transaction; ``deliver`` claims
the delivery, calls the receiver with no transaction open, and records the outcome, re-enqueueing itself with
a growing delay until ``MAX_ATTEMPTS``. Both are safe to run twice: see :func:`fan_out` and :func:`deliver`.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import ipaddress
import logging
import secrets
import socket
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit
from uuid import UUID, uuid4, uuid5

import httpx
import msgspec

from retaguarda.auth import TenantKind
from retaguarda.db import is_postgres, transaction
from retaguarda.errors import Conflict, FieldError, InvalidInput, NotFound
from retaguarda.jobs import enqueue, job
from retaguarda.settings import get_settings
from retaguarda.tenancy import TenantContext, system_context
from retaguarda.wire import MAX_PAGE_SIZE, after_cursor, decode_cursor, page_of
from retaguarda.work.service.common import now, owning_tenant
from retaguarda.work.tables import Task, TaskEvent, WebhookDelivery, WebhookEndpoint
from retaguarda.work.webhook_schemas import (
    DeliveryStatus,
    WebhookDeliveryRead,
    WebhookEndpointCreate,
    WebhookEndpointRead,
    WebhookEndpointUpdate,
    WebhookEndpointWithSecret,
    WebhookEvent,
)
from tenants.tables import Tenant

log = logging.getLogger("retaguarda.webhooks")

PING = "webhook.ping"
SECRET_PREFIX = "whsec_"  # noqa: S105 - the format's prefix, not a secret
# Plain http only towards the machine itself (local development, tests); anywhere else the body and the
# signature travel over TLS.
LOOPBACK_HOSTS = frozenset({"localhost", "127.0.0.1", "::1"})
MAX_ENDPOINTS = 20
SEND_TIMEOUT_S = 10.0
# How long a claimed attempt belongs to its worker. Longer than any send can take, so only a worker that died
# mid-attempt loses its claim; a job finding a live claim fails and the outbox runs it again later.
IN_FLIGHT_S = 60
MAX_ATTEMPTS = 8
# Wait after the 1st, 2nd, ... failed attempt (the last value repeats). Tests shrink both constants.
RETRY_DELAYS_S: tuple[int, ...] = (5, 30, 120, 600, 1800, 3600, 10800)
ERROR_BODY_BYTES = 500
ERROR_CHARS = 1000
USER_AGENT = "Retaguarda-Webhooks/1"
# Webhook event → the TaskEvent kind recording it, where the two names differ ("task.claimed" ↔ "claimed").
EVENT_KINDS = {"task.waiting_on_client": "paused"}


def _iso(moment: datetime | None) -> str | None:
    return None if moment is None else moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


# ---- signing -----------------------------------------------------------------------------------------------


def new_secret() -> str:
    """``whsec_`` + base64 of 32 random bytes, the Standard Webhooks secret format."""
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(32)).decode()


def sign(secret: str, message_id: str, timestamp: int, body: bytes) -> str:
    """The ``webhook-signature`` value: ``v1,`` + base64 HMAC-SHA256 of ``{id}.{timestamp}.{body}``, keyed by
    the secret's decoded bytes. The timestamp is signed too, so a captured request cannot be replayed later
    under a fresh timestamp."""
    key = base64.b64decode(secret.removeprefix(SECRET_PREFIX))
    mac = hmac.new(key, f"{message_id}.{timestamp}.".encode() + body, hashlib.sha256)
    return "v1," + base64.b64encode(mac.digest()).decode()


def signed_headers(secret: str, message_id: str, body: bytes, timestamp: int | None = None) -> dict[str, str]:
    stamp = int(time.time()) if timestamp is None else timestamp
    return {
        "content-type": "application/json",
        "user-agent": USER_AGENT,
        "webhook-id": message_id,
        "webhook-timestamp": str(stamp),
        "webhook-signature": sign(secret, message_id, stamp, body),
    }


# ---- endpoints ---------------------------------------------------------------------------------------------


def _endpoint_read(row: dict[str, Any]) -> WebhookEndpointRead:
    return WebhookEndpointRead(
        id=row["id"],
        tenant_id=row["tenant_id"],
        url=row["url"],
        description=row["description"],
        events=msgspec.convert(row["events"], list[WebhookEvent]),
        active=row["active"],
        created_at=row["created_at"],
    )


def _with_secret(row: dict[str, Any]) -> WebhookEndpointWithSecret:
    read = _endpoint_read(row)
    return WebhookEndpointWithSecret(
        **{f: getattr(read, f) for f in read.__struct_fields__}, secret=row["secret"]
    )


def _is_private_host(host: str) -> bool:
    """Loopback, private, link-local or reserved IP literals, and localhost names."""
    if host in LOOPBACK_HOSTS or host.endswith(".localhost"):
        return True
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False  # a DNS name: resolved only at send time
    return not address.is_global


def _check_url(url: str) -> list[FieldError]:
    try:
        parts = urlsplit(url)
        host = parts.hostname
        httpx.URL(url)
    except (ValueError, httpx.InvalidURL):
        host = None
    if host is None or parts.scheme not in {"http", "https"}:
        return [FieldError("url", "invalid_url", "Give an absolute http(s) URL.")]
    private = _is_private_host(host)
    if private and not get_settings().work.webhooks_allow_private:
        return [FieldError("url", "private_address", "Use a public address: this one is inside our network.")]
    if parts.scheme == "http" and host not in LOOPBACK_HOSTS:
        return [FieldError("url", "insecure_url", "Use https (plain http only for localhost).")]
    if parts.username or parts.password:
        return [FieldError("url", "credentials_in_url", "Leave credentials out of the URL.")]
    return []


def _events(events: list[WebhookEvent]) -> list[str]:
    return sorted({e.value for e in events})


async def _endpoint_row(ctx: TenantContext, endpoint_id: UUID) -> dict[str, Any]:
    row: dict[str, Any] | None = (
        await ctx.select(WebhookEndpoint).where(WebhookEndpoint.id == endpoint_id).first()
    )
    if row is None:
        raise NotFound()
    return row


async def list_endpoints(
    ctx: TenantContext, *, tenant_id: UUID | None, cursor: str | None, limit: int
) -> tuple[list[WebhookEndpointRead], str | None]:
    query = ctx.select(WebhookEndpoint)
    if tenant_id is not None:
        query = query.where(WebhookEndpoint.tenant_id == tenant_id)
    limit = min(limit, MAX_PAGE_SIZE)
    return page_of(await after_cursor(query, WebhookEndpoint, cursor, limit), limit, _endpoint_read)


async def get_endpoint(ctx: TenantContext, endpoint_id: UUID) -> WebhookEndpointRead:
    return _endpoint_read(await _endpoint_row(ctx, endpoint_id))


async def create_endpoint(ctx: TenantContext, data: WebhookEndpointCreate) -> WebhookEndpointWithSecret:
    tenant_id = owning_tenant(ctx, data.tenant_id)
    errors = _check_url(data.url)
    if not await ctx.exists(Tenant).where(
        (Tenant.id == tenant_id) & (Tenant.kind == TenantKind.CLIENT.value)
    ):
        errors.append(FieldError("tenantId", "not_found", "No client tenant with this id."))
    if errors:
        raise InvalidInput(errors=errors)
    if await ctx.count(WebhookEndpoint).where(WebhookEndpoint.tenant_id == tenant_id) >= MAX_ENDPOINTS:
        raise Conflict(f"A client has at most {MAX_ENDPOINTS} webhook endpoints.")
    endpoint = WebhookEndpoint(
        id=uuid4(),
        tenant_id=tenant_id,
        url=data.url,
        description=data.description,
        # Stored as is, not hashed: every delivery is signed with it. Shown only in this answer.
        secret=new_secret(),
        events=_events(data.events),
        active=data.active,
        created_at=now(),
    )
    await ctx.insert(endpoint)
    return _with_secret(await _endpoint_row(ctx, endpoint.id))


async def update_endpoint(
    ctx: TenantContext, endpoint_id: UUID, data: WebhookEndpointUpdate
) -> WebhookEndpointRead:
    await _endpoint_row(ctx, endpoint_id)
    changes: dict[Any, Any] = {}
    if not isinstance(data.url, msgspec.UnsetType):
        if errors := _check_url(data.url):
            raise InvalidInput(errors=errors)
        changes[WebhookEndpoint.url] = data.url
    if not isinstance(data.events, msgspec.UnsetType):
        changes[WebhookEndpoint.events] = _events(data.events)
    if not isinstance(data.description, msgspec.UnsetType):
        changes[WebhookEndpoint.description] = data.description
    if not isinstance(data.active, msgspec.UnsetType):
        changes[WebhookEndpoint.active] = data.active
    if changes:
        await ctx.update(WebhookEndpoint, changes).where(WebhookEndpoint.id == endpoint_id)
    return await get_endpoint(ctx, endpoint_id)


async def delete_endpoint(ctx: TenantContext, endpoint_id: UUID) -> None:
    await _endpoint_row(ctx, endpoint_id)
    # Its delivery log goes with it; a delivery job still queued then finds nothing to send.
    await ctx.delete(WebhookDelivery).where(WebhookDelivery.endpoint_id == endpoint_id)
    await ctx.delete(WebhookEndpoint).where(WebhookEndpoint.id == endpoint_id)


async def rotate_secret(ctx: TenantContext, endpoint_id: UUID) -> WebhookEndpointWithSecret:
    """A new secret at once: the next attempt of every delivery, pending ones included, is signed with it."""
    await _endpoint_row(ctx, endpoint_id)
    await ctx.update(WebhookEndpoint, {WebhookEndpoint.secret: new_secret()}).where(
        WebhookEndpoint.id == endpoint_id
    )
    return _with_secret(await _endpoint_row(ctx, endpoint_id))


# ---- the delivery log --------------------------------------------------------------------------------------


def _delivery_read(row: dict[str, Any]) -> WebhookDeliveryRead:
    return WebhookDeliveryRead(
        id=row["id"],
        endpoint_id=row["endpoint_id"],
        message_id=row["message_id"],
        event_type=row["event_type"],
        status=DeliveryStatus(row["status"]),
        attempts=row["attempts"],
        last_status_code=row["last_status_code"],
        last_error=row["last_error"],
        next_attempt_at=row["next_attempt_at"],
        created_at=row["created_at"],
        delivered_at=row["delivered_at"],
        payload=row["payload"] or {},
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
    if event.startswith("task.sla_"):
        # Which clock warned or breached, and when it is or was due.
        data["sla"] = {"clock": event_data.get("clock"), "dueAt": event_data.get("dueAt")}
    payload = {"type": event, "timestamp": _iso(at), "data": data}
    for endpoint in endpoints:
        if endpoint["id"] not in already:
            await _queue_delivery(ctx, endpoint, message_id, event, payload)


# ---- delivery ----------------------------------------------------------------------------------------------


class DeliveryInFlight(Exception):
    """Another worker holds this delivery's attempt. The job fails, and the outbox runs it again later: by
    then the attempt is over, or its worker died and the claim has run out."""


@dataclass(frozen=True, slots=True)
class _Attempt:
    delivery_id: UUID
    tenant_id: UUID
    url: str
    secret: str
    message_id: str
    body: bytes
    attempts_before: int


@dataclass(frozen=True, slots=True)
class _Outcome:
    ok: bool
    status_code: int | None
    error: str


FINAL = (DeliveryStatus.SUCCEEDED.value, DeliveryStatus.FAILED.value)


async def _claim_attempt(delivery_id: UUID) -> _Attempt | None:
    """Mark the delivery ``sending`` for ``IN_FLIGHT_S`` and hand back what the attempt needs; None when there
    is nothing to send now."""
    async with transaction():
        ctx = system_context()
        row = (
            await ctx.select(
                WebhookDelivery,
                *WebhookDelivery.all_columns(),
                WebhookDelivery.endpoint_id.url,
                WebhookDelivery.endpoint_id.secret,
                WebhookDelivery.endpoint_id.active,
            )
            .where(WebhookDelivery.id == delivery_id)
            .first()
        )
        if row is None or row["status"] in FINAL:
            return None  # endpoint deleted, or already done by an earlier run
        stamp = now()
        if row["next_attempt_at"] is not None and row["next_attempt_at"] > stamp:
            if row["status"] == DeliveryStatus.SENDING.value:
                raise DeliveryInFlight(f"delivery {delivery_id} is being sent")
            return None  # its next attempt has a job of its own
        scoped = system_context(row["tenant_id"])
        if not row["endpoint_id.active"] and row["event_type"] != PING:
            await scoped.update(
                WebhookDelivery,
                {
                    WebhookDelivery.status: DeliveryStatus.FAILED.value,
                    WebhookDelivery.last_error: "The endpoint is inactive.",
                    WebhookDelivery.next_attempt_at: None,
                },
            ).where(WebhookDelivery.id == delivery_id)
            return None
        due = WebhookDelivery.next_attempt_at.is_null() | (WebhookDelivery.next_attempt_at <= stamp)
        claimed = (
            await scoped.update(
                WebhookDelivery,
                {
                    WebhookDelivery.status: DeliveryStatus.SENDING.value,
                    WebhookDelivery.next_attempt_at: stamp + timedelta(seconds=IN_FLIGHT_S),
                },
            )
            .where(
                (WebhookDelivery.id == delivery_id)
                & WebhookDelivery.status.is_in([DeliveryStatus.PENDING.value, DeliveryStatus.SENDING.value])
                & due
            )
            .returning(WebhookDelivery.id)
        )
        if not claimed:
            return None  # another run claimed it between our read and our update
    return _Attempt(
        delivery_id=delivery_id,
        tenant_id=row["tenant_id"],
        url=row["endpoint_id.url"],
        secret=row["endpoint_id.secret"],
        message_id=row["message_id"],
        body=msgspec.json.encode(row["payload"]),
        attempts_before=row["attempts"],
    )


async def _error_excerpt(response: httpx.Response) -> str:
    """The start of a failed answer's body (a receiver's explanation), never the whole of it."""
    read = b""
    async for chunk in response.aiter_bytes():
        read += chunk
        if len(read) >= ERROR_BODY_BYTES:
            break
    return read[:ERROR_BODY_BYTES].decode(errors="replace").strip()


async def resolved_addresses(host: str, port: int) -> set[str]:
    """The addresses a host name resolves to now (a seam for tests)."""
    infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return {str(info[4][0]) for info in infos}


async def _resolves_inside(url: str) -> bool:
    """Whether a URL's host name resolves to a non-public address now. Creation checks only literals (a name
    may point anywhere later), so each attempt looks again: a client cannot aim the sender at the provider's
    own network by changing its DNS after registering. (A rebinding between this lookup and the connection
    remains possible; closing that needs connecting to the checked address itself.)"""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if _is_private_host(host):
        return True
    try:
        ipaddress.ip_address(host)
        return False  # a public literal, checked at creation
    except ValueError:
        pass
    try:
        addresses = await resolved_addresses(host, parts.port or (443 if parts.scheme == "https" else 80))
    except OSError:
        return False  # unresolvable: the attempt itself fails and is retried
    return any(not ipaddress.ip_address(address.split("%")[0]).is_global for address in addresses)


async def _send(attempt: _Attempt) -> _Outcome:
    if not get_settings().work.webhooks_allow_private and await _resolves_inside(attempt.url):
        return _Outcome(False, None, "refused: the host resolves to an address inside our network")
    headers = signed_headers(attempt.secret, attempt.message_id, attempt.body)
    try:
        async with (
            httpx.AsyncClient(timeout=SEND_TIMEOUT_S, follow_redirects=False) as client,
            client.stream("POST", attempt.url, content=attempt.body, headers=headers) as response,
        ):
            if response.is_success:
                return _Outcome(True, response.status_code, "")
            excerpt = await _error_excerpt(response)
    except (httpx.HTTPError, httpx.InvalidURL) as exc:
        return _Outcome(False, None, f"{type(exc).__name__}: {exc}"[:ERROR_CHARS])
    return _Outcome(
        False, response.status_code, f"HTTP {response.status_code} {excerpt}".strip()[:ERROR_CHARS]
    )


def retry_delay_s(attempts: int) -> int:
    """The wait after the ``attempts``-th failed attempt."""
    return RETRY_DELAYS_S[min(attempts, len(RETRY_DELAYS_S)) - 1]


async def _record(attempt: _Attempt, outcome: _Outcome) -> None:
    attempts = attempt.attempts_before + 1
    stamp = now()
    values: dict[Any, Any] = {
        WebhookDelivery.attempts: attempts,
        WebhookDelivery.last_status_code: outcome.status_code,
        WebhookDelivery.last_error: outcome.error,
        WebhookDelivery.next_attempt_at: None,
    }
    delay: int | None = None
    if outcome.ok:
        values |= {
            WebhookDelivery.status: DeliveryStatus.SUCCEEDED.value,
            WebhookDelivery.delivered_at: stamp,
        }
    elif attempts < MAX_ATTEMPTS:
        delay = retry_delay_s(attempts)
        values |= {
            WebhookDelivery.status: DeliveryStatus.PENDING.value,
            WebhookDelivery.next_attempt_at: stamp + timedelta(seconds=delay),
        }
    else:
        values[WebhookDelivery.status] = DeliveryStatus.FAILED.value
    async with transaction():
        ctx = system_context(attempt.tenant_id)
        # Only while still `sending`: a delivery deleted or finished meanwhile is left as it is.
        written = (
            await ctx.update(WebhookDelivery, values)
            .where(
                (WebhookDelivery.id == attempt.delivery_id)
                & (WebhookDelivery.status == DeliveryStatus.SENDING.value)
            )
            .returning(WebhookDelivery.id)
        )
        if written and delay is not None:
            await enqueue(
                "work.deliver_webhook",
                tenant_id=attempt.tenant_id,
                delay_s=delay,
                delivery_id=str(attempt.delivery_id),
            )


async def deliver(delivery_id: UUID) -> None:
    """One attempt of one delivery.

    The claim (a short transaction) marks the delivery ``sending``; the HTTP call runs with no transaction
    open; the outcome is written in a new transaction. A delivery already succeeded or failed is not sent
    again; a run finding another run's live claim fails, so the outbox runs it later. A worker dying between
    the call and the write leaves the claim to run out, and the outbox's redelivery sends again with the same
    webhook-id: receivers get each message at least once, and can drop repeats by that id.
    """
    attempt = await _claim_attempt(delivery_id)
    if attempt is None:
        return
    outcome = await _send(attempt)
    if not outcome.ok:
        log.info("webhook delivery %s failed: %s", delivery_id, outcome.error)
    await _record(attempt, outcome)


@job("work.deliver_webhook")
async def deliver_webhook(delivery_id: str) -> None:
    await deliver(UUID(delivery_id))
