"""A task type's typed fields as form inputs, and stored payload values as a reader sees them.

The form only translates what people type into the shapes the intake validator takes (``1.234,56`` in
Portuguese becomes ``"1234.56"``, a local date-time gets the viewer's UTC offset); whether a value is valid is
decided by that validator alone, the same one the API and CSV imports use.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any
from zoneinfo import ZoneInfo

from babel import numbers as babel_numbers
from babel.numbers import NumberFormatError
from stdnum.br import cnpj as stdnum_cnpj
from stdnum.br import cpf as stdnum_cpf

from retaguarda.i18n import (
    format_date,
    format_datetime,
    format_decimal,
    format_money,
    format_number,
    gettext_for,
)
from retaguarda.work.fields import FieldKind, FieldSpec, choice_label, field_labels, localized

PREFIX = "f_"
INPUT_TYPES: dict[FieldKind, str] = {
    FieldKind.TEXT: "text",
    FieldKind.INTEGER: "text",
    FieldKind.DECIMAL: "text",
    FieldKind.MONEY: "text",
    FieldKind.DATE: "date",
    FieldKind.DATETIME: "datetime-local",
    FieldKind.EMAIL: "email",
    FieldKind.CPF: "text",
    FieldKind.CNPJ: "text",
}
INPUT_MODES: dict[FieldKind, str] = {
    FieldKind.INTEGER: "numeric",
    FieldKind.DECIMAL: "decimal",
    FieldKind.MONEY: "decimal",
    FieldKind.CPF: "numeric",
}
_WHOLE = re.compile(r"[+-]?\d+")


@dataclass
class FieldInput:
    """One input of the submit form, ready for the template."""

    name: str
    kind: str
    label: str
    help: str
    required: bool
    input_type: str
    input_mode: str
    value: str
    checked: bool
    currency: str
    choices: list[tuple[str, str]] = field(default_factory=list)
    max_length: int | None = None
    error: str | None = None


def field_inputs(
    specs: Sequence[FieldSpec],
    locale: str,
    currency: str,
    values: Mapping[str, str],
    errors: Mapping[str, str],
) -> list[FieldInput]:
    inputs = []
    for spec in specs:
        name = PREFIX + spec.key
        inputs.append(
            FieldInput(
                name=name,
                kind=spec.kind.value,
                label=field_labels(spec, locale),
                help=localized(spec.help, locale),
                required=spec.required,
                input_type=INPUT_TYPES.get(spec.kind, "text"),
                input_mode=INPUT_MODES.get(spec.kind, ""),
                value=values.get(name, ""),
                checked=values.get(name, "") in {"on", "true", "1"},
                currency=(spec.currency or currency) if spec.kind is FieldKind.MONEY else "",
                choices=[(c.value, choice_label(c, locale)) for c in spec.choices or []],
                max_length=spec.effective_max_length
                if spec.kind in {FieldKind.TEXT, FieldKind.LONG_TEXT}
                else None,
                error=errors.get(name),
            )
        )
    return inputs


def _number_text(raw: str, locale: str) -> str:
    """A number as typed in the viewer's locale (``1.234,56`` in pt_BR), as the plain ``1234.56`` the
    validator reads; text that is no number is passed on as it is, for the validator to refuse."""
    try:
        return format(babel_numbers.parse_decimal(raw, locale=locale, strict=True), "f")
    except NumberFormatError:
        pass
    try:
        return format(Decimal(raw), "f") if re.fullmatch(r"[+-]?\d+(\.\d+)?", raw) else raw
    except InvalidOperation:
        return raw


def number_text(raw: str, locale: str) -> str:
    """A number typed the viewer's way as the plain decimal text the services read (see ``_number_text``)."""
    return _number_text(raw.strip(), locale)


