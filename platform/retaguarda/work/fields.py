"""The typed fields of a task type, and the validation of intake payloads against them.

A client's task type declares its fields (text, money, dates, Brazilian CPF / CNPJ …); every task that
arrives — portal form, API, CSV row — carries a payload that is checked here and stored in a normalised,
JSON-safe form: integers as ``int``, decimals as canonical strings, money as integer minor units, dates and
UTC date-times as ISO text, CPF / CNPJ as their compact characters. Pure logic: no database, no HTTP.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Annotated, Any, Final

import msgspec
from babel import numbers as babel_numbers
from email_validator import EmailNotValidError, validate_email
from msgspec import Meta
from stdnum import exceptions as stdnum_errors
from stdnum.br import cnpj as stdnum_cnpj
from stdnum.br import cpf as stdnum_cpf

from retaguarda.errors import FieldError
from retaguarda.i18n import SUPPORTED_LOCALES, minor_unit_digits, normalize_locale, to_minor_units
from retaguarda.wire import WireStruct

KEY_PATTERN: Final = r"^[a-z][a-z0-9_]{0,39}$"
CHOICE_PATTERN: Final = r"^[a-z0-9][a-z0-9_-]{0,39}$"
MAX_FIELDS: Final = 50
MAX_LABEL_LENGTH: Final = 200
MAX_HELP_LENGTH: Final = 500
MAX_CHOICES: Final = 100
MAX_PLACES: Final = 10
# Integers and money minor units stay within what a JavaScript client reads exactly (2**53 - 1): the portal,
# webhooks and client integrations all parse this JSON, and a silently rounded amount is worse than a refusal.
MAX_SAFE_INTEGER: Final = 2**53 - 1
# Decimals keep at most 18 digits before the point; with at most MAX_PLACES after it they fit the 28 digits of
# the default Decimal context, so quantizing never raises.
MAX_INTEGER_DIGITS: Final = 18

FieldKey = Annotated[str, Meta(pattern=KEY_PATTERN)]
ChoiceValue = Annotated[str, Meta(pattern=CHOICE_PATTERN)]
LocaleCode = Annotated[str, Meta(min_length=2, max_length=16)]
Label = Annotated[str, Meta(min_length=1, max_length=MAX_LABEL_LENGTH)]
HelpText = Annotated[str, Meta(min_length=1, max_length=MAX_HELP_LENGTH)]
CurrencyCode = Annotated[str, Meta(pattern=r"^[A-Z]{3}$")]
Bound = int | Annotated[str, Meta(max_length=40)]


class FieldKind(StrEnum):
    TEXT = "text"
    LONG_TEXT = "long_text"
    INTEGER = "integer"
    DECIMAL = "decimal"
    MONEY = "money"
    DATE = "date"
    DATETIME = "datetime"
    BOOLEAN = "boolean"
    CHOICE = "choice"
    EMAIL = "email"
    CPF = "cpf"
    CNPJ = "cnpj"


NUMERIC_KINDS: Final = frozenset({FieldKind.INTEGER, FieldKind.DECIMAL, FieldKind.MONEY})
TEXT_KINDS: Final = frozenset({FieldKind.TEXT, FieldKind.LONG_TEXT})
# The default and the ceiling of ``maxLength``: a longer single line is a long text, and a long text is
# bounded so one task cannot carry a document (attachments are not payload).
MAX_LENGTHS: Final = {FieldKind.TEXT: 200, FieldKind.LONG_TEXT: 10_000}
DEFAULT_PLACES: Final = 2


class Choice(WireStruct, omit_defaults=True):
    """One option of a ``choice`` field: the stored value and its label per locale."""

    value: ChoiceValue
    labels: dict[LocaleCode, Label]


class FieldSpec(WireStruct, omit_defaults=True):
    """One typed field of a task type (``labels`` must include ``en``; options apply to their kinds only)."""

    key: FieldKey
    kind: FieldKind
    labels: dict[LocaleCode, Label]
    required: bool = False
    help: dict[LocaleCode, HelpText] = msgspec.field(default_factory=dict)
    choices: list[Choice] | None = None  # choice only, and required there
    max_length: Annotated[int, Meta(ge=1)] | None = None  # text (default 200), long_text (default 10 000)
    # integer: whole numbers; decimal and money: decimal strings ("0.01") or whole numbers, in major units.
    min: Bound | None = None
    max: Bound | None = None
    places: Annotated[int, Meta(ge=0, le=MAX_PLACES)] | None = None  # decimal only; default 2
    currency: CurrencyCode | None = None  # money only; default: the tenant's currency at intake

    @property
    def effective_max_length(self) -> int:
        return self.max_length or MAX_LENGTHS.get(self.kind, MAX_LENGTHS[FieldKind.LONG_TEXT])

    @property
    def effective_places(self) -> int:
        return DEFAULT_PLACES if self.places is None else self.places


def localized(texts: Mapping[str, str], locale: str | None, fallback: str = "") -> str:
    """The text in ``locale`` (normalised: ``pt-br`` → ``pt_BR``), else in English, else ``fallback``."""
    chosen = normalize_locale(locale)
    return (chosen and texts.get(chosen)) or texts.get("en") or fallback


def field_labels(spec: FieldSpec, locale: str | None) -> str:
    """The label of a field as a reader of ``locale`` sees it (English when that locale has none)."""
    return localized(spec.labels, locale, spec.key)


def choice_label(choice: Choice, locale: str | None) -> str:
    return localized(choice.labels, locale, choice.value)


# ---------------------------------------------------------------------------------------------------------
# Checking a task type's field list


def check_field_specs(specs: Sequence[FieldSpec]) -> list[FieldError]:
    """Every problem in a field list, each with its path (``fields[3].key``); empty when the list is sound.

    Specs decoded from JSON already passed the wire constraints, but templates and the demo build them in
    code, so the shape rules are checked again here.
    """
    errors: list[FieldError] = []
    if len(specs) > MAX_FIELDS:
        errors.append(FieldError("fields", "too_many", f"A task type has at most {MAX_FIELDS} fields."))
    first_index: dict[str, int] = {}
    for index, spec in enumerate(specs):
        path = f"fields[{index}]"
        errors.extend(_check_spec(spec, path))
        if spec.key in first_index:
            errors.append(
                FieldError(
                    f"{path}.key",
                    "duplicate",
                    f"The key {spec.key!r} is already used by fields[{first_index[spec.key]}].",
                )
            )
        else:
            first_index[spec.key] = index
    return errors


def _check_spec(spec: FieldSpec, path: str) -> list[FieldError]:
    errors: list[FieldError] = []
    if not re.fullmatch(KEY_PATTERN, spec.key):
        errors.append(
            FieldError(
                f"{path}.key",
                "invalid",
                "A key starts with a lowercase letter and has up to 40 lowercase letters, digits or _.",
            )
        )
    errors.extend(_check_texts(spec.labels, f"{path}.labels", MAX_LABEL_LENGTH, english_required=True))
    errors.extend(_check_texts(spec.help, f"{path}.help", MAX_HELP_LENGTH, english_required=bool(spec.help)))
    errors.extend(_check_options_apply(spec, path))
    if spec.kind is FieldKind.CHOICE:
        errors.extend(_check_choices(spec.choices, f"{path}.choices"))
    if spec.kind in TEXT_KINDS and spec.max_length is not None:
        errors.extend(_check_max_length(spec, f"{path}.maxLength"))
    if spec.kind in NUMERIC_KINDS:
        errors.extend(_check_bounds(spec, path))
    if spec.kind is FieldKind.DECIMAL and spec.places is not None and not 0 <= spec.places <= MAX_PLACES:
        errors.append(FieldError(f"{path}.places", "out_of_range", f"Places run from 0 to {MAX_PLACES}."))
    if spec.kind is FieldKind.MONEY and spec.currency is not None:
        errors.extend(_check_currency(spec.currency, f"{path}.currency"))
    return errors


_OPTION_KINDS: Final[dict[str, frozenset[FieldKind]]] = {
    "choices": frozenset({FieldKind.CHOICE}),
    "maxLength": TEXT_KINDS,
    "min": NUMERIC_KINDS,
    "max": NUMERIC_KINDS,
    "places": frozenset({FieldKind.DECIMAL}),
    "currency": frozenset({FieldKind.MONEY}),
}


def _check_options_apply(spec: FieldSpec, path: str) -> list[FieldError]:
    given = {
        "choices": spec.choices,
        "maxLength": spec.max_length,
        "min": spec.min,
        "max": spec.max,
        "places": spec.places,
        "currency": spec.currency,
    }
    return [
        FieldError(f"{path}.{option}", "not_allowed", f"{option} does not apply to a {spec.kind} field.")
        for option, value in given.items()
        if value is not None and spec.kind not in _OPTION_KINDS[option]
    ]


def _check_texts(
    texts: Mapping[str, str], path: str, max_length: int, *, english_required: bool
) -> list[FieldError]:
    errors: list[FieldError] = []
    if english_required and not (texts.get("en") or "").strip():
        errors.append(FieldError(f"{path}.en", "required", "An English text is required (the fallback)."))
    supported = ", ".join(SUPPORTED_LOCALES)
    for locale, text in texts.items():
        if locale not in SUPPORTED_LOCALES:
            errors.append(
                FieldError(f"{path}.{locale}", "unsupported_locale", f"Use one of the locales {supported}.")
            )
        elif not text.strip():
            errors.append(FieldError(f"{path}.{locale}", "required", "The text must not be empty."))
        elif len(text) > max_length:
            errors.append(FieldError(f"{path}.{locale}", "too_long", f"At most {max_length} characters."))
    return errors


def _check_choices(choices: list[Choice] | None, path: str) -> list[FieldError]:
    if not choices:
        return [FieldError(path, "required", "A choice field needs at least one choice.")]
    errors: list[FieldError] = []
    if len(choices) > MAX_CHOICES:
        errors.append(FieldError(path, "too_many", f"At most {MAX_CHOICES} choices."))
    seen: set[str] = set()
    for index, choice in enumerate(choices):
        item = f"{path}[{index}]"
        if not re.fullmatch(CHOICE_PATTERN, choice.value):
            errors.append(
                FieldError(
                    f"{item}.value",
                    "invalid",
                    "A choice value has up to 40 lowercase letters, digits, _ or -.",
                )
            )
        elif choice.value in seen:
            errors.append(FieldError(f"{item}.value", "duplicate", f"{choice.value!r} is listed twice."))
        seen.add(choice.value)
        errors.extend(_check_texts(choice.labels, f"{item}.labels", MAX_LABEL_LENGTH, english_required=True))
    return errors


def _check_max_length(spec: FieldSpec, path: str) -> list[FieldError]:
    ceiling = MAX_LENGTHS[spec.kind]
    if spec.max_length is not None and not 1 <= spec.max_length <= ceiling:
        return [FieldError(path, "out_of_range", f"A {spec.kind} field holds 1 to {ceiling} characters.")]
    return []


def _check_bounds(spec: FieldSpec, path: str) -> list[FieldError]:
    errors: list[FieldError] = []
    parsed: dict[str, Decimal] = {}
    for name, bound in (("min", spec.min), ("max", spec.max)):
        if bound is None:
            continue
        value = _parse_bound(bound, spec.kind)
        if value is None:
            expected = (
                "a whole number" if spec.kind is FieldKind.INTEGER else 'a decimal string such as "0.01"'
            )
            errors.append(FieldError(f"{path}.{name}", "invalid_type", f"{name} must be {expected}."))
        else:
            parsed[name] = value
    if "min" in parsed and "max" in parsed and parsed["min"] > parsed["max"]:
        errors.append(FieldError(f"{path}.min", "invalid_range", "min must not be greater than max."))
    return errors


def _parse_bound(bound: object, kind: FieldKind) -> Decimal | None:
    if isinstance(bound, bool):
        return None
    if isinstance(bound, int):
        return Decimal(bound)
    if kind is not FieldKind.INTEGER and isinstance(bound, str) and _DECIMAL_TEXT.fullmatch(bound.strip()):
        return Decimal(bound.strip())
    return None


def _check_currency(currency: str, path: str) -> list[FieldError]:
    if re.fullmatch(r"[A-Z]{3}", currency) and babel_numbers.is_currency(currency):
        return []
    return [FieldError(path, "unknown_currency", "Use an ISO 4217 currency code such as BRL.")]


# ---------------------------------------------------------------------------------------------------------
# Validating a payload


class _Rejected(Exception):
    """One bad value: becomes the single FieldError of its field."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True, slots=True)
