"""Typed task-type fields: checking a field list and validating intake payloads against it.

Pure logic: no database and no app.
"""

from __future__ import annotations

from typing import Any

import msgspec
import pytest
from stdnum.br import cnpj, cpf

from retaguarda.errors import FieldError
from retaguarda.work.fields import (
    Choice,
    FieldKind,
    FieldSpec,
    check_field_specs,
    choice_label,
    field_labels,
    validate_payload,
)


def _valid_cpf(base: str = "123456789") -> str:
    """The base with the check digits stdnum accepts."""
    return next(base + f"{d:02d}" for d in range(100) if cpf.is_valid(base + f"{d:02d}"))


def _valid_cnpj(base: str = "112223330001") -> str:
    return base + cnpj.calc_check_digits(base)


def _mutate(number: str, position: int = -1) -> str:
    digits = list(number)
    digits[position] = str((int(digits[position]) + 1) % 10)
    return "".join(digits)


CPF = _valid_cpf()
CNPJ = _valid_cnpj()
FORMATTED_CPF = cpf.format(CPF)
FORMATTED_CNPJ = cnpj.format(CNPJ)

PAYMENT = [
    Choice(value="boleto", labels={"en": "Boleto", "pt_BR": "Boleto", "es": "Boleto bancario"}),
    Choice(value="pix", labels={"en": "Pix"}),
    Choice(value="ted", labels={"en": "Bank transfer (TED)", "pt_BR": "Transferência (TED)"}),
]


def spec(kind: FieldKind, key: str = "value", **options: Any) -> FieldSpec:
    if kind is FieldKind.CHOICE and "choices" not in options:
        options["choices"] = PAYMENT
    return FieldSpec(key=key, kind=kind, labels={"en": key.replace("_", " ").capitalize()}, **options)


def one(
    field: FieldSpec, value: Any, *, currency: str = "BRL", lenient: bool = False
) -> tuple[Any, list[FieldError]]:
    """The normalised value of one field (or None) and the errors."""
    normalised, errors = validate_payload(
        [field], {field.key: value}, currency=currency, lenient_strings=lenient
    )
    return normalised.get(field.key), errors


def codes(errors: list[FieldError]) -> list[str]:
    return [error.code for error in errors]


# ---------------------------------------------------------------------------------------------------------
# Every kind, accepted and rejected


@pytest.mark.parametrize(
    ("field", "raw", "expected"),
    [
        (spec(FieldKind.TEXT), "  Nota 123  ", "Nota 123"),
        (spec(FieldKind.TEXT, max_length=5), "abcde", "abcde"),
        (spec(FieldKind.LONG_TEXT), "line one\nline two\ttab", "line one\nline two\ttab"),
        (spec(FieldKind.LONG_TEXT), "x" * 10_000, "x" * 10_000),
        (spec(FieldKind.INTEGER), 12, 12),
        (spec(FieldKind.INTEGER, min=0, max=10), 10, 10),
        (spec(FieldKind.INTEGER), -3, -3),
        (spec(FieldKind.DECIMAL), "1234.5", "1234.50"),
        (spec(FieldKind.DECIMAL), 7, "7.00"),
        (spec(FieldKind.DECIMAL), "1.230", "1.23"),
        (spec(FieldKind.DECIMAL), "-0", "0.00"),
        (spec(FieldKind.DECIMAL, places=0), "42", "42"),
        (spec(FieldKind.DECIMAL, places=8), "0.00000001", "0.00000001"),
        (spec(FieldKind.DECIMAL, min="0.5", max="40"), "0.5", "0.50"),
        (spec(FieldKind.MONEY), "1234.56", 123456),
        (spec(FieldKind.MONEY), 1500, 150000),
        (spec(FieldKind.MONEY, min="0.01"), "0.01", 1),
        (spec(FieldKind.DATE), "2024-02-29", "2024-02-29"),
        (spec(FieldKind.DATETIME), "2025-01-31T14:30:00-03:00", "2025-01-31T17:30:00Z"),
        (spec(FieldKind.DATETIME), "2025-01-31T17:30:00Z", "2025-01-31T17:30:00Z"),
        (spec(FieldKind.DATETIME), "2025-01-01T01:15:30.5+05:30", "2024-12-31T19:45:30.500000Z"),
        (spec(FieldKind.BOOLEAN), True, True),
        (spec(FieldKind.BOOLEAN), False, False),
        (spec(FieldKind.CHOICE), "pix", "pix"),
        (spec(FieldKind.EMAIL), " Ana.Souza@Empresa.COM.br ", "Ana.Souza@empresa.com.br"),
        (spec(FieldKind.CPF), FORMATTED_CPF, CPF),
        (spec(FieldKind.CPF), CPF, CPF),
        (spec(FieldKind.CNPJ), FORMATTED_CNPJ, CNPJ),
        (spec(FieldKind.CNPJ), CNPJ, CNPJ),
    ],
    ids=lambda value: value.kind.value if isinstance(value, FieldSpec) else None,
)
def test_every_kind_accepts_and_normalises(field: FieldSpec, raw: Any, expected: Any) -> None:
    value, errors = one(field, raw)
    assert errors == []
    assert value == expected
    assert type(value) is type(expected)


