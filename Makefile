# 一窗通 OneWindow — the two commands of the README, and a few helpers.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PORT ?= 8000
HOST ?= 127.0.0.1
PG_URL ?= postgresql://postgres@127.0.0.1:5432/onewindow_test
PYTEST_WORKERS ?= 2

.PHONY: demo test lint unit unit-sqlite unit-postgres e2e openapi bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

demo: $(STAMP)
	ONEWINDOW_PORT=$(PORT) ONEWINDOW_HOST=$(HOST) $(BIN)/onewindow demo

test: $(STAMP) lint unit-sqlite unit-postgres e2e

lint: $(STAMP)
	$(BIN)/ruff check src tests bench

unit-sqlite: $(STAMP)
	ONEWINDOW_TEST_DATABASE=sqlite $(BIN)/pytest -q -n $(PYTEST_WORKERS) -m "not e2e" tests

unit-postgres: $(STAMP)
	ONEWINDOW_TEST_DATABASE=$(PG_URL) $(BIN)/pytest -q -n $(PYTEST_WORKERS) -m "not e2e" tests

e2e: $(STAMP)
	$(BIN)/pytest -q -m e2e tests/e2e

openapi: $(STAMP)
	$(BIN)/python -m onewindow.openapi > openapi.json

bench: $(STAMP)
	$(BIN)/python bench/catalog_bench.py

clean:
	rm -rf $(VENV) var .pytest_cache
