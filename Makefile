# The two README commands. Each creates .venv from python3 when missing and installs the project.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
RUNTIME := $(VENV)/.installed-runtime

APP := $(VENV)/.installed-app

.PHONY: demo test test-fast lint bench clean-results browser app validate-model screenshots

$(BIN)/python:
	$(PY) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# `make demo` needs the runtime dependencies only; `make test` adds the dev extras
# (pytest, ruff, PRIM's ema_workbench, Dask).
$(RUNTIME): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	touch $(RUNTIME)

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP) $(RUNTIME) $(APP)

# `make app` after `make demo`: the dashboard's extras (solara and Mesa's visualisation).
$(APP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[app]'
	touch $(APP) $(RUNTIME)

DEMO := results/demo

demo: $(RUNTIME)
	rm -rf $(DEMO) && mkdir -p $(DEMO)
	$(BIN)/alliance-sim validate scenarios/*.yaml
	$(BIN)/alliance-sim evidence scenarios/baseline.yaml --strict > $(DEMO)/evidence.txt
	@tail -n 1 $(DEMO)/evidence.txt
	$(BIN)/alliance-sim run scenarios/baseline.yaml -n 100 --out $(DEMO)/baseline
	$(BIN)/alliance-sim compare scenarios/baseline.yaml scenarios/russia_tech_transfer.yaml \
		scenarios/china_restrains.yaml scenarios/china_distances.yaml -n 200 --out $(DEMO)/compare
	$(BIN)/alliance-sim sweep scenarios/sweeps/demo.yaml --out $(DEMO)/sweep
	$(BIN)/alliance-sim report $(DEMO)/sweep
	$(BIN)/alliance-sim report $(DEMO)/compare
	$(BIN)/alliance-sim report $(DEMO)/baseline

# The dashboard's browser test drives Debian's Chromium (no browser download); as root.
browser:
	@command -v chromium >/dev/null || (apt-get update && apt-get install -y chromium)

test: $(STAMP) browser
	$(BIN)/ruff check sim tests benchmarks scripts
	$(BIN)/ruff format --check sim tests benchmarks scripts
	$(BIN)/python -m pytest -n 2

# The quick loop while editing: everything but the tests marked slow (tests/conftest.py).
test-fast: $(STAMP)
	$(BIN)/ruff check sim tests benchmarks
	$(BIN)/python -m pytest -n 2 -m "not slow"

lint: $(STAMP)
	$(BIN)/ruff check --fix sim tests benchmarks scripts
	$(BIN)/ruff format sim tests benchmarks scripts

SCENARIO ?= scenarios/baseline.yaml

app: $(APP)
	$(BIN)/alliance-sim app $(SCENARIO)

# The dashboard pictures of README.md and docs/dashboard.md, taken of the running page.
screenshots: $(STAMP) browser
	$(BIN)/python scripts/screenshots.py

bench: $(STAMP)
	$(BIN)/python -m benchmarks.run_all

clean-results:
	rm -rf results/*/

# Fit to history, rolling-origin and held-out forecasts beside the nulls; rewrites the tables
# of docs/validation.md. Same numbers on any number of workers (`make validate-model WORKERS=1`).
WORKERS ?= 2
validate-model: $(STAMP)
	$(BIN)/python -m benchmarks.calibrate --workers $(WORKERS)
