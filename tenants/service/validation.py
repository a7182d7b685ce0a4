"""Checks that a Struct's types cannot express: real locales, time zones, currencies, holiday regions."""

from __future__ import annotations

from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

import holidays
from babel.numbers import get_currency_name, is_currency

from retaguarda.errors import FieldError, InvalidInput
from retaguarda.i18n import normalize_locale


@lru_cache(maxsize=1)
def _timezones() -> frozenset[str]:
    return frozenset(available_timezones())


def check_locale(value: str, field: str = "locale") -> FieldError | None:
    normalized = normalize_locale(value)
    if normalized is None or normalized != value:
        return FieldError(field, "unsupported_locale", "Use one of en, pt_BR, es.")
    return None


def check_timezone(value: str, field: str = "timezone") -> FieldError | None:
    if value not in _timezones():
        return FieldError(field, "unknown_timezone", "Use an IANA time zone such as America/Sao_Paulo.")
    try:
        ZoneInfo(value)
    except ZoneInfoNotFoundError:
        return FieldError(field, "unknown_timezone", "Use an IANA time zone such as America/Sao_Paulo.")
    return None


def check_currency(value: str, field: str = "currency") -> FieldError | None:
    if not is_currency(value):
        return FieldError(field, "unknown_currency", "Use an ISO 4217 currency code such as BRL.")
    get_currency_name(value)
    return None


def check_holiday_region(country: str | None, subdivision: str | None, prefix: str = "") -> list[FieldError]:
    if country is None:
        if subdivision is not None:
            return [FieldError(prefix + "holidaySubdivision", "requires_country", "Choose a country first.")]
        return []
    supported = holidays.list_supported_countries()
    if country not in supported:
        return [FieldError(prefix + "holidayCountry", "unknown_country", "No holiday data for this country.")]
    if subdivision is not None and subdivision not in supported[country]:
        return [
            FieldError(
                prefix + "holidaySubdivision", "unknown_subdivision", "Unknown subdivision of the country."
            )
        ]
    return []


def raise_if_any(*errors: FieldError | list[FieldError] | None) -> None:
    found: list[FieldError] = []
    for error in errors:
        if isinstance(error, list):
            found.extend(error)
        elif error is not None:
            found.append(error)
    if found:
        raise InvalidInput(errors=found)
