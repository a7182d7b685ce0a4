"""Turn a request's credentials into a Principal: ``Authorization: Bearer <api key>`` or the session cookie.

This module bootstraps tenant scoping, so it is the one place that reads memberships and assignments without a
TenantContext (there is no principal yet to scope by).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

from litestar.connection import ASGIConnection

from retaguarda.auth import (
    CLIENT_ROLES,
    ROLE_SCOPES,
    Principal,
    Role,
    Scope,
    TenantKind,
    hash_token,
)
from retaguarda.auth.tokens import csrf_token_for
from retaguarda.errors import NotAuthenticated
from retaguarda.i18n import negotiate_locale
from retaguarda.kernel.tables import WebSession
from retaguarda.settings import get_settings
from tenants.tables import AccountAssignment, ApiKey, Membership

SESSION_COOKIE = "rg_session"
# Sliding sessions are extended at most this often, so a busy page does not write on every request.
TOUCH_EVERY = timedelta(minutes=5)
API_KEY_TOUCH_EVERY = timedelta(minutes=1)


async def reachable_tenants(role: Role, tenant_id: UUID, user_id: UUID | None) -> frozenset[UUID] | None:
    """A client reaches its own tenant; an account manager the provider and the clients assigned to it; the
    rest of the provider's staff every tenant (None)."""
    if role in CLIENT_ROLES:
        return frozenset({tenant_id})
    if role is Role.ACCOUNT_MANAGER:
        rows = await AccountAssignment.select(AccountAssignment.tenant_id).where(  # scope: builds the scope
            AccountAssignment.manager_id == user_id
        )
        return frozenset({tenant_id, *(row["tenant_id"] for row in rows)})
    return None


async def principal_from_api_key(token: str) -> Principal:
    now = datetime.now(UTC)
    row = await (
        ApiKey.select(  # scope: the key names its tenant
            ApiKey.id,
            ApiKey.tenant_id,
            ApiKey.scopes,
            ApiKey.last_used_at,
            ApiKey.expires_at,
            ApiKey.revoked_at,
            ApiKey.tenant_id.kind,
            ApiKey.tenant_id.status,
            ApiKey.tenant_id.locale,
            ApiKey.tenant_id.timezone,
        )
        .where(ApiKey.key_hash == hash_token(token))
        .output(load_json=True)
        .first()
    )
    if (
        row is None
        or row["revoked_at"] is not None
        or (row["expires_at"] is not None and row["expires_at"] <= now)
        or row["tenant_id.status"] != "active"
    ):
        raise NotAuthenticated("The API key is not valid.")
    if row["last_used_at"] is None or now - row["last_used_at"] > API_KEY_TOUCH_EVERY:
        await ApiKey.update({ApiKey.last_used_at: now}).where(ApiKey.id == row["id"])  # scope: this key
    kind = TenantKind(row["tenant_id.kind"])
    # A key acts as its tenant's administrator, narrowed to the scopes chosen when it was created.
    role = Role.ADMIN if kind is TenantKind.PROVIDER else Role.CLIENT_ADMIN
    return Principal(
        tenant_id=row["tenant_id"],
        tenant_kind=kind,
        role=role,
        via="api_key",
        scopes=frozenset(Scope(s) for s in row["scopes"]) & ROLE_SCOPES[role],
        reachable_tenant_ids=await reachable_tenants(role, row["tenant_id"], None),
        locale=row["tenant_id.locale"],
        timezone=row["tenant_id.timezone"],
        api_key_id=row["id"],
        display_name="API key",
    )


async def principal_from_session(token: str) -> Principal | None:
    now = datetime.now(UTC)
    session = (
        await WebSession.select()
        .where((WebSession.token_hash == hash_token(token)) & (WebSession.expires_at > now))
        .first()
    )
    if session is None:
        return None
    member = await (
        Membership.select(  # scope: the session names its tenant
            Membership.role,
            Membership.tenant_id.kind,
            Membership.tenant_id.status,
            Membership.tenant_id.locale,
            Membership.tenant_id.timezone,
            Membership.user_id.email,
            Membership.user_id.display_name,
            Membership.user_id.is_active,
            Membership.user_id.locale,
            Membership.user_id.timezone,
        )
        .where((Membership.user_id == session["user_id"]) & (Membership.tenant_id == session["tenant_id"]))
        .first()
    )
    if member is None or not member["user_id.is_active"] or member["tenant_id.status"] != "active":
        return None
    if now - session["last_seen_at"] > TOUCH_EVERY:
        ttl = timedelta(seconds=get_settings().security.session_ttl_s)
        await WebSession.update({WebSession.last_seen_at: now, WebSession.expires_at: now + ttl}).where(
            WebSession.id == session["id"]
        )
    role = Role(member["role"])
    return Principal(
        tenant_id=session["tenant_id"],
        tenant_kind=TenantKind(member["tenant_id.kind"]),
        role=role,
        via="session",
        scopes=ROLE_SCOPES[role],
        reachable_tenant_ids=await reachable_tenants(role, session["tenant_id"], session["user_id"]),
        locale=negotiate_locale(member["user_id.locale"], member["tenant_id.locale"]),
        timezone=member["user_id.timezone"] or member["tenant_id.timezone"],
        user_id=session["user_id"],
        email=member["user_id.email"],
        display_name=member["user_id.display_name"],
        session_id=session["id"],
        csrf_token=csrf_token_for(get_settings().security.secret_key, token),
    )


async def resolve_principal(connection: ASGIConnection[Any, Any, Any, Any]) -> Principal | None:
    """The request's caller, or None for an anonymous request. A bad bearer token is an error (401), not an
    anonymous request: an integration must learn at once that its key stopped working."""
    authorization = connection.headers.get("authorization")
    if authorization:
        scheme, _, token = authorization.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise NotAuthenticated("Use 'Authorization: Bearer <API key>'.")
        return await principal_from_api_key(token.strip())
    session_token = connection.cookies.get(SESSION_COOKIE)
    return await principal_from_session(session_token) if session_token else None
