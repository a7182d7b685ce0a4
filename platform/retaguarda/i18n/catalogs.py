"""Gettext catalogs and locale negotiation."""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache
from pathlib import Path
from typing import Any

from babel import Locale, UnknownLocaleError
from babel.support import NullTranslations, Translations

LOCALES_DIR = Path(__file__).parent / "locales"
DOMAIN = "messages"
DEFAULT_LOCALE = "en"
SUPPORTED_LOCALES: tuple[str, ...] = ("en", "pt_BR", "es")
# Where the request pipeline leaves the negotiated locale (in the ASGI scope), for handlers and error pages.
LOCALE_SCOPE_KEY = "retaguarda.locale"


def N_(message: str) -> str:  # the conventional gettext marker name
    """Mark a string for extraction without translating it yet (it is translated where it is shown)."""
    return message


# Role labels as the portal shows them (``role.value.replace("_", " ").capitalize()``). Templates translate
# the computed text, which the extractor cannot see, so the labels are marked here.
ROLE_LABELS: dict[str, str] = {
    "admin": N_("Admin"),
    "account_manager": N_("Account manager"),
    "supervisor": N_("Supervisor"),
    "operator": N_("Operator"),
    "client_admin": N_("Client admin"),
    "client_member": N_("Client member"),
}


def normalize_locale(value: str | None) -> str | None:
    """Map ``pt-br``, ``pt_BR``, ``pt`` or ``es-AR`` to the supported locale it falls back to, else None."""
    if not value:
        return None
    try:
        parsed = Locale.parse(value.replace("-", "_").strip())
    except (UnknownLocaleError, ValueError, TypeError):
        return None
    full = str(parsed)
    if full in SUPPORTED_LOCALES:
        return full
    if parsed.language == "pt":
        return "pt_BR"
    return parsed.language if parsed.language in SUPPORTED_LOCALES else None


def _accept_language(header: str) -> list[str]:
    """The header's language ranges, best first (RFC 9110 q-values; malformed parts are skipped).

    Ranges with ``q=0`` are "not acceptable" and dropped; other parameters are ignored; parameter names are
    case-insensitive.
    """
    ranked: list[tuple[float, int, str]] = []
    for position, part in enumerate(header.split(",")):
        tag, *params = (piece.strip() for piece in part.split(";"))
        if not tag or tag == "*":
            continue
        quality = 1.0
        for param in params:
            name, _, value = param.partition("=")
            if name.strip().lower() != "q":
                continue
            try:
                quality = float(value.strip())
            except ValueError:
                quality = -1.0
            break
        if not 0.0 < quality <= 1.0:  # also rejects nan and malformed values
            continue
        ranked.append((-quality, position, tag))
    return [tag for _, _, tag in sorted(ranked)]


def negotiate_locale(
    user_locale: str | None = None,
    tenant_locale: str | None = None,
    accept_language: str | None = None,
    default: str = DEFAULT_LOCALE,
) -> str:
    for candidate in (user_locale, tenant_locale):
        found = normalize_locale(candidate)
        if found:
            return found
    for tag in _accept_language(accept_language or ""):
        found = normalize_locale(tag)
        if found:
            return found
    return default


def negotiate_request_locale(request: Any) -> str:
    """The locale already negotiated for this request, or one from ``Accept-Language`` alone."""
    scope = getattr(request, "scope", {})
    chosen = scope.get(LOCALE_SCOPE_KEY)
    if isinstance(chosen, str):
        return chosen
    return negotiate_locale(accept_language=request.headers.get("accept-language"))


@lru_cache(maxsize=8)
def translations(locale: str) -> NullTranslations:
    if locale == DEFAULT_LOCALE:
        return NullTranslations()
    return Translations.load(str(LOCALES_DIR), [locale], DOMAIN)


def gettext_for(locale: str) -> Callable[[str], str]:
    return translations(locale).gettext


def ngettext_for(locale: str) -> Callable[[str, str, int], str]:
    return translations(locale).ngettext