class _Intake:
    currency: str
    # CSV rows carry every value as text: "12" is an integer there, while JSON must send 12.
    lenient_strings: bool


def validate_payload(
    specs: Sequence[FieldSpec],
    payload: Mapping[str, Any],
    *,
    currency: str,
    lenient_strings: bool = False,
) -> tuple[dict[str, Any], list[FieldError]]:
    """The normalised payload and one FieldError per bad field (``payload.<key>``), in the type's order.

    Missing values (absent, null, or blank text) are left out of the result; a required one is an error.
    Keys the type does not declare are errors too, listed after the declared fields. ``currency`` is the
    tenant's, used by money fields that name none; ``lenient_strings`` is for CSV intake.
    """
    if not isinstance(payload, Mapping):
        return {}, [FieldError("payload", "invalid_type", "The payload must be a JSON object.")]
    intake = _Intake(currency=currency.upper(), lenient_strings=lenient_strings)
    normalised: dict[str, Any] = {}
    errors: list[FieldError] = []
    for spec in specs:
        path = f"payload.{spec.key}"
        value = _present(payload.get(spec.key))
        if value is None:
            if spec.required:
                errors.append(FieldError(path, "required", f"{field_labels(spec, 'en')} is required."))
            continue
        try:
            normalised[spec.key] = _NORMALISERS[spec.kind](spec, value, intake)
        except _Rejected as rejected:
            errors.append(FieldError(path, rejected.code, rejected.message))
    declared = {spec.key for spec in specs}
    errors.extend(
        FieldError(f"payload.{key}", "unknown_field", "This task type has no such field.")
        for key in payload
        if key not in declared
    )
    return normalised, errors


