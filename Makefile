# Clientele — the two commands a newcomer needs are `make run` and `make test`.
SHELL := /bin/bash
# The project's Python: 3.13, the Lambda runtime chalice packages for (it packages for the interpreter
# it runs on). The first candidate that really is 3.13 wins: pyenv's shim answers `command -v python3.13`
# even where 3.13 is not its active version, so each one is asked.
PYTHON_VERSION := 3.13
IS_PYTHON_VERSION := -c 'import sys; sys.exit(sys.version_info[:2] != tuple(map(int, "$(PYTHON_VERSION)".split("."))))'
ifndef PYTHON
PYTHON := $(shell for candidate in python$(PYTHON_VERSION) $(wildcard $(HOME)/.pyenv/versions/$(PYTHON_VERSION).*/bin/python$(PYTHON_VERSION)); do \
	$$candidate $(IS_PYTHON_VERSION) 2>/dev/null && { command -v $$candidate; break; }; done)
endif
VENV := .venv
BIN := $(VENV)/bin
# Named after the version, so a virtualenv installed for another Python is rebuilt, not reused.
STAMP := $(VENV)/.installed-$(PYTHON_VERSION)
export CLIENTELE_DATA_DIR ?= $(CURDIR)/.clientele
export PORT ?= 8000
# jsii (under aws-cdk-lib) runs on the machine's Node.js 20 and would warn on every synthesis.
export JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION ?= 1
APP_NAME := clientele
CDK_CLI_VERSION := 2.1148.1

WEB := web
WEB_DEPS := $(WEB)/node_modules/.package-lock.json
# The UI's API types (web/src/lib/api-types.ts), generated from the golden OpenAPI document. Fields with
# a default stay optional (--default-non-nullable false): right for request bodies; web/src/lib/types.ts
# says how answers are read.
OPENAPI_TS := npx --no-install openapi-typescript ../tests/snapshots/openapi.json --default-non-nullable false -o src/lib/api-types.ts
WEB_SOURCES := $(shell find $(WEB)/src -type f 2>/dev/null) $(WEB)/index.html $(WEB)/vite.config.ts $(WEB)/tsconfig.json
CHROMIUM := /usr/bin/chromium

.PHONY: python run test lint typecheck unit cli bench install clean synth deploy web web-test web-types chromium lock audit

## Dependencies are locked with hashes (see README "Dependencies"). Inputs, edited by hand:
## requirements.in (runtime), requirements-dev.txt (+ requirements-infra.txt), requirements-tools.in.
## Locks, written by `make lock` only: requirements.txt (runtime: what chalice packages for Lambda),
## requirements-dev.lock (this virtualenv: runtime + dev + infra), requirements-tools.lock.
DEV_LOCK := requirements-dev.lock
TOOLS_LOCK := requirements-tools.lock
TOOLS := .venv-tools
TOOLS_STAMP := $(TOOLS)/.installed-$(PYTHON_VERSION)
# One resolution for every platform a developer may use, for the project's Python.
UV_COMPILE = $(TOOLS)/bin/uv pip compile --quiet --universal --python-version $(PYTHON_VERSION) --generate-hashes \
	--custom-compile-command "make lock" $(if $(UPGRADE),--upgrade)

# The virtualenv is brought up to date whenever the dev lock changes; every file is checked
# against its hash (a tampered or substituted download fails the install).
# The lock pins pip itself (chalice needs pip<26.3). A virtualenv of another Python (a 3.11 one from
# before the move to 3.13) is replaced.
$(STAMP): $(DEV_LOCK) | python
	$(BIN)/python $(IS_PYTHON_VERSION) 2>/dev/null || { rm -rf $(VENV) && $(PYTHON) -m venv $(VENV); }
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --require-hashes -r $(DEV_LOCK)
	touch $(STAMP)

# uv and pip-audit, for `make lock` and `make audit`, in a virtualenv of their own (never in .venv).
$(TOOLS_STAMP): $(TOOLS_LOCK) | python
	$(TOOLS)/bin/python $(IS_PYTHON_VERSION) 2>/dev/null || { rm -rf $(TOOLS) && $(PYTHON) -m venv $(TOOLS); }
	$(TOOLS)/bin/python -m pip install --quiet --disable-pip-version-check --require-hashes -r $(TOOLS_LOCK)
	touch $(TOOLS_STAMP)

## make lock — re-resolve the locks from their inputs after editing one (needs the package index);
## pins already in a lock are kept unless needed otherwise. `make lock UPGRADE=1` takes the newest.
## The runtime lock is constrained by the dev lock, so Lambda ships the versions the tests ran.
lock: $(TOOLS_STAMP)
	$(UV_COMPILE) requirements-dev.txt -o $(DEV_LOCK)
	$(UV_COMPILE) requirements.in --constraint $(DEV_LOCK) -o requirements.txt
	$(UV_COMPILE) requirements-tools.in -o $(TOOLS_LOCK)

## make audit — known vulnerabilities in every locked Python package (pip-audit) and in the web UI's
## shipped npm packages (npm audit --omit=dev); fails when one has a fixed version. Needs the
## network (vulnerability databases), so it is not part of `make test`. AUDIT_SERVICE=osv asks OSV
## instead of PyPI's JSON API.
AUDIT_SERVICE ?= pypi
audit: $(TOOLS_STAMP)
	$(TOOLS)/bin/python devtools/audit.py --pip-audit $(TOOLS)/bin/pip-audit --service $(AUDIT_SERVICE) \
		--lock requirements.txt --lock $(DEV_LOCK) --lock $(TOOLS_LOCK) --web $(WEB)

install: $(STAMP) $(WEB_DEPS)

