# Two commands matter: `make run` (the whole system) and `make test` (every check).
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-$(shell cat requirements/base.txt requirements/dev.txt | sha1sum | cut -c1-12)

# Local defaults first; a developer's own .env (if any) overrides them.
comma := ,
ENV_FILES := scripts/local.env$(if $(wildcard .env),$(comma).env,)

.PHONY: install run test lint typecheck pytest infra-check webapp-install webapp-check webapp-e2e services requirements

$(STAMP): requirements/base.txt requirements/dev.txt
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install -q --disable-pip-version-check --upgrade pip
	$(PY) -m pip install -q --disable-pip-version-check -r requirements/base.txt -r requirements/dev.txt
	rm -f $(VENV)/.installed-* && touch $(STAMP)

install: $(STAMP)

## run: the whole system locally (Ctrl-C stops every process)
run: install webapp-install
	@set -a; . scripts/local.env; set +a; $(PY) -m shared.ops check-services
	@$(PY) -m shared.ops create-db >/dev/null
	@$(PY) -m shared.ops migrate >/dev/null
	@echo "bff                http://localhost:8080/   (API under /api/v1)"
	@echo "gateway web        http://localhost:8081/"
	@echo "gateway worker     http://localhost:8082/"
	@echo "gateway scheduler  http://localhost:8083/"
	@echo "provider simulator http://localhost:8090/   local S3 (moto) http://localhost:5000/"
	@echo "advisor console    http://localhost:3000/   (demo users: python -m shared.ops seed-demo)"
	$(VENV)/bin/honcho -f Procfile -e $(ENV_FILES) start

## test: install, make sure Postgres and RabbitMQ run, then lint, type-check and test
test: install services lint typecheck infra-check webapp-check webapp-e2e pytest

services:
	@bash scripts/ensure-services.sh

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/lint-imports

typecheck: install
	$(VENV)/bin/mypy

pytest: install
	$(VENV)/bin/pytest

webapp/node_modules/.package-lock.json: webapp/package-lock.json
	cd webapp && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund

webapp-install: webapp/node_modules/.package-lock.json

## webapp-check: the advisor console's typecheck, lint, unit tests and API-types freshness
webapp-check: webapp-install
	cd webapp && npm run typecheck
	cd webapp && npm run lint
	cd webapp && npm test
	cd webapp && npm run check:api

## webapp-e2e: browser journeys in Debian's headless Chromium against the real roles
webapp-e2e: install services webapp-install
	bash scripts/webapp-e2e.sh

## infra-check: terraform/CircleCI/Dockerfile policy checks (checkov in its own venv)
infra-check:
	bash scripts/check-infra.sh

## requirements: re-pin requirements/*.txt from the .in files
requirements: install
	cd requirements && ../$(VENV)/bin/pip-compile -q --no-emit-index-url --no-emit-find-links --strip-extras base.in -o base.txt
	cd requirements && ../$(VENV)/bin/pip-compile -q --no-emit-index-url --no-emit-find-links --strip-extras dev.in -o dev.txt
