# Two commands for a newcomer: `make demo` and `make test`. Everything else is optional.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

.PHONY: demo test lint bench dev clean

$(STAMP): pyproject.toml requirements.lock
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c requirements.lock -e ".[dev]"
	touch $(STAMP)

demo: $(STAMP)  ## run the whole pipeline against the embedded Domino simulator
	$(BIN)/domino-etl demo

test: $(STAMP)  ## lint, then the whole test suite
	$(BIN)/ruff check .
	$(BIN)/pytest -n 2 --dist loadgroup

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check . || true

bench: $(STAMP)  ## throughput and memory benchmark at scale=large
	$(BIN)/python -m bench

dev: $(STAMP)  ## the Dagster UI on http://127.0.0.1:3000 (webserver + daemon: schedules, sensors, queue)
	DAGSTER_HOME=$(CURDIR) $(BIN)/python -m pipeline.instance
	DAGSTER_HOME=$(CURDIR) $(BIN)/dg dev

clean:
	rm -rf $(VENV) data .dagster_home .pytest_cache .ruff_cache
