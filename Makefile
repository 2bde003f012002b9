# The verbs of JXC. A fresh clone needs only python3 (3.11+) and make.
PYTHON ?= python3
UV_VERSION := 0.13.9
TOOLS := .tools
UV := $(TOOLS)/bin/uv
VENV := .venv
BIN := $(VENV)/bin
DOMAIN_PACKAGES := $(foreach d,$(wildcard services/*/src/jxc/*/domain),-p jxc.$(notdir $(patsubst %/domain,%,$(d))).domain)

.PHONY: help install dev test test-fast e2e lint format bench promtool clean

help:
	@echo "make dev    - install everything and run the whole system locally (Ctrl-C stops it)"
	@echo "make test   - run every test on real PostgreSQL, Kafka-protocol broker and Redis"
	@echo "make lint   - ruff and mypy"
	@echo "make bench  - benchmarks"

$(UV):
	$(PYTHON) -m venv $(TOOLS)
	$(TOOLS)/bin/pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)

$(VENV)/.synced: $(UV) uv.lock pyproject.toml $(wildcard libs/*/pyproject.toml services/*/pyproject.toml)
	UV_PYTHON=$(PYTHON) $(UV) sync --frozen
	@touch $@

install: $(VENV)/.synced

dev: install
	$(BIN)/python -m jxc.platform.infra.stack

# promtool validates /metrics output in the tests; Debian ships it in `prometheus`.
promtool:
	@command -v promtool >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    echo "installing promtool (Debian package prometheus)"; \
	    (apt-get install -y --no-install-recommends prometheus >/dev/null 2>&1 || \
	     (apt-get update >/dev/null && apt-get install -y --no-install-recommends prometheus >/dev/null)); \
	  else echo "promtool missing and cannot be installed here: its tests will be skipped"; fi; }

test: install promtool
	$(BIN)/python -m pytest

test-fast: install
	$(BIN)/python -m pytest -m "not e2e"

e2e: install
	$(BIN)/python -m pytest -m e2e

lint: install
	$(BIN)/ruff check .
	$(BIN)/mypy -p jxc.contracts -p jxc.platform $(DOMAIN_PACKAGES)

format: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

bench: install
	$(BIN)/python tests/bench/run.py

clean:
	rm -rf $(VENV) $(TOOLS)
