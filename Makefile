# The two set-up commands are `make run` and `make test`; everything else is a helper.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
# Three pytest workers (on 2 cores), one test file each at a time: most tests wait on real processes, not the CPU.
# Files go out in collection order, which tests/conftest.py makes the ones that start processes first (xdist's own
# order, most tests first, left a three-minute file of one test to start last and run alone).
PYTEST_ARGS ?= -n 3 --dist loadfile --no-loadscope-reorder
STAMP := $(VENV)/.installed
# The versions `make run`, `make test` and CI install: base and test dependencies, pinned by `make lock`.
CONSTRAINTS := requirements/constraints.txt

.PHONY: run test lint format install clean bench bench-full chaos audit lock

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(STAMP): $(BIN)/python pyproject.toml $(CONSTRAINTS)
	@echo "installing schedulebot and its dependencies into $(VENV) (the first time takes a minute) …"
	@# PYTHONWARNINGS: setuptools' build backend prints a 10-line notice about editable installs on every
	@# first install; it is a UserWarning, and nothing a person running `make run` needs to act on.
	PYTHONWARNINGS=ignore::UserWarning $(BIN)/pip install --quiet -c $(CONSTRAINTS) -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

# Migrates, then runs the Procfile's web, worker and beat on working defaults (SQLite; Redis if it
# answers, else a broker in a SQLite file); without Slack credentials it opens the local console.
run: $(STAMP)
	@$(BIN)/schedulebot run

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

# CI=true (what .ci/run passes, and what every CI service sets) makes a test that needs a missing PostgreSQL or
# Redis fail instead of skipping; the pytest header names the mode and the summary counts service skips first.
test: lint
	CI="$(CI)" $(BIN)/pytest $(PYTEST_ARGS)

# Benchmarks and the fault-injection run (docs/benchmarks.md). `make bench` only prints; BENCH_ARGS=--docs
# also records the run in schedulebot/bench/results/ and docs/benchmarks.md (`make chaos` always does). The peer
# scheduler is installed when it can be; when it cannot, the benchmark says so and measures a load-all baseline instead.
BENCH_STAMP := $(VENV)/.installed-bench

$(BENCH_STAMP): $(STAMP)
	$(BIN)/pip install --quiet -c $(CONSTRAINTS) -e '.[test,bench]'
	-$(BIN)/pip install --quiet sqlalchemy-celery-beat
	touch $(BENCH_STAMP)

bench: $(BENCH_STAMP)
	@scripts/services.sh
	$(BIN)/schedulebot bench --quick $(BENCH_ARGS)

bench-full: $(BENCH_STAMP)
	@scripts/services.sh
	$(BIN)/schedulebot bench --full $(BENCH_ARGS)

chaos: $(BENCH_STAMP)
	@scripts/services.sh
	$(BIN)/schedulebot chaos --out schedulebot/bench/results/chaos-latest.json --docs $(CHAOS_ARGS)

# Known advisories (PyPI's JSON API, i.e. OSV/PyPA) in every package installed in the venv. It needs
# the network and its answer changes as advisories are published, so `make test` and CI do not run it.
# --strict: a package it could not look up fails the audit instead of passing as "no known vulnerabilities".
AUDIT_STAMP := $(VENV)/.installed-audit

$(AUDIT_STAMP): $(STAMP)
	$(BIN)/pip install --quiet -c $(CONSTRAINTS) -e '.[test,audit]'
	touch $(AUDIT_STAMP)

audit: $(AUDIT_STAMP)
	$(BIN)/pip-audit --strict --skip-editable --progress-spinner off $(AUDIT_ARGS)

# Re-pins $(CONSTRAINTS) from pyproject.toml with uv, keeping every pin that still fits (so a new
# dependency adds its lines and nothing else moves). Upgrades: LOCK_ARGS=--upgrade (everything) or
# LOCK_ARGS='--upgrade-package celery'. The output names no machine: universal markers, Python 3.11.
UV_STAMP := $(VENV)/.installed-uv

$(UV_STAMP): $(BIN)/python
	$(BIN)/pip install --quiet 'uv==0.13.9'
	touch $(UV_STAMP)

lock: $(UV_STAMP)
	$(BIN)/uv pip compile pyproject.toml --extra test --universal --python-version 3.11 --quiet \
		--custom-compile-command 'make lock' --output-file $(CONSTRAINTS) $(LOCK_ARGS)

format: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache .mypy_cache .ruff_cache
