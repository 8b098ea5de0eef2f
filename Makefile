# Two commands matter (see README): `make run` and `make test`.
# Set-up is incremental: the virtual environment in .venv/ is (re)installed only when
# pyproject.toml changed since the last install (stamp files below).

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
UV := $(BIN)/uv
INPUT ?= data
OUTPUT ?= output
DIST ?= dist
# spark-submit runs find-spark-home with the first python3 on PATH: make it the venv's.
export PATH := $(abspath $(BIN)):$(PATH)
export PYSPARK_PYTHON := $(abspath $(BIN)/python)

.DEFAULT_GOAL := help
.PHONY: help setup setup-test setup-gcs setup-browser run test test-fast lint package release bench-quick clean

help:  ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-14s %s\n", $$1, $$2}'

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(UV): | $(BIN)/python
	$(BIN)/python -m pip install --quiet --disable-pip-version-check 'uv>=0.5,<1'

$(VENV)/.stamp-core: pyproject.toml | $(UV)
	$(UV) pip install --quiet --python $(BIN)/python -e .
	@touch $@

$(VENV)/.stamp-test: pyproject.toml | $(UV)
	$(UV) pip install --quiet --python $(BIN)/python -e '.[test,bench]'
	@touch $@ $(VENV)/.stamp-core

$(VENV)/.stamp-gcs: pyproject.toml | $(UV)
	$(UV) pip install --quiet --python $(BIN)/python -e '.[gcs]'
	@touch $@ $(VENV)/.stamp-core

setup: $(VENV)/.stamp-core  ## create .venv with the job's dependencies (PySpark)

setup-test: $(VENV)/.stamp-test  ## create .venv with everything the tests need

setup-gcs: $(VENV)/.stamp-gcs  ## create .venv with the job and the deploy CLI (drug-mentions-gcs)

# The browser tests of report.html need a Chromium: Debian's, installed once (as root, apt-get);
# a no-op when one is there. Where it cannot be installed, those tests skip with a message.
setup-browser:  ## install headless Chromium for the report.html tests (once; needs root)
	@bash .ci/install-chromium.sh

run: setup  ## set up, then run the pipeline on data/ into output/
	$(BIN)/spark-submit --properties-file conf/spark-local.conf \
		jobs/pipeline.py --conf conf/local.toml --input $(INPUT) --output $(OUTPUT)

test: setup-test setup-browser  ## set up, then run lint + the whole test suite + Terraform and workflow checks
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/python -m pytest -n 2 --dist loadfile
	bash .ci/terraform-checks.sh
	bash .ci/workflow-checks.sh

# The edit loop: every test but those starting a spark-submit JVM or the GCS emulator (pytest
# markers spark_submit, emulator: tests/conftest.py applies them and enforces them) and the
# few marked slow (the benchmark-vs-naive cross check).
test-fast: setup-test setup-browser  ## the tests without spark-submit, the GCS emulator or slow ones (edit loop; not CI)
	$(BIN)/python -m pytest -m "not spark_submit and not emulator and not slow"

lint: setup-test  ## ruff lint + format check only
	$(BIN)/ruff check . && $(BIN)/ruff format --check .

package: setup  ## build dist/: entry points + versioned zip of jobs/drug_mentions for Dataproc
	$(BIN)/python jobs/package_artifact.py --out $(DIST)

release: setup-gcs  ## CI (tag v*): package, deploy to code/<version>/ + DAG, verify (.ci/release.sh)
	bash .ci/release.sh

bench-quick: setup-test  ## benchmark smoke run (tiny sizes)
	$(BIN)/python benchmarks/run.py --quick

clean:  ## remove build and run outputs (keeps .venv)
	rm -rf dist output .pytest_cache spark-warehouse
