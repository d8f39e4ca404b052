# Anju — common commands. `make` (or `make help`) lists them.
# Everything runs with the environment of deploy/local/env.sh; override any variable from the shell,
# e.g. `JOBS_PORT=9001 make up`, `make test PYTEST_ARGS="-x -k outbox"`.

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help
MAKEFLAGS += --no-print-directory

LOCAL := deploy/local
ENV := . $(LOCAL)/env.sh &&
VENV := .venv/bin
PYTEST_ARGS ?=
BENCH_ARGS ?=
CHAOS_ARGS ?=
LOG ?= services
# Directories type-checked by `make lint` (those that exist and hold Python files).
MYPY_CANDIDATES := libs/common/src libs/taxonomy/src $(wildcard services/*/src) gateway/src console/src tests bench scripts
MYPY_TARGETS ?= $(foreach d,$(MYPY_CANDIDATES),$(if $(shell find $(d) -name '*.py' -print -quit 2>/dev/null),$(d)))
# In CI (CI=true) `make test` stops the stack afterwards so no daemon outlives the job;
# ANJU_KEEP_STACK=1 keeps it running.
ANJU_KEEP_STACK ?= $(if $(filter true 1,$(CI)),0,1)

.PHONY: help up down status install infra infra-up test test-unit lint fmt bench bench-e2e chaos demo logs clean

help: ## Show this help
	@echo "Anju — employment-matching backend. Targets:"
	@grep -E '^[a-zA-Z0-9_-]+:.*## ' $(MAKEFILE_LIST) | sed -E 's/:[^#]*## /\t/' | awk -F'\t' '{ printf "  make %-10s %s\n", $$1, $$2 }'
	@echo "Ports: gateway 8000, jobs 8001, workers 8002, matching 8003, notifications 8004;"
	@echo "       kafka 127.0.0.1:9092, postgres 127.0.0.1:5432, redis 127.0.0.1:6379. Logs: var/log/"

up: ## Install what is missing, start Kafka/PostgreSQL/Redis, migrate, start all services, print URLs
	$(LOCAL)/stack.sh up

down: ## Stop what `make up` started (services, Kafka, Redis, PostgreSQL), and only that
	$(LOCAL)/stack.sh down

status: ## Show what runs: infra, and each service's state, pid, uptime and restart count
	$(LOCAL)/stack.sh status

install: ## Install missing Debian packages, uv, Python deps (uv sync) and the Kafka jars
	$(LOCAL)/install.sh

infra: ## Install, then start PostgreSQL, Redis and Kafka and create the topics (no services)
	$(LOCAL)/stack.sh infra-up

infra-up: infra

test: ## Install + infra, then the whole test suite (fails if no tests are collected)
	$(LOCAL)/stack.sh infra-up
	@rc=0; $(LOCAL)/run-tests.sh $(PYTEST_ARGS) || rc=$$?; \
	if [ "$(ANJU_KEEP_STACK)" != 1 ]; then $(LOCAL)/stack.sh down || true; fi; \
	exit $$rc

test-unit: ## Tests that need no running infrastructure (not integration/e2e/slow)
	$(LOCAL)/run-tests.sh -m "not integration and not e2e and not slow" $(PYTEST_ARGS)

lint: ## ruff check, ruff format --check, mypy (strict)
	$(VENV)/ruff check .
	$(VENV)/ruff format --check .
	$(if $(strip $(MYPY_TARGETS)),$(VENV)/mypy $(MYPY_TARGETS),@echo "mypy: no Python files yet")

fmt: ## Format and auto-fix with ruff
	$(VENV)/ruff format .
	$(VENV)/ruff check --fix .

bench: ## Run the benchmarks (bench/, not part of the test suite); BENCH_ARGS=... to pass options
	@if [ -f bench/__main__.py ]; then $(ENV) $(VENV)/python -m bench $(BENCH_ARGS); \
	else echo "no benchmarks yet (bench/__main__.py does not exist)"; fi

bench-e2e: ## job.posted over HTTP -> SMS at the SMPP peer, 100,000 workers, 50/s, p99 < 1 s (BENCH_ARGS=...)
	$(ENV) $(VENV)/python -m bench.e2e $(BENCH_ARGS)

chaos: ## Kill services and a private broker under 10,000 SMS, count lost/duplicated (CHAOS_ARGS=...)
	$(ENV) $(VENV)/python -m bench.chaos $(CHAOS_ARGS)

demo: ## Run the demo script against a running stack (make up first)
	@if [ -f scripts/demo.py ]; then $(ENV) $(VENV)/python scripts/demo.py; \
	else echo "no demo yet (scripts/demo.py does not exist)"; fi

logs: ## Follow a log in var/log (LOG=services|kafka|postgres|redis|migrate-jobs ...)
	@$(ENV) f="$$ANJU_VAR_DIR/log/$(LOG).log"; \
	if [ ! -f "$$f" ]; then echo "no $$f; logs present:"; ls "$$ANJU_VAR_DIR/log" 2>/dev/null || true; exit 1; fi; \
	tail -n 100 -F "$$f"

clean: ## Stop the stack, then remove var/ (all local data and logs)
	$(LOCAL)/stack.sh clean
