# Sigap — the two commands that matter: `make run` and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
PORT ?= 8000
HOST ?= 127.0.0.1
SIGAP_DATABASE_URL ?= sqlite:///./sigap.db
export SIGAP_DATABASE_URL

.PHONY: run demo test lint typecheck migrations-check openapi pytest bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# Re-installs when pyproject.toml changes.
$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@

## Serve the API with Swagger UI at http://$(HOST):$(PORT)/docs on the embedded SQLite database.
run: $(VENV)/.installed
	SIGAP_ENV=$${SIGAP_ENV:-development} $(BIN)/sigap serve --host $(HOST) --port $(PORT)

## Load the team's realistic Kaltim stream (337 mentions, 37 stories) into the embedded database, so the
## triage queue (GET /v1/issues) shows live issues at several levels. Idempotent; run it beside `make run`.
demo: $(VENV)/.installed
	SIGAP_ENV=$${SIGAP_ENV:-development} $(BIN)/sigap migrate
	SIGAP_ENV=$${SIGAP_ENV:-development} $(BIN)/sigap demo load

## Everything CI checks: lint, types, migrations vs models, the OpenAPI drift test and the whole suite.
test: lint typecheck migrations-check pytest

lint: $(VENV)/.installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(VENV)/.installed
	$(BIN)/mypy app

# `alembic check` on a scratch SQLite database migrated to head (PostgreSQL is compared in the suite).
migrations-check: $(VENV)/.installed
	@tmp=$$(mktemp -d); \
	SIGAP_DATABASE_URL=sqlite:///$$tmp/check.db $(BIN)/alembic upgrade head >/dev/null 2>&1 && \
	SIGAP_DATABASE_URL=sqlite:///$$tmp/check.db $(BIN)/alembic check; \
	status=$$?; rm -rf $$tmp; exit $$status

# The suite runs on SQLite, and on PostgreSQL too when SIGAP_TEST_POSTGRES_URL is set. It includes the
# openapi.yaml drift test. Exit 5 (no tests collected) fails like any other error.
pytest: $(VENV)/.installed
	@$(BIN)/pytest; status=$$?; \
	if [ $$status -eq 5 ]; then echo "pytest collected no tests: failing" >&2; fi; exit $$status

## Regenerate openapi.yaml and README's scope table from the code.
openapi: $(VENV)/.installed
	$(BIN)/sigap openapi --output openapi.yaml --readme README.md

bench: $(VENV)/.installed
	$(BIN)/python bench/intake.py --db both

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache *.egg-info
