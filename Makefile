# Two commands matter: `make run` (the whole system) and `make test` (every check).
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-$(shell cat requirements/base.txt requirements/dev.txt | sha1sum | cut -c1-12)

.PHONY: install run test lint typecheck pytest services requirements clean-test-data

$(STAMP): requirements/base.txt requirements/dev.txt
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install -q --disable-pip-version-check --upgrade pip
	$(PY) -m pip install -q --disable-pip-version-check -r requirements/base.txt -r requirements/dev.txt
	rm -f $(VENV)/.installed-* && touch $(STAMP)

install: $(STAMP)

## run: the whole system locally (Ctrl-C stops every process)
run: install
	@$(PY) -m shared.ops check-services
	@$(PY) -m shared.ops create-db >/dev/null
	@$(PY) -m shared.ops migrate >/dev/null
	@echo "bff                http://localhost:8080/   (API under /api/v1)"
	@echo "gateway web        http://localhost:8081/"
	@echo "gateway worker     http://localhost:8082/"
	@echo "gateway scheduler  http://localhost:8083/"
	$(VENV)/bin/honcho -f Procfile start

## test: install, make sure Postgres and RabbitMQ run, then lint, type-check and test
test: install services lint typecheck pytest

services:
	@bash scripts/ensure-services.sh

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/lint-imports

typecheck: install
	$(VENV)/bin/mypy

pytest: install
	$(VENV)/bin/pytest

## requirements: re-pin requirements/*.txt from the .in files
requirements: install
	cd requirements && ../$(VENV)/bin/pip-compile -q --no-emit-index-url --no-emit-find-links --strip-extras base.in -o base.txt
	cd requirements && ../$(VENV)/bin/pip-compile -q --no-emit-index-url --no-emit-find-links --strip-extras dev.in -o dev.txt