@pytest.mark.parametrize(
    ("field", "raw", "code"),
    [
        (spec(FieldKind.TEXT), 12, "invalid_type"),
        (spec(FieldKind.TEXT), "a" * 201, "too_long"),
        (spec(FieldKind.TEXT, max_length=5), "abcdef", "too_long"),
        (spec(FieldKind.TEXT), "nul\x00byte", "invalid_type"),
        (spec(FieldKind.LONG_TEXT), "x" * 10_001, "too_long"),
        (spec(FieldKind.INTEGER), "12", "invalid_type"),
        (spec(FieldKind.INTEGER), 12.0, "invalid_type"),
        (spec(FieldKind.INTEGER), True, "invalid_type"),
        (spec(FieldKind.INTEGER, min=1), 0, "too_small"),
        (spec(FieldKind.INTEGER, max=500), 501, "too_large"),
        (spec(FieldKind.INTEGER), 2**60, "too_large"),
        (spec(FieldKind.DECIMAL), 1.5, "invalid_type"),
        (spec(FieldKind.DECIMAL), "1,5", "invalid_type"),
        (spec(FieldKind.DECIMAL), "1e5", "invalid_type"),
        (spec(FieldKind.DECIMAL), "NaN", "invalid_type"),
        (spec(FieldKind.DECIMAL), "1.234", "too_many_decimals"),
        (spec(FieldKind.DECIMAL, places=1), "0.25", "too_many_decimals"),
        (spec(FieldKind.DECIMAL, min="2", max="5"), "1.99", "too_small"),
        (spec(FieldKind.DECIMAL, min="2", max="5"), "5.01", "too_large"),
        (spec(FieldKind.DECIMAL), "9" * 19, "too_large"),
        (spec(FieldKind.MONEY), 12.5, "invalid_type"),
        (spec(FieldKind.MONEY), "R$ 12,50", "invalid_type"),
        (spec(FieldKind.MONEY), "12.505", "too_many_decimals"),
        (spec(FieldKind.MONEY, min="0.01"), "0", "too_small"),
        (spec(FieldKind.MONEY, max="1000"), "1000.01", "too_large"),
        (spec(FieldKind.DATE), "31/01/2025", "invalid_date"),
        (spec(FieldKind.DATE), "2025-02-30", "invalid_date"),
        (spec(FieldKind.DATE), "20250131", "invalid_date"),
        (spec(FieldKind.DATE), 20250131, "invalid_type"),
        (spec(FieldKind.DATETIME), "2025-01-31T14:30:00", "invalid_datetime"),
        (spec(FieldKind.DATETIME), "2025-01-31", "invalid_datetime"),
        (spec(FieldKind.DATETIME), "yesterday", "invalid_datetime"),
        (spec(FieldKind.BOOLEAN), "true", "invalid_type"),
        (spec(FieldKind.BOOLEAN), 1, "invalid_type"),
        (spec(FieldKind.CHOICE), "cheque", "invalid_choice"),
        (spec(FieldKind.CHOICE), "PIX", "invalid_choice"),
        (spec(FieldKind.CHOICE), 1, "invalid_type"),
        (spec(FieldKind.EMAIL), "ana@", "invalid_email"),
        (spec(FieldKind.EMAIL), "ana.empresa.com.br", "invalid_email"),
        (spec(FieldKind.CPF), _mutate(CPF), "invalid_cpf"),
        (spec(FieldKind.CPF), CPF[:-1], "invalid_cpf"),
        (spec(FieldKind.CPF), "111.111.111-11", "invalid_cpf"),
        (spec(FieldKind.CPF), "abc.def.ghi-jk", "invalid_cpf"),
        (spec(FieldKind.CPF), int(CPF), "invalid_type"),
        (spec(FieldKind.CNPJ), _mutate(CNPJ), "invalid_cnpj"),
        (spec(FieldKind.CNPJ), CNPJ + "0", "invalid_cnpj"),
        (spec(FieldKind.CNPJ), "00.000.000/0000-00", "invalid_cnpj"),
    ],
    ids=lambda value: value.kind.value if isinstance(value, FieldSpec) else None,
)
def test_every_kind_rejects_with_its_code(field: FieldSpec, raw: Any, code: str) -> None:
    value, errors = one(field, raw)
    assert value is None
    assert codes(errors) == [code]
    assert errors[0].field == "payload.value"
    assert errors[0].message


