# simcrm: every target sets up its own virtual environment on first use.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: run test test-quick lint bench docs clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

run: $(STAMP)  ## the baseline scenario, 1,000,000 trials, and its summary
	$(BIN)/simcrm run scenarios/baseline.toml

test: $(STAMP)  ## everything, the long statistical suites included (what CI runs)
	$(BIN)/python -m pytest -q

test-quick: $(STAMP)  ## local iteration: skips tests marked slow
	$(BIN)/python -m pytest -q -m "not slow"

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

bench: $(STAMP)  ## speed and memory, written to results/bench/bench.json
	$(BIN)/python benchmarks/bench.py

docs: $(STAMP)  ## docs/scenario-reference.md, generated from the scenario schema
	$(BIN)/python -m simcrm.scenario.reference_doc > docs/scenario-reference.md

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
