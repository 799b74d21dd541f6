# Two commands for a newcomer: `make demo` and `make test`. Everything else is optional.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
# The official FOCUS validator needs Python >= 3.12 and duckdb/polars 1.x: its own virtualenv.
# dlt, the benchmark's peer, lives in its own virtualenv, made by `make bench` only (never by `make test`).
DLT_VENV := .venv-dlt
DLT_STAMP := $(DLT_VENV)/.installed-stamp
FOCUS_VENV := .venv-focus
FOCUS_STAMP := $(FOCUS_VENV)/.installed-stamp
FOCUS_PYTHON ?= $(shell for p in python3.12 $$(ls -d $${PYENV_ROOT:-$$HOME/.pyenv}/versions/3.12*/bin/python3.12 \
	2>/dev/null); do $$p -c 'import sys; assert sys.version_info[:2] == (3, 12)' 2>/dev/null && command -v $$p && break; done)

.PHONY: demo test lint bench dev clean focus-venv system-packages docs-images

$(STAMP): pyproject.toml requirements.lock
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c requirements.lock -e ".[dev]"
	touch $(STAMP)

$(FOCUS_STAMP): requirements-focus.lock
	@test -n "$(FOCUS_PYTHON)" || { echo "focus-validator needs Python 3.12 (python3.12 or pyenv); set FOCUS_PYTHON" >&2; exit 1; }
	test -x $(FOCUS_VENV)/bin/python || $(FOCUS_PYTHON) -m venv $(FOCUS_VENV)
	$(FOCUS_VENV)/bin/python -m pip install --quiet --disable-pip-version-check --no-deps --no-compile \
		-r requirements-focus.lock
	$(FOCUS_VENV)/bin/python -m pip check --disable-pip-version-check
	touch $(FOCUS_STAMP)

$(DLT_STAMP): bench/requirements-dlt.lock
	test -x $(DLT_VENV)/bin/python || $(PYTHON) -m venv $(DLT_VENV)
	$(DLT_VENV)/bin/python -m pip install --quiet --disable-pip-version-check -r bench/requirements-dlt.lock
	touch $(DLT_STAMP)

focus-venv: $(FOCUS_STAMP)  ## the FOCUS validator's own virtualenv (make test creates it)

demo: $(STAMP)  ## run the whole pipeline against the embedded Domino simulator
	$(BIN)/domino-etl demo

system-packages:  ## Debian packages the tests need (PostgreSQL, Chromium); installs only what is missing
	.ci/system-packages

test: lint $(FOCUS_STAMP) system-packages  ## lint, then the whole test suite
	$(BIN)/pytest -n 2 --dist loadgroup

docs-images: $(STAMP) system-packages  ## re-take the README's pictures (UI screenshot, notebook chart)
	UPDATE_DOCS_IMAGES=1 $(BIN)/pytest -q tests/ui "tests/e2e/test_landing.py::test_full_history_lands_every_catalogue_entry_and_matches_the_truth"

lint: $(STAMP)  ## ruff's lint rules and its formatting: either can fail the build
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

bench: $(STAMP) $(DLT_STAMP)  ## throughput and memory: fast page server and simulator, vs the fetch bound and dlt
	$(BIN)/python -m bench

dev: $(STAMP)  ## the Dagster UI on http://127.0.0.1:3000 (webserver + daemon: schedules, sensors, queue)
	DAGSTER_HOME=$(CURDIR) $(BIN)/python -m pipeline.instance
	DAGSTER_HOME=$(CURDIR) $(BIN)/dg dev

clean:
	rm -rf $(VENV) $(FOCUS_VENV) $(DLT_VENV) data .dagster_home .pytest_cache .ruff_cache
