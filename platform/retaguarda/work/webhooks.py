"""Outbound webhooks (placeholder until the delivery service lands)."""

from __future__ import annotations

from uuid import UUID


async def fan_out(task_id: UUID, event: str) -> None:
    return None
