"""The "new contract version" form: its inputs as billing's ``ContractCreate`` body, billing's field errors
back on the inputs, and a client's latest terms as the starting values of its next version.

Numbers are typed the viewer's way (``1.234,56`` in Portuguese) and read by ``portal.fields``; whether a rate
or a percent is acceptable is decided by billing's ``check_terms`` alone."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from typing import Any

from billing.terms import ContractTerms, RoundingMode, RoundingScope
from retaguarda.errors import DomainError, FieldError, InvalidInput
from retaguarda.portal.fields import number_shown, number_text
from retaguarda.portal.forms import FORM_LEVEL, error_text

RATE_ROWS = 4
PRICE_ROWS = 4
CREDIT_ROWS = 3
INCREMENTS = ("1", "6", "15")
MODES = tuple(m.value for m in RoundingMode)
SCOPES = tuple(s.value for s in RoundingScope)
COLLECTIONS = ("send_invoice", "charge_automatically")

SIMPLE_FIELDS = (
    "client",
    "effective_from",
    "currency",
    "note",
    "default_hourly_rate",
    "increment",
    "rounding_mode",
    "rounding_scope",
    "weekend",
    "holiday",
    "out_of_hours",
    "retainer_fee",
    "included_hours",
    "overage_rate",
    "monthly_minimum",
    "tax_rate",
    "tax_inclusive",
    "payment_days",
    "collection",
)


def field_names() -> list[str]:
    names = list(SIMPLE_FIELDS)
    names += [f"{n}_{i}" for i in range(RATE_ROWS) for n in ("rate_type", "rate")]
    names += [f"{n}_{i}" for i in range(PRICE_ROWS) for n in ("price_type", "price")]
    names += [f"{n}_{i}" for i in range(CREDIT_ROWS) for n in ("below", "credit")]
    return names


# Billing's paths (and the form's own checks, which use the same paths) → the input they belong to.
_PATHS = {
    "effectiveFrom": "effective_from",
    "currency": "currency",
    "note": "note",
    "tenantId": "client",
    "terms.defaultHourlyRate": "default_hourly_rate",
    "terms.rounding.incrementMinutes": "increment",
    "terms.rounding.mode": "rounding_mode",
    "terms.rounding.scope": "rounding_scope",
    "terms.surcharges.weekend": "weekend",
    "terms.surcharges.holiday": "holiday",
    "terms.surcharges.outOfHours": "out_of_hours",
    "terms.retainer.fee": "retainer_fee",
    "terms.retainer.includedHours": "included_hours",
    "terms.retainer.overageRate": "overage_rate",
    "terms.monthlyMinimum": "monthly_minimum",
    "terms.tax.ratePercent": "tax_rate",
    "terms.paymentTerms.days": "payment_days",
    "terms.paymentTerms.collection": "collection",
}
_LISTS = {
    "hourlyRates": {"rate": "rate", "taskTypeId": "rate_type"},
    "itemPrices": {"price": "price", "taskTypeId": "price_type"},
    "slaCredits": {"belowPercent": "below", "creditPercent": "credit"},
}
_ITEM = re.compile(r"terms\.(\w+)\[(\d+)\]\.(\w+)")


class ContractForm:
    """One submission: its values as typed, and which form row each body list item came from."""

    def __init__(self, values: dict[str, str], locale: str) -> None:
        self.values = values
        self.locale = locale
        self.rows: dict[str, list[int]] = {name: [] for name in _LISTS}
        self.errors: list[FieldError] = []

    def _decimal(self, name: str, path: str, *, required: bool = False) -> str | None:
        raw = self.values.get(name, "")
        if not raw:
            if required:
                self.errors.append(FieldError(path, "required", "This field is required."))
            return None
        plain = number_text(raw, self.locale)
        try:
            Decimal(plain)
        except InvalidOperation:
            self.errors.append(FieldError(path, "invalid", "Enter a number."))
            return None
        return plain

    def _choice(self, name: str, path: str, choices: tuple[str, ...]) -> str:
        value = self.values.get(name, "")
        if value not in choices:
            self.errors.append(FieldError(path, "invalid_choice", "Choose one of the options."))
        return value

    def _typed_rows(self, key: str, type_name: str, name: str, count: int) -> list[dict[str, Any]]:
        """The filled rows of a task type and an amount (``rate_type_0`` and ``rate_0``, ...)."""
        items = []
        for i in range(count):
            kind, path = self.values.get(f"{type_name}_{i}", ""), f"terms.{key}[{len(self.rows[key])}]"
            if not kind and not self.values.get(f"{name}_{i}", ""):
                continue
            self.rows[key].append(i)
            if not kind:
                self.errors.append(FieldError(f"{path}.taskTypeId", "required", "Choose a task type."))
            amount = self._decimal(f"{name}_{i}", f"{path}.{name}", required=True)
            items.append({"taskTypeId": kind or None, name: amount})
        return items

    def body(self) -> dict[str, Any]:
        """The ``ContractCreate`` body; raises ``InvalidInput`` (with billing's paths) when a value cannot
        even be read."""
        v = self.values
        terms: dict[str, Any] = {
            "defaultHourlyRate": self._decimal(
                "default_hourly_rate", "terms.defaultHourlyRate", required=True
            ),
            "slaCredits": [],
        }
        terms["hourlyRates"] = self._typed_rows("hourlyRates", "rate_type", "rate", RATE_ROWS)
        terms["itemPrices"] = self._typed_rows("itemPrices", "price_type", "price", PRICE_ROWS)
        for i in range(CREDIT_ROWS):
            if not v.get(f"below_{i}", "") and not v.get(f"credit_{i}", ""):
                continue
            path = f"terms.slaCredits[{len(self.rows['slaCredits'])}]"
            self.rows["slaCredits"].append(i)
            terms["slaCredits"].append(
                {
                    "belowPercent": self._decimal(f"below_{i}", f"{path}.belowPercent", required=True),
                    "creditPercent": self._decimal(f"credit_{i}", f"{path}.creditPercent", required=True),
                }
            )
        increment = self._choice("increment", "terms.rounding.incrementMinutes", INCREMENTS)
        terms["rounding"] = {
            "incrementMinutes": int(increment) if increment.isdigit() else 1,
            "mode": self._choice("rounding_mode", "terms.rounding.mode", MODES),
            "scope": self._choice("rounding_scope", "terms.rounding.scope", SCOPES),
        }
        terms["surcharges"] = {
            key: self._decimal(name, f"terms.surcharges.{key}") or "1"
            for name, key in (("weekend", "weekend"), ("holiday", "holiday"), ("out_of_hours", "outOfHours"))
        }
        retainer = (
            ("retainer_fee", "fee"),
            ("included_hours", "includedHours"),
            ("overage_rate", "overageRate"),
        )
        if any(v.get(name, "") for name, _ in retainer):
            terms["retainer"] = {
                key: self._decimal(name, f"terms.retainer.{key}", required=True) for name, key in retainer
            }
        minimum = self._decimal("monthly_minimum", "terms.monthlyMinimum")
        if minimum is not None:
            terms["monthlyMinimum"] = minimum
        terms["tax"] = {
            "ratePercent": self._decimal("tax_rate", "terms.tax.ratePercent") or "0",
            "inclusive": v.get("tax_inclusive", "") in {"on", "true", "1"},
        }
        days = v.get("payment_days", "") or "30"
        if not days.isdigit():
            self.errors.append(FieldError("terms.paymentTerms.days", "invalid", "Enter whole days."))
        terms["paymentTerms"] = {
            "days": int(days) if days.isdigit() else 0,
            "collection": self._choice("collection", "terms.paymentTerms.collection", COLLECTIONS),
        }
        if not v.get("effective_from", ""):
            self.errors.append(FieldError("effectiveFrom", "required", "Enter a valid date."))
        if self.errors:
            raise InvalidInput(errors=self.errors)
        body: dict[str, Any] = {
            "tenantId": v.get("client", "") or None,
            "effectiveFrom": v.get("effective_from", ""),
            "note": v.get("note", ""),
            "terms": terms,
        }
        if v.get("currency", ""):
            body["currency"] = v["currency"].upper()
        return body

    def input_of(self, path: str) -> str:
        """The input a billing error path belongs to (the form as a whole when none does)."""
        if path in _PATHS:
            return _PATHS[path]
        found = _ITEM.fullmatch(path)
        if found and found.group(1) in _LISTS:
            rows = self.rows[found.group(1)]
            index = int(found.group(2))
            prefix = _LISTS[found.group(1)].get(found.group(3))
            if prefix and index < len(rows):
                return f"{prefix}_{rows[index]}"
        return FORM_LEVEL

    def error_map(self, exc: DomainError) -> dict[str, str]:
        shown: dict[str, str] = {}
        for error in exc.errors:
            name, message = self.input_of(error.field), error_text(error, self.locale)
            if name == FORM_LEVEL and name in shown:
                shown[name] += " " + message
            else:
                shown.setdefault(name, message)
        return shown


def initial_values(terms: ContractTerms | None, currency: str, locale: str) -> dict[str, str]:
    """A client's latest terms as the starting point of its next version (defaults when it has none)."""
    values = {
        "currency": currency,
        "increment": "1",
        "rounding_mode": "up",
        "rounding_scope": "entry",
        "weekend": "1",
        "holiday": "1",
        "out_of_hours": "1",
        "tax_rate": "0",
        "payment_days": "30",
        "collection": "send_invoice",
    }
    if terms is None:
        return values

    def shown(value: Decimal) -> str:
        return number_shown(value, locale)

    values.update(
        default_hourly_rate=shown(terms.default_hourly_rate),
        increment=str(terms.rounding.increment_minutes),
        rounding_mode=terms.rounding.mode.value,
        rounding_scope=terms.rounding.scope.value,
        weekend=shown(terms.surcharges.weekend),
        holiday=shown(terms.surcharges.holiday),
        out_of_hours=shown(terms.surcharges.out_of_hours),
        tax_rate=shown(terms.tax.rate_percent),
        tax_inclusive="on" if terms.tax.inclusive else "",
        payment_days=str(terms.payment_terms.days),
        collection=terms.payment_terms.collection,
    )
    typed_rates = [r for r in terms.hourly_rates if r.task_type_id is not None and r.skill_level is None]
    for i, rate in enumerate(typed_rates[:RATE_ROWS]):
        values[f"rate_type_{i}"], values[f"rate_{i}"] = str(rate.task_type_id), shown(rate.rate)
    for i, item in enumerate(terms.item_prices[:PRICE_ROWS]):
        values[f"price_type_{i}"], values[f"price_{i}"] = str(item.task_type_id), shown(item.price)
    for i, tier in enumerate(terms.sla_credits[:CREDIT_ROWS]):
        values[f"below_{i}"], values[f"credit_{i}"] = shown(tier.below_percent), shown(tier.credit_percent)
    if terms.retainer is not None:
        values["retainer_fee"] = shown(terms.retainer.fee)
        values["included_hours"] = shown(terms.retainer.included_hours)
        values["overage_rate"] = shown(terms.retainer.overage_rate)
    if terms.monthly_minimum is not None:
        values["monthly_minimum"] = shown(terms.monthly_minimum)
    return values


def skill_rates_dropped(terms: ContractTerms | None) -> bool:
    """Whether the latest version has rates by skill level, which this form does not edit (the API does)."""
    return terms is not None and any(r.skill_level is not None for r in terms.hourly_rates)
