"""The locale layer: complete and current gettext catalogs, negotiation, and locale-aware formatting.

No database and no app: these run on the catalogs in the source tree and on Babel/CLDR alone.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path
from types import SimpleNamespace

import pytest
from babel.messages.catalog import Catalog
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import Translations

from retaguarda.auth.principal import Role
from retaguarda.i18n import (
    DEFAULT_LOCALE,
    LOCALE_SCOPE_KEY,
    SUPPORTED_LOCALES,
    format_datetime,
    format_duration,
    format_money,
    from_minor_units,
    gettext_for,
    minor_unit_digits,
    negotiate_locale,
    negotiate_request_locale,
    ngettext_for,
    normalize_locale,
    to_minor_units,
    translations,
)
from retaguarda.i18n.catalogs import DOMAIN, LOCALES_DIR, ROLE_LABELS

ROOT = Path(__file__).resolve().parents[2]
# The same inputs as `make i18n-extract`: babel.cfg, these source roots, default keywords plus N_ / ngettext.
SOURCE_DIRS = ("platform", "tenants", "staffing", "billing")
KEYWORDS = {**DEFAULT_KEYWORDS, "N_": None, "_": None, "gettext": None, "ngettext": (1, 2)}
TRANSLATED_LOCALES = tuple(locale for locale in SUPPORTED_LOCALES if locale != DEFAULT_LOCALE)


def _po_path(locale: str) -> Path:
    return LOCALES_DIR / locale / "LC_MESSAGES" / f"{DOMAIN}.po"


def _read_catalog(path: Path, locale: str | None = None) -> Catalog:
    with path.open("rb") as handle:
        return read_po(handle, locale=locale)


def _msgid(message_id: str | Sequence[str]) -> str:
    return message_id if isinstance(message_id, str) else message_id[0]


def _ws(text: str) -> str:
    """CLDR puts U+00A0 / U+202F between symbol and number or time and AM; compare on plain spaces."""
    return text.replace("\u00a0", " ").replace("\u202f", " ")


@pytest.fixture(scope="module")
def extracted() -> dict[str, list[tuple[str, str | tuple[str, ...]]]]:
    """Every message the source marks (msgid → [(file, message)]), extracted in-process like pybabel does."""
    with (ROOT / "babel.cfg").open(encoding="utf-8") as cfg:
        method_map, options_map = parse_mapping_cfg(cfg, str(ROOT / "babel.cfg"))  # type: ignore[no-untyped-call]
    found: dict[str, list[tuple[str, str | tuple[str, ...]]]] = {}
    for source in SOURCE_DIRS:
        directory = ROOT / source
        if not directory.is_dir():
            continue
        for filename, _lineno, message, _comments, _context in extract_from_dir(
            str(directory), method_map, options_map, keywords=KEYWORDS
        ):
            found.setdefault(_msgid(message), []).append((f"{source}/{filename}", message))
    return found


@pytest.fixture(scope="module")
def compiled() -> Iterator[None]:
    """The .mo files are built by `make install` (i18n-compile); build missing or stale ones here too."""
    for locale in TRANSLATED_LOCALES:
        po = _po_path(locale)
        mo = po.with_suffix(".mo")
        if not mo.exists() or mo.stat().st_mtime < po.stat().st_mtime:
            catalog = _read_catalog(po, locale)
            with mo.open("wb") as handle:
                write_mo(handle, catalog)
    translations.cache_clear()
    yield
    translations.cache_clear()


# -- catalogs ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("locale", TRANSLATED_LOCALES)
def test_catalog_is_complete(locale: str) -> None:
    catalog = _read_catalog(_po_path(locale), locale)
    assert str(catalog.locale) == locale
    assert not catalog.fuzzy, f"{locale}: the catalog header is marked fuzzy"
    problems: list[str] = []
    for message in catalog:
        if not message.id:
            continue
        name = _msgid(message.id)
        if message.fuzzy:
            problems.append(f"fuzzy: {name!r}")
        if message.pluralizable:
            forms = message.string if isinstance(message.string, tuple) else (message.string,)
            if len(forms) != catalog.num_plurals or not all(forms):
                problems.append(f"plural forms missing ({len(forms)}/{catalog.num_plurals}): {name!r}")
        elif not message.string:
            problems.append(f"untranslated: {name!r}")
    for message, errors in catalog.check():  # placeholders kept, plural count right
        problems.extend(f"{error}: {_msgid(message.id)!r}" for error in errors)
    assert not problems, f"{locale} catalog:\n" + "\n".join(problems)


# A word written twice in a row ("de de", "the the"), placeholders aside: a slip readers notice at once.
DOUBLED_WORD = re.compile(r"\b(\w+)\s+\1\b", re.IGNORECASE)


def _texts(value: str | Sequence[str] | None) -> list[str]:
    return [value] if isinstance(value, str) else [text for text in value or () if text]


@pytest.mark.parametrize("locale", TRANSLATED_LOCALES)
def test_no_message_doubles_a_word(locale: str) -> None:
    catalog = _read_catalog(_po_path(locale), locale)
    doubled = [
        text
        for message in catalog
        if message.id
        for text in (*_texts(message.id), *_texts(message.string))
        if DOUBLED_WORD.search(re.sub(r"%\(\w+\)[sd]", " ", text))
    ]
    assert not doubled, f"{locale}: doubled words in\n" + "\n".join(doubled)


def test_the_doubled_word_check_finds_one() -> None:
    assert DOUBLED_WORD.search("Filas de de %(pool)s")
    assert not DOUBLED_WORD.search("%(num)d de minutos")


@pytest.mark.parametrize(
    ("locale", "count", "expected"),
    [("pt_BR", 0, "0 minutos"), ("pt_BR", 1, "1 minuto"), ("pt_BR", 2, "2 minutos"), ("es", 0, "0 minutos")],
)
def test_zero_takes_the_plural(locale: str, count: int, expected: str) -> None:
    """Brazilian readers write "0 minutos" (CLDR's rule for pt would say "0 minuto")."""
    ngettext = ngettext_for(locale)
    assert ngettext("%(num)d minute", "%(num)d minutes", count) % {"num": count} == expected


def test_extraction_sees_every_kind_of_marker(
    extracted: dict[str, list[tuple[str, str | tuple[str, ...]]]],
) -> None:
    """Guards the extraction config itself, so the up-to-date test below cannot pass on an empty set."""
    files = {filename for occurrences in extracted.values() for filename, _ in occurrences}
    assert any(name.endswith(".html") for name in files), "no strings extracted from the Jinja templates"
    assert any(name.endswith(".py") for name in files), "no strings extracted from Python"
    assert set(ROLE_LABELS.values()) <= set(extracted)
    assert ("%(num)d hour", "%(num)d hours") in [message for _, message in extracted["%(num)d hour"]]


def test_role_labels_cover_every_role() -> None:
    """Templates translate ``role.value.replace('_', ' ').capitalize()``; every such text must be marked."""
    assert set(ROLE_LABELS) == {role.value for role in Role}
    for role in Role:
        assert ROLE_LABELS[role.value] == role.value.replace("_", " ").capitalize()


@pytest.mark.parametrize("locale", TRANSLATED_LOCALES)
def test_catalog_is_up_to_date_with_the_source(
    locale: str, extracted: dict[str, list[tuple[str, str | tuple[str, ...]]]]
) -> None:
    catalog = _read_catalog(_po_path(locale), locale)
    missing = sorted(msgid for msgid in extracted if catalog.get(msgid) is None)
    assert not missing, (
        f"{locale}: strings in the source but not in the catalog (`make i18n-update`, then translate them):\n"
        + "\n".join(f"{msgid!r} ({extracted[msgid][0][0]})" for msgid in missing)
    )
    for msgid, occurrences in extracted.items():
        wants_plural = any(isinstance(message, tuple) for _, message in occurrences)
        entry = catalog.get(msgid)
        assert entry is not None
        assert entry.pluralizable == wants_plural, f"{locale}: {msgid!r} singular/plural mismatch"


def test_template_is_up_to_date_with_the_source(
    extracted: dict[str, list[tuple[str, str | tuple[str, ...]]]],
) -> None:
    template = _read_catalog(LOCALES_DIR / f"{DOMAIN}.pot")
    missing = sorted(msgid for msgid in extracted if template.get(msgid) is None)
    assert not missing, "messages.pot is stale (run `make i18n-update`): " + ", ".join(map(repr, missing))


@pytest.mark.usefixtures("compiled")
@pytest.mark.parametrize("locale", TRANSLATED_LOCALES)
def test_compiled_catalog_loads_and_matches_the_po(locale: str) -> None:
    loaded = translations(locale)
    assert isinstance(loaded, Translations), f"{locale}: no compiled catalog found, got {type(loaded)}"
    gettext, ngettext = gettext_for(locale), ngettext_for(locale)
    catalog = _read_catalog(_po_path(locale), locale)
    for message in catalog:
        if not message.id:
            continue
        if isinstance(message.id, tuple):
            assert isinstance(message.string, tuple)
            assert ngettext(message.id[0], message.id[1], 1) == message.string[0]
        else:
            assert gettext(_msgid(message.id)) == message.string


@pytest.mark.usefixtures("compiled")
def test_known_translations() -> None:
    assert gettext_for("pt_BR")("Sign in") == "Entrar"
    assert gettext_for("es")("Sign in") == "Iniciar sesión"
    assert gettext_for("pt_BR")("Welcome, %(name)s") % {"name": "Ana"} == "Boas-vindas, Ana"
    assert gettext_for("es")(ROLE_LABELS["account_manager"]) == "Gestor de cuentas"


def test_english_and_unknown_locales_fall_back_to_the_source_text() -> None:
    assert gettext_for("en")("Sign in") == "Sign in"
    assert gettext_for("fr")("Sign in") == "Sign in"
    assert ngettext_for("en")("%(num)d hour", "%(num)d hours", 2) == "%(num)d hours"


# -- money ---------------------------------------------------------------------------------------------------


def test_format_money_per_locale() -> None:
    assert format_money(123456, "BRL", "pt_BR") == "R$\u00a01.234,56"
    assert _ws(format_money(123456, "BRL", "pt_BR")) == "R$ 1.234,56"
    assert format_money(123456, "EUR", "es") == "1.234,56\u00a0€"
    assert format_money(123456, "USD", "en") == "$1,234.56"
    assert format_money(-123456, "USD", "en") == "-$1,234.56"
    assert format_money(0, "brl", "pt_BR") == "R$\u00a00,00"


def test_currency_minor_units() -> None:
    assert minor_unit_digits("BRL") == 2
    assert minor_unit_digits("JPY") == 0
    assert minor_unit_digits("KWD") == 3
    assert format_money(1234, "JPY", "en") == "¥1,234"  # minor units are whole yen
    assert format_money(1234567, "KWD", "en").endswith("1,234.567")
    assert to_minor_units(Decimal("1234"), "JPY") == 1234
    assert to_minor_units(Decimal("1.234"), "KWD") == 1234


@pytest.mark.parametrize(
    ("amount", "currency", "minor"),
    [
        (Decimal("1234.56"), "BRL", 123456),
        (Decimal("0.125"), "BRL", 12),  # half to even: down
        (Decimal("0.135"), "BRL", 14),  # half to even: up
        (Decimal("-0.125"), "BRL", -12),
        (Decimal("2.5"), "JPY", 2),
        (Decimal("3.5"), "JPY", 4),
        (Decimal("1.2345"), "KWD", 1234),
        (Decimal("1.2355"), "KWD", 1236),
    ],
)
def test_to_minor_units_rounds_half_even(amount: Decimal, currency: str, minor: int) -> None:
    assert to_minor_units(amount, currency) == minor


def test_to_minor_units_rejects_float_and_non_finite() -> None:
    with pytest.raises(TypeError):
        to_minor_units(12.34, "BRL")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="finite"):
        to_minor_units(Decimal("NaN"), "BRL")


