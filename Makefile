# Fieldgate: `make run` to try it, `make test` to check it. Both set up .venv themselves.
SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
PORT ?= 5000
FLASK := $(BIN)/flask --app wsgi

.PHONY: install install-dev run test lint bench browser-deps clean

$(VENV)/.installed-run: requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements.txt
	touch $@

$(VENV)/.installed-dev: $(VENV)/.installed-run requirements-dev.txt
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $@

install: $(VENV)/.installed-run

install-dev: $(VENV)/.installed-dev

## run: install, migrate, load the demo network, serve on http://127.0.0.1:$(PORT)
run: install
	$(FLASK) db upgrade
	$(FLASK) demo load
	$(FLASK) run --host 127.0.0.1 --port $(PORT)

## browser-deps: Debian's Chromium for the browser tests (needs root or sudo the first time)
browser-deps:
	@scripts/install-chromium

## test: lint, then the whole suite on SQLite and PostgreSQL (see README, "Tests")
test: install-dev browser-deps
	@scripts/run-tests

lint: install-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports --no-cache
	$(BIN)/mypy

bench: install-dev
	$(BIN)/python -m bench.decisions
	$(BIN)/python -m bench.export --contacts 30000 --format csv
	$(BIN)/python -m bench.accesslog_write
	$(BIN)/python -m bench.api

clean:
	rm -rf $(VENV) .pytest_cache screenshots