def _present(value: Any) -> Any:
    """The value with surrounding whitespace stripped, or None when it is missing (null or blank)."""
    if isinstance(value, str):
        value = value.strip()
        return value or None
    return value


def _text(spec: FieldSpec, value: Any, intake: _Intake) -> str:
    if not isinstance(value, str):
        raise _Rejected("invalid_type", "Send text.")
    # Postgres jsonb refuses U+0000, and other control characters are never meant; line breaks and tabs are.
    if any(unicodedata.category(char) == "Cc" and char not in "\n\r\t" for char in value):
        raise _Rejected("invalid_type", "The text contains control characters.")
    limit = spec.effective_max_length
    if len(value) > limit:
        raise _Rejected("too_long", f"At most {limit} characters (this has {len(value)}).")
    return value


_WHOLE_TEXT = re.compile(r"[+-]?\d{1,20}")
_DECIMAL_TEXT = re.compile(r"[+-]?(\d+)(?:\.(\d+))?")
_DECIMAL_HINT = 'Send decimals as strings such as "1234.56" (a dot before the decimals, no separators).'


def _integer(spec: FieldSpec, value: Any, intake: _Intake) -> int:
    if isinstance(value, str) and intake.lenient_strings and _WHOLE_TEXT.fullmatch(value):
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int):
        hint = "such as 12" if intake.lenient_strings else "as a JSON number such as 12, not text"
        raise _Rejected("invalid_type", f"Send a whole number {hint}.")
    _check_range(spec, Decimal(value), str)
    if abs(value) > MAX_SAFE_INTEGER:
        raise _Rejected(
            "too_large" if value > 0 else "too_small", "The number is beyond the supported range."
        )
    return value


