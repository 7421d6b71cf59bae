# smsaddon: `make run` serves on SQLite with demo data; `make test` installs what the tests need
# and runs lint, types and every test.
SHELL := /bin/bash
UV ?= $(shell command -v uv 2>/dev/null || echo $(HOME)/.local/bin/uv)
PY := .venv/bin/python
DEMO_PASSWORD ?= demo-password
export SMSADDON_DATABASE_URL ?= sqlite:///smsaddon.db

.PHONY: setup test-deps run test lint bench soak clean

$(UV):
	python3 -m pip install --quiet --user uv || python3 -m pip install --quiet uv

setup: $(UV)
	$(UV) sync --frozen --quiet

# Test peers: the npm segment calculator (an oracle) and Debian's Chromium (browser tests).
test-deps: setup
	cd tests/oracle && npm ci --no-audit --no-fund --silent
	@command -v chromium >/dev/null || { \
		(apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium) \
		|| echo "chromium could not be installed: browser tests will skip"; }

run: setup
	$(PY) -m smsaddon db upgrade
	$(PY) -m smsaddon demo --password "$(DEMO_PASSWORD)" --if-empty
	$(PY) -m smsaddon serve

lint: setup
	$(PY) -m ruff check src tests benchmarks
	$(PY) -m ruff format --check src tests benchmarks
	$(PY) -m mypy

test: test-deps lint
	$(PY) -m pytest

bench: test-deps
	$(PY) -m benchmarks

# About 3 minutes of faults against serve and two workers on PostgreSQL, then the checks.
soak: setup
	$(PY) -m tests.soak.run --seconds 180

clean:
	rm -rf .venv .mypy_cache .pytest_cache .ruff_cache tests/oracle/node_modules smsaddon.db* \
		smsaddon-carrier.db*
