"""Resolve the Principal once per request, negotiate the locale, and enforce CSRF on cookie sessions."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from litestar import Request
from litestar.connection import ASGIConnection
from litestar.enums import ScopeType
from litestar.middleware import ASGIMiddleware
from litestar.types import ASGIApp, Receive, Scope, Send

from retaguarda.auth.origin import serving_request_from
from retaguarda.auth.principal import Principal
from retaguarda.auth.tokens import tokens_match
from retaguarda.db import request_row_scope
from retaguarda.errors import Forbidden
from retaguarda.i18n import LOCALE_SCOPE_KEY, N_, negotiate_locale

PRINCIPAL_SCOPE_KEY = "retaguarda.principal"
CSRF_HEADER = "x-csrf-token"
CSRF_FORM_FIELD = "csrf_token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})

PrincipalResolver = Callable[[ASGIConnection[Any, Any, Any, Any]], Awaitable[Principal | None]]


class CsrfFailed(Forbidden):
    code = "csrf_failed"
    title = N_("The form has expired. Reload the page and try again.")


class PrincipalMiddleware(ASGIMiddleware):
    scopes = (ScopeType.HTTP,)
    # Health probes, static files and the API description need no caller.
    should_bypass_for_scope = staticmethod(
        lambda scope: scope["path"].startswith(("/health/", "/static/", "/schema"))
    )

    def __init__(self, resolver: PrincipalResolver) -> None:
        self.resolver = resolver

    async def handle(self, scope: Scope, receive: Receive, send: Send, next_app: ASGIApp) -> None:
        # A request starts with no tenant published, whoever called the app (an in-process caller, as the
        # tests are, may be acting for the system); its unit of work publishes its principal's.
        with request_row_scope():
            await self._handle(scope, receive, send, next_app)

    async def _handle(self, scope: Scope, receive: Receive, send: Send, next_app: ASGIApp) -> None:
        request: Request[Any, Any, Any] = Request(scope, receive)
        principal = await self.resolver(request)
        scope[PRINCIPAL_SCOPE_KEY] = principal  # type: ignore[literal-required]
        scope[LOCALE_SCOPE_KEY] = negotiate_locale(  # type: ignore[literal-required]
            principal.locale if principal else None,
            None,
            request.headers.get("accept-language"),
        )
        if principal is not None and principal.via == "session" and request.method not in SAFE_METHODS:
            await _check_csrf(request, principal)
        with serving_request_from(client_address(request), request.headers.get("user-agent", "")):
            await next_app(scope, receive, send)


def client_address(request: Request[Any, Any, Any]) -> str:
    """The connecting peer's address. Behind a reverse proxy this is the proxy's, unless the server trusts
    its forwarded headers (uvicorn's FORWARDED_ALLOW_IPS)."""
    return request.client.host if request.client else "unknown"


async def _check_csrf(request: Request[Any, Any, Any], principal: Principal) -> None:
    """A cookie is sent by the browser on its own, so a session-authenticated write must also prove it came
    from our page: the session's token, in a header (fetch) or a form field (HTML forms)."""
    given = request.headers.get(CSRF_HEADER)
    if not given and request.content_type[0] in {"application/x-www-form-urlencoded", "multipart/form-data"}:
        form = await request.form()
        value = form.get(CSRF_FORM_FIELD)
        given = value if isinstance(value, str) else None
    if not tokens_match(given, principal.csrf_token):
        raise CsrfFailed()