@pytest.mark.parametrize("currency", ["BRL", "EUR", "USD", "JPY", "KWD"])
@pytest.mark.parametrize("minor", [0, 1, 5, 99, 100, 123456, -987654321])
def test_minor_units_round_trip(minor: int, currency: str) -> None:
    amount = from_minor_units(minor, currency)
    assert isinstance(amount, Decimal)
    assert to_minor_units(amount, currency) == minor


def test_from_minor_units_is_exact() -> None:
    assert str(from_minor_units(123456, "BRL")) == "1234.56"
    assert from_minor_units(1234, "JPY") == Decimal(1234)
    assert from_minor_units(1234567, "KWD") == Decimal("1234.567")


# -- date-times ----------------------------------------------------------------------------------------------

INSTANT = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def test_format_datetime_shows_the_viewers_zone() -> None:
    assert _ws(format_datetime(INSTANT, "America/Sao_Paulo", "pt_BR")) == "1 de mar. de 2026 09:00:00"
    assert _ws(format_datetime(INSTANT, "America/Sao_Paulo", "en")) == "Mar 1, 2026, 9:00:00 AM"
    assert _ws(format_datetime(INSTANT, "America/Sao_Paulo", "es")) == "1 mar 2026, 9:00:00"
    assert "21:00" in format_datetime(INSTANT, "Asia/Tokyo", "pt_BR")
    assert "12:00" in format_datetime(INSTANT, "UTC", "pt_BR")


