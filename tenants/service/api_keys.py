"""API keys: created with a chosen subset of the creator's scopes, shown once, stored hashed, revocable."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from uuid import UUID, uuid4

from retaguarda import audit
from retaguarda.audit import AuditAction, Target
from retaguarda.auth import Scope, hash_token, new_api_key, token_prefix
from retaguarda.errors import Conflict, FieldError, InvalidInput
from retaguarda.listing import keyset_page
from retaguarda.tenancy import TenantContext
from retaguarda.wire import from_row
from tenants.schemas import ApiKeyCreate, ApiKeyCreated, ApiKeyRead
from tenants.service.directory import get_tenant
from tenants.tables import ApiKey


def _read(row: dict[str, Any]) -> ApiKeyRead:
    return from_row(row, ApiKeyRead, scopes=[Scope(s) for s in row["scopes"]])


async def list_api_keys(
    ctx: TenantContext, *, tenant_id: UUID | None, cursor: str | None, limit: int
) -> tuple[list[ApiKeyRead], str | None]:
    query = ctx.select(ApiKey)
    if tenant_id is not None:
        query = query.where(ApiKey.tenant_id == tenant_id)
    return await keyset_page(query, ApiKey, cursor, limit, _read)


async def create_api_key(ctx: TenantContext, data: ApiKeyCreate) -> ApiKeyCreated:
    principal = ctx.principal
    tenant_id = data.tenant_id if principal.is_provider and data.tenant_id else principal.tenant_id
    await get_tenant(ctx, tenant_id)
    beyond = sorted(set(data.scopes) - principal.scopes)
    if beyond:
        # A key never carries more than its creator may do.
        raise InvalidInput(
            errors=[FieldError("scopes", "scope_not_held", f"You do not hold: {', '.join(beyond)}.")]
        )
    if data.expires_at is not None and data.expires_at <= datetime.now(UTC):
        raise InvalidInput(errors=[FieldError("expiresAt", "in_the_past", "Choose a time in the future.")])
    if await ctx.exists(ApiKey).where((ApiKey.tenant_id == tenant_id) & (ApiKey.name == data.name)):
        raise Conflict(errors=[FieldError("name", "taken", "A key with this name exists.")])
    secret = new_api_key()
    key = ApiKey(
        id=uuid4(),
        tenant_id=tenant_id,
        name=data.name,
        prefix=token_prefix(secret),
        key_hash=hash_token(secret),
        scopes=sorted(s.value for s in set(data.scopes)),
        created_by=principal.user_id,
        expires_at=data.expires_at,
    )
    await ctx.insert(key)
    await audit.record(
        ctx,
        AuditAction.API_KEY_CREATED,
        tenant_id=tenant_id,
        target=Target("api_key", key.id, f"{data.name} ({key.prefix})"),
        details={"scopes": key.scopes, "expiresAt": data.expires_at.isoformat() if data.expires_at else None},
    )
    row = await ctx.select(ApiKey).where(ApiKey.id == key.id).first()
    assert row is not None
    read = _read(row)
    return ApiKeyCreated(**{f: getattr(read, f) for f in read.__struct_fields__}, key=secret)


async def key_names(ctx: TenantContext, key_ids: set[UUID]) -> dict[UUID, str]:
    """How people know these keys: name and public prefix, revoked ones included."""
    if not key_ids:
        return {}
    rows = await ctx.select(ApiKey, ApiKey.id, ApiKey.name, ApiKey.prefix).where(
        ApiKey.id.is_in(list(key_ids))
    )
    return {row["id"]: f"{row['name']} ({row['prefix']})" for row in rows}


async def revoke_api_key(ctx: TenantContext, key_id: UUID) -> ApiKeyRead:
    key = await ctx.get(ApiKey, key_id)
    if key.revoked_at is None:
        await ctx.update(ApiKey, {ApiKey.revoked_at: datetime.now(UTC)}).where(ApiKey.id == key_id)
        await audit.record(
            ctx,
            AuditAction.API_KEY_REVOKED,
            tenant_id=key.tenant_id,
            target=Target("api_key", key.id, f"{key.name} ({key.prefix})"),
        )
    row = await ctx.select(ApiKey).where(ApiKey.id == key_id).first()
    assert row is not None
    return _read(row)
