"""Who sees which pages: the navigation of each role, and the role sets the page guards use.

One table, so the menu and the guards cannot drift apart. Each area adds its entries below and its own
module under ``portal/pages/``; dashboard cards go into ``templates/home/_cards.html``.
"""

from __future__ import annotations

from dataclasses import dataclass

from retaguarda.auth import Principal, Role
from retaguarda.i18n import N_

CLIENTS = (Role.CLIENT_ADMIN, Role.CLIENT_MEMBER)
CLIENT_ADMINS = (Role.CLIENT_ADMIN,)
# Who reads tasks in the portal: clients their own, provider staff (but operators, who work them on the work
# screen) every client they reach.
TASK_READERS = (*CLIENTS, Role.ADMIN, Role.ACCOUNT_MANAGER, Role.SUPERVISOR)
WORKERS = (Role.OPERATOR, Role.SUPERVISOR)
FLOOR_LEADS = (Role.SUPERVISOR, Role.ADMIN)
ACCOUNT_STAFF = (Role.ADMIN, Role.ACCOUNT_MANAGER)
ROSTER_READERS = (Role.ADMIN, Role.ACCOUNT_MANAGER, Role.SUPERVISOR)
# SLA: clients read their own attainment, provider staff every client they reach; account staff set policies.
SLA_READERS = (*CLIENTS, Role.ADMIN, Role.ACCOUNT_MANAGER, Role.SUPERVISOR)
NOTICE_READERS = (Role.ADMIN, Role.ACCOUNT_MANAGER, Role.SUPERVISOR, Role.OPERATOR, *CLIENTS)
# Staffing plans: account staff plan, supervisors read.
PLAN_READERS = ROSTER_READERS
PLAN_WRITERS = ACCOUNT_STAFF
# Billing: account staff bill, a client's admin reads its own consumption and invoices.
BILLING_READERS = (Role.ADMIN, Role.ACCOUNT_MANAGER, Role.CLIENT_ADMIN)
BILLING_WRITERS = ACCOUNT_STAFF
# The audit log: the provider's admin reads every company's, a client's admin its own.
AUDIT_READERS = (Role.ADMIN, Role.CLIENT_ADMIN)


@dataclass(frozen=True, slots=True)
class NavItem:
    path: str
    label: str  # marked with N_, translated by the layout
    roles: tuple[Role, ...]

    def is_current(self, path: str) -> bool:
        return (
            path == self.path if self.path == "/" else path == self.path or path.startswith(self.path + "/")
        )


NAVIGATION: tuple[NavItem, ...] = (
    NavItem("/", N_("Dashboard"), (*CLIENTS, *ACCOUNT_STAFF, *WORKERS)),
    NavItem("/work", N_("My work"), WORKERS),
    NavItem("/board", N_("Queue board"), FLOOR_LEADS),
    NavItem("/tasks", N_("Tasks"), TASK_READERS),
    NavItem("/tasks/new", N_("New task"), CLIENTS),
    NavItem("/imports", N_("CSV import"), CLIENTS),
    NavItem("/time", N_("Time corrections"), FLOOR_LEADS),
    NavItem("/catalog", N_("Task types and queues"), ACCOUNT_STAFF),
    NavItem("/tenants", N_("Clients and users"), ACCOUNT_STAFF),
    NavItem("/pools", N_("Pools and operators"), ROSTER_READERS),
    NavItem("/staffing", N_("Staffing plans"), PLAN_READERS),
    NavItem("/billing", N_("Billing"), BILLING_READERS),
    NavItem("/sla/report", N_("SLA report"), SLA_READERS),
    NavItem("/sla/policies", N_("SLA policies"), ACCOUNT_STAFF),
    NavItem("/notifications", N_("Notifications"), NOTICE_READERS),
    NavItem("/settings/users", N_("Users"), CLIENT_ADMINS),
    NavItem("/settings/api-keys", N_("API keys"), CLIENT_ADMINS),
    NavItem("/settings/webhooks", N_("Webhooks"), CLIENTS),
    NavItem("/audit", N_("Audit log"), AUDIT_READERS),
)


def navigation_for(principal: Principal | None) -> list[NavItem]:
    if principal is None or principal.via != "session":
        return []
    return [item for item in NAVIGATION if principal.role in item.roles]


def current_path_of(items: list[NavItem], path: str) -> str | None:
    """The entry a page belongs to: the longest matching one (``/tasks/new`` over ``/tasks``)."""
    matching = [item.path for item in items if item.is_current(path)]
    return max(matching, key=len) if matching else None
