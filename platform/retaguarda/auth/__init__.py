"""Who is calling: the Principal type, route guards, password hashing and session / API-key mechanics.

The kernel knows no tables of the tenants domain: ``tenants.resolver`` turns a session or an API key into a
:class:`Principal`, and the app wires that resolver into :class:`PrincipalMiddleware`.
"""

from retaguarda.auth.guards import (
    authenticated,
    current_principal,
    provider_staff,
    requires_role,
    requires_scope,
)
from retaguarda.auth.middleware import PrincipalMiddleware, PrincipalResolver
from retaguarda.auth.passwords import hash_password, needs_rehash, verify_password
from retaguarda.auth.principal import (
    CLIENT_ROLES,
    PROVIDER_ROLES,
    ROLE_SCOPES,
    Principal,
    Role,
    Scope,
    TenantKind,
)
from retaguarda.auth.tokens import hash_token, new_api_key, new_session_token, token_prefix

__all__ = [
    "CLIENT_ROLES",
    "PROVIDER_ROLES",
    "ROLE_SCOPES",
    "Principal",
    "PrincipalMiddleware",
    "PrincipalResolver",
    "Role",
    "Scope",
    "TenantKind",
    "authenticated",
    "current_principal",
    "hash_password",
    "hash_token",
    "needs_rehash",
    "new_api_key",
    "new_session_token",
    "provider_staff",
    "requires_role",
    "requires_scope",
    "token_prefix",
    "verify_password",
]