def test_format_datetime_converts_any_aware_instant() -> None:
    same_instant = INSTANT.astimezone(timezone(timedelta(hours=5, minutes=30)))
    assert format_datetime(same_instant, "America/Sao_Paulo", "pt_BR") == format_datetime(
        INSTANT, "America/Sao_Paulo", "pt_BR"
    )


def test_format_datetime_rejects_naive() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        format_datetime(datetime(2026, 3, 1, 12, 0), "America/Sao_Paulo", "pt_BR")


# -- durations -----------------------------------------------------------------------------------------------


@pytest.mark.usefixtures("compiled")
@pytest.mark.parametrize(
    ("value", "en", "pt_br", "es"),
    [
        (timedelta(hours=1), "1 hour", "1 hora", "1 hora"),
        (timedelta(hours=2), "2 hours", "2 horas", "2 horas"),
        (timedelta(0), "0 minutes", "0 minutos", "0 minutos"),  # Brazilian usage, not CLDR's "0 minuto"
        (timedelta(seconds=59), "0 minutes", "0 minutos", "0 minutos"),
        (timedelta(minutes=1), "1 minute", "1 minuto", "1 minuto"),
        (timedelta(minutes=45), "45 minutes", "45 minutos", "45 minutos"),
        (timedelta(hours=2, minutes=5), "2 hours 5 minutes", "2 horas e 5 minutos", "2 horas y 5 minutos"),
        (timedelta(hours=1, minutes=1), "1 hour 1 minute", "1 hora e 1 minuto", "1 hora y 1 minuto"),
        (timedelta(hours=-2), "-2 hours", "-2 horas", "-2 horas"),
        (
            -timedelta(hours=1, minutes=30),
            "-1 hour 30 minutes",
            "-1 hora e 30 minutos",
            "-1 hora y 30 minutos",
        ),
        (timedelta(seconds=-90), "-1 minute", "-1 minuto", "-1 minuto"),
        (timedelta(seconds=-30), "0 minutes", "0 minutos", "0 minutos"),
        (timedelta(hours=1_000_000), "1000000 hours", "1000000 de horas", "1000000 de horas"),
    ],
)
def test_format_duration_plurals(value: timedelta, en: str, pt_br: str, es: str) -> None:
    assert format_duration(value, "en") == en
    assert format_duration(value, "pt_BR") == pt_br
    assert format_duration(value, "es") == es


