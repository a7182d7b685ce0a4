"""``price_period``: grouped time, items, the contract terms, SLA attainment and manual adjustments in;
invoice lines out.

Every amount is computed exactly in ``Decimal`` and rounded to minor units once, on its own line (half to
even); the minimum, the SLA credit and the tax are lines computed from the rounded lines above them. So the
lines add up to the total exactly, by construction. Last, where the currency can only be charged in steps
(10 fils in the three-decimal currencies, see ``billing.rating.currency``), the total is rounded once to the
step, and a rounding line carries the difference.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any
from uuid import UUID

from billing.rating.calendar_segments import Category
from billing.rating.currency import collection_step, round_to_step
from billing.rating.model import Adjustment, ItemGroup, LineKind, PricedLine, PricedPeriod, TimeGroup
from billing.terms import ContractTerms
from retaguarda.i18n import from_minor_units, to_minor_units

SECONDS_PER_HOUR = Decimal(3600)
HUNDRED = Decimal(100)
ONE = Decimal(1)


def hours(seconds: int) -> Decimal:
    return Decimal(seconds) / SECONDS_PER_HOUR


def _multiplier(terms: ContractTerms, category: Category) -> Decimal:
    surcharges = terms.surcharges
    return {
        Category.NORMAL: ONE,
        Category.OUT_OF_HOURS: surcharges.out_of_hours,
        Category.WEEKEND: surcharges.weekend,
        Category.HOLIDAY: max(surcharges.holiday, surcharges.weekend, surcharges.out_of_hours),
    }[category]


def billed_rate(terms: ContractTerms, task_type_id: UUID, skill_level: int | None, *, prior: bool) -> Decimal:
    """The hourly price of time under a version. Prior-period time (recorded after its period's invoice was
    finalized) comes after that month's retainer was settled: under a retainer it costs the overage rate,
    the price of an hour beyond what the retainer covered; otherwise the version's hourly rate."""
    if prior and terms.retainer is not None:
        return terms.retainer.overage_rate
    return terms.hourly_rate(task_type_id, skill_level)


def _hourly_lines(
    groups: Iterable[TimeGroup],
    terms: Mapping[UUID, ContractTerms],
    currency: str,
    covered: bool,
    prior: Mapping[str, Any] | None = None,
) -> tuple[list[PricedLine], list[PricedLine], int]:
    """Hours by (version, task type, skill level) and surcharges by (version, category, rate, multiplier).
    With ``covered`` (a retainer) the hours lines show the time at amount 0: the retainer and overage lines
    charge for it. ``prior``: the groups are prior-period time, and this goes in each line's detail.
    Returns the lines and the billed seconds in total."""
    by_rate: dict[tuple[UUID, UUID, int | None], list[TimeGroup]] = defaultdict(list)
    for group in groups:
        if terms[group.contract_id].item_price(group.task_type_id) is None:
            by_rate[(group.contract_id, group.task_type_id, group.skill_level)].append(group)
    hour_lines: list[PricedLine] = []
    premium: dict[tuple[UUID, Category, Decimal, Decimal], list[TimeGroup]] = defaultdict(list)
    total_billed = 0
    for (contract_id, task_type_id, level), members in sorted(by_rate.items(), key=lambda kv: str(kv[0])):
        version = terms[contract_id]
        rate = billed_rate(version, task_type_id, level, prior=prior is not None)
        billed = sum(g.billed_seconds for g in members)
        total_billed += billed
        amount = Decimal(0) if covered else hours(billed) * rate
        hour_lines.append(
            PricedLine(
                kind=LineKind.HOURS,
                quantity=hours(billed),
                unit="hour",
                unit_price=rate,
                amount_minor=to_minor_units(amount, currency),
                contract_id=contract_id,
                task_type_id=task_type_id,
                skill_level=level,
                raw_seconds=sum(g.raw_seconds for g in members),
                billed_seconds=billed,
                entries=sum(g.entries for g in members),
                detail={"coveredByRetainer": covered, **(prior or {})},
            )
        )
        for group in members:
            multiplier = _multiplier(version, group.category)
            if group.category is not Category.NORMAL and multiplier != ONE:
                premium[(contract_id, group.category, rate, multiplier)].append(group)
    surcharge_lines = []
    for (contract_id, category, rate, multiplier), members in sorted(
        premium.items(), key=lambda kv: str(kv[0])
    ):
        billed = sum(g.billed_seconds for g in members)
        unit_price = rate * (multiplier - ONE)
        surcharge_lines.append(
            PricedLine(
                kind=LineKind.SURCHARGE,
                quantity=hours(billed),
                unit="hour",
                unit_price=unit_price,
                amount_minor=to_minor_units(hours(billed) * unit_price, currency),
                contract_id=contract_id,
                category=category,
                multiplier=multiplier,
                raw_seconds=sum(g.raw_seconds for g in members),
                billed_seconds=billed,
                entries=sum(g.entries for g in members),
                detail=dict(prior or {}),
            )
        )
    return hour_lines, surcharge_lines, total_billed