def test_float_for_money_or_decimal_tells_the_client_to_send_a_string() -> None:
    for field in (spec(FieldKind.MONEY), spec(FieldKind.DECIMAL)):
        _, errors = one(field, 1234.56)
        assert codes(errors) == ["invalid_type"]
        assert '"1234.56"' in errors[0].message


def test_floats_arrive_as_floats_from_json() -> None:
    """Why the rule above matters: msgspec decodes a JSON number with a fraction as float."""
    payload = msgspec.json.decode(b'{"value": 0.1}')
    _, errors = validate_payload([spec(FieldKind.MONEY)], payload, currency="BRL")
    assert codes(errors) == ["invalid_type"]


# ---------------------------------------------------------------------------------------------------------
# Brazilian documents


def test_cpf_and_cnpj_examples_are_valid_for_stdnum() -> None:
    assert cpf.is_valid(CPF)
    assert cnpj.is_valid(CNPJ)
    assert CPF == "12345678909"
    assert FORMATTED_CNPJ == "11.222.333/0001-81"


# Not every position: the check digits' "mod 11, then 10 counts as 0" rule lets a few single changes pass
# (22345678909 is as valid as 12345678909).
@pytest.mark.parametrize("position", [3, 8, 9, 10])
def test_a_mutated_cpf_digit_fails_the_check_digits(position: int) -> None:
    assert not cpf.is_valid(_mutate(CPF, position))
    _, errors = one(spec(FieldKind.CPF), _mutate(CPF, position))
    assert errors == [FieldError("payload.value", "invalid_cpf", "CPF check digits do not match.")]


@pytest.mark.parametrize("position", [0, 7, 12, 13])
def test_a_mutated_cnpj_digit_fails_the_check_digits(position: int) -> None:
    assert not cnpj.is_valid(_mutate(CNPJ, position))
    _, errors = one(spec(FieldKind.CNPJ), _mutate(CNPJ, position))
    assert errors == [FieldError("payload.value", "invalid_cnpj", "CNPJ check digits do not match.")]


def test_cnpj_may_be_alphanumeric_as_issued_from_2026() -> None:
    base = "12ABC34501DE"
    value, errors = one(spec(FieldKind.CNPJ), base + cnpj.calc_check_digits(base))
    assert errors == []
    assert value == base + cnpj.calc_check_digits(base)


# ---------------------------------------------------------------------------------------------------------
# Money in each currency's minor units


@pytest.mark.parametrize(
    ("currency", "raw", "minor"),
    [
        ("BRL", "1234.56", 123456),
        ("BRL", "1234.5", 123450),
        ("BRL", 10, 1000),
        ("JPY", "1234", 1234),
        ("JPY", "1234.00", 1234),
        ("KWD", "1.234", 1234),
        ("KWD", "1", 1000),
        ("usd", "0.99", 99),
    ],
)
def test_money_is_stored_in_minor_units_of_the_currency(currency: str, raw: Any, minor: int) -> None:
    value, errors = one(spec(FieldKind.MONEY), raw, currency=currency)
    assert errors == []
    assert value == minor


