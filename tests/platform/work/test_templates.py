"""Task-type templates of the ten back-office families: complete, trilingual, valid by their own rules.

Pure data: no database and no app.
"""

from __future__ import annotations

import re

import msgspec
import pytest

from retaguarda.i18n import SUPPORTED_LOCALES
from retaguarda.work.fields import KEY_PATTERN, FieldSpec, check_field_specs, validate_payload
from retaguarda.work.templates import (
    FAMILIES,
    TEMPLATES,
    TaskTypeTemplate,
    get_template,
    sample_payload,
    templates_by_family,
)

THE_TEN_FAMILIES = {
    "order_management",
    "accounts_payable_receivable",
    "accounting_tax",
    "document_issuance",
    "payroll",
    "customer_support",
    "data_upkeep",
    "it_operations",
    "staff_training",
    "legal_documents",
}
SKILLS = {"orders", "finance", "fiscal", "payroll", "support", "data", "it", "training", "legal"}


def _ids(template: TaskTypeTemplate) -> str:
    return template.code


def _assert_trilingual(texts: dict[str, str], where: str) -> None:
    assert set(texts) == set(SUPPORTED_LOCALES), where
    for locale, text in texts.items():
        assert text.strip(), f"{where}: empty {locale} text"
        assert text == text.strip(), f"{where}: stray whitespace in {locale}"


def test_the_ten_families_are_all_covered() -> None:
    assert {family.code for family in FAMILIES} == THE_TEN_FAMILIES
    assert len(FAMILIES) == 10
    grouped = templates_by_family()
    assert list(grouped) == [family.code for family in FAMILIES]
    assert all(grouped[family] for family in THE_TEN_FAMILIES)
    assert sum(len(templates) for templates in grouped.values()) == len(TEMPLATES)
    assert len(TEMPLATES) >= 12


def test_document_issuance_has_boleto_and_darf() -> None:
    codes = {template.code for template in templates_by_family()["document_issuance"]}
    assert {"issue_boleto", "issue_darf"} <= codes


def test_codes_are_unique_and_well_formed() -> None:
    codes = [template.code for template in TEMPLATES]
    assert len(codes) == len(set(codes))
    assert all(re.fullmatch(KEY_PATTERN, code) for code in codes)


def test_get_template_finds_by_code() -> None:
    for template in TEMPLATES:
        assert get_template(template.code) is template
    assert get_template("no_such_template") is None


def test_family_names_are_trilingual() -> None:
    for family in FAMILIES:
        _assert_trilingual(family.names, family.code)


@pytest.mark.parametrize("template", TEMPLATES, ids=_ids)
def test_template_is_sound(template: TaskTypeTemplate) -> None:
    assert template.family in THE_TEN_FAMILIES
    assert template.family_names == next(f.names for f in FAMILIES if f.code == template.family)
    assert 3 <= len(template.fields) <= 7
    assert template.skill_code in SKILLS
    assert template.default_priority in {1, 2, 3, 4}
    assert 60 <= template.expected_handle_s <= 8 * 3600
    assert check_field_specs(template.fields) == []
    assert any(field.required for field in template.fields)


@pytest.mark.parametrize("template", TEMPLATES, ids=_ids)
def test_every_text_of_a_template_is_trilingual(template: TaskTypeTemplate) -> None:
    _assert_trilingual(template.names, template.code)
    for field in template.fields:
        where = f"{template.code}.{field.key}"
        _assert_trilingual(field.labels, where)
        if field.help:
            _assert_trilingual(field.help, f"{where}.help")
        for choice in field.choices or []:
            _assert_trilingual(choice.labels, f"{where}.{choice.value}")


@pytest.mark.parametrize("template", TEMPLATES, ids=_ids)
def test_template_fields_survive_the_wire(template: TaskTypeTemplate) -> None:
    """Templates are built in code; decoding them as a client would send them applies the wire rules too."""
    encoded = msgspec.json.encode(template.fields)
    assert msgspec.json.decode(encoded, type=list[FieldSpec]) == template.fields
    assert msgspec.json.decode(msgspec.json.encode(template), type=TaskTypeTemplate) == template


@pytest.mark.parametrize("template", TEMPLATES, ids=_ids)
def test_a_sample_payload_validates(template: TaskTypeTemplate) -> None:
    payload = sample_payload(template)
    normalised, errors = validate_payload(template.fields, payload, currency="BRL")
    assert errors == []
    assert set(normalised) == set(payload)


@pytest.mark.parametrize("template", TEMPLATES, ids=_ids)
def test_an_empty_payload_names_every_required_field(template: TaskTypeTemplate) -> None:
    _, errors = validate_payload(template.fields, {}, currency="BRL")
    assert [error.field for error in errors] == [
        f"payload.{field.key}" for field in template.fields if field.required
    ]
    assert {error.code for error in errors} == {"required"}
