"""Jobs of the work loop. Each takes ids, reloads, and is harmless to run twice."""

from __future__ import annotations

from uuid import UUID

from retaguarda.db import transaction
from retaguarda.idempotency import purge_expired as purge_idempotency_keys
from retaguarda.jobs import every, job
from retaguarda.work import webhooks
from retaguarda.work.service.claims import reap_expired_leases


@job("work.task_event")
async def task_event(task_id: str, event: str, event_id: str | None = None) -> None:
    """Fan one occurrence of a task's event (its history row) out to the client's webhook endpoints."""
    async with transaction():
        await webhooks.fan_out(UUID(task_id), event, UUID(event_id) if event_id else None)


@every(5, "work.reap_expired_leases")
async def reap() -> None:
    async with transaction():
        await reap_expired_leases()


@every(3600, "work.purge_idempotency_keys")
async def purge_keys() -> None:
    await purge_idempotency_keys()