@pytest.mark.parametrize(
    ("currency", "raw", "message"),
    [
        ("BRL", "1.234", "BRL amounts have at most 2 decimal places."),
        ("JPY", "1234.5", "JPY amounts have no decimal places."),
        ("KWD", "1.2345", "KWD amounts have at most 3 decimal places."),
    ],
)
def test_money_refuses_more_decimals_than_the_currency_has(currency: str, raw: str, message: str) -> None:
    _, errors = one(spec(FieldKind.MONEY), raw, currency=currency)
    assert errors == [FieldError("payload.value", "too_many_decimals", message)]


def test_a_money_field_with_its_own_currency_ignores_the_tenants() -> None:
    field = spec(FieldKind.MONEY, currency="JPY")
    assert one(field, "1500", currency="BRL") == (1500, [])
    assert codes(one(field, "1500.50", currency="BRL")[1]) == ["too_many_decimals"]


# ---------------------------------------------------------------------------------------------------------
# CSV intake: every value arrives as text


@pytest.mark.parametrize(
    ("field", "raw", "expected"),
    [
        (spec(FieldKind.INTEGER), "12", 12),
        (spec(FieldKind.INTEGER), " -3 ", -3),
        (spec(FieldKind.DECIMAL), "3.5", "3.50"),
        (spec(FieldKind.MONEY), "99.90", 9990),
        (spec(FieldKind.BOOLEAN), "TRUE", True),
        (spec(FieldKind.BOOLEAN), "false", False),
        (spec(FieldKind.BOOLEAN), "Sim", True),
        (spec(FieldKind.BOOLEAN), "NÃO", False),
        (spec(FieldKind.BOOLEAN), "nao", False),
        (spec(FieldKind.BOOLEAN), "si", True),
        (spec(FieldKind.BOOLEAN), "no", False),
        (spec(FieldKind.BOOLEAN), "1", True),
        (spec(FieldKind.BOOLEAN), "0", False),
        (spec(FieldKind.CHOICE), "pix", "pix"),
        (spec(FieldKind.CHOICE), "PIX", "pix"),
        (spec(FieldKind.CHOICE), "Transferência (TED)", "ted"),
        (spec(FieldKind.CPF), FORMATTED_CPF, CPF),
        (spec(FieldKind.DATE), "2025-01-31", "2025-01-31"),
    ],
)
def test_lenient_strings_accept_csv_text(field: FieldSpec, raw: str, expected: Any) -> None:
    assert one(field, raw, lenient=True) == (expected, [])


@pytest.mark.parametrize(
    ("field", "raw", "code"),
    [
        (spec(FieldKind.INTEGER), "12.5", "invalid_type"),
        (spec(FieldKind.INTEGER), "doze", "invalid_type"),
        (spec(FieldKind.BOOLEAN), "talvez", "invalid_type"),
        (spec(FieldKind.CHOICE), "cheque", "invalid_choice"),
    ],
)
def test_lenient_strings_still_reject_nonsense(field: FieldSpec, raw: str, code: str) -> None:
    assert codes(one(field, raw, lenient=True)[1]) == [code]


def test_strict_json_does_not_accept_numbers_or_booleans_as_text() -> None:
    assert codes(one(spec(FieldKind.INTEGER), "12")[1]) == ["invalid_type"]
    assert codes(one(spec(FieldKind.BOOLEAN), "sim")[1]) == ["invalid_type"]


# ---------------------------------------------------------------------------------------------------------
# The payload as a whole

AP_INVOICE = [
    spec(FieldKind.CNPJ, "supplier_cnpj", required=True),
    spec(FieldKind.TEXT, "invoice_number", max_length=40),
    spec(FieldKind.MONEY, "amount", required=True, min="0.01"),
    spec(FieldKind.DATE, "due_date", required=True),
    spec(FieldKind.CHOICE, "payment_method"),
    spec(FieldKind.LONG_TEXT, "notes"),
]


def test_a_valid_payload_is_normalised() -> None:
    normalised, errors = validate_payload(
        AP_INVOICE,
        {
            "supplier_cnpj": FORMATTED_CNPJ,
            "invoice_number": " NF-1234 ",
            "amount": "1500.00",
            "due_date": "2025-03-10",
            "payment_method": "boleto",
            "notes": "",
        },
        currency="BRL",
    )
    assert errors == []
    assert normalised == {
        "supplier_cnpj": CNPJ,
        "invoice_number": "NF-1234",
        "amount": 150000,
        "due_date": "2025-03-10",
        "payment_method": "boleto",
    }
    assert msgspec.json.decode(msgspec.json.encode(normalised)) == normalised


