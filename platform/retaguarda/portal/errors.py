"""Errors a person meets in a browser are pages: a sign-in redirect for anonymous visitors, an error page in
the portal's layout and the viewer's language for everything else, with a way back. The API, its schema, the
health checks and Stripe's webhooks keep answering problem+json, and so does a portal address asked for
JSON by a script."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode, urlsplit

from litestar import Request, Response
from litestar.exceptions import HTTPException, ValidationException
from litestar.response import Redirect

from retaguarda.errors import DomainError, NotAuthenticated
from retaguarda.i18n import N_, gettext_for
from retaguarda.integrity import HANDLED, database_error
from retaguarda.portal.rendering import page, viewer_locale
from retaguarda.problems import exception_handlers

log = logging.getLogger("retaguarda.portal")

# Addresses that are not the portal's pages.
NOT_PORTAL = ("/api/", "/schema", "/health/", "/webhooks/", "/static/")

HTTP_TITLES: dict[int, str] = {
    400: N_("The request could not be processed."),
    403: N_("You are not allowed to see this page."),
    404: N_("The page was not found."),
    405: N_("This page cannot be opened this way."),
    413: N_("The request is too large."),
    422: N_("Some fields are invalid."),
    500: N_("Something went wrong on our side."),
}
HTTP_HINTS: dict[int, str] = {
    403: N_("Your role does not include this page. Ask your administrator if you need it."),
    404: N_("The address may be mistyped, or what it showed no longer exists."),
    405: N_("Open it from a link or button in the portal."),
    500: N_("Nothing you did caused this. Try again in a moment; if it goes on, tell your support contact."),
}

Handler = Callable[[Request[Any, Any, Any], Any], Response[Any]]


def wants_page(request: Request[Any, Any, Any]) -> bool:
    """A portal address asked for by a browser (scripts that ask for JSON get problem+json)."""
    if request.url.path.startswith(NOT_PORTAL):
        return False
    accept = request.headers.get("accept", "")
    return "html" in accept or "json" not in accept


def _sign_in_first(request: Request[Any, Any, Any], exc: NotAuthenticated) -> Response[Any]:
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    next_path = target if request.method == "GET" else "/"
    return Redirect(
        "/login" + ("?" + urlencode({"next": next_path}) if next_path != "/" else ""), status_code=303
    )


def _way_back(request: Request[Any, Any, Any]) -> str | None:
    """The page the person came from, when it is one of ours and not this one."""
    referer = urlsplit(request.headers.get("referer", ""))
    if not referer.path.startswith("/") or referer.netloc not in ("", request.url.netloc):
        return None
    back = referer.path + (f"?{referer.query}" if referer.query else "")
    return back if back != request.url.path and not back.startswith("//") else None


def _error_page(
    request: Request[Any, Any, Any], status: int, title: str, detail: str | None
) -> Response[Any]:
    locale = viewer_locale(request)
    _ = gettext_for(locale)
    hint = HTTP_HINTS.get(status)
    return page(
        request,
        "error.html",
        status_code=status,
        title=_(title),
        # The domain's details are English: shown to English readers only.
        detail=detail if locale == "en" and detail and detail != title else None,
        hint=_(hint) if hint else None,
        status=status,
        back=_way_back(request),
    )


def _domain_error(request: Request[Any, Any, Any], exc: DomainError) -> Response[Any]:
    # Another tenant's rows do not exist for the caller: on a page that reads "page not found".
    title = HTTP_TITLES.get(exc.status, exc.title) if exc.status in (403, 404) else exc.title
    return _error_page(request, exc.status, title, exc.detail)


def _http_error(request: Request[Any, Any, Any], exc: HTTPException) -> Response[Any]:
    if exc.status_code >= 500:
        return _server_error(request, exc)
    title = HTTP_TITLES.get(exc.status_code, HTTP_TITLES[400])
    return _error_page(request, exc.status_code, title, None)


def _validation_error(request: Request[Any, Any, Any], exc: ValidationException) -> Response[Any]:
    return _error_page(request, 400, HTTP_TITLES[400], None)


def _server_error(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    log.exception("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    return _error_page(request, 500, HTTP_TITLES[500], None)


def _database_error(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    refused = database_error(exc, request.method)
    if refused is None:
        return _server_error(request, exc)
    return _domain_error(request, refused)


PAGE_HANDLERS: dict[type[Exception], Handler] = {
    **dict.fromkeys(HANDLED, _database_error),
    NotAuthenticated: _sign_in_first,
    DomainError: _domain_error,
    ValidationException: _validation_error,
    HTTPException: _http_error,
    Exception: _server_error,
}


def _handler_for(table: dict[Any, Handler], exc: Exception) -> Handler:
    return next(table[kind] for kind in type(exc).__mro__ if kind in table)


def page_or_problem(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    if wants_page(request):
        try:
            return _handler_for(PAGE_HANDLERS, exc)(request, exc)
        except Exception:  # the error page itself failed: the plain answer still reaches the browser
            log.exception("the error page failed on %s %s", request.method, request.url.path)
    return _handler_for(exception_handlers(), exc)(request, exc)


def page_or_problem_handlers() -> dict[type[Exception] | int, Handler]:
    """One entry: Litestar picks a layer's handler by the exception's class, and this one decides by the
    request, then by the class, in the page table or in the kernel's problem table."""
    return {Exception: page_or_problem}
