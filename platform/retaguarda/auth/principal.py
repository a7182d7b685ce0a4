"""The Principal: the caller, resolved once per request from a session cookie or an API key."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Literal
from uuid import UUID


class TenantKind(StrEnum):
    PROVIDER = "provider"
    CLIENT = "client"


class Role(StrEnum):
    ADMIN = "admin"
    ACCOUNT_MANAGER = "account_manager"
    SUPERVISOR = "supervisor"
    OPERATOR = "operator"
    CLIENT_ADMIN = "client_admin"
    CLIENT_MEMBER = "client_member"


PROVIDER_ROLES = frozenset({Role.ADMIN, Role.ACCOUNT_MANAGER, Role.SUPERVISOR, Role.OPERATOR})
CLIENT_ROLES = frozenset({Role.CLIENT_ADMIN, Role.CLIENT_MEMBER})


class Scope(StrEnum):
    """What an API key (or a session, through its role) may do."""

    TENANTS_READ = "tenants:read"
    TENANTS_WRITE = "tenants:write"
    USERS_READ = "users:read"
    USERS_WRITE = "users:write"
    API_KEYS_WRITE = "api_keys:write"
    CALENDARS_READ = "calendars:read"
    CALENDARS_WRITE = "calendars:write"
    TASKS_READ = "tasks:read"
    TASKS_WRITE = "tasks:write"
    STAFFING_READ = "staffing:read"
    STAFFING_WRITE = "staffing:write"
    BILLING_READ = "billing:read"
    BILLING_WRITE = "billing:write"


_ALL_SCOPES = frozenset(Scope)
_READ_SCOPES = frozenset(s for s in Scope if s.value.endswith(":read"))

# A session carries every scope of its role; an API key carries the subset chosen when it was created.
ROLE_SCOPES: dict[Role, frozenset[Scope]] = {
    Role.ADMIN: _ALL_SCOPES,
    Role.ACCOUNT_MANAGER: _ALL_SCOPES - {Scope.API_KEYS_WRITE},
    Role.SUPERVISOR: _READ_SCOPES | {Scope.TASKS_WRITE},
    Role.OPERATOR: frozenset({Scope.TENANTS_READ, Scope.TASKS_READ, Scope.TASKS_WRITE, Scope.CALENDARS_READ}),
    Role.CLIENT_ADMIN: _ALL_SCOPES - {Scope.STAFFING_READ, Scope.STAFFING_WRITE},
    Role.CLIENT_MEMBER: frozenset(
        {Scope.TENANTS_READ, Scope.TASKS_READ, Scope.TASKS_WRITE, Scope.CALENDARS_READ, Scope.USERS_READ}
    ),
}


@dataclass(frozen=True, slots=True)
class Principal:
    tenant_id: UUID
    tenant_kind: TenantKind
    role: Role
    via: Literal["session", "api_key", "system"]
    scopes: frozenset[Scope]
    # The tenants this caller may reach; None means every tenant (provider admin and provider staff).
    reachable_tenant_ids: frozenset[UUID] | None
    locale: str
    timezone: str
    user_id: UUID | None = None
    email: str | None = None
    display_name: str = ""
    session_id: UUID | None = None
    api_key_id: UUID | None = None
    csrf_token: str | None = field(default=None, repr=False)

    @property
    def is_provider(self) -> bool:
        return self.tenant_kind is TenantKind.PROVIDER

    def has_role(self, *roles: Role) -> bool:
        return self.role in roles

    def can_reach(self, tenant_id: UUID) -> bool:
        return self.reachable_tenant_ids is None or tenant_id in self.reachable_tenant_ids
