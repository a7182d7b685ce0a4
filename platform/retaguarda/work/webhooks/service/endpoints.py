"""Clients' webhook endpoints: list, read, create, update, delete, rotate the secret; and the checks on
their URLs."""

from __future__ import annotations

import ipaddress
import re
import socket
from typing import Any
from urllib.parse import urlsplit
from uuid import UUID, uuid4

import httpx
import msgspec

from retaguarda import audit
from retaguarda.audit import AuditAction, Target
from retaguarda.auth import TenantKind
from retaguarda.clock import now
from retaguarda.errors import Conflict, FieldError, InvalidInput, NotFound
from retaguarda.listing import keyset_page
from retaguarda.settings import get_settings
from retaguarda.tenancy import TenantContext, owning_client, system_context
from retaguarda.wire import from_row
from retaguarda.work.webhooks.schemas import (
    WebhookEndpointCreate,
    WebhookEndpointRead,
    WebhookEndpointUpdate,
    WebhookEndpointWithSecret,
    WebhookEvent,
)
from retaguarda.work.webhooks.service.signing import new_secret, reseal_secret, seal_secret
from retaguarda.work.webhooks.tables import WebhookDelivery, WebhookEndpoint
from tenants.tables import Tenant

# Plain http only towards the machine itself (local development, tests); anywhere else the body and the
# signature travel over TLS.
LOOPBACK_HOSTS = frozenset({"localhost", "127.0.0.1", "::1"})
MAX_ENDPOINTS = 20


def _endpoint_read(row: dict[str, Any]) -> WebhookEndpointRead:
    return from_row(row, WebhookEndpointRead, events=msgspec.convert(row["events"], list[WebhookEvent]))


def _with_secret(row: dict[str, Any], secret: str) -> WebhookEndpointWithSecret:
    """The endpoint with its new secret in clear: this answer is the only place it is ever shown."""
    read = _endpoint_read(row)
    return WebhookEndpointWithSecret(**{f: getattr(read, f) for f in read.__struct_fields__}, secret=secret)


# What getaddrinfo reads as an IPv4 address besides the dotted quad: one to four parts, each decimal, octal
# (leading 0) or hex (0x): 2130706433, 0x7f000001, 0177.0.0.1, 127.1 are all 127.0.0.1.
_IPV4_LEGACY = re.compile(r"(0x[0-9a-f]+|[0-9]+)(\.(0x[0-9a-f]+|[0-9]+)){0,3}")


def canonical_host(host: str) -> str:
    """The host as the resolver reads it: lower case, without the root's trailing dot (``localhost.``)."""
    return host.lower().rstrip(".")


def host_is_inside(host: str) -> bool | None:
    """The one rule for where webhooks may not go, used at creation and again before every attempt: True
    for an address inside our network (loopback, private, link-local, reserved, in any of the forms the
    resolver reads: ``127.1``, ``2130706433``, ``0x7f000001``), localhost names, and single-label names
    (resolved through the server's search domains, they name the provider's own hosts); False for a public
    address; None for a DNS name, which only resolving it can tell (at send time)."""
    host = canonical_host(host)
    if host in LOOPBACK_HOSTS or host.endswith(".localhost"):
        return True
    try:
        address: ipaddress.IPv4Address | ipaddress.IPv6Address = ipaddress.ip_address(host)
    except ValueError:
        if not _IPV4_LEGACY.fullmatch(host):
            return True if "." not in host else None
        try:
            address = ipaddress.IPv4Address(socket.inet_aton(host))
        except OSError:  # digits no resolver reads as an address (a part out of range)
            return True
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
    if host_is_inside(host) and not get_settings().work.webhooks_allow_private:
        return [FieldError("url", "private_address", "Use a public address: this one is inside our network.")]
    if parts.scheme == "http" and canonical_host(host) not in LOOPBACK_HOSTS:
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
    return await keyset_page(query, WebhookEndpoint, cursor, limit, _endpoint_read)


async def get_endpoint(ctx: TenantContext, endpoint_id: UUID) -> WebhookEndpointRead:
    return _endpoint_read(await _endpoint_row(ctx, endpoint_id))


