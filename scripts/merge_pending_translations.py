"""Merge the translations engineers leave in ``platform/retaguarda/i18n/pending/*.json`` into the catalogs.

Each pending file maps an English msgid to its translations: ``{"msgid": {"pt_BR": "…", "es": "…"}}``; a
plural message gives a list of forms per locale (``{"%(num)d task": {"pt_BR": ["…", "…", "…"], …}}``), as
many as the catalog's plural forms. Run after ``make i18n-update`` (the msgids must be in the catalogs);
``make i18n-merge`` does both and compiles. A pending translation replaces the catalog's, clears the fuzzy
flag, and msgids the source no longer has are reported, not added. Exits 1 when a catalog is left with an
untranslated or fuzzy message, listing them.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parents[1]
I18N = ROOT / "platform" / "retaguarda" / "i18n"
PENDING = I18N / "pending"
LOCALES = ("pt_BR", "es")


def _catalog_path(locale: str) -> Path:
    return I18N / "locales" / locale / "LC_MESSAGES" / "messages.po"


def load_pending(directory: Path = PENDING) -> dict[str, dict[str, Any]]:
    merged: dict[str, dict[str, Any]] = {}
    for path in sorted(directory.glob("*.json")):
        for msgid, texts in json.loads(path.read_text(encoding="utf-8")).items():
            merged.setdefault(msgid, {}).update(texts)
    return merged


def merge_into(catalog: Catalog, locale: str, pending: dict[str, dict[str, Any]]) -> list[str]:
    """Fill the catalog from the pending translations; return the msgids it does not have."""
    unknown = []
    for msgid, texts in pending.items():
        text = texts.get(locale)
        if not text:
            continue
        message = catalog.get(msgid)
        if message is None:
            unknown.append(msgid)
            continue
        if message.pluralizable:
            forms = [text] * catalog.num_plurals if isinstance(text, str) else list(text)
            if len(forms) != catalog.num_plurals:
                raise SystemExit(
                    f"{locale}: {msgid!r} needs {catalog.num_plurals} plural forms, got {len(forms)}"
                )
            message.string = tuple(forms)
        else:
            message.string = text if isinstance(text, str) else text[0]
        message.flags.discard("fuzzy")
    return unknown


def missing(catalog: Catalog) -> list[str]:
    found = []
    for message in catalog:
        if not message.id:
            continue
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        if message.fuzzy or not all(strings):
            found.append(message.id if isinstance(message.id, str) else message.id[0])
    return found


def main() -> int:
    pending = load_pending()
    status = 0
    for locale in LOCALES:
        path = _catalog_path(locale)
        with path.open("rb") as handle:
            catalog = read_po(handle, locale=locale)
        unknown = merge_into(catalog, locale, pending)
        with path.open("wb") as handle:
            write_po(handle, catalog, width=0, no_location=True, ignore_obsolete=True)
        for msgid in unknown:
            print(f"{locale}: not in the source (skipped): {msgid!r}")
        left = missing(catalog)
        for msgid in left:
            print(f"{locale}: untranslated or fuzzy: {msgid!r}")
        status = status or (1 if left else 0)
        print(f"{locale}: {len(pending)} pending translations merged, {len(left)} messages left")
    return status


if __name__ == "__main__":
    sys.exit(main())
