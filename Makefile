# The two set-up commands of the README: `make run` and `make test`. Everything else is optional.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
# Every dependency (runtime, dev and bench extras) at the version CI tested, with its hashes.
LOCK   := requirements.lock
LOCKVENV := .lockvenv

.PHONY: venv run test test-fast lint bench lock clean

# The lock first, then onecard itself without letting pip pick any dependency of its own.
$(STAMP): pyproject.toml $(LOCK)
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r $(LOCK)
	$(BIN)/pip install --quiet --no-deps -e .
	touch $(STAMP)

venv: $(STAMP)

## Migrate, seed and start the whole platform on the embedded default (SQLite + embedded Redis).
run: $(STAMP)
	$(BIN)/onecard run

## The whole suite, ruff and mypy. With ONECARD_TEST_CONFIGS set (CI does), the backend-dependent
## tests once per backend configuration, the rest once.
test: $(STAMP)
	$(BIN)/python -m tests.matrix

## Under a minute, no processes started: ruff, then the unit tier and mypy side by side (two cores).
test-fast: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/mypy > .mypy.out 2>&1 & mypy=$$!; \
	$(BIN)/python -m pytest tests/unit -q; tests=$$?; \
	wait $$mypy; checked=$$?; cat .mypy.out; rm -f .mypy.out; \
	test $$tests -eq 0 && test $$checked -eq 0

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/mypy

bench: $(STAMP)
	$(BIN)/python -m bench

## Refresh requirements.lock after a change to pyproject.toml's dependencies (docs/dependencies.md):
## pip-tools, in a venv of its own, keeps every pin that still fits; `make lock UPGRADE=1` takes the
## newest versions the bounds allow. Run it with the Python CI uses (3.11).
lock:
	$(PYTHON) -m venv $(LOCKVENV)
	$(LOCKVENV)/bin/pip install --quiet 'pip-tools>=7.4,<8'
	CUSTOM_COMPILE_COMMAND="make lock" $(LOCKVENV)/bin/pip-compile --quiet --extra dev --extra bench \
	    --strip-extras --generate-hashes --allow-unsafe --no-emit-index-url --no-emit-find-links \
	    --no-emit-trusted-host $(if $(UPGRADE),--upgrade) --output-file $(LOCK) pyproject.toml

clean:
	rm -rf $(VENV) $(LOCKVENV) var test-output .mypy_cache