def test_three_bad_fields_give_three_errors_in_the_types_order() -> None:
    _, errors = validate_payload(
        AP_INVOICE,
        {
            "payment_method": "cheque",
            "due_date": "10/03/2025",
            "supplier_cnpj": _mutate(CNPJ),
            "amount": "100.00",
        },
        currency="BRL",
    )
    assert [(error.field, error.code) for error in errors] == [
        ("payload.supplier_cnpj", "invalid_cnpj"),
        ("payload.due_date", "invalid_date"),
        ("payload.payment_method", "invalid_choice"),
    ]


def test_one_error_per_field_even_when_a_value_is_wrong_twice() -> None:
    field = spec(FieldKind.DECIMAL, places=1, max="10")
    _, errors = one(field, "123.456")
    assert len(errors) == 1


def test_unknown_keys_are_rejected_after_the_declared_fields() -> None:
    _, errors = validate_payload(
        AP_INVOICE,
        {"supplier_cnpj": CNPJ, "amount": "1", "due_date": "2025-03-10", "discount": "5", "Amount": "2"},
        currency="BRL",
    )
    assert [(error.field, error.code) for error in errors] == [
        ("payload.discount", "unknown_field"),
        ("payload.Amount", "unknown_field"),
    ]


@pytest.mark.parametrize("missing", [None, "", "   ", "absent"])
def test_required_fields_must_be_present_and_blank_counts_as_missing(missing: Any) -> None:
    payload: dict[str, Any] = {"supplier_cnpj": CNPJ, "due_date": "2025-03-10"}
    if missing != "absent":
        payload["amount"] = missing
    normalised, errors = validate_payload(AP_INVOICE, payload, currency="BRL")
    assert errors == [FieldError("payload.amount", "required", "Amount is required.")]
    assert "amount" not in normalised


def test_optional_blank_values_are_left_out() -> None:
    normalised, errors = validate_payload(
        [spec(FieldKind.INTEGER, "count"), spec(FieldKind.EMAIL, "email")],
        {"count": None, "email": " "},
        currency="BRL",
    )
    assert (normalised, errors) == ({}, [])


def test_a_payload_that_is_not_an_object_is_one_error() -> None:
    _, errors = validate_payload(AP_INVOICE, ["not", "an", "object"], currency="BRL")  # type: ignore[arg-type]
    assert codes(errors) == ["invalid_type"]


# ---------------------------------------------------------------------------------------------------------
# Checking a field list


def _checked(*specs: FieldSpec) -> list[tuple[str, str]]:
    return [(error.field, error.code) for error in check_field_specs(list(specs))]


def test_a_sound_field_list_has_no_errors() -> None:
    assert check_field_specs(AP_INVOICE) == []


def test_duplicate_keys_are_reported_on_the_later_field() -> None:
    assert _checked(
        spec(FieldKind.TEXT, "name"), spec(FieldKind.DATE, "due"), spec(FieldKind.EMAIL, "name")
    ) == [("fields[2].key", "duplicate")]


def test_choices_are_required_for_choice_and_forbidden_elsewhere() -> None:
    assert _checked(spec(FieldKind.CHOICE, choices=None)) == [("fields[0].choices", "required")]
    assert _checked(spec(FieldKind.CHOICE, choices=[])) == [("fields[0].choices", "required")]
    assert _checked(spec(FieldKind.TEXT, choices=PAYMENT)) == [("fields[0].choices", "not_allowed")]
    twice = [*PAYMENT, Choice(value="pix", labels={"en": "Pix again"})]
    assert _checked(spec(FieldKind.CHOICE, choices=twice)) == [("fields[0].choices[3].value", "duplicate")]
    no_english = [Choice(value="a", labels={"pt_BR": "A"})]
    assert _checked(spec(FieldKind.CHOICE, choices=no_english)) == [
        ("fields[0].choices[0].labels.en", "required")
    ]


