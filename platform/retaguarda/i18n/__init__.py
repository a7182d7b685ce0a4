"""Locales: gettext catalogs (Babel), negotiation, and the formatting helpers every screen and export uses.

English is the source language; ``pt_BR`` and ``es`` ship complete (a test fails on any missing or fuzzy
message). Negotiation goes user → tenant → ``Accept-Language`` → default.
"""

from retaguarda.i18n.catalogs import (
    DEFAULT_LOCALE,
    LOCALE_SCOPE_KEY,
    N_,
    SUPPORTED_LOCALES,
    gettext_for,
    negotiate_locale,
    negotiate_request_locale,
    ngettext_for,
    normalize_locale,
    translations,
)
from retaguarda.i18n.formatting import (
    format_date,
    format_datetime,
    format_decimal,
    format_duration,
    format_money,
    format_number,
    format_percent,
    from_minor_units,
    minor_unit_digits,
    to_minor_units,
)

__all__ = [
    "DEFAULT_LOCALE",
    "LOCALE_SCOPE_KEY",
    "N_",
    "SUPPORTED_LOCALES",
    "format_date",
    "format_datetime",
    "format_decimal",
    "format_duration",
    "format_money",
    "format_number",
    "format_percent",
    "from_minor_units",
    "gettext_for",
    "minor_unit_digits",
    "negotiate_locale",
    "negotiate_request_locale",
    "ngettext_for",
    "normalize_locale",
    "to_minor_units",
    "translations",
]
