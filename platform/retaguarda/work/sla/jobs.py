"""Jobs of SLA tracking: the sweep every 10 seconds, and the notices of what it fired."""

from __future__ import annotations

from uuid import UUID

from retaguarda.db import transaction
from retaguarda.jobs import every, job
from retaguarda.work.sla.service.alerting import notify_event, send_emails
from retaguarda.work.sla.service.sweep import sweep_sla


@every(10, "sla.sweep")
async def sweep() -> None:
    async with transaction():
        await sweep_sla()


@job("sla.notify")
async def notify(event_ids: list[str]) -> None:
    """Notices, emails and webhooks of the events one sweep fired. Emails go after the commit, so a
    rolled-back run mails nobody; a re-run mails only notices it inserts."""
    emails = []
    async with transaction():
        for event_id in event_ids:
            emails.extend(await notify_event(UUID(event_id)))
    await send_emails(emails)
