"""Jobs of outbound webhooks: the fan-out of a task's event, and one delivery attempt. Each takes ids,
reloads, and is harmless to run twice (see :func:`fan_out` and :func:`deliver`)."""

from __future__ import annotations

from uuid import UUID

from retaguarda.db import transaction
from retaguarda.jobs import job
from retaguarda.work.webhooks.service.deliveries import fan_out
from retaguarda.work.webhooks.service.sending import deliver


@job("work.task_event")
async def task_event(task_id: str, event: str, event_id: str | None = None) -> None:
    """Fan one occurrence of a task's event (its history row) out to the client's webhook endpoints."""
    async with transaction():
        await fan_out(UUID(task_id), event, UUID(event_id) if event_id else None)


@job("work.deliver_webhook")
async def deliver_webhook(delivery_id: str) -> None:
    await deliver(UUID(delivery_id))
