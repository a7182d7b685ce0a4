"""How an invoice line reads to a person, in their language. Labels are built from the line's kind and what
it was computed from, so a stored line can be shown in any locale."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from retaguarda.i18n import N_, format_decimal, format_percent, gettext_for

CATEGORY_LABELS = {
    "out_of_hours": N_("out of hours"),
    "weekend": N_("weekend"),
    "holiday": N_("holiday"),
    "normal": N_("business hours"),
}


def task_type_name(detail: Mapping[str, Any], locale: str) -> str:
    names = detail.get("taskTypeNames") or {}
    return str(names.get(locale) or names.get("en") or detail.get("taskTypeCode") or "")


def describe_line(
    kind: str,
    *,
    locale: str,
    detail: Mapping[str, Any],
    skill_level: int | None = None,
    category: str | None = None,
    multiplier: Decimal | None = None,
    quantity: Decimal | None = None,
    description: str = "",
) -> str:
    """The line's label; time of an earlier period (billed late) says so."""
    text = _describe_kind(
        kind,
        locale=locale,
        detail=detail,
        skill_level=skill_level,
        category=category,
        multiplier=multiplier,
        quantity=quantity,
        description=description,
    )
    if detail.get("priorPeriod") and kind in {"hours", "surcharge", "items"}:
        _ = gettext_for(locale)
        return _("Prior-period time: %(line)s") % {"line": text}
    return text


def _describe_kind(  # noqa: PLR0911, PLR0912 - one label per kind of line
    kind: str,
    *,
    locale: str,
    detail: Mapping[str, Any],
    skill_level: int | None = None,
    category: str | None = None,
    multiplier: Decimal | None = None,
    quantity: Decimal | None = None,
    description: str = "",
) -> str:
    _ = gettext_for(locale)
    name = task_type_name(detail, locale)
    if kind == "hours":
        text = _("%(task_type)s: hours") % {"task_type": name}
        if skill_level is not None:
            text += " " + _("(skill level %(level)d)") % {"level": skill_level}
        if detail.get("coveredByRetainer"):
            text += " " + _("(covered by the retainer)")
        return text
    if kind == "surcharge":
        return _("Surcharge for %(category)s work (x%(multiplier)s)") % {
            "category": _(CATEGORY_LABELS.get(category or "", category or "")),
            "multiplier": format_decimal(multiplier or Decimal(1), locale, 2),
        }
    if kind == "items":
        return _("%(task_type)s: completed items") % {"task_type": name}
    if kind == "retainer":
        included = Decimal(str(detail.get("includedHours", "0")))
        return _("Monthly retainer (hours included: %(hours)s)") % {
            "hours": format_decimal(included, locale, 2)
        }
    if kind == "overage":
        return _("Hours beyond the retainer")
    if kind == "minimum":
        return _("Monthly minimum top-up")
    if kind == "sla_credit":
        attainment = detail.get("attainment")
        shown = format_percent(Decimal(str(attainment)), locale) if attainment not in (None, "None") else "-"
        return _("SLA credit (resolution attainment %(attainment)s)") % {"attainment": shown}
    if kind == "adjustment":
        return description or _("Adjustment")
    if kind == "rounding":
        return _("Rounding to the amount charged")
    if kind == "tax":
        rate = format_decimal(quantity or Decimal(0), locale, 2)
        if detail.get("included"):
            return _("Tax included (%(rate)s%%)") % {"rate": rate}
        return _("Tax (%(rate)s%%)") % {"rate": rate}
    return kind
