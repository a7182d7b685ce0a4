"""One attempt of one delivery: claiming it, the signed POST (refused when the host resolves inside our
network), recording the outcome, and the next attempt after a growing delay; ``deliver`` and its job."""

from __future__ import annotations

import asyncio
import ipaddress
import logging
import socket
from dataclasses import dataclass
from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit
from uuid import UUID

import httpx
import msgspec

from retaguarda.clock import now
from retaguarda.db import transaction
from retaguarda.jobs import enqueue
from retaguarda.settings import get_settings
from retaguarda.tenancy import system_context
from retaguarda.work.webhooks.service.endpoints import host_is_inside
from retaguarda.work.webhooks.service.signing import open_secret, signed_headers
from retaguarda.work.webhooks.tables import DeliveryStatus, WebhookDelivery

log = logging.getLogger("retaguarda.webhooks")

PING = "webhook.ping"
SEND_TIMEOUT_S = 10.0
# How long a claimed attempt belongs to its worker. Longer than any send can take, so only a worker that died
# mid-attempt loses its claim; a job finding a live claim fails and the outbox runs it again later.
IN_FLIGHT_S = 60
MAX_ATTEMPTS = 8
# Wait after the 1st, 2nd, ... failed attempt (the last value repeats). Tests shrink both constants.
RETRY_DELAYS_S: tuple[int, ...] = (5, 30, 120, 600, 1800, 3600, 10800)
ERROR_BODY_BYTES = 500
ERROR_CHARS = 1000


class DeliveryInFlight(Exception):
    """Another worker holds this delivery's attempt. The job fails, and the outbox runs it again later: by
    then the attempt is over, or its worker died and the claim has run out."""


@dataclass(frozen=True, slots=True)
class _Attempt:
    delivery_id: UUID
    tenant_id: UUID
    url: str
    secret: str  # sealed (signing.seal_secret): opened only to sign
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
    literal = host_is_inside(host)
    if literal is not None:
        return literal
    try:
        addresses = await resolved_addresses(host, parts.port or (443 if parts.scheme == "https" else 80))
    except OSError:
        return False  # unresolvable: the attempt itself fails and is retried
    return any(not ipaddress.ip_address(address.split("%")[0]).is_global for address in addresses)


async def _send(attempt: _Attempt) -> _Outcome:
    if not get_settings().work.webhooks_allow_private and await _resolves_inside(attempt.url):
        return _Outcome(False, None, "refused: the host resolves to an address inside our network")
    headers = signed_headers(open_secret(attempt.secret), attempt.message_id, attempt.body)
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
