# Retaguarda — every command creates or reuses the project's own virtual environment (.venv).
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
LOCALES_DIR := platform/retaguarda/i18n/locales
PG_TEST_URL ?= postgresql://postgres@127.0.0.1:5432/retaguarda_test
REDIS_TEST_URL ?= redis://127.0.0.1:6379/15

.PHONY: install system-libs demo serve worker migrate test test-embedded test-full lint format bench \
        i18n-extract i18n-update i18n-compile i18n-merge browser clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[dev]"
	touch $(STAMP)

install: $(STAMP) i18n-compile system-libs

## Invoice PDFs (WeasyPrint) need Pango from Debian's packages; installed when missing (as root, as in CI).
system-libs:
	@ldconfig -p | grep -q libpangoft2-1.0 || (apt-get update -qq && apt-get install -y -qq libpango-1.0-0 libpangoft2-1.0-0)

## The portal on the embedded default: SQLite under var/, in-process jobs, demo data, 127.0.0.1:8000.
demo: install
	$(BIN)/retaguarda demo

serve: install
	$(BIN)/retaguarda serve

worker: install
	$(BIN)/retaguarda worker

migrate: install
	$(BIN)/retaguarda migrate

## The whole suite, twice: embedded (SQLite, in-process jobs) and full (PostgreSQL, Redis, arq).
test: install test-embedded test-full

## The portal's browser tests drive Debian's Chromium (never a downloaded browser).
browser:
	command -v chromium >/dev/null || (apt-get update -qq && apt-get install -y -qq chromium)

test-embedded: install browser
	env -u DATABASE_URL -u REDIS_URL $(BIN)/pytest -m "not postgres and not redis" $(PYTEST_ARGS)

## PG_TEST_URL's role creates the database and its two roles (<database>_owner runs the migrations,
## <database>_app is what the app connects as, behind row-level security: tests/support/database.py).
test-full: install browser
	DATABASE_URL=$(PG_TEST_URL) REDIS_URL=$(REDIS_TEST_URL) $(BIN)/pytest $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

format: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

bench: install
	$(BIN)/pip install --quiet -e ".[dev,bench]"
	@for b in bench/*.py; do echo "== $$b"; $(BIN)/python $$b || exit 1; done

## Strings: N_() markers, _()/gettext()/ngettext() in Python and in the Jinja templates (see babel.cfg).
i18n-extract: $(STAMP)
	$(BIN)/pybabel extract -F babel.cfg -k N_ -k _ -k gettext -k ngettext:1,2 --no-location --sort-output \
		--add-comments=TRANSLATORS: --project=Retaguarda --copyright-holder=Retaguarda \
		-o $(LOCALES_DIR)/messages.pot platform tenants staffing billing

## Merge the template into pt_BR and es; new strings arrive untranslated (tests/platform/test_i18n.py fails).
i18n-update: i18n-extract
	$(BIN)/pybabel update -i $(LOCALES_DIR)/messages.pot -d $(LOCALES_DIR) --no-fuzzy-matching \
		--ignore-obsolete --no-wrap

## Fill the catalogs from platform/retaguarda/i18n/pending/*.json (translations left by each area), then compile.
i18n-merge: i18n-update
	$(BIN)/python scripts/merge_pending_translations.py
	$(MAKE) i18n-compile

## .po → .mo (build outputs, gitignored). Fuzzy entries never ship.
i18n-compile: $(STAMP)
	$(BIN)/pybabel compile -d $(LOCALES_DIR) --statistics

clean:
	rm -rf $(VENV) var .mypy_cache .ruff_cache .pytest_cache
