"""Errors on portal pages are pages: a sign-in redirect for anonymous visitors, an error page in the viewer's
language for everything else (the API keeps answering problem+json)."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from litestar import Request, Response
from litestar.exceptions import HTTPException, ValidationException
from litestar.response import Redirect

from retaguarda.errors import DomainError, NotAuthenticated, exception_handlers
from retaguarda.i18n import N_, gettext_for
from retaguarda.portal.rendering import page, viewer_locale

HTTP_TITLES: dict[int, str] = {
    400: N_("The request could not be processed."),
    403: N_("You are not allowed to do this."),
    404: N_("The page was not found."),
    405: N_("This method is not allowed here."),
    413: N_("The request is too large."),
}


def _sign_in_first(request: Request[Any, Any, Any], exc: NotAuthenticated) -> Response[Any]:
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    next_path = target if request.method == "GET" else "/"
    return Redirect(
        "/login" + ("?" + urlencode({"next": next_path}) if next_path != "/" else ""), status_code=303
    )


def _error_page(
    request: Request[Any, Any, Any], status: int, title: str, detail: str | None
) -> Response[Any]:
    locale = viewer_locale(request)
    return page(
        request,
        "error.html",
        status_code=status,
        title=gettext_for(locale)(title),
        # The domain's details are English: shown to English readers only.
        detail=detail if locale == "en" and detail != title else None,
        status=status,
    )


def _domain_error(request: Request[Any, Any, Any], exc: DomainError) -> Response[Any]:
    # Another tenant's rows do not exist for the caller: on a page that reads "page not found".
    title = HTTP_TITLES[404] if exc.status == 404 else exc.title
    return _error_page(request, exc.status, title, exc.detail)


def _http_error(request: Request[Any, Any, Any], exc: HTTPException) -> Response[Any]:
    if exc.status_code >= 500:
        return exception_handlers()[Exception](request, exc)
    title = HTTP_TITLES.get(exc.status_code, HTTP_TITLES[400])
    return _error_page(request, exc.status_code, title, None)


def _validation_error(request: Request[Any, Any, Any], exc: ValidationException) -> Response[Any]:
    return _error_page(request, 400, HTTP_TITLES[400], None)


def portal_exception_handlers() -> dict[type[Exception] | int, Any]:
    return {
        NotAuthenticated: _sign_in_first,
        DomainError: _domain_error,
        ValidationException: _validation_error,
        HTTPException: _http_error,
    }