def _decimal_value(value: Any) -> tuple[Decimal, int]:
    """A JSON whole number or decimal string as an exact Decimal and its count of decimal places."""
    if isinstance(value, float):
        # msgspec decodes 1234.56 in JSON to a binary float, which cannot hold most decimal amounts exactly.
        raise _Rejected("invalid_type", _DECIMAL_HINT)
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    match = _DECIMAL_TEXT.fullmatch(value) if isinstance(value, str) and len(value) <= 80 else None
    if match is None:
        raise _Rejected("invalid_type", _DECIMAL_HINT)
    whole, fraction = match.group(1), match.group(2) or ""
    if len(whole.lstrip("0")) > MAX_INTEGER_DIGITS:
        code = "too_small" if value.startswith("-") else "too_large"
        raise _Rejected(code, "The number is beyond the supported range.")
    return Decimal(value), len(fraction.rstrip("0"))


def _decimal(spec: FieldSpec, value: Any, intake: _Intake) -> str:
    amount, decimals = _decimal_value(value)
    places = spec.effective_places
    if decimals > places:
        raise _Rejected("too_many_decimals", f"At most {_places_text(places)}.")
    _check_range(spec, amount, _plain)
    canonical = amount.quantize(Decimal(1).scaleb(-places))
    # "f" keeps plain notation (str() would write 1E-7); abs() turns -0.00 into 0.00.
    return format(abs(canonical) if canonical.is_zero() else canonical, "f")