def _item_lines(
    items: Iterable[ItemGroup],
    terms: Mapping[UUID, ContractTerms],
    currency: str,
    detail: Mapping[str, Any] | None = None,
) -> list[PricedLine]:
    counts: dict[tuple[UUID, UUID], int] = defaultdict(int)
    for item in items:
        counts[(item.contract_id, item.task_type_id)] += item.count
    lines = []
    for (contract_id, task_type_id), count in sorted(counts.items(), key=lambda kv: str(kv[0])):
        price = terms[contract_id].item_price(task_type_id)
        if price is None or count == 0:
            continue
        lines.append(
            PricedLine(
                kind=LineKind.ITEMS,
                quantity=Decimal(count),
                unit="item",
                unit_price=price,
                amount_minor=to_minor_units(price * count, currency),
                contract_id=contract_id,
                task_type_id=task_type_id,
                entries=count,
                detail=dict(detail or {}),
            )
        )
    return lines


def _retainer_lines(period_terms: ContractTerms, billed_seconds: int, currency: str) -> list[PricedLine]:
    retainer = period_terms.retainer
    if retainer is None:
        return []
    lines = [
        PricedLine(
            kind=LineKind.RETAINER,
            quantity=ONE,
            unit="month",
            unit_price=retainer.fee,
            amount_minor=to_minor_units(retainer.fee, currency),
            detail={"includedHours": str(retainer.included_hours), "usedHours": str(hours(billed_seconds))},
        )
    ]
    overage = hours(billed_seconds) - retainer.included_hours
    if overage > 0:
        lines.append(
            PricedLine(
                kind=LineKind.OVERAGE,
                quantity=overage,
                unit="hour",
                unit_price=retainer.overage_rate,
                amount_minor=to_minor_units(overage * retainer.overage_rate, currency),
                billed_seconds=int(overage * SECONDS_PER_HOUR),
            )
        )
    return lines


