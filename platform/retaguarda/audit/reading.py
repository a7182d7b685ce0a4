"""Reading the audit log, for the face alone (the portal's audit pages; a test keeps everyone else out).

Reads go through the scoping helper like any tenant-owned rows: a client admin reaches its own tenant's
entries, a provider admin every entry (those of no tenant too, such as a failed sign-in to an unknown email).
Newest first, paged by a cursor on (occurred_at, id).
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from piccolo.columns.combination import WhereRaw

from retaguarda.audit.actions import ActorKind, AuditAction
from retaguarda.audit.tables import AuditEntry
from retaguarda.errors import FieldError, InvalidInput
from retaguarda.tenancy import TenantContext

MAX_PAGE = 200
EXPORT_BATCH = MAX_PAGE


@dataclass(frozen=True, slots=True)
class AuditFilter:
    action: AuditAction | None = None
    # Part of the actor's email (or key id), any case.
    actor: str = ""
    tenant_id: UUID | None = None
    since: datetime | None = None  # inclusive
    until: datetime | None = None  # exclusive


@dataclass(frozen=True, slots=True)
class AuditRow:
    id: UUID
    occurred_at: datetime
    tenant_id: UUID | None
    actor_kind: ActorKind
    actor_label: str
    actor_user_id: UUID | None
    actor_api_key_id: UUID | None
    ip: str
    user_agent: str
    action: str
    target_type: str
    target_id: str
    target_label: str
    details: dict[str, Any]

    @property
    def known_action(self) -> AuditAction | None:
        try:
            return AuditAction(self.action)
        except ValueError:
            return None


def _row(row: dict[str, Any]) -> AuditRow:
    return AuditRow(
        id=row["id"],
        occurred_at=row["occurred_at"],
        tenant_id=row["tenant_id"],
        actor_kind=ActorKind(row["actor_kind"]),
        actor_label=row["actor_label"],
        actor_user_id=row["actor_user_id"],
        actor_api_key_id=row["actor_api_key_id"],
        ip=row["ip"],
        user_agent=row["user_agent"],
        action=row["action"],
        target_type=row["target_type"],
        target_id=row["target_id"],
        target_label=row["target_label"],
        details=row["details"] if isinstance(row["details"], dict) else {},
    )


def _like_pattern(text: str) -> str:
    """``%text%`` with the pattern characters of ``text`` itself taken literally (ESCAPE '\\')."""
    escaped = text.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _filtered(ctx: TenantContext, filters: AuditFilter) -> Any:
    query = ctx.select(AuditEntry)
    if filters.action is not None:
        query = query.where(AuditEntry.action == filters.action.value)
    if filters.actor.strip():
        query = query.where(
            WhereRaw("lower(actor_label) LIKE {} ESCAPE '\\'", _like_pattern(filters.actor.strip()))
        )
    if filters.tenant_id is not None:
        query = query.where(AuditEntry.tenant_id == filters.tenant_id)
    if filters.since is not None:
        query = query.where(AuditEntry.occurred_at >= filters.since)
    if filters.until is not None:
        query = query.where(AuditEntry.occurred_at < filters.until)
    return query


def _cursor(row: AuditRow) -> str:
    raw = f"{row.occurred_at.isoformat()}|{row.id}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _older_than(query: Any, cursor: str | None) -> Any:
    if cursor:
        try:
            padded = cursor + "=" * (-len(cursor) % 4)
            stamp, _, row_id = base64.urlsafe_b64decode(padded).decode().partition("|")
            at, after_id = datetime.fromisoformat(stamp), UUID(row_id)
        except (ValueError, binascii.Error, UnicodeDecodeError) as exc:
            raise InvalidInput(errors=[FieldError("cursor", "invalid", "The cursor is not valid.")]) from exc
        query = query.where(
            (AuditEntry.occurred_at < at) | ((AuditEntry.occurred_at == at) & (AuditEntry.id < after_id))
        )
    return query.order_by(AuditEntry.occurred_at, AuditEntry.id, ascending=False)


async def list_entries(
    ctx: TenantContext, filters: AuditFilter, *, cursor: str | None = None, limit: int = 50
) -> tuple[list[AuditRow], str | None]:
    """One page, newest first, and the cursor of the next (older) page."""
    limit = max(1, min(limit, MAX_PAGE))
    rows = [_row(r) for r in await _older_than(_filtered(ctx, filters), cursor).limit(limit + 1)]
    more = len(rows) > limit
    rows = rows[:limit]
    return rows, _cursor(rows[-1]) if more and rows else None


async def every_entry(ctx: TenantContext, filters: AuditFilter) -> AsyncIterator[list[AuditRow]]:
    """Every matching entry, newest first, in batches (an export of any size in bounded memory)."""
    cursor: str | None = None
    while True:
        rows, cursor = await list_entries(ctx, filters, cursor=cursor, limit=EXPORT_BATCH)
        if rows:
            yield rows
        if cursor is None:
            return
