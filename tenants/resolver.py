"""Turn a request's credentials into a Principal: ``Authorization: Bearer <api key>`` or the session cookie.

This module bootstraps tenant scoping, so it is the one place that reads memberships and assignments without a
TenantContext (there is no principal yet to scope by), and, on PostgreSQL, through functions that see past the
row-level security walls for that look-up only.
"""

from __future__ import annotations

import json
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
from retaguarda.db import is_postgres, pg_fetch, scope_in_statement
from retaguarda.errors import NotAuthenticated
from retaguarda.i18n import negotiate_locale
from retaguarda.kernel.tables import WebSession
from retaguarda.settings import get_settings
from retaguarda.tenancy import acting_for_system
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
        if is_postgres():
            with scope_in_statement():
                rows = await pg_fetch(ASSIGNED_TENANTS_SQL_PG, user_id)  # scope: builds the scope
        else:
            rows = await AccountAssignment.select(
                AccountAssignment.tenant_id
            ).where(  # scope: builds the scope
                AccountAssignment.manager_id == user_id
            )
        return frozenset({tenant_id, *(row["tenant_id"] for row in rows)})
    return None


# Principal resolution runs on every request, so its two lookups are written as SQL: Piccolo's query builder
# costs more CPU to compose a joined select than the database needs to answer it.
API_KEY_SQL = """
SELECT k.id, k.tenant_id, k.scopes, k.last_used_at, k.expires_at, k.revoked_at,
       t.kind AS "tenant_id.kind", t.status AS "tenant_id.status", t.locale AS "tenant_id.locale",
       t.timezone AS "tenant_id.timezone"
FROM api_key k JOIN tenant t ON t.id = k.tenant_id
WHERE k.key_hash = {}
"""
SESSION_SQL = """
SELECT s.id, s.user_id, s.tenant_id, s.last_seen_at, m.role,
       t.kind AS "tenant_id.kind", t.status AS "tenant_id.status", t.locale AS "tenant_id.locale",
       t.timezone AS "tenant_id.timezone", u.email AS "user_id.email",
       u.display_name AS "user_id.display_name", u.is_active AS "user_id.is_active",
       u.locale AS "user_id.locale", u.timezone AS "user_id.timezone"
FROM kernel_session s
JOIN membership m ON m.user_id = s.user_id AND m.tenant_id = s.tenant_id
JOIN tenant t ON t.id = m.tenant_id
JOIN app_user u ON u.id = m.user_id
WHERE s.token_hash = {} AND s.expires_at > {}
"""


# On Postgres the lookups go to asyncpg directly (retaguarda.db.pg_fetch): Piccolo's query-string processing
# would cost a good part of the lookup itself, on every request. Before the caller is known no tenant is
# published for row-level security, so the tenant-walled rows come through the auth_* functions, which see
# every tenant for their own statement only (tenants migration 2026-12-03T16:30); tenant and app_user are not
# walled.
API_KEY_SQL_PG = """
SELECT k.id, k.tenant_id, k.scopes, k.last_used_at, k.expires_at, k.revoked_at,
       t.kind AS "tenant_id.kind", t.status AS "tenant_id.status", t.locale AS "tenant_id.locale",
       t.timezone AS "tenant_id.timezone"
FROM auth_api_key($1) k JOIN tenant t ON t.id = k.tenant_id
"""
SESSION_SQL_PG = """
SELECT s.id, s.user_id, s.tenant_id, s.last_seen_at, m.role,
       t.kind AS "tenant_id.kind", t.status AS "tenant_id.status", t.locale AS "tenant_id.locale",
       t.timezone AS "tenant_id.timezone", u.email AS "user_id.email",
       u.display_name AS "user_id.display_name", u.is_active AS "user_id.is_active",
       u.locale AS "user_id.locale", u.timezone AS "user_id.timezone"
FROM auth_session($1, $2) s
JOIN auth_membership(s.user_id, s.tenant_id) m ON true
JOIN tenant t ON t.id = s.tenant_id
JOIN app_user u ON u.id = s.user_id
"""
ASSIGNED_TENANTS_SQL_PG = "SELECT tenant_id FROM auth_assigned_tenants($1) AS a(tenant_id)"


def _first(rows: list[Any]) -> Any:
    return rows[0] if rows else None


async def principal_from_api_key(token: str) -> Principal:
    now = datetime.now(UTC)
    if is_postgres():
        with scope_in_statement():
            row = _first(await pg_fetch(API_KEY_SQL_PG, hash_token(token)))  # scope: the key names its tenant
    else:
        row = _first(await ApiKey.raw(API_KEY_SQL, hash_token(token)))  # scope: the key names its tenant
    if (
        row is None
        or row["revoked_at"] is not None
        or (row["expires_at"] is not None and row["expires_at"] <= now)
        or row["tenant_id.status"] != "active"
    ):
        raise NotAuthenticated("The API key is not valid.")
    if row["last_used_at"] is None or now - row["last_used_at"] > API_KEY_TOUCH_EVERY:
        async with acting_for_system():
            await ApiKey.update({ApiKey.last_used_at: now}).where(ApiKey.id == row["id"])  # scope: this key
    kind = TenantKind(row["tenant_id.kind"])
    # A key acts as its tenant's administrator, narrowed to the scopes chosen when it was created.
    role = Role.ADMIN if kind is TenantKind.PROVIDER else Role.CLIENT_ADMIN
    scopes = json.loads(row["scopes"]) if isinstance(row["scopes"], str) else row["scopes"]
    return Principal(
        tenant_id=row["tenant_id"],
        tenant_kind=kind,
        role=role,
        via="api_key",
        scopes=frozenset(Scope(s) for s in scopes) & ROLE_SCOPES[role],
        reachable_tenant_ids=await reachable_tenants(role, row["tenant_id"], None),
        locale=row["tenant_id.locale"],
        timezone=row["tenant_id.timezone"],
        api_key_id=row["id"],
        display_name="API key",
    )


async def principal_from_session(token: str) -> Principal | None:
    now = datetime.now(UTC)
    if is_postgres():
        with scope_in_statement():
            session = _first(await pg_fetch(SESSION_SQL_PG, hash_token(token), now))  # scope: the session's
    else:
        session = _first(await Membership.raw(SESSION_SQL, hash_token(token), now))  # scope: the session's
    if session is None or not session["user_id.is_active"] or session["tenant_id.status"] != "active":
        return None
    if now - session["last_seen_at"] > TOUCH_EVERY:
        ttl = timedelta(seconds=get_settings().security.session_ttl_s)
        async with acting_for_system():
            await WebSession.update({WebSession.last_seen_at: now, WebSession.expires_at: now + ttl}).where(
                WebSession.id == session["id"]
            )
    role = Role(session["role"])
    return Principal(
        tenant_id=session["tenant_id"],
        tenant_kind=TenantKind(session["tenant_id.kind"]),
        role=role,
        via="session",
        scopes=ROLE_SCOPES[role],
        reachable_tenant_ids=await reachable_tenants(role, session["tenant_id"], session["user_id"]),
        locale=negotiate_locale(session["user_id.locale"], session["tenant_id.locale"]),
        timezone=session["user_id.timezone"] or session["tenant_id.timezone"],
        user_id=session["user_id"],
        email=session["user_id.email"],
        display_name=session["user_id.display_name"],
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