# -- negotiation ---------------------------------------------------------------------------------------------


def test_negotiation_order_user_then_tenant_then_header() -> None:
    assert negotiate_locale("es", "pt_BR", "pt-BR") == "es"
    assert negotiate_locale(None, "pt_BR", "es") == "pt_BR"
    assert negotiate_locale(None, None, "es") == "es"
    assert negotiate_locale("xx", "es", "pt-BR") == "es"  # an unusable user locale falls through
    assert negotiate_locale(None, None, None) == DEFAULT_LOCALE
    assert negotiate_locale(None, None, "fr", default="pt_BR") == "pt_BR"


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("es;q=0.5, pt-BR;q=0.9", "pt_BR"),
        ("pt-BR;q=0.8;level=1, es;q=0.5", "pt_BR"),
        ("es;Q=0.1, pt;q=0.2", "pt_BR"),
        ("es; q=0.1, pt ; q=0.2", "pt_BR"),
        ("fr, es;q=0.3", "es"),
        ("es, pt-BR", "es"),  # equal quality: header order
        ("pt", "pt_BR"),
        ("pt-PT", "pt_BR"),
        ("es-AR", "es"),
        ("es-419", "es"),
        ("en-GB", "en"),
        ("fr", "en"),
        ("es;q=0", "en"),  # q=0 means "not acceptable"
        ("pt-BR;q=0, es;q=0.1", "es"),
        ("*", "en"),
    ],
)
def test_accept_language(header: str, expected: str) -> None:
    assert negotiate_locale(accept_language=header) == expected


@pytest.mark.parametrize(
    "header",
    [
        "",
        ",,,",
        ";;;",
        "q=1",
        ";q=0.5",
        "pt-BR;q=abc",
        "es;q=nan",
        "es;q=1e999",
        "es;q=-1",
        "en;q=",
        "\x00\xff\u2603",
        "x" * 10_000,
        "-,_,-_",
        "zh-Hant-TW, i-klingon, de-CH-1996",
        ", ".join(["es;q=0.1"] * 1000),
    ],
)
def test_garbage_accept_language_does_not_raise(header: str) -> None:
    assert negotiate_locale(accept_language=header) in SUPPORTED_LOCALES


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("pt_BR", "pt_BR"),
        ("pt-br", "pt_BR"),
        ("pt", "pt_BR"),
        ("es_AR", "es"),
        ("EN", "en"),
        ("fr", None),
        ("", None),
        (None, None),
        ("not a locale", None),
    ],
)
def test_normalize_locale(value: str | None, expected: str | None) -> None:
    assert normalize_locale(value) == expected


def test_negotiate_request_locale_prefers_the_pipelines_choice() -> None:
    chosen = SimpleNamespace(scope={LOCALE_SCOPE_KEY: "es"}, headers={"accept-language": "pt-BR"})
    assert negotiate_request_locale(chosen) == "es"
    header_only = SimpleNamespace(scope={}, headers={"accept-language": "pt-BR,pt;q=0.9"})
    assert negotiate_request_locale(header_only) == "pt_BR"
    bare = SimpleNamespace(scope={}, headers={})
    assert negotiate_request_locale(bare) == DEFAULT_LOCALE
