"""A provider user's in-app notices (SLA warnings and breaches of the clients it reaches)."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from retaguarda.clock import now
from retaguarda.db import json_value
from retaguarda.errors import NotFound
from retaguarda.listing import keyset_page
from retaguarda.tenancy import TenantContext
from retaguarda.wire import from_row
from retaguarda.work.sla.schemas import NotificationRead
from retaguarda.work.tables import Notification


def _read(row: dict[str, Any]) -> NotificationRead:
    return from_row(row, NotificationRead, data=json_value(row["data"]) or {})


async def list_notifications(
    ctx: TenantContext, *, unread: bool | None, cursor: str | None, limit: int
) -> tuple[list[NotificationRead], str | None]:
    query = ctx.select(Notification).where(Notification.user_id == ctx.principal.user_id)
    if unread is True:
        query = query.where(Notification.read_at.is_null())
    elif unread is False:
        query = query.where(Notification.read_at.is_not_null())
    return await keyset_page(query, Notification, cursor, limit, _read)


async def mark_read(ctx: TenantContext, notification_id: UUID) -> NotificationRead:
    mine = (Notification.id == notification_id) & (Notification.user_id == ctx.principal.user_id)
    row = await ctx.select(Notification).where(mine).first()
    if row is None:
        raise NotFound()
    if row["read_at"] is None:
        stamp = now()
        await ctx.update(Notification, {Notification.read_at: stamp}).where(mine)
        row["read_at"] = stamp
    return _read(row)
