# The two README commands. Each creates .venv from python3 when missing and installs the project.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test lint bench clean-results validate-model

$(BIN)/python:
	$(PY) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

DEMO := results/demo

demo: $(STAMP)
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

test: $(STAMP)
	$(BIN)/ruff check sim tests benchmarks
	$(BIN)/ruff format --check sim tests benchmarks
	$(BIN)/python -m pytest -n 2

lint: $(STAMP)
	$(BIN)/ruff check --fix sim tests benchmarks
	$(BIN)/ruff format sim tests benchmarks

bench: $(STAMP)
	$(BIN)/python -m benchmarks.run_all

clean-results:
	rm -rf results/*/

# Calibrate against history, leave-one-episode-out hindcasts; rewrites docs/validation.md tables.
validate-model: $(STAMP)
	$(BIN)/python -m benchmarks.calibrate