def _money(spec: FieldSpec, value: Any, intake: _Intake) -> int:
    """Money is sent in major units ("1234.56", or 1234 for whole amounts) and stored as minor units."""
    amount, decimals = _decimal_value(value)
    currency = spec.currency or intake.currency
    digits = minor_unit_digits(currency)
    if decimals > digits:
        allowed = "no decimal places" if digits == 0 else f"at most {_places_text(digits)}"
        raise _Rejected("too_many_decimals", f"{currency} amounts have {allowed}.")
    _check_range(spec, amount, _plain)
    # Exact: the amount has no more decimals than the currency, so no rounding happens here.
    minor = to_minor_units(amount, currency)
    if abs(minor) > MAX_SAFE_INTEGER:
        raise _Rejected(
            "too_large" if minor > 0 else "too_small", "The amount is beyond the supported range."
        )
    return minor


def _places_text(places: int) -> str:
    return "1 decimal place" if places == 1 else f"{places} decimal places"


def _plain(value: Decimal) -> str:
    return format(value, "f")


def _check_range(spec: FieldSpec, value: Decimal, show: Callable[[Decimal], str]) -> None:
    low, high = _parse_bound(spec.min, spec.kind), _parse_bound(spec.max, spec.kind)
    if low is not None and value < low:
        raise _Rejected("too_small", f"Must be at least {show(low)}.")
    if high is not None and value > high:
        raise _Rejected("too_large", f"Must be at most {show(high)}.")


_DATE_TEXT = re.compile(r"\d{4}-\d{2}-\d{2}")
_DATETIME_TEXT = re.compile(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}.*")


def _date(spec: FieldSpec, value: Any, intake: _Intake) -> str:
    if not isinstance(value, str):
        raise _Rejected("invalid_type", "Send the date as text in the format YYYY-MM-DD.")
    if not _DATE_TEXT.fullmatch(value):
        raise _Rejected("invalid_date", "Use the format YYYY-MM-DD, such as 2025-01-31.")
    try:
        return date.fromisoformat(value).isoformat()
    except ValueError:
        raise _Rejected("invalid_date", "This date does not exist.") from None


def _datetime(spec: FieldSpec, value: Any, intake: _Intake) -> str:
    if not isinstance(value, str):
        raise _Rejected("invalid_type", "Send the date and time as ISO 8601 text.")
    example = "such as 2025-01-31T14:30:00-03:00 or 2025-01-31T17:30:00Z"
    try:
        if not _DATETIME_TEXT.fullmatch(value):
            raise ValueError(value)
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise _Rejected("invalid_datetime", f"Use an ISO 8601 date and time, {example}.") from None
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise _Rejected("invalid_datetime", f"Include the UTC offset, {example}.")
    try:
        # Stored in UTC, shown in each reader's time zone.
        return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")
    except OverflowError:
        raise _Rejected("invalid_datetime", "This date and time is out of range.") from None


_TRUE_WORDS: Final = frozenset({"true", "1", "yes", "sim", "si", "sí", "y", "s"})
_FALSE_WORDS: Final = frozenset({"false", "0", "no", "não", "nao", "n"})


