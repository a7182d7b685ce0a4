"""Who hears about an SLA warning or breach, and how: the client's account managers and the provider's
supervisors in-app and by email (through the pluggable sender of ``retaguarda.mail``), and the client's
webhooks subscribed to ``task.sla_warning`` / ``task.sla_breached``.

Safe to run twice: a notice's id is derived from (event, recipient), so a repeated run inserts nothing new
and mails only the notices it inserted; webhook fan-out is idempotent per history row.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID, uuid5

from retaguarda.auth import Role, TenantKind
from retaguarda.i18n import N_, gettext_for, normalize_locale
from retaguarda.mail import Email, get_sender
from retaguarda.settings import get_settings
from retaguarda.work.sla.service import client_notices
from retaguarda.work.tables import Notification, Task, TaskEvent
from retaguarda.work.webhooks import service as webhooks
from tenants.tables import AccountAssignment, Membership, Tenant, User

SUBJECTS = {
    "sla_warning": N_("SLA warning: {title}"),
    "sla_breached": N_("SLA breached: {title}"),
}
BODIES = {
    "response": N_('The first-response clock of task "{title}" for {client} is due at {due} (UTC).'),
    "resolution": N_('The resolution clock of task "{title}" for {client} is due at {due} (UTC).'),
}


async def _recipients(tenant_id: UUID) -> list[dict[str, Any]]:
    """The client's account managers and every supervisor of the provider, active users only."""
    managers = await AccountAssignment.select(  # scope: system job for this client's event
        AccountAssignment.manager_id
    ).where(AccountAssignment.tenant_id == tenant_id)
    supervisors = await Membership.select(Membership.user_id).where(  # scope: the provider's own staff
        (Membership.role == Role.SUPERVISOR.value) & (Membership.tenant_id.kind == TenantKind.PROVIDER.value)
    )
    ids = {r["manager_id"] for r in managers} | {r["user_id"] for r in supervisors}
    if not ids:
        return []
    return await User.select(User.id, User.email, User.locale).where(  # scope: recipients found above
        User.id.is_in(list(ids)) & (User.is_active == True)  # noqa: E712 - SQL
    )


def _email(user: dict[str, Any], event: dict[str, Any], task: dict[str, Any], client: str) -> Email:
    _ = gettext_for(normalize_locale(user["locale"]) or "en")
    clock = (event["data"] or {}).get("clock", "resolution")
    due = str((event["data"] or {}).get("dueAt", ""))[:16].replace("T", " ")
    body = _(BODIES.get(clock, BODIES["resolution"])).format(title=task["title"], client=client, due=due)
    link = f"{get_settings().server.public_url.rstrip('/')}/tasks/{task['id']}"
    return Email(
        to=user["email"],
        subject=_(SUBJECTS[event["kind"]]).format(title=task["title"]),
        body=f"{body}\n\n{link}\n",
    )


async def notify_event(event_id: UUID) -> list[Email]:
    """Write the in-app notices of one SLA event and fan it out to webhooks; return the emails to send
    (after the caller's commit)."""
    event = (
        await TaskEvent.select()
        .output(load_json=True)
        .where(TaskEvent.id == event_id)
        .first()  # scope: system job
    )
    if event is None or event["kind"] not in SUBJECTS:
        return []
    task = (
        await Task.select(Task.id, Task.title, Task.tenant_id)
        .where(  # scope: system job
            Task.id == event["task_id"]
        )
        .first()
    )
    if task is None:
        return []
    client = await Tenant.select(Tenant.name).where(Tenant.id == task["tenant_id"]).first()  # scope: same
    emails: list[Email] = []
    for user in await _recipients(task["tenant_id"]):
        notice_id = uuid5(event_id, str(user["id"]))
        inserted = (
            await Notification.insert(  # scope: system job writing this client's notices
                Notification(
                    id=notice_id,
                    tenant_id=task["tenant_id"],
                    user_id=user["id"],
                    task_id=task["id"],
                    kind=event["kind"],
                    data={**(event["data"] or {}), "title": task["title"]},
                    created_at=event["at"],
                )
            )
            .on_conflict(action="DO NOTHING")
            .returning(Notification.id)
        )
        if inserted:
            emails.append(_email(user, event, task, client["name"] if client else ""))
    await webhooks.fan_out(task["id"], f"task.{event['kind']}", event_id)
    if event["kind"] == "sla_warning":
        # The client's own people hear of a task at risk too (each as it chose); a breach is the provider's
        # to handle and report, not a second alarm to the client.
        emails += await client_notices.notify_clients(
            task["id"], "sla_warning", event_id, event["data"] or {}
        )
    return emails


async def send_emails(emails: list[Email]) -> None:
    sender = get_sender()
    for email in emails:
        await sender.send(email)
