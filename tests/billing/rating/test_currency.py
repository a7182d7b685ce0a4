"""Currency rules: Stripe's steps, the one rounding of the total, items spread on the step, minimums."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from billing.rating.currency import (
    collection_step,
    minimum_charge_minor,
    round_to_step,
    stripe_item_amounts,
    to_stripe_amount,
)


@pytest.mark.parametrize(
    ("currency", "step"),
    [("BRL", 1), ("EUR", 1), ("JPY", 1), ("KWD", 10), ("BHD", 10), ("TND", 10), ("ISK", 1)],
)
def test_collection_steps(currency: str, step: int) -> None:
    assert collection_step(currency) == step


def test_the_total_is_rounded_once_half_to_even() -> None:
    assert round_to_step(12345, 10) == 12340  # 1234.5 steps: half to even
    assert round_to_step(12355, 10) == 12360
    assert round_to_step(12346, 10) == 12350
    assert round_to_step(-15, 10) == -20
    assert round_to_step(777, 1) == 777


@given(st.lists(st.integers(min_value=-(10**9), max_value=10**9), min_size=1, max_size=30))
def test_items_are_spread_on_the_step_without_changing_the_total(amounts: list[int]) -> None:
    # Make the total a multiple of 10, as the invoice's rounding line does.
    amounts = [*amounts, round_to_step(sum(amounts), 10) - sum(amounts)]
    spread = stripe_item_amounts(amounts, "KWD")
    assert sum(spread) == sum(amounts)
    assert all(
        item % 10 == 0 and abs(item - amount) < 10 for item, amount in zip(spread, amounts, strict=True)
    )


def test_items_off_the_step_total_are_refused() -> None:
    with pytest.raises(ValueError, match="multiple of 10"):
        stripe_item_amounts([12345], "KWD")
    assert stripe_item_amounts([1500, 1], "JPY") == [1500, 1]


def test_minimum_charges_in_our_minor_units() -> None:
    assert minimum_charge_minor("BRL") == 50
    assert minimum_charge_minor("JPY") == 50
    assert minimum_charge_minor("EUR") == 50
    assert minimum_charge_minor("KWD") is None
    assert to_stripe_amount(50, "JPY") == 50