# Says which Python is missing, instead of a venv error from an empty $(PYTHON).
python:
	@test -n "$(PYTHON)" || { echo "Python $(PYTHON_VERSION) not found: install it (e.g. pyenv install $(PYTHON_VERSION)) or pass PYTHON=/path/to/python$(PYTHON_VERSION)" >&2; exit 1; }

# The mail-ingestion tests run a real IMAP/POP3 server (Debian's dovecot) on 127.0.0.1.
DOVECOT := /usr/sbin/dovecot
SUDO := $(if $(filter 0,$(shell id -u)),,sudo)
$(DOVECOT):
	$(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends dovecot-imapd dovecot-pop3d \
	  || ($(SUDO) apt-get update && $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends dovecot-imapd dovecot-pop3d)

## The back-office web UI (web/): `npm ci` from the committed lock file when it changed, then a
## Vite build to web/dist when a source changed. Served by `make run` at http://127.0.0.1:$PORT/.
$(WEB_DEPS): $(WEB)/package.json $(WEB)/package-lock.json
	cd $(WEB) && npm ci --no-audit --no-fund --loglevel=error
	touch $(WEB_DEPS)

$(WEB)/dist/index.html: $(WEB_DEPS) $(WEB_SOURCES)
	cd $(WEB) && npx --no-install vite build --logLevel warn

web: $(WEB)/dist/index.html

## make web-types — regenerates web/src/lib/api-types.ts (openapi-typescript) from the API's OpenAPI
## document, tests/snapshots/openapi.json (the golden copy of GET /openapi.json, which
## tests/integration/test_contract_snapshot.py keeps equal to what the app serves). Run it after
## changing that document.
web-types: $(WEB_DEPS)
	cd $(WEB) && $(OPENAPI_TS)

## web-test — the generated API types match the OpenAPI document (else: run `make web-types`), then the
## TypeScript typecheck and the Vitest component/form-logic tests.
web-test: $(WEB_DEPS)
	@cd $(WEB) && $(OPENAPI_TS) --check || \
		{ echo "web/src/lib/api-types.ts differs from tests/snapshots/openapi.json: run \`make web-types\` and commit it" >&2; exit 1; }
	cd $(WEB) && npx --no-install tsc --noEmit -p tsconfig.json
	cd $(WEB) && npx --no-install vitest run

## Debian's Chromium for the end-to-end tests (never a downloaded browser); installed when missing.
chromium:
	@test -x $(CHROMIUM) || { export DEBIAN_FRONTEND=noninteractive; \
		apt-get install -y --no-install-recommends chromium || \
		{ apt-get update && apt-get install -y --no-install-recommends chromium; }; }

## make run — local AWS (moto) on 127.0.0.1, table/bucket/defaults, API and web UI on $PORT, schedules and S3 events.
run: $(STAMP) web
	$(BIN)/python -m devtools.local_stack

## make test — ruff (lint + format check), mypy strict (chalicelib/, app.py, devtools/, tests/fakes/),
## the web UI's typecheck and Vitest tests, the whole pytest suite (including the end-to-end UI tests
## in headless Chromium).
test: $(STAMP) lint typecheck web-test unit

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports --no-logo

typecheck: $(STAMP)
	$(BIN)/mypy

unit: $(STAMP) web chromium $(DOVECOT)
	$(BIN)/python -m pytest -n 2 --dist loadgroup -q

## make cli ARGS="create-admin EMAIL" — the project's command line against the local stack.
cli: $(STAMP)
	$(BIN)/python -m devtools.cli $(ARGS)

## make bench — DynamoDB requests / items read per operation on 10,000 customers, then the CSV import
## benchmark (requests per 1,000 rows, rows/s, peak memory for 10k and 100k rows), then carts and
## orders (checkout, order lists, the abandoned-cart sweep over 100,000 carts with 1,000 idle),
## the hot routes' overhead against a bare Chalice route, the reference shop's monthly AWS bill, the
## local stack at a shop's size (hot routes and the import, before → after BENCH_LOCAL_CUSTOMERS), and
## each Lambda entry point's cold start against a bare Chalice + boto3 app (BENCH_COLDSTART_RUNS=7), and the
## API's first request from a SnapStart-like restored copy against a cold start (BENCH_SNAPSTART_RUNS=7).
bench: $(STAMP)
	$(BIN)/python -m devtools.bench
	$(BIN)/python -m devtools.bench_imports
	$(BIN)/python -m devtools.bench_bulk
	$(BIN)/python -m devtools.bench_carts
	$(BIN)/python -m devtools.bench_mail
	$(BIN)/python -m devtools.bench_writes
	$(BIN)/python -m devtools.bench_overhead
	$(BIN)/python -m devtools.bench_cost
	$(BIN)/python -m devtools.bench_local
	$(BIN)/python -m devtools.bench_coldstart
	$(BIN)/python -m devtools.bench_snapstart

## make synth — builds the web UI, then the CloudFormation templates (one stack per stage in cdk.json) under cdk.out/, checked
## with cdk-nag; no AWS credentials needed.
synth: $(STAMP) web
	$(BIN)/python -m infra.app

## make deploy STAGE=dev — builds the web UI, deploys one stage (UI included) with the CDK CLI (needs AWS credentials; see README "Deploy").
deploy: $(STAMP) web
	@test -n "$(STAGE)" || { echo "usage: make deploy STAGE=dev|prod"; exit 2; }
	npx --yes aws-cdk@$(CDK_CLI_VERSION) deploy --app "$(BIN)/python -m infra.app" -c stage=$(STAGE) \
		--require-approval broadening $(CDK_ARGS) $(APP_NAME)-$(STAGE)

clean:
	rm -rf $(VENV) $(TOOLS) .mypy_cache .ruff_cache .pytest_cache cdk.out chalice.out $(WEB)/node_modules $(WEB)/dist
