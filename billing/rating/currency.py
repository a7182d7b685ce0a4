"""Currency rules in one place: our minor units (CLDR's digits, through Babel), Stripe's exponents, the
granularity Stripe can charge, and the smallest charge it accepts.

Why each rule (https://docs.stripe.com/currencies):
- Stripe's exponent differs from ISO 4217 / CLDR for a few currencies (ISK is sent two-decimal but must be
  whole krónur; HUF is two-decimal at Stripe, zero in CLDR).
- In the three-decimal currencies (BHD, JOD, KWD, OMR, TND) Stripe accepts only amounts divisible by 10: the
  invoice's total is rounded once, half to even, to a multiple of 10 fils, and a rounding line on the
  document says so, so the document shows exactly what will be charged and its lines still add up.
- Stripe refuses charges below a minimum per currency; an invoice under it cannot be collected and is
  refused at finalization, before anything reaches Stripe.

Pure: no database, no web, no Stripe client.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import ROUND_HALF_EVEN, Decimal

from retaguarda.i18n import minor_unit_digits, to_minor_units

STRIPE_ZERO_DECIMAL = frozenset(
    {"BIF", "CLP", "DJF", "GNF", "JPY", "KMF", "KRW", "MGA", "PYG", "RWF", "UGX", "VND", "VUV", "XAF", "XOF"}
    | {"XPF"}
)
STRIPE_THREE_DECIMAL = frozenset({"BHD", "JOD", "KWD", "OMR", "TND"})
# Amounts Stripe accepts in the three-decimal currencies are multiples of this many of their minor units.
THREE_DECIMAL_STEP = 10

# Stripe's minimum charge per currency, in that currency (its "minimum and maximum charge amounts" table).
# A currency that is not listed has no minimum we know of, and is not checked.
STRIPE_MINIMUM_CHARGE: dict[str, Decimal] = {
    "USD": Decimal("0.50"),
    "AED": Decimal("2.00"),
    "AUD": Decimal("0.50"),
    "BGN": Decimal("1.00"),
    "BRL": Decimal("0.50"),
    "CAD": Decimal("0.50"),
    "CHF": Decimal("0.50"),
    "CZK": Decimal("15.00"),
    "DKK": Decimal("2.50"),
    "EUR": Decimal("0.50"),
    "GBP": Decimal("0.30"),
    "HKD": Decimal("4.00"),
    "HUF": Decimal("175"),
    "INR": Decimal("0.50"),
    "JPY": Decimal("50"),
    "MXN": Decimal("10"),
    "MYR": Decimal("2"),
    "NOK": Decimal("3.00"),
    "NZD": Decimal("0.50"),
    "PLN": Decimal("2.00"),
    "RON": Decimal("2.00"),
    "SEK": Decimal("3.00"),
    "SGD": Decimal("0.50"),
    "THB": Decimal("10"),
}


def stripe_exponent(currency: str) -> int:
    code = currency.upper()
    if code in STRIPE_ZERO_DECIMAL:
        return 0
    if code in STRIPE_THREE_DECIMAL:
        return 3
    return 2


def collection_step(currency: str) -> int:
    """The granularity, in our minor units, of an amount Stripe accepts in ``currency``."""
    code = currency.upper()
    ours, theirs = minor_unit_digits(code), stripe_exponent(code)
    step = 10 ** (ours - theirs) if ours > theirs else 1
    if code in STRIPE_THREE_DECIMAL:
        step = max(step, THREE_DECIMAL_STEP)
    return step


def round_to_step(minor: int, step: int) -> int:
    """``minor`` rounded half to even to a multiple of ``step`` (the one rounding for collection)."""
    if step == 1:
        return minor
    return int((Decimal(minor) / step).quantize(Decimal(1), rounding=ROUND_HALF_EVEN)) * step


def to_stripe_amount(minor: int, currency: str) -> int:
    """Our integer minor units (CLDR's digits) as Stripe's integer amount for the currency."""
    ours, theirs = int(minor_unit_digits(currency)), stripe_exponent(currency)
    if theirs >= ours:
        return int(minor * 10 ** (theirs - ours))
    factor = 10 ** (ours - theirs)
    if minor % factor:
        raise ValueError(f"{minor} minor units of {currency} cannot be expressed in Stripe's exponent")
    return int(minor // factor)


def from_stripe_amount(amount: int, currency: str) -> int:
    ours, theirs = int(minor_unit_digits(currency)), stripe_exponent(currency)
    return int(amount * 10 ** (ours - theirs) if ours >= theirs else amount // 10 ** (theirs - ours))


def stripe_item_amounts(amounts_minor: Sequence[int], currency: str) -> list[int]:
    """Per-item amounts Stripe accepts, adding up to the same total (which must itself be on the step).

    Each amount goes down to its step; the steps left over go to the items with the largest remainders, ties
    to the earlier item: no item moves by a step or more, and the total is unchanged."""
    step = collection_step(currency)
    total = sum(amounts_minor)
    if total % step:
        raise ValueError(f"{total} minor units of {currency} are not a multiple of {step}")
    floors = [amount // step * step for amount in amounts_minor]
    missing = (total - sum(floors)) // step
    by_remainder = sorted(range(len(floors)), key=lambda i: (-(amounts_minor[i] - floors[i]), i))
    for index in by_remainder[:missing]:
        floors[index] += step
    return floors


def minimum_charge_minor(currency: str) -> int | None:
    """Stripe's smallest charge in our minor units, or None where we know of none."""
    minimum = STRIPE_MINIMUM_CHARGE.get(currency.upper())
    return None if minimum is None else to_minor_units(minimum, currency)
