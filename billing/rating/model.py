"""The values rating works on: time and items grouped by rating dimension, and the draft it produces."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum
from typing import Any
from uuid import UUID

from billing.rating.calendar_segments import Category


class LineKind(StrEnum):
    HOURS = "hours"
    SURCHARGE = "surcharge"
    ITEMS = "items"
    RETAINER = "retainer"
    OVERAGE = "overage"
    MINIMUM = "minimum"
    SLA_CREDIT = "sla_credit"
    ADJUSTMENT = "adjustment"
    TAX = "tax"
    # The total rounded to what the currency can be charged in (three-decimal currencies at Stripe).
    ROUNDING = "rounding"


@dataclass(frozen=True, slots=True)
class TimeGroup:
    """Billable time of one rating dimension. ``billed_seconds`` is already rounded as the contract's scope
    says (per entry, per task, or once for the group)."""

    contract_id: UUID
    task_type_id: UUID
    skill_level: int | None
    category: Category
    raw_seconds: int
    billed_seconds: int
    entries: int


@dataclass(frozen=True, slots=True)
class ItemGroup:
    """Completed tasks of a per-item task type, under one contract version."""

    contract_id: UUID
    task_type_id: UUID
    count: int


@dataclass(frozen=True, slots=True)
class Adjustment:
    """A manual line an account manager added to a draft: kept when the draft is rebuilt."""

    amount: Decimal
    reason: str
    description: str = ""
    created_by: str = ""


@dataclass(slots=True)
class PricedLine:
    kind: LineKind
    quantity: Decimal
    unit: str
    unit_price: Decimal
    amount_minor: int
    contract_id: UUID | None = None
    task_type_id: UUID | None = None
    skill_level: int | None = None
    category: Category | None = None
    multiplier: Decimal | None = None
    raw_seconds: int = 0
    billed_seconds: int = 0
    entries: int = 0
    reason: str = ""
    description: str = ""
    # True for the tax a tax-inclusive total already contains: shown, not added.
    included: bool = False
    detail: dict[str, Any] = field(default_factory=dict)


@dataclass(slots=True)
class PricedPeriod:
    currency: str
    lines: list[PricedLine]
    subtotal_minor: int
    tax_minor: int
    total_minor: int
    tax_inclusive: bool
    attainment: Decimal | None
    credit_percent: Decimal
