# The two set-up commands of the README: `make run` and `make test`. Everything else is optional.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: run test test-fast lint bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

venv: $(STAMP)

## Migrate, seed and start the whole platform on the embedded default (SQLite + embedded Redis).
run: $(STAMP)
	$(BIN)/onecard run

## The whole suite, ruff and mypy. With ONECARD_TEST_CONFIGS set (CI does), the backend-dependent
## tests once per backend configuration, the rest once.
test: $(STAMP)
	$(BIN)/python -m tests.matrix

## Under a minute, no processes started: the unit tier, ruff and mypy.
test-fast: $(STAMP)
	$(BIN)/python -m pytest tests/unit -q
	$(BIN)/ruff check .
	$(BIN)/mypy

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/mypy

bench: $(STAMP)
	$(BIN)/pip install --quiet -e '.[dev,bench]'
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) var test-output .mypy_cache