def price_period(
    *,
    currency: str,
    period_terms: ContractTerms,
    terms: Mapping[UUID, ContractTerms],
    time_groups: Iterable[TimeGroup],
    item_groups: Iterable[ItemGroup],
    attainment: Decimal | None,
    adjustments: Iterable[Adjustment] = (),
    prior_time_groups: Iterable[TimeGroup] = (),
    prior_detail: Mapping[str, Any] | None = None,
    prior_item_groups: Iterable[ItemGroup] = (),
) -> PricedPeriod:
    """The invoice of a period. ``terms`` holds every contract version the groups name; ``period_terms`` is
    the version whose period-level rules (retainer, minimum, SLA credits, tax) apply to the month.

    ``prior_time_groups``: time of periods already invoiced that their invoices did not bill (recorded or
    corrected after they were finalized), rated under the versions in force when the work was done. It is
    its own group of lines after the month's charges: it belongs to months whose retainer, minimum and SLA
    credit were settled by their own invoices, so it neither uses this month's retainer nor counts towards
    its minimum or credit; the tax, on the whole subtotal, covers it. ``prior_item_groups``: per-item tasks
    completed in such periods that their invoices did not bill, priced the same way. ``prior_detail`` goes in
    the detail of each of these lines (it marks them, and says where their entries are found again)."""
    covered = period_terms.retainer is not None
    hour_lines, surcharge_lines, billed = _hourly_lines(time_groups, terms, currency, covered)
    lines = [*hour_lines, *surcharge_lines, *_item_lines(item_groups, terms, currency)]
    lines += _retainer_lines(period_terms, billed, currency)

    charges = sum(line.amount_minor for line in lines)
    if period_terms.monthly_minimum is not None:
        minimum = to_minor_units(period_terms.monthly_minimum, currency)
        if charges < minimum:
            lines.append(
                PricedLine(
                    kind=LineKind.MINIMUM,
                    quantity=ONE,
                    unit="",
                    unit_price=from_minor_units(minimum - charges, currency),
                    amount_minor=minimum - charges,
                    detail={"minimum": str(period_terms.monthly_minimum)},
                )
            )
            charges = minimum

    credit_percent = period_terms.sla_credit_percent(attainment)
    if credit_percent > 0 and charges > 0:
        credit = to_minor_units(from_minor_units(charges, currency) * credit_percent / HUNDRED, currency)
        lines.append(
            PricedLine(
                kind=LineKind.SLA_CREDIT,
                quantity=credit_percent,
                unit="percent",
                unit_price=-from_minor_units(charges, currency),
                amount_minor=-credit,
                detail={"attainment": str(attainment)},
            )
        )

    prior_hours, prior_surcharges, _ = _hourly_lines(
        prior_time_groups, terms, currency, False, {"priorPeriod": True, **(prior_detail or {})}
    )
    lines += [*prior_hours, *prior_surcharges]
    lines += _item_lines(prior_item_groups, terms, currency, {"priorPeriod": True, **(prior_detail or {})})

    for adjustment in adjustments:
        lines.append(
            PricedLine(
                kind=LineKind.ADJUSTMENT,
                quantity=ONE,
                unit="",
                unit_price=adjustment.amount,
                amount_minor=to_minor_units(adjustment.amount, currency),
                reason=adjustment.reason,
                description=adjustment.description,
                detail={"description": adjustment.description, "createdBy": adjustment.created_by},
            )
        )

    subtotal = sum(line.amount_minor for line in lines)
    tax = period_terms.tax
    tax_minor = 0
    total = subtotal
    if tax.rate_percent > 0:
        base = from_minor_units(subtotal, currency)
        if tax.inclusive:
            # The prices already contain the tax: show the part of the total that is tax, add nothing.
            tax_minor = to_minor_units(base * tax.rate_percent / (HUNDRED + tax.rate_percent), currency)
        else:
            tax_minor = to_minor_units(base * tax.rate_percent / HUNDRED, currency)
            total = subtotal + tax_minor
        lines.append(
            PricedLine(
                kind=LineKind.TAX,
                quantity=tax.rate_percent,
                unit="percent",
                unit_price=base,
                amount_minor=tax_minor,
                included=tax.inclusive,
            )
        )
    collectable = round_to_step(total, collection_step(currency))
    if collectable != total:
        lines.append(
            PricedLine(
                kind=LineKind.ROUNDING,
                quantity=ONE,
                unit="",
                unit_price=from_minor_units(collectable - total, currency),
                amount_minor=collectable - total,
                detail={"step": collection_step(currency)},
            )
        )
        total = collectable
    return PricedPeriod(
        currency=currency,
        lines=lines,
        subtotal_minor=subtotal,
        tax_minor=tax_minor,
        total_minor=total,
        tax_inclusive=tax.inclusive,
        attainment=attainment,
        credit_percent=credit_percent,
    )
