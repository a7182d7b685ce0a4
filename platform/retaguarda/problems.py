"""The one map that turns every error into ``application/problem+json`` (RFC 9457), answered in the caller's
locale, and the documented error responses of the OpenAPI schema. The web edge of :mod:`retaguarda.errors`."""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from litestar import Request, Response
from litestar.exceptions import (
    HTTPException,
    MethodNotAllowedException,
    NotAuthorizedException,
    NotFoundException,
    PermissionDeniedException,
    ValidationException,
)
from litestar.openapi.datastructures import ResponseSpec
from litestar.status_codes import HTTP_500_INTERNAL_SERVER_ERROR

from retaguarda.errors import (
    PROBLEM_MEDIA_TYPE,
    PROBLEM_TYPE_BASE,
    Conflict,
    DomainError,
    FieldError,
    Forbidden,
    InvalidInput,
    NotAuthenticated,
    NotFound,
    Problem,
    RateLimited,
)
from retaguarda.i18n import N_, gettext_for, negotiate_request_locale

log = logging.getLogger("retaguarda.errors")


def problem_response(
    request: Request[Any, Any, Any],
    *,
    status: int,
    code: str,
    title: str,
    detail: str | None = None,
    errors: Sequence[FieldError] = (),
    headers: Mapping[str, str] | None = None,
) -> Response[Problem]:
    translate = gettext_for(negotiate_request_locale(request))
    body = Problem(
        type=PROBLEM_TYPE_BASE + code,
        title=translate(title),
        status=status,
        code=code,
        detail=detail,
        instance=request.url.path,
        errors=list(errors),
    )
    return Response(content=body, status_code=status, media_type=PROBLEM_MEDIA_TYPE, headers=headers)


def domain_error_response(request: Request[Any, Any, Any], exc: DomainError) -> Response[Problem]:
    headers = {"Retry-After": str(exc.retry_after_s)} if isinstance(exc, RateLimited) else None
    return problem_response(
        request,
        status=exc.status,
        code=exc.code,
        title=exc.title,
        detail=exc.detail,
        errors=exc.errors,
        headers=headers,
    )


_QUOTED = re.compile(r"`([^`]*)`")
_BODY_KEYS = {"", "$", "data", "body"}


def _field_path(key: str) -> str:
    """msgspec / Litestar report ``$.address.city``, ``data`` or ``address.city``; clients get
    ``address.city``    (or ``body`` for the body as a whole)."""
    key = key.removeprefix("$").removeprefix(".").removeprefix("data.")
    return "body" if key in _BODY_KEYS else key


def _wire_names(request: Request[Any, Any, Any] | None) -> dict[str, str]:
    """A handler's parameters as the client names them (``since`` is sent as ``from``)."""
    try:
        parameters = request.route_handler.parsed_fn_signature.parameters if request else {}
    except AttributeError:  # an error raised before routing
        return {}
    names = {}
    for name, definition in parameters.items():
        kwarg = definition.kwarg_definition
        aliases = (getattr(kwarg, attribute, None) for attribute in ("name", "query", "header"))
        if alias := next((a for a in aliases if a), None):
            names[name] = str(alias)
    return names


def field_errors_from_validation(
    extra: Any, request: Request[Any, Any, Any] | None = None
) -> list[FieldError]:
    """Litestar's validation details as one FieldError per bad field, with a stable code."""
    items = extra if isinstance(extra, list) else [extra] if isinstance(extra, dict) else []
    errors: list[FieldError] = []
    wire_names = _wire_names(request)
    for item in items:
        if not isinstance(item, dict):
            continue
        message = str(item.get("message", "Invalid value"))
        key = str(item.get("key") or "")
        parent = wire_names.get(key) or _field_path(key)
        lowered = message.lower()
        code = (
            "unknown_field"
            if "unknown field" in lowered
            else "required"
            if "missing required" in lowered
            else "invalid"
        )
        named = _QUOTED.search(message)
        if code != "invalid" and named:
            # The message names the field inside the object the key points at.
            field = named.group(1) if parent == "body" else f"{parent}.{named.group(1)}"
        else:
            field = parent
        errors.append(FieldError(field=field, code=code, message=message))
    return errors


def _validation_error(request: Request[Any, Any, Any], exc: ValidationException) -> Response[Problem]:
    return problem_response(
        request,
        status=422,
        code=InvalidInput.code,
        title=InvalidInput.title,
        errors=field_errors_from_validation(exc.extra, request),
    )


_HTTP_CODES: dict[int, tuple[str, str]] = {
    400: ("bad_request", DomainError.title),
    401: (NotAuthenticated.code, NotAuthenticated.title),
    403: (Forbidden.code, Forbidden.title),
    404: (NotFound.code, NotFound.title),
    405: ("method_not_allowed", N_("This method is not allowed here.")),
    409: (Conflict.code, Conflict.title),
    413: ("too_large", N_("The request is too large.")),
    415: ("unsupported_media_type", N_("This content type is not supported.")),
    429: (RateLimited.code, RateLimited.title),
}


def _http_error(request: Request[Any, Any, Any], exc: HTTPException) -> Response[Problem]:
    code, title = _HTTP_CODES.get(exc.status_code, ("error", N_("The request failed.")))
    if exc.status_code >= 500:
        return server_error_response(request, exc)
    if exc.status_code == 400 and str(exc.detail).startswith("JSON is malformed"):
        return problem_response(
            request,
            status=400,
            code="malformed_body",
            title=N_("The request body is not valid JSON."),
            detail=str(exc.detail),
        )
    return problem_response(request, status=exc.status_code, code=code, title=title, headers=exc.headers)


def server_error_response(request: Request[Any, Any, Any], exc: Exception) -> Response[Problem]:
    log.exception("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    return problem_response(
        request,
        status=HTTP_500_INTERNAL_SERVER_ERROR,
        code="internal_error",
        title=N_("Something went wrong on our side."),
    )


_RESPONSE_DESCRIPTIONS = {
    400: "Malformed request (the body is not valid JSON, or a parameter has the wrong type).",
    401: "Not signed in, or the API key is not valid.",
    403: "Signed in, but the role or the key's scopes do not allow this.",
    404: "Not found, or owned by a tenant the caller cannot reach.",
    409: "Conflicts with the current state (duplicate, last administrator …).",
    422: "Invalid input: see `errors` for each field.",
    429: "Too many attempts: see Retry-After.",
}


def problem_responses(*codes: int) -> dict[int, ResponseSpec]:
    """OpenAPI documentation of a handler's error answers, all ``application/problem+json``."""
    return {
        code: ResponseSpec(
            data_container=Problem, description=_RESPONSE_DESCRIPTIONS[code], media_type=PROBLEM_MEDIA_TYPE
        )
        for code in codes
    }


ExceptionHandler = Callable[[Request[Any, Any, Any], Any], Response[Any]]


def exception_handlers() -> dict[type[Exception] | int, ExceptionHandler]:
    """The one handler map, installed by ``create_app``."""
    from retaguarda.integrity import HANDLED, handle_database_error

    return {
        **dict.fromkeys(HANDLED, handle_database_error),
        DomainError: domain_error_response,
        ValidationException: _validation_error,
        NotAuthorizedException: _http_error,
        PermissionDeniedException: _http_error,
        NotFoundException: _http_error,
        MethodNotAllowedException: _http_error,
        HTTPException: _http_error,
        Exception: server_error_response,
    }
