"""Who owns roster rows: the provider. Clients never own, read or write any of them."""

from __future__ import annotations

from collections.abc import Awaitable
from typing import TypeVar
from uuid import UUID

from retaguarda.db import is_unique_violation
from retaguarda.errors import Conflict, FieldError, Forbidden
from retaguarda.tenancy import TenantContext

T = TypeVar("T")


def roster_owner(ctx: TenantContext) -> UUID:
    """The tenant that owns the rows this caller writes: its own, which must be the provider."""
    if not ctx.principal.is_provider:
        raise Forbidden()
    return ctx.tenant_id


async def unless_taken(write: Awaitable[T], error: FieldError) -> T:
    """Run an insert or update that a unique index guards. The service checks first for a clear answer;
    this turns the race between two such checks into the same 409 instead of a 500."""
    try:
        return await write
    except Exception as exc:
        if is_unique_violation(exc):
            raise Conflict(errors=[error]) from exc
        raise
