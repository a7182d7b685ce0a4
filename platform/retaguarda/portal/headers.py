"""Security headers on every response the app sends.

The portal's pages load their script and style sheet from ``/static`` and carry no inline script, no inline
``style=`` attribute and no event-handler attribute (``tests/platform/portal/test_security_headers.py`` keeps
it so), which lets the Content-Security-Policy refuse everything inline: an injected ``<script>`` or
``onerror=`` would not run even if an escaping bug let one through. The API description pages under
``/schema`` are third-party bundles with inline scripts of their own; they get every header but the CSP.
"""

from __future__ import annotations

from litestar.datastructures import MutableScopeHeaders
from litestar.types import BeforeMessageSendHookHandler, Message, Scope

CONTENT_SECURITY_POLICY = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "form-action 'self'",
        # Nobody may frame the portal (clickjacking); X-Frame-Options says the same to older browsers.
        "frame-ancestors 'none'",
        "base-uri 'none'",
        "object-src 'none'",
    )
)
COMMON_HEADERS = (
    ("X-Content-Type-Options", "nosniff"),
    # Portal URLs carry ids (tasks, invoices): another site learns our origin at most, never a path.
    ("Referrer-Policy", "strict-origin-when-cross-origin"),
    ("X-Frame-Options", "DENY"),
)
# Two years with subdomains: what hstspreload.org asks for. Sent only over HTTPS (RFC 6797 §7.2).
STRICT_TRANSPORT_SECURITY = "max-age=63072000; includeSubDomains"


def security_headers(*, https: bool) -> BeforeMessageSendHookHandler:
    """A ``before_send`` hook: it sees every response, those of unknown paths (404) and static files too,
    which a middleware (run only for matched routes) would miss.

    ``https``: the deployment says it is served over HTTPS (COOKIE_SECURE), e.g. behind a proxy that
    terminates TLS, where the request's own scheme is plain http."""

    async def add_security_headers(message: Message, scope: Scope) -> None:
        if message["type"] != "http.response.start":
            return
        headers = MutableScopeHeaders.from_message(message)
        for name, value in COMMON_HEADERS:
            headers.setdefault(name, value)
        if not scope["path"].startswith("/schema"):
            headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        if https or scope.get("scheme") == "https":
            headers.setdefault("Strict-Transport-Security", STRICT_TRANSPORT_SECURITY)

    return add_security_headers
