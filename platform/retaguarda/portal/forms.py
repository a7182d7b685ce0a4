"""Forms: one unit of work per submission, and the domain's field errors shown next to their inputs.

Every portal form goes the same way, through :func:`submit_form`: read the inputs its :class:`FormSpec`
names, validate and write in one unit of work, and either redirect (303) or render the page again (422) with
the values as typed and a message by each input. A form's write runs in its own transaction and a refusal
escapes it, so the transaction rolls back before the page is rendered again: a refused form never leaves
anything half-written.
"""

from __future__ import annotations

import inspect
import re
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar
from urllib.parse import urlencode

import msgspec
from litestar import Request
from litestar.datastructures import FormMultiDict
from litestar.response import Redirect, Template

from retaguarda.auth import current_principal
from retaguarda.errors import Conflict, DomainError, FieldError, InvalidInput
from retaguarda.i18n import N_, gettext_for
from retaguarda.portal.rendering import viewer_locale
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
    # Credit notes and collection (billing).
    "invalid_amount": N_("Enter a positive amount, in the currency's decimals."),
    "collection_step": N_("This currency is charged in steps of 10 of its smallest unit."),
    "exceeds_invoice": N_("More than is left of the invoice."),
    "exceeds_line": N_("More than is left of this line."),
    "not_creditable": N_("This cannot be credited."),
    "fully_credited": N_("Nothing is left to credit."),
    "below_minimum_charge": N_("The total is below the smallest amount Stripe can charge."),
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


# Codes that say no more than "empty" or "not right": where a form names what the input wants, that says more.
VAGUE_CODES = frozenset(
    {"required", "invalid", "invalid_type", "invalid_date", "invalid_datetime", "invalid_choice", "not_found"}
)


@dataclass(frozen=True)
class FormSpec:
    """A form's inputs, and for each what to tell a person who left it empty or typed something it cannot
    take ("Enter the first day of the event."), marked with ``N_``."""

    fields: tuple[str, ...]
    messages: Mapping[str, str] = field(default_factory=dict)

    @property
    def names(self) -> set[str]:
        return set(self.fields)

    def read(self, form: FormMultiDict) -> dict[str, str]:
        return {name: text(form, name) for name in self.fields}

    def errors(self, exc: DomainError, locale: str) -> dict[str, str]:
        """The refusal by input: the form's own message for an empty or invalid input, the domain's
        specific one otherwise; errors of no input go to the form as a whole."""
        found = refusal(exc, locale, self.names)
        return self.specific(exc.errors, found, locale)

    def specific(self, errors: Sequence[FieldError], found: dict[str, str], locale: str) -> dict[str, str]:
        translate = gettext_for(locale)
        for error in errors:
            name = form_name(error.field)
            if error.code in VAGUE_CODES and name in self.messages:
                found[name] = translate(self.messages[name])
        return found


Page = Callable[[TenantContext, dict[str, str], dict[str, str]], Awaitable[Template]]


async def submit_form(
    request: Request[Any, Any, Any],
    spec: FormSpec,
    write: Callable[[TenantContext, dict[str, str]], Awaitable[T]],
    again: Page,
    done: Callable[[T], Redirect | Template | Awaitable[Template]],
    *,
    values: dict[str, str] | None = None,
    errors_of: Callable[[DomainError, str], dict[str, str]] | None = None,
) -> Template | Redirect:
    """Read → validate and write (one unit of work) → ``done`` with what the write returned; or, when the
    domain refuses (invalid input, a conflict), ``again`` renders the page with the values as typed and the
    errors by input, answering 422. ``values`` replaces the spec's reading when a form has inputs of its own
    (repeated rows); ``errors_of`` maps a refusal when the spec's mapping does not fit."""
    typed = values if values is not None else spec.read(await read_form(request))
    try:
        result = await within(request, lambda ctx: write(ctx, typed))
    except (InvalidInput, Conflict) as exc:
        shown = (errors_of or spec.errors)(exc, viewer_locale(request))

        async def render(ctx: TenantContext) -> Template:
            response = await again(ctx, typed, shown)
            response.status_code = 422
            return response

        return await reading(request, render)
    answer = done(result)
    return await answer if inspect.isawaitable(answer) else answer
