"""Contract versions: dated, never edited. A new version applies from its date on; time already invoiced is
never re-priced because invoiced time is locked, and a version may not start inside an invoiced period."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any
from uuid import UUID, uuid4

import msgspec

from billing.rating.calendar_segments import Version
from billing.schemas import ContractCreate, ContractRead
from billing.service.clients import Client, load_client
from billing.tables import Contract, Invoice
from billing.terms import ContractTerms, decode_terms
from retaguarda.db import is_unique_violation
from retaguarda.errors import Conflict, FieldError, InvalidInput, NotFound
from retaguarda.i18n import minor_unit_digits
from retaguarda.listing import keyset_page
from retaguarda.tenancy import TenantContext, owning_client
from retaguarda.wire import from_row

MAX_MONEY = Decimal("1e12")


def _read(row: dict[str, Any]) -> ContractRead:
    return from_row(row, ContractRead, terms=decode_terms(row["terms"]))


def _money(field: str, value: Decimal, errors: list[FieldError], *, allow_zero: bool = True) -> None:
    if not value.is_finite() or value < 0 or value >= MAX_MONEY or (not allow_zero and value == 0):
        errors.append(FieldError(field, "out_of_range", "Use a non-negative amount below 10^12."))


def check_terms(terms: ContractTerms, currency: str) -> list[FieldError]:
    """What msgspec cannot say about decimals: no negative prices, multipliers of at least 1, percents in
    0..100, and a currency Babel knows."""
    errors: list[FieldError] = []
    try:
        minor_unit_digits(currency)
    except Exception:
        errors.append(FieldError("currency", "unknown", "Not an ISO 4217 currency."))
    _money("terms.defaultHourlyRate", terms.default_hourly_rate, errors)
    for index, hourly in enumerate(terms.hourly_rates):
        _money(f"terms.hourlyRates[{index}].rate", hourly.rate, errors)
    for index, item in enumerate(terms.item_prices):
        _money(f"terms.itemPrices[{index}].price", item.price, errors)
    for name in ("weekend", "holiday", "out_of_hours"):
        value: Decimal = getattr(terms.surcharges, name)
        if not value.is_finite() or value < 1 or value > 10:
            camel = "outOfHours" if name == "out_of_hours" else name
            errors.append(
                FieldError(f"terms.surcharges.{camel}", "out_of_range", "Use a multiplier of 1 to 10.")
            )
    if terms.retainer is not None:
        _money("terms.retainer.fee", terms.retainer.fee, errors)
        _money("terms.retainer.includedHours", terms.retainer.included_hours, errors)
        _money("terms.retainer.overageRate", terms.retainer.overage_rate, errors)
    if terms.monthly_minimum is not None:
        _money("terms.monthlyMinimum", terms.monthly_minimum, errors)
    for index, tier in enumerate(terms.sla_credits):
        for name, value in (("belowPercent", tier.below_percent), ("creditPercent", tier.credit_percent)):
            if not value.is_finite() or not 0 <= value <= 100:
                errors.append(
                    FieldError(f"terms.slaCredits[{index}].{name}", "out_of_range", "Use 0 to 100.")
                )
    rate = terms.tax.rate_percent
    if not rate.is_finite() or not 0 <= rate <= 100:
        errors.append(FieldError("terms.tax.ratePercent", "out_of_range", "Use 0 to 100."))
    return errors


async def create_contract(ctx: TenantContext, data: ContractCreate) -> ContractRead:
    client = await load_client(ctx, owning_client(ctx, data.tenant_id))
    currency = data.currency or client.currency
    errors = check_terms(data.terms, currency)
    if errors:
        raise InvalidInput(errors=errors)
    invoiced_until = (
        await ctx.select(Invoice, Invoice.period_end)
        .where((Invoice.tenant_id == client.id) & (Invoice.status.not_in(["draft", "void"])))
        .order_by(Invoice.period_end, ascending=False)
        .first()
    )
    if invoiced_until is not None and data.effective_from < invoiced_until["period_end"]:
        raise Conflict(
            "Time up to this date is invoiced; a new version starts after the last invoiced period.",
            errors=[FieldError("effectiveFrom", "invoiced", "Choose a date after the last invoiced period.")],
        )
    contract = Contract(
        id=uuid4(),
        tenant_id=client.id,
        effective_from=data.effective_from,
        currency=currency,
        terms=msgspec.to_builtins(data.terms),
        note=data.note,
        created_by=ctx.principal.user_id,
    )
    try:
        await ctx.insert(contract)
    except Exception as exc:
        if is_unique_violation(exc):
            raise Conflict(
                errors=[FieldError("effectiveFrom", "taken", "A version starts on this date already.")]
            ) from exc
        raise
    return await get_contract(ctx, contract.id)


async def get_contract(ctx: TenantContext, contract_id: UUID) -> ContractRead:
    row = await ctx.select(Contract).where(Contract.id == contract_id).first()
    if row is None:
        raise NotFound()
    return _read(row)


async def list_contracts(
    ctx: TenantContext, *, tenant_id: UUID | None, cursor: str | None, limit: int
) -> tuple[list[ContractRead], str | None]:
    query = ctx.select(Contract)
    if tenant_id is not None:
        query = query.where(Contract.tenant_id == tenant_id)
    return await keyset_page(query, Contract, cursor, limit, _read)


@dataclass(frozen=True, slots=True)
class ContractVersions:
    """A client's versions, oldest first, with their terms decoded and their start as an instant."""

    versions: tuple[Version, ...]
    terms: dict[UUID, ContractTerms]
    currencies: dict[UUID, str]

    def in_force_for_period(self, start: datetime, end: datetime) -> UUID | None:
        """The version whose period rules (retainer, minimum, credits, tax) govern ``[start, end)``: the last
        one in force at the start, else the first that starts within the period."""
        chosen = None
        for version in self.versions:
            if version.starts_at <= start:
                chosen = version.contract_id
            elif version.starts_at < end and chosen is None:
                return version.contract_id
        return chosen


async def contract_versions(ctx: TenantContext, client: Client) -> ContractVersions:
    rows = await ctx.select(Contract).where(Contract.tenant_id == client.id).order_by(Contract.effective_from)
    return ContractVersions(
        versions=tuple(Version(row["id"], client.instant(row["effective_from"])) for row in rows),
        terms={row["id"]: decode_terms(row["terms"]) for row in rows},
        currencies={row["id"]: row["currency"] for row in rows},
    )