async def create_endpoint(ctx: TenantContext, data: WebhookEndpointCreate) -> WebhookEndpointWithSecret:
    tenant_id = owning_client(ctx, data.tenant_id)
    errors = _check_url(data.url)
    if not await ctx.exists(Tenant).where(
        (Tenant.id == tenant_id) & (Tenant.kind == TenantKind.CLIENT.value)
    ):
        errors.append(FieldError("tenantId", "not_found", "No client tenant with this id."))
    if errors:
        raise InvalidInput(errors=errors)
    if await ctx.count(WebhookEndpoint).where(WebhookEndpoint.tenant_id == tenant_id) >= MAX_ENDPOINTS:
        raise Conflict(f"A client has at most {MAX_ENDPOINTS} webhook endpoints.")
    secret = new_secret()
    endpoint = WebhookEndpoint(
        id=uuid4(),
        tenant_id=tenant_id,
        url=data.url,
        description=data.description,
        # Encrypted, not hashed: every delivery is signed with it (signing.py). Shown only in this answer.
        secret=seal_secret(secret),
        events=_events(data.events),
        active=data.active,
        created_at=now(),
    )
    await ctx.insert(endpoint)
    await audit.record(
        ctx,
        AuditAction.WEBHOOK_CREATED,
        tenant_id=tenant_id,
        target=Target("webhook_endpoint", endpoint.id, data.url),
        details={"events": endpoint.events, "active": data.active},
    )
    return _with_secret(await _endpoint_row(ctx, endpoint.id), secret)


async def update_endpoint(
    ctx: TenantContext, endpoint_id: UUID, data: WebhookEndpointUpdate
) -> WebhookEndpointRead:
    before = await _endpoint_row(ctx, endpoint_id)
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
        await audit.record(
            ctx,
            AuditAction.WEBHOOK_CHANGED,
            tenant_id=before["tenant_id"],
            target=Target("webhook_endpoint", endpoint_id, before["url"]),
            details={
                column._meta.name: {"from": before[column._meta.name], "to": value}
                for column, value in changes.items()
            },
        )
    return await get_endpoint(ctx, endpoint_id)


async def delete_endpoint(ctx: TenantContext, endpoint_id: UUID) -> None:
    before = await _endpoint_row(ctx, endpoint_id)
    # Its delivery log goes with it; a delivery job still queued then finds nothing to send.
    await ctx.delete(WebhookDelivery).where(WebhookDelivery.endpoint_id == endpoint_id)
    await ctx.delete(WebhookEndpoint).where(WebhookEndpoint.id == endpoint_id)
    await audit.record(
        ctx,
        AuditAction.WEBHOOK_DELETED,
        tenant_id=before["tenant_id"],
        target=Target("webhook_endpoint", endpoint_id, before["url"]),
    )


async def rotate_secret(ctx: TenantContext, endpoint_id: UUID) -> WebhookEndpointWithSecret:
    """A new secret at once: the next attempt of every delivery, pending ones included, is signed with it."""
    before = await _endpoint_row(ctx, endpoint_id)
    secret = new_secret()
    await ctx.update(WebhookEndpoint, {WebhookEndpoint.secret: seal_secret(secret)}).where(
        WebhookEndpoint.id == endpoint_id
    )
    await audit.record(
        ctx,
        AuditAction.WEBHOOK_SECRET_ROTATED,
        tenant_id=before["tenant_id"],
        target=Target("webhook_endpoint", endpoint_id, before["url"]),
    )
    return _with_secret(await _endpoint_row(ctx, endpoint_id), secret)


async def reseal_secrets() -> int:
    """Seal every endpoint's secret again under the current key (after a key rotation, or secrets stored in
    clear before sealing came); returns how many. System work: the command line runs it."""
    ctx = system_context()
    rows = await ctx.select(WebhookEndpoint, WebhookEndpoint.id, WebhookEndpoint.secret)
    for row in rows:
        await ctx.update(WebhookEndpoint, {WebhookEndpoint.secret: reseal_secret(row["secret"])}).where(
            (WebhookEndpoint.id == row["id"]) & (WebhookEndpoint.secret == row["secret"])
        )
    return len(rows)
