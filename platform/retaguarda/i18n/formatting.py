"""Locale-aware formatting of money, numbers, dates, date-times and durations.

Money travels as integer minor units plus an ISO 4217 currency; these helpers are the only place it becomes
Decimal text for a person. Money is never float here; measures (staffing's float maths) may be.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_EVEN, Decimal
from zoneinfo import ZoneInfo

from babel import dates as babel_dates
from babel import numbers as babel_numbers

from retaguarda.i18n.catalogs import gettext_for, ngettext_for


def minor_unit_digits(currency: str) -> int:
    """Digits after the decimal point for a currency (BRL 2, JPY 0, KWD 3), from CLDR via Babel."""
    return babel_numbers.get_currency_precision(currency.upper())


def to_minor_units(amount: Decimal, currency: str) -> int:
    """Decimal amount → integer minor units, rounding half to even (the one rounding stage for storage)."""
    if not isinstance(amount, Decimal):
        raise TypeError("money must be Decimal, never float")
    if not amount.is_finite():
        raise ValueError("money must be a finite amount")
    digits = minor_unit_digits(currency)
    scaled = (amount * (Decimal(10) ** digits)).quantize(Decimal(1), rounding=ROUND_HALF_EVEN)
    return int(scaled)


def from_minor_units(minor: int, currency: str) -> Decimal:
    digits = minor_unit_digits(currency)
    return Decimal(minor).scaleb(-digits)


def format_money(minor: int, currency: str, locale: str) -> str:
    """``format_money(123456, "BRL", "pt_BR")`` → ``R$ 1.234,56``."""
    return babel_numbers.format_currency(from_minor_units(minor, currency), currency.upper(), locale=locale)


def format_number(value: int | Decimal, locale: str) -> str:
    return babel_numbers.format_decimal(value, locale=locale)


Measure = Decimal | float | int
"""A quantity that is not money: staffing maths computes in float (operators, volumes, service levels)."""


def _as_decimal(value: Measure) -> Decimal:
    # str() first: Decimal(0.1) is 0.1000000000000000055…, and the shortest repr is what the maths meant.
    return value if isinstance(value, Decimal) else Decimal(str(value))


def _not_finite(value: Decimal, locale: str) -> str:
    """An unstable queue needs infinitely many operators: say so (∞) instead of failing; NaN is no figure."""
    if value.is_nan():
        return "—"
    sign = babel_numbers.get_minus_sign_symbol(locale) if value < 0 else ""
    return sign + babel_numbers.get_infinity_symbol(locale)


def format_decimal(value: Measure, locale: str, places: int = 2) -> str:
    """A measure with ``places`` decimals, rounded half to even; never raises on float, ∞ or NaN."""
    number = _as_decimal(value)
    if not number.is_finite():
        return _not_finite(number, locale)
    pattern_value = number.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_EVEN)
    return babel_numbers.format_decimal(
        pattern_value, format="#,##0." + "0" * places if places else "#,##0", locale=locale
    )


def format_percent(value: Measure, locale: str, places: int = 1) -> str:
    """``value`` is a ratio (``Decimal("0.953")`` → ``95.3%``)."""
    number = _as_decimal(value)
    if not number.is_finite():
        return _not_finite(number, locale)
    return babel_numbers.format_percent(
        number, format="#,##0." + "0" * places + "%" if places else "#,##0%", locale=locale
    )


def format_date(value: date, locale: str, style: str = "medium") -> str:
    return babel_dates.format_date(value, format=style, locale=locale)


def format_datetime(value: datetime, timezone: str, locale: str, style: str = "medium") -> str:
    """An aware UTC instant shown in the viewer's time zone."""
    if value.tzinfo is None:
        raise ValueError("datetimes are stored and passed timezone-aware")
    return babel_dates.format_datetime(value, format=style, tzinfo=ZoneInfo(timezone), locale=locale)


def format_duration(value: timedelta, locale: str) -> str:
    """Hours and minutes as read on a timesheet: ``2 hours 5 minutes``, localised and pluralised."""
    # Whole minutes, truncated toward zero (integer arithmetic, so -90 s is "-1 minute" and -30 s is "0").
    total_minutes = abs(value) // timedelta(minutes=1)
    hours, minutes = divmod(total_minutes, 60)
    sign = "-" if value < timedelta(0) and total_minutes else ""
    gettext, ngettext = gettext_for(locale), ngettext_for(locale)
    if hours and minutes:
        hours_text = ngettext("%(num)d hour", "%(num)d hours", hours) % {"num": hours}
        minutes_text = ngettext("%(num)d minute", "%(num)d minutes", minutes) % {"num": minutes}
        # TRANSLATORS: joins "2 hours" and "5 minutes" (e.g. "2 horas e 5 minutos").
        both = gettext("%(hours)s %(minutes)s")
        return sign + both % {"hours": hours_text, "minutes": minutes_text}
    if hours:
        return sign + ngettext("%(num)d hour", "%(num)d hours", hours) % {"num": hours}
    return sign + ngettext("%(num)d minute", "%(num)d minutes", minutes) % {"num": minutes}
