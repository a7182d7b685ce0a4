"""Jobs of outbound webhooks: the fan-out of a task's event, and one delivery attempt. Each takes ids,
reloads, and is harmless to run twice (see :func:`fan_out` and :func:`deliver`)."""

from __future__ import annotations

from uuid import UUID

from retaguarda.db import transaction
from retaguarda.jobs import job
from retaguarda.mail import Email, get_sender
from retaguarda.work.sla.service import client_notices
from retaguarda.work.webhooks.service.deliveries import fan_out
from retaguarda.work.webhooks.service.sending import deliver


@job("work.task_event")
async def task_event(task_id: str, event: str, event_id: str | None = None) -> None:
    """Fan one occurrence of a task's event (its history row) out to the client's webhook endpoints, and
    tell the client's people of a question or a completion (emails after the commit, so a rolled-back run
    mails nobody)."""
    emails: list[Email] = []
    async with transaction():
        await fan_out(UUID(task_id), event, UUID(event_id) if event_id else None)
        if event in client_notices.EVENT_KINDS and event_id:
            emails = await client_notices.notify_clients(
                UUID(task_id), client_notices.EVENT_KINDS[event], UUID(event_id)
            )
    sender = get_sender()
    for email in emails:
        await sender.send(email)


@job("work.deliver_webhook")
async def deliver_webhook(delivery_id: str) -> None:
    await deliver(UUID(delivery_id))
