"""Route guards: ``(connection, handler) -> None``, raising a domain error when the rule is not met.

Guards are coroutine functions although none awaits anything: Litestar runs a plain-function guard in its
thread pool, a thread hop per guard on every request (and, with the event loop busy, a wait for the GIL);
a coroutine it simply awaits."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from litestar.connection import ASGIConnection
from litestar.handlers.base import BaseRouteHandler

from retaguarda.auth.middleware import PRINCIPAL_SCOPE_KEY
from retaguarda.auth.principal import Principal, Role, Scope
from retaguarda.errors import Forbidden, NotAuthenticated

Guard = Callable[[ASGIConnection[Any, Any, Any, Any], BaseRouteHandler], Awaitable[None]]


def optional_principal(connection: ASGIConnection[Any, Any, Any, Any]) -> Principal | None:
    principal = connection.scope.get(PRINCIPAL_SCOPE_KEY)
    return principal if isinstance(principal, Principal) else None


def current_principal(connection: ASGIConnection[Any, Any, Any, Any]) -> Principal:
    principal = optional_principal(connection)
    if principal is None:
        raise NotAuthenticated()
    return principal


async def authenticated(connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler) -> None:
    current_principal(connection)


async def provider_staff(connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler) -> None:
    if not current_principal(connection).is_provider:
        raise Forbidden()


def requires_role(*roles: Role) -> Guard:
    allowed = frozenset(roles)

    async def guard(connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler) -> None:
        if current_principal(connection).role not in allowed:
            raise Forbidden()

    return guard


def requires_scope(scope: Scope) -> Guard:
    async def guard(connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler) -> None:
        if scope not in current_principal(connection).scopes:
            raise Forbidden(f"This needs the scope '{scope.value}'.")

    return guard