def number_shown(value: Decimal | float, locale: str) -> str:
    """A number as a form's initial value in the viewer's locale, without grouping (``1234,5``), so that
    ``number_text`` reads it back unchanged."""
    return str(
        babel_numbers.format_decimal(
            Decimal(str(value)), locale=locale, group_separator=False, decimal_quantization=False
        )
    )


def _local_datetime(raw: str, timezone: str) -> str:
    """``2025-01-31T14:30`` from a datetime-local input, in the viewer's zone, with its offset."""
    try:
        moment = datetime.fromisoformat(raw)
    except ValueError:
        return raw
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=ZoneInfo(timezone))
    return moment.isoformat()


def form_payload(
    specs: Sequence[FieldSpec], form: Mapping[str, Any], locale: str, timezone: str
) -> dict[str, Any]:
    """The payload the form describes, each value in the JSON shape its kind takes on the API."""
    payload: dict[str, Any] = {}
    for spec in specs:
        raw = form.get(PREFIX + spec.key)
        text = raw.strip() if isinstance(raw, str) else ""
        if spec.kind is FieldKind.BOOLEAN:
            payload[spec.key] = text in {"on", "true", "1"}
            continue
        if not text:
            continue
        if spec.kind is FieldKind.INTEGER:
            number = _number_text(text, locale)
            payload[spec.key] = int(number) if _WHOLE.fullmatch(number) else text
        elif spec.kind in {FieldKind.DECIMAL, FieldKind.MONEY}:
            payload[spec.key] = _number_text(text, locale)
        elif spec.kind is FieldKind.DATETIME:
            payload[spec.key] = _local_datetime(text, timezone)
        else:
            payload[spec.key] = text
    return payload


@dataclass(frozen=True)
class ShownValue:
    label: str
    value: str
    kind: str


def shown_values(
    specs: Sequence[FieldSpec], payload: Mapping[str, Any], locale: str, timezone: str, currency: str
) -> list[ShownValue]:
    """A stored payload as its reader sees it: money with its currency, numbers and dates in the reader's
    locale and time zone, choices by their label."""
    shown = []
    for spec in specs:
        if spec.key not in payload:
            continue
        try:
            text = _shown(spec, payload[spec.key], locale, timezone, currency)
        except (ValueError, TypeError, ArithmeticError):
            text = str(payload[spec.key])
        shown.append(ShownValue(field_labels(spec, locale), text, spec.kind.value))
    return shown


def _shown(spec: FieldSpec, value: Any, locale: str, timezone: str, currency: str) -> str:
    kind = spec.kind
    if kind is FieldKind.BOOLEAN:
        translate = gettext_for(locale)
        return translate("Yes") if value else translate("No")
    if kind is FieldKind.CHOICE:
        chosen = next((c for c in spec.choices or [] if c.value == value), None)
        return choice_label(chosen, locale) if chosen else str(value)
    shown = _SHOWN.get(kind)
    return shown(spec, value, locale, timezone, currency) if shown else str(value)


_SHOWN: dict[FieldKind, Any] = {
    FieldKind.MONEY: lambda spec, v, locale, tz, cur: format_money(int(v), spec.currency or cur, locale),
    FieldKind.DECIMAL: lambda spec, v, locale, tz, cur: format_decimal(
        Decimal(str(v)), locale, spec.effective_places
    ),
    FieldKind.INTEGER: lambda spec, v, locale, tz, cur: format_number(int(v), locale),
    FieldKind.DATE: lambda spec, v, locale, tz, cur: format_date(date.fromisoformat(str(v)), locale),
    FieldKind.DATETIME: lambda spec, v, locale, tz, cur: format_datetime(
        datetime.fromisoformat(str(v).replace("Z", "+00:00")), tz, locale
    ),
    FieldKind.CPF: lambda spec, v, locale, tz, cur: str(stdnum_cpf.format(str(v))),
    FieldKind.CNPJ: lambda spec, v, locale, tz, cur: str(stdnum_cnpj.format(str(v))),
}
