"""Telling a client's own people what happened to their tasks: a question from the operator, a task done, an
SLA clock at risk. In the app (the same notices provider staff get, ``Notification``) and by email, as each
person chose (``NotificationPreference``: no row means both).

Run by jobs after the change committed (``work.task_event``, ``sla.notify``). Safe to run twice: a notice's id
is derived from (history row, recipient), so a repeated run inserts nothing and mails only what it inserted.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from uuid import UUID, uuid5

from retaguarda.auth import Role
from retaguarda.clock import now
from retaguarda.i18n import N_, gettext_for, normalize_locale
from retaguarda.mail import Email
from retaguarda.settings import get_settings
from retaguarda.tenancy import TenantContext
from retaguarda.work.tables import Notification, NotificationPreference, Task, TaskComment
from tenants.tables import Membership, Tenant, User

# The kinds a client person hears about, in the order the preferences page lists them.
CLIENT_KINDS = ("client_question", "task_done", "sla_warning")
CLIENT_ROLES = (Role.CLIENT_ADMIN.value, Role.CLIENT_MEMBER.value)
# The task events (as published to webhooks) that tell clients something.
EVENT_KINDS = {"task.waiting_on_client": "client_question", "task.completed": "task_done"}
SUBJECTS = {
    "client_question": N_("A question about your task: {title}"),
    "task_done": N_("Task done: {title}"),
    "sla_warning": N_("Task at risk of missing its deadline: {title}"),
}
BODIES = {
    "client_question": N_('The operations team asks about "{title}":\n\n{text}\n\nAnswer on the task page:'),
    "task_done": N_('"{title}" is done.\n\n{text}\n\nSee the task:'),
    "sla_warning": N_('"{title}" is close to its deadline or past it. The team is on it.\n\nSee the task:'),
}


@dataclass(frozen=True, slots=True)
class Preference:
    kind: str
    in_app: bool
    email: bool


async def preferences(ctx: TenantContext) -> list[Preference]:
    """The signed-in person's choice for every kind (the default, both, where none was made)."""
    rows = await ctx.select(NotificationPreference).where(
        NotificationPreference.user_id == ctx.principal.user_id
    )
    chosen = {row["kind"]: row for row in rows}
    return [
        Preference(kind, chosen[kind]["in_app"], chosen[kind]["email"])
        if kind in chosen
        else Preference(kind, True, True)
        for kind in CLIENT_KINDS
    ]


async def set_preferences(ctx: TenantContext, choices: list[Preference]) -> None:
    user_id = ctx.principal.user_id
    await ctx.delete(NotificationPreference).where(NotificationPreference.user_id == user_id)
    await ctx.insert(
        *(
            NotificationPreference(
                tenant_id=ctx.principal.tenant_id,
                user_id=user_id,
                kind=choice.kind,
                in_app=choice.in_app,
                email=choice.email,
            )
            for choice in choices
            if choice.kind in CLIENT_KINDS
        )
    )


async def _recipients(tenant_id: UUID, kind: str) -> list[tuple[dict[str, Any], bool, bool]]:
    """Active people of the client with a client role, each with whether it wants the notice in the app and
    by email (only those who want it somewhere)."""
    members = await Membership.select(Membership.user_id).where(  # scope: system job for this client
        (Membership.tenant_id == tenant_id) & Membership.role.is_in(list(CLIENT_ROLES))
    )
    ids = [row["user_id"] for row in members]
    if not ids:
        return []
    users = await User.select(User.id, User.email, User.locale).where(  # scope: the client's members above
        User.id.is_in(ids) & (User.is_active == True)  # noqa: E712 - SQL
    )
    chosen = {
        row["user_id"]: row
        for row in await NotificationPreference.select().where(  # scope: the same people's own choices
            NotificationPreference.user_id.is_in(ids) & (NotificationPreference.kind == kind)
        )
    }
    found = []
    for user in users:
        choice = chosen.get(user["id"])
        in_app, email = (choice["in_app"], choice["email"]) if choice else (True, True)
        if in_app or email:
            found.append((user, in_app, email))
    return found


async def _latest_provider_text(task_id: UUID, kinds: tuple[str, ...]) -> str:
    row = await (
        TaskComment.select(TaskComment.body)  # scope: system job, the task of this event
        .where(
            (TaskComment.task_id == task_id)
            & (TaskComment.side == "provider")
            & TaskComment.kind.is_in(list(kinds))
        )
        .order_by(TaskComment.created_at, ascending=False)
        .first()
    )
    return str(row["body"]) if row else ""


def _email(user: dict[str, Any], tenant_locale: str, kind: str, task: dict[str, Any], text: str) -> Email:
    _ = gettext_for(normalize_locale(user["locale"]) or normalize_locale(tenant_locale) or "en")
    link = f"{get_settings().server.public_url.rstrip('/')}/tasks/{task['id']}"
    body = _(BODIES[kind]).format(title=task["title"], text=text)
    return Email(
        to=user["email"], subject=_(SUBJECTS[kind]).format(title=task["title"]), body=f"{body}\n{link}\n"
    )


async def notify_clients(
    task_id: UUID, kind: str, event_id: UUID, data: dict[str, Any] | None = None
) -> list[Email]:
    """Write the in-app notices of one event for the client's people and return the emails to send after
    the caller's commit."""
    # scope: system job for this event's task
    task = await Task.select(Task.id, Task.title, Task.tenant_id).where(Task.id == task_id).first()
    if task is None or kind not in CLIENT_KINDS:
        return []
    tenant = await Tenant.select(Tenant.locale).where(Tenant.id == task["tenant_id"]).first()  # scope: same
    text = ""
    if kind == "client_question":
        text = await _latest_provider_text(task_id, ("reply",))
    elif kind == "task_done":
        text = await _latest_provider_text(task_id, ("resolution",))
    emails: list[Email] = []
    for user, in_app, email in await _recipients(task["tenant_id"], kind):
        notice = Notification(
            id=uuid5(event_id, str(user["id"])),
            tenant_id=task["tenant_id"],
            user_id=user["id"],
            task_id=task["id"],
            kind=kind,
            data={**(data or {}), "title": task["title"]},
            # Read already when the person wants email only: the notice still keys the email once.
            read_at=None if in_app else now(),
        )
        inserted = (
            await Notification.insert(notice)  # scope: system job writing this client's notices
            .on_conflict(action="DO NOTHING")
            .returning(Notification.id)
        )
        if inserted and email:
            emails.append(_email(user, tenant["locale"] if tenant else "en", kind, task, text))
    return emails
