"""Domain errors: what services raise. ``retaguarda.problems`` turns them into ``application/problem+json``
(RFC 9457) at the web edge; this module imports nothing of the web, so pure cores may raise them too.

Services raise :class:`DomainError` subclasses and never HTTP exceptions; each subclass carries its HTTP
status, a stable machine-readable ``code`` and an English title (the source language of the gettext catalogs;
the handler answers in the caller's locale).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

import msgspec

from retaguarda.i18n import N_

PROBLEM_MEDIA_TYPE = "application/problem+json"
PROBLEM_TYPE_BASE = "https://retaguarda.dev/problems/"


class FieldError(msgspec.Struct, frozen=True):
    """One invalid input field: ``field`` is a dotted path into the body, query or path."""

    field: str
    code: str
    message: str


class Problem(msgspec.Struct, omit_defaults=True):
    """The body of every error response (RFC 9457 plus ``code`` and per-field ``errors``)."""

    type: str
    title: str
    status: int
    code: str
    detail: str | None = None
    instance: str | None = None
    errors: list[FieldError] = msgspec.field(default_factory=list)


class DomainError(Exception):
    status: ClassVar[int] = 400
    code: ClassVar[str] = "bad_request"
    title: ClassVar[str] = N_("The request could not be processed.")

    def __init__(self, detail: str | None = None, *, errors: Sequence[FieldError] = ()) -> None:
        super().__init__(detail or self.title)
        self.detail = detail
        self.errors = list(errors)


class InvalidInput(DomainError):
    status = 422
    code = "invalid_input"
    title = N_("Some fields are invalid.")


class NotAuthenticated(DomainError):
    status = 401
    code = "not_authenticated"
    title = N_("Sign-in is required.")


class Forbidden(DomainError):
    status = 403
    code = "forbidden"
    title = N_("You are not allowed to do this.")


class NotFound(DomainError):
    """Also what a foreign tenant's id answers: another tenant's rows do not exist for the caller."""

    status = 404
    code = "not_found"
    title = N_("The resource was not found.")


class Conflict(DomainError):
    status = 409
    code = "conflict"
    title = N_("The resource changed or already exists.")


class RateLimited(DomainError):
    status = 429
    code = "rate_limited"
    title = N_("Too many attempts. Try again later.")

    def __init__(self, retry_after_s: int, detail: str | None = None) -> None:
        super().__init__(detail)
        self.retry_after_s = retry_after_s


class ServiceUnavailable(DomainError):
    status = 503
    code = "unavailable"
    title = N_("The service is temporarily unavailable.")
