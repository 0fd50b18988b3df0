# 一窗通 OneWindow — the two commands of the README, and a few helpers.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
BASE := $(VENV)/.installed-base
DEV := $(VENV)/.installed-dev
PORT ?= 8000
HOST ?= 127.0.0.1
PG_URL ?= postgresql://postgres@127.0.0.1:5432/onewindow_test
PYTEST_WORKERS ?= 2

.PHONY: demo test system-deps lint unit unit-sqlite unit-postgres e2e openapi bench clean

$(BASE): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e .
	touch $(BASE)

$(DEV): $(BASE)
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(DEV)

demo: $(BASE)
	ONEWINDOW_PORT=$(PORT) ONEWINDOW_HOST=$(HOST) $(BIN)/onewindow demo

test: system-deps $(DEV) lint unit-sqlite unit-postgres e2e

# Chromium and CJK fonts for the browser tests, a running PostgreSQL: installed or started when missing.
system-deps:
	bash scripts/system-deps.sh

lint: $(DEV)
	$(BIN)/ruff check src tests bench

unit-sqlite: $(DEV)
	ONEWINDOW_TEST_DATABASE=sqlite $(BIN)/pytest -q -n $(PYTEST_WORKERS) -m "not e2e" tests

unit-postgres: $(DEV) system-deps
	ONEWINDOW_TEST_DATABASE=$(PG_URL) $(BIN)/pytest -q -n $(PYTEST_WORKERS) -m "not e2e" tests

e2e: $(DEV) system-deps
	$(BIN)/pytest -q -m e2e tests/e2e

openapi: $(DEV)
	$(BIN)/python -m onewindow.openapi > openapi.json

bench: $(DEV)
	$(BIN)/python bench/catalog_bench.py

clean:
	rm -rf $(VENV) var .pytest_cache
