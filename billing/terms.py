"""A contract version's terms: the rate card and the rules that turn time into money.

Money and multipliers are ``Decimal`` (sent as strings on the wire, e.g. ``"85.00"``), never float. The terms
travel as one JSON document, so a new rule is a new field here, not a new table.
"""

from __future__ import annotations

from decimal import Decimal
from enum import StrEnum
from typing import Annotated, Literal
from uuid import UUID

import msgspec
from msgspec import Meta

from retaguarda.wire import WireStruct

ONE = Decimal(1)


class RoundingMode(StrEnum):
    UP = "up"
    NEAREST = "nearest"
    DOWN = "down"


class RoundingScope(StrEnum):
    """Where the increment is applied: to each time entry, to each task's total, or to the period's total
    of each rate (one rounding per invoice line group)."""

    ENTRY = "entry"
    TASK = "task"
    PERIOD = "period"


class Rounding(WireStruct):
    increment_minutes: Annotated[int, Meta(ge=1, le=60)] = 1
    mode: RoundingMode = RoundingMode.UP
    scope: RoundingScope = RoundingScope.ENTRY


class HourlyRate(WireStruct):
    """A rate for a task type, a skill level of the operator who did the work, or both. The most specific
    rule wins: type and level, then type, then level, then the contract's default rate."""

    rate: Decimal
    task_type_id: UUID | None = None
    skill_level: Annotated[int, Meta(ge=1, le=10)] | None = None


class ItemPrice(WireStruct):
    """A task type billed per completed task instead of by the hour (its time is then not billed)."""

    task_type_id: UUID
    price: Decimal


class Surcharges(WireStruct):
    """Multipliers on the hourly rate for work started on the client's calendar at these times (the highest
    one that applies wins; 1 means no surcharge)."""

    weekend: Decimal = ONE
    holiday: Decimal = ONE
    out_of_hours: Decimal = ONE


class Retainer(WireStruct):
    """A monthly fee covering ``included_hours`` of billed time; hours beyond it cost ``overage_rate``."""

    fee: Decimal
    included_hours: Decimal
    overage_rate: Decimal


class SlaCredit(WireStruct):
    """Resolution attainment below ``below_percent`` earns a credit of ``credit_percent`` of the charges."""

    below_percent: Decimal
    credit_percent: Decimal


class Tax(WireStruct):
    rate_percent: Decimal = Decimal(0)
    # True: prices already include the tax (the invoice shows the tax it contains).
    inclusive: bool = False


class PaymentTerms(WireStruct):
    days: Annotated[int, Meta(ge=0, le=365)] = 30
    collection: Literal["send_invoice", "charge_automatically"] = "send_invoice"


class ContractTerms(WireStruct):
    default_hourly_rate: Decimal
    hourly_rates: list[HourlyRate] = msgspec.field(default_factory=list)
    item_prices: list[ItemPrice] = msgspec.field(default_factory=list)
    rounding: Rounding = msgspec.field(default_factory=Rounding)
    surcharges: Surcharges = msgspec.field(default_factory=Surcharges)
    retainer: Retainer | None = None
    monthly_minimum: Decimal | None = None
    sla_credits: list[SlaCredit] = msgspec.field(default_factory=list)
    tax: Tax = msgspec.field(default_factory=Tax)
    payment_terms: PaymentTerms = msgspec.field(default_factory=PaymentTerms)
    # Days the client's task files are kept after the task closes (LGPD / GDPR); None keeps them.
    file_retention_days: Annotated[int, Meta(ge=1, le=36500)] | None = None

    def hourly_rate(self, task_type_id: UUID, skill_level: int | None) -> Decimal:
        best: tuple[int, Decimal] | None = None
        for rule in self.hourly_rates:
            if rule.task_type_id is not None and rule.task_type_id != task_type_id:
                continue
            if rule.skill_level is not None and rule.skill_level != skill_level:
                continue
            rank = (2 if rule.task_type_id is not None else 0) + (1 if rule.skill_level is not None else 0)
            if best is None or rank > best[0]:
                best = (rank, rule.rate)
        return best[1] if best is not None else self.default_hourly_rate

    def item_price(self, task_type_id: UUID) -> Decimal | None:
        return next((item.price for item in self.item_prices if item.task_type_id == task_type_id), None)

    def sla_credit_percent(self, attainment: Decimal | None) -> Decimal:
        """The credit for an attainment ratio (0..1): the largest of the tiers it falls below; none when no
        task closed in the period (nothing to measure)."""
        if attainment is None:
            return Decimal(0)
        percent = attainment * 100
        return max(
            (tier.credit_percent for tier in self.sla_credits if percent < tier.below_percent),
            default=Decimal(0),
        )


def decode_terms(raw: object) -> ContractTerms:
    """Terms as stored (a JSON document, or its text)."""
    if isinstance(raw, str | bytes):
        return msgspec.json.decode(raw, type=ContractTerms)
    return msgspec.convert(raw, ContractTerms)


def encode_terms(terms: ContractTerms) -> str:
    return msgspec.json.encode(terms).decode()
