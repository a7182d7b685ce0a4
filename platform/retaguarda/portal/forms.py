"""Forms: one unit of work per submission, and the domain's field errors shown next to their inputs.

A form's write runs in its own transaction and a refusal escapes it, so the transaction rolls back before the
page is rendered again: a refused form never leaves anything half-written.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, TypeVar
from urllib.parse import urlencode

import msgspec
from litestar import Request
from litestar.datastructures import FormMultiDict
from litestar.response import Redirect

from retaguarda.auth import current_principal
from retaguarda.errors import DomainError, FieldError, InvalidInput
from retaguarda.i18n import N_, gettext_for
from retaguarda.tenancy import TenantContext, unit_of_work

T = TypeVar("T")
FORM_LEVEL = "_form"

# What a person reads for each stable error code; the domain's English message is shown as it is in English
# (it is more precise: "At most 200 characters (this has 250).").
ERROR_TEXTS: dict[str, str] = {
    "required": N_("This field is required."),
    "invalid": N_("This value is not valid."),
    "invalid_type": N_("This value is not valid."),
    "too_long": N_("This text is too long."),
    "too_large": N_("This value is too large."),
    "too_small": N_("This value is too small."),
    "too_many_decimals": N_("Too many decimal places."),
    "invalid_date": N_("Enter a valid date."),
    "invalid_datetime": N_("Enter a valid date and time."),
    "invalid_choice": N_("Choose one of the options."),
    "invalid_email": N_("Enter a valid email address."),
    "invalid_cpf": N_("This CPF is not valid."),
    "invalid_cnpj": N_("This CNPJ is not valid."),
    "not_found": N_("Choose one of the options."),
    "taken": N_("This is already in use."),
    "already_member": N_("This person is already a member."),
    "role_not_allowed": N_("This role is not available here."),
    "unsupported_locale": N_("Choose one of the languages offered."),
    "unknown_timezone": N_("Choose a time zone from the list."),
    "before_start": N_("The end must be after the start."),
    "not_after_start": N_("Choose a time after the start."),
    "before_first_day": N_("Choose a day on or after the first day."),
    "override_too_long": N_("An override covers at most 92 days."),
    "out_of_range": N_("This value is outside the allowed range."),
    "invoiced": N_("Choose a date after the last invoiced period."),
    "in_the_future": N_("Time cannot be recorded ahead."),
    "in_the_past": N_("Choose a time in the future."),
    "scope_not_held": N_("You cannot grant a permission you do not have."),
    "unknown_field": N_("This field is not part of the task type."),
    "invalid_url": N_("Enter a full web address, such as https://example.com/hooks."),
    "private_address": N_("Use a public address."),
    "insecure_url": N_("Use an https address."),
    "credentials_in_url": N_("Leave credentials out of the address."),
}

_CAMEL = re.compile(r"(?<!^)(?=[A-Z])")
_AT = re.compile(r"at `\$\.([A-Za-z]+)")


def form_name(path: str) -> str:
    """The input a field error belongs to: ``payload.amount`` → ``f_amount``, ``externalRef`` →
    ``external_ref``; anything deeper (``fields[2].key``) belongs to the form as a whole."""
    if path.startswith("payload."):
        return "f_" + path.removeprefix("payload.")
    if not re.fullmatch(r"[A-Za-z]+", path):
        return FORM_LEVEL
    return _CAMEL.sub("_", path).lower()


def error_text(error: FieldError, locale: str) -> str:
    known = ERROR_TEXTS.get(error.code)
    if locale == "en" or known is None:
        return error.message
    return gettext_for(locale)(known)


def error_map(errors: Sequence[FieldError], locale: str, known: set[str] | None = None) -> dict[str, str]:
    """One message per input (the first one found); errors of inputs the form does not have go to the
    form as a whole."""
    found: dict[str, str] = {}
    for error in errors:
        name = form_name(error.field)
        if known is not None and name not in known:
            name = FORM_LEVEL
        text = error_text(error, locale)
        if name == FORM_LEVEL and name in found:
            found[name] += " " + text
        else:
            found.setdefault(name, text)
    return found


def refusal(exc: DomainError, locale: str, known: set[str] | None = None) -> dict[str, str]:
    """The errors of a refused form: per field, or the refusal's own title for the form as a whole."""
    found = error_map(exc.errors, locale, known)
    if not found:
        found[FORM_LEVEL] = gettext_for(locale)(exc.title) if locale != "en" or not exc.detail else exc.detail
    return found


async def read_form(request: Request[Any, Any, Any]) -> FormMultiDict:
    """The posted form (already parsed once by the CSRF check, and cached on the connection)."""
    return await request.form()


def text(form: FormMultiDict, name: str) -> str:
    value = form.get(name)
    return value.strip() if isinstance(value, str) else ""


def texts(form: FormMultiDict, name: str) -> list[str]:
    return [v.strip() for v in form.getall(name, []) if isinstance(v, str) and v.strip()]


async def within(request: Request[Any, Any, Any], action: Callable[[TenantContext], Awaitable[T]]) -> T:
    """Run one form's write in its own unit of work (rolled back when the action raises)."""
    async with unit_of_work(current_principal(request)) as ctx:
        return await action(ctx)


async def reading(request: Request[Any, Any, Any], action: Callable[[TenantContext], Awaitable[T]]) -> T:
    async with unit_of_work(current_principal(request), write=False) as ctx:
        return await action(ctx)


def safe_path(target: str, default: str = "/") -> str:
    """Only same-site paths: a redirect target from a form must not become an open redirect."""
    return (
        target if target.startswith("/") and not target.startswith("//") and "\\" not in target else default
    )


def see_other(path: str, **query: str) -> Redirect:
    filled = {k: v for k, v in query.items() if v}
    return Redirect(path + ("?" + urlencode(filled) if filled else ""), status_code=303)


def decode(body: dict[str, Any], shape: type[T]) -> T:
    """A form's values as the API's request shape, checked by the same constraints (lengths, patterns)
    that check an API body; a violation is a field error like any other."""
    try:
        return msgspec.convert(body, shape)
    except msgspec.ValidationError as exc:
        found = _AT.search(str(exc))
        field = found.group(1) if found else "body"
        code = "required" if "missing required" in str(exc).lower() else "invalid"
        raise InvalidInput(errors=[FieldError(field, code, str(exc))]) from None