def _boolean(spec: FieldSpec, value: Any, intake: _Intake) -> bool:
    if isinstance(value, bool):
        return value
    if intake.lenient_strings and isinstance(value, str):
        word = value.casefold()
        if word in _TRUE_WORDS:
            return True
        if word in _FALSE_WORDS:
            return False
        raise _Rejected("invalid_type", "Write true or false (sim / não, sí / no, 1 / 0 also work).")
    raise _Rejected("invalid_type", "Send true or false.")


def _choice(spec: FieldSpec, value: Any, intake: _Intake) -> str:
    choices = spec.choices or []
    if not isinstance(value, str):
        raise _Rejected("invalid_type", "Send the choice's value as text.")
    if any(choice.value == value for choice in choices):
        return value
    if intake.lenient_strings:
        # People filling a spreadsheet type "Boleto" or "PIX": match values and labels, ignoring case.
        wanted = value.casefold()
        for choice in choices:
            if wanted == choice.value.casefold() or any(
                wanted == label.strip().casefold() for label in choice.labels.values()
            ):
                return choice.value
    allowed = ", ".join(choice.value for choice in choices)
    raise _Rejected("invalid_choice", f"Choose one of: {allowed}.")


def _email(spec: FieldSpec, value: Any, intake: _Intake) -> str:
    if not isinstance(value, str):
        raise _Rejected("invalid_type", "Send the email address as text.")
    try:
        # Syntax only: a DNS lookup per intake row would be slow and fail offline.
        return validate_email(value, check_deliverability=False).normalized
    except EmailNotValidError as exc:
        raise _Rejected("invalid_email", str(exc)) from None


def _cpf(spec: FieldSpec, value: Any, intake: _Intake) -> str:
    if not isinstance(value, str):
        raise _Rejected("invalid_type", "Send the CPF as text (a number would lose its leading zeros).")
    try:
        number = stdnum_cpf.validate(value)
    except stdnum_errors.InvalidChecksum:
        raise _Rejected("invalid_cpf", "CPF check digits do not match.") from None
    except stdnum_errors.InvalidLength:
        raise _Rejected("invalid_cpf", "A CPF has 11 digits.") from None
    except stdnum_errors.ValidationError:
        raise _Rejected("invalid_cpf", "Write the CPF as 123.456.789-09 or as 11 digits.") from None
    # 111.111.111-11 and the like pass the check digits but are never issued.
    if len(set(number)) == 1:
        raise _Rejected("invalid_cpf", "A CPF with all digits equal is not valid.")
    return number


def _cnpj(spec: FieldSpec, value: Any, intake: _Intake) -> str:
    if not isinstance(value, str):
        raise _Rejected("invalid_type", "Send the CNPJ as text (a number would lose its leading zeros).")
    try:
        # Also accepts the alphanumeric CNPJ the Receita Federal issues from 2026.
        number = stdnum_cnpj.validate(value)
    except stdnum_errors.InvalidChecksum:
        raise _Rejected("invalid_cnpj", "CNPJ check digits do not match.") from None
    except stdnum_errors.InvalidLength:
        raise _Rejected("invalid_cnpj", "A CNPJ has 14 characters.") from None
    except stdnum_errors.ValidationError:
        raise _Rejected("invalid_cnpj", "Write the CNPJ as 12.345.678/0001-95 or as 14 characters.") from None
    if len(set(number)) == 1:
        raise _Rejected("invalid_cnpj", "A CNPJ with all digits equal is not valid.")
    return number


_NORMALISERS: Final[dict[FieldKind, Callable[[FieldSpec, Any, _Intake], Any]]] = {
    FieldKind.TEXT: _text,
    FieldKind.LONG_TEXT: _text,
    FieldKind.INTEGER: _integer,
    FieldKind.DECIMAL: _decimal,
    FieldKind.MONEY: _money,
    FieldKind.DATE: _date,
    FieldKind.DATETIME: _datetime,
    FieldKind.BOOLEAN: _boolean,
    FieldKind.CHOICE: _choice,
    FieldKind.EMAIL: _email,
    FieldKind.CPF: _cpf,
    FieldKind.CNPJ: _cnpj,
}