def test_labels_need_english_and_supported_locales_only() -> None:
    field = FieldSpec(key="name", kind=FieldKind.TEXT, labels={"pt_BR": "Nome", "fr": "Nom"})
    assert _checked(field) == [
        ("fields[0].labels.en", "required"),
        ("fields[0].labels.fr", "unsupported_locale"),
    ]
    blank = FieldSpec(key="name", kind=FieldKind.TEXT, labels={"en": "Name", "es": " "})
    assert _checked(blank) == [("fields[0].labels.es", "required")]
    helped = FieldSpec(key="name", kind=FieldKind.TEXT, labels={"en": "Name"}, help={"pt-BR": "Ajuda"})
    assert _checked(helped) == [
        ("fields[0].help.en", "required"),
        ("fields[0].help.pt-BR", "unsupported_locale"),
    ]


def test_numeric_bounds_are_checked() -> None:
    assert _checked(spec(FieldKind.INTEGER, min=10, max=1)) == [("fields[0].min", "invalid_range")]
    assert _checked(spec(FieldKind.DECIMAL, min="5.5", max="5.49")) == [("fields[0].min", "invalid_range")]
    assert _checked(spec(FieldKind.INTEGER, min="1")) == [("fields[0].min", "invalid_type")]
    assert _checked(spec(FieldKind.MONEY, max="lots")) == [("fields[0].max", "invalid_type")]
    assert _checked(spec(FieldKind.MONEY, min=0, max="0.01")) == []
    assert _checked(spec(FieldKind.TEXT, min=1)) == [("fields[0].min", "not_allowed")]


def test_kind_specific_options_apply_to_their_kinds_only() -> None:
    assert _checked(
        spec(FieldKind.INTEGER, "a", max_length=10),
        spec(FieldKind.MONEY, "b", places=2),
        spec(FieldKind.DECIMAL, "c", currency="BRL"),
    ) == [
        ("fields[0].maxLength", "not_allowed"),
        ("fields[1].places", "not_allowed"),
        ("fields[2].currency", "not_allowed"),
    ]


def test_lengths_keys_and_currencies_are_checked() -> None:
    assert _checked(spec(FieldKind.TEXT, max_length=201)) == [("fields[0].maxLength", "out_of_range")]
    assert _checked(spec(FieldKind.LONG_TEXT, max_length=10_000)) == []
    assert _checked(spec(FieldKind.TEXT, "Bad-Key")) == [("fields[0].key", "invalid")]
    assert _checked(spec(FieldKind.MONEY, currency="XYZ")) == [("fields[0].currency", "unknown_currency")]
    too_many = [spec(FieldKind.TEXT, f"f{i}") for i in range(51)]
    assert _checked(*too_many) == [("fields", "too_many")]


def test_field_specs_travel_in_camel_case_and_reject_unknown_keys() -> None:
    raw = b'{"key": "amount", "kind": "money", "labels": {"en": "Amount"}, "required": true, "min": "0.01"}'
    decoded = msgspec.json.decode(raw, type=FieldSpec)
    assert decoded == FieldSpec(
        key="amount", kind=FieldKind.MONEY, labels={"en": "Amount"}, required=True, min="0.01"
    )
    text = msgspec.json.decode(
        b'{"key": "n", "kind": "text", "labels": {"en": "N"}, "maxLength": 5}', type=FieldSpec
    )
    assert text.max_length == 5
    assert b'"maxLength":5' in msgspec.json.encode(text)
    with pytest.raises(msgspec.ValidationError, match="unknown field"):
        msgspec.json.decode(b'{"key": "n", "kind": "text", "labels": {"en": "N"}, "size": 5}', type=FieldSpec)
    with pytest.raises(msgspec.ValidationError):
        msgspec.json.decode(b'{"key": "N!", "kind": "text", "labels": {"en": "N"}}', type=FieldSpec)
    with pytest.raises(msgspec.ValidationError):
        msgspec.json.decode(b'{"key": "n", "kind": "color", "labels": {"en": "N"}}', type=FieldSpec)


# ---------------------------------------------------------------------------------------------------------
# Labels


def test_labels_fall_back_to_english() -> None:
    field = FieldSpec(key="due", kind=FieldKind.DATE, labels={"en": "Due date", "pt_BR": "Vencimento"})
    assert field_labels(field, "pt_BR") == "Vencimento"
    assert field_labels(field, "pt-br") == "Vencimento"
    assert field_labels(field, "es") == "Due date"
    assert field_labels(field, "fr") == "Due date"
    assert field_labels(field, None) == "Due date"
    assert choice_label(PAYMENT[2], "pt_BR") == "Transferência (TED)"
    assert choice_label(PAYMENT[2], "es") == "Bank transfer (TED)"
