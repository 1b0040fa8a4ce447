# GMBot developer entry points. `make help` lists them.
PYTHON ?= python3.11
# uv, at the version pyproject.toml requires, in a small virtualenv of its own; it makes .venv
# from uv.lock: every workspace member editable, plus the dev tools.
UV_VERSION := $(shell sed -n 's/^required-version = "==\(.*\)"$$/\1/p' pyproject.toml)
TOOLS  := .tools
UV     := $(TOOLS)/bin/uv
UV_STAMP := $(TOOLS)/.uv-$(UV_VERSION)
VENV   := .venv
BIN    := $(VENV)/bin
PY     := $(BIN)/python
STAMP  := $(VENV)/.synced
MANIFESTS := pyproject.toml uv.lock $(wildcard */pyproject.toml services/*/pyproject.toml)
# The source roots (proto, lib, services/tenancy, ...): the workspace members, as uv lists them.
SRC_ROOTS = $(patsubst $(CURDIR)/%,%,$(shell $(UV) workspace list --paths))
empty :=
space := $(empty) $(empty)
PROTOS := $(wildcard proto/gmbot/v1/*.proto)
# The buf CLI, pinned by tools/buf/package-lock.json; the API as released, one buf image per
# release in proto/releases/ (make release writes the next one), the newest compared against.
BUF_DIR := tools/buf
BUF     := $(BUF_DIR)/node_modules/.bin/buf
RELEASED_API = $(shell ls proto/releases/gmbot-v*.binpb | sort -V | tail -n 1)
# The mypy-protobuf plugins live in the virtualenv.
PROTOC := PATH=$(abspath $(BIN)):$$PATH $(PY) -m grpc_tools.protoc -I proto
export UV_PYTHON_DOWNLOADS := never

.DEFAULT_GOAL := help
.PHONY: help venv lock lock-check changelog-check tools proto proto-check api-check lint sizes deploy-check containers images release check test test-fast run sandbox bench clean

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-12s %s\n", $$1, $$2}'

$(UV_STAMP):
	@command -v $(PYTHON) >/dev/null || { echo "need $(PYTHON) on PATH (set PYTHON=...)"; exit 1; }
	rm -rf $(TOOLS)
	$(PYTHON) -m venv $(TOOLS)
	$(TOOLS)/bin/pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)
	@touch $@

$(STAMP): $(UV_STAMP) $(MANIFESTS)
	@# A .venv that uv did not make (pip's, from before the workspace) starts again from nothing.
	@grep -qs '^uv = ' $(VENV)/pyvenv.cfg || rm -rf $(VENV)
	@# Compiled once here, not by every pytest worker at its first import (nor at every import
	@# where PYTHONDONTWRITEBYTECODE is set).
	$(UV) sync --frozen --all-packages --compile-bytecode --python $(PYTHON)
	@touch $@

venv: $(STAMP) ## Create .venv from uv.lock: every distribution (editable) and the dev tools

lock: $(UV_STAMP) ## Lock again after changing a dependency in any pyproject.toml
	$(UV) lock

lock-check: $(UV_STAMP) ## Fail when uv.lock does not match the pyproject.toml files
	$(UV) lock --check

changelog-check: $(STAMP) ## Fail when CHANGELOG.md has no section for the pyproject files' version
	$(PY) scripts/changelog.py

proto: $(STAMP) ## Regenerate the Python code of the gRPC contracts in proto/
	$(PROTOC) \
		--python_out=proto --grpc_python_out=proto \
		--mypy_out=proto --mypy_grpc_out=proto $(PROTOS)

proto-check: $(STAMP) ## Fail when the checked-in generated code is stale
	@tmp=$$(mktemp -d) && \
	$(PROTOC) --python_out=$$tmp --grpc_python_out=$$tmp \
		--mypy_out=$$tmp --mypy_grpc_out=$$tmp $(PROTOS) && \
	for f in $$(cd $$tmp && find . -type f); do \
		cmp -s $$tmp/$$f proto/$$f || { echo "stale generated code: proto/$$f (run make proto)"; exit 1; }; \
	done && rm -rf $$tmp && echo "generated code is up to date"

$(BUF): $(BUF_DIR)/package-lock.json
	@bash scripts/ensure-tools.sh npm
	npm ci --prefix $(BUF_DIR) --ignore-scripts --no-audit --no-fund --loglevel=error
	@touch $@

api-check: $(BUF) ## buf lint, and buf breaking against the last release: gmbot.v1 changes only by addition
	$(BUF) lint
	$(BUF) breaking --against $(RELEASED_API)
	@echo "gmbot.v1: lint clean, nothing breaking against $(notdir $(RELEASED_API))"

lint: $(STAMP) ## ruff, mypy (strict), the import contracts and the size check
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	MYPYPATH=$(subst $(space),:,$(SRC_ROOTS)) $(BIN)/mypy $(filter-out proto,$(SRC_ROOTS)) tests bench scripts
	$(BIN)/lint-imports
	$(PY) scripts/sizes.py

sizes: $(STAMP) ## Fail on a module over 300 lines or a function over 60 (generated code, migrations, bench/ aside)
	$(PY) scripts/sizes.py

tools: ## Start (or install from Debian packages) PostgreSQL, Redis, a three-node Redis Cluster and the deploy validators
	@bash scripts/ensure-tools.sh

# deploy-check and containers are skipped when they passed before for the same input hash (the
# files they check, the tools' versions: scripts/step_cache.py); FORCE=1 runs them anyway.
deploy-check: $(STAMP) tools ## Validate docker-compose, Kubernetes, Prometheus files and each image's installs (cached; FORCE=1)
	@$(PY) -m scripts.step_cache deploy-check -- env VENV_BIN=$(BIN) UV=$(UV) bash deploy/check.sh

# Needs root (it installs Debian's podman when missing); CONTAINERS=skip leaves it out of make test.
containers: $(STAMP) ## Build every image with podman, run the compose stack, the demo story and a rolling restart under load through it (cached; FORCE=1)
	@if [ "$(CONTAINERS)" = skip ]; then echo "containers: skipped (CONTAINERS=skip)"; else \
		bash scripts/podman-setup.sh && $(PY) -m scripts.step_cache containers -- $(PY) -m scripts.compose; fi

# The images for a registry: make images REGISTRY=registry.example.com/gmbot TAG=0.1.0 PUSH=1
CONTAINER_TOOL ?= $(shell command -v podman >/dev/null 2>&1 && echo podman || echo docker)
REGISTRY ?= localhost
TAG ?= $(shell sed -n 's/^version = "\(.*\)"$$/\1/p' services/gateway/pyproject.toml)
IMAGES := tenancy membership enforcement gateway
images: ## Build (and with PUSH=1 push) $(REGISTRY)/gmbot-<service>:$(TAG) for each service
	@for service in $(IMAGES); do \
		echo "== $(REGISTRY)/gmbot-$$service:$(TAG)"; \
		BUILDAH_FORMAT=docker $(CONTAINER_TOOL) build --target $$service \
			-t $(REGISTRY)/gmbot-$$service:$(TAG) . || exit 1; \
		if [ -n "$(PUSH)" ]; then $(CONTAINER_TOOL) push $(REGISTRY)/gmbot-$$service:$(TAG) || exit 1; fi; \
	done

# make release VERSION=0.2.0: RELEASE_IMAGES=dry-run prints the image builds instead (skip: none);
# RELEASE_BASE=local builds on a base made on this machine (scripts/podman-setup.sh), never pulled.
RELEASE_IMAGES ?= build
RELEASE_BASE ?= pull
release: $(STAMP) $(BUF) ## Images, SBOMs, contracts' wheel and sdist, API image for VERSION into dist/VERSION/
	@test -n "$(VERSION)" || { echo "usage: make release VERSION=x.y.z"; exit 1; }
	$(PY) -m scripts.release $(VERSION) $(foreach image,$(IMAGES),--image $(image)) \
		--images-mode $(RELEASE_IMAGES) --base $(RELEASE_BASE) --registry $(REGISTRY) \
		--container-tool $(CONTAINER_TOOL)

# The lint, the API and generated-code checks, the deploy validators and the containers run
# beside pytest's pool, which mostly waits (scripts/test.sh); it reports the time of each step.
# buf first: the unit layer's release tests build with it.
test: lock-check changelog-check tools $(BUF) ## Everything CI checks: lock, changelog, contracts, API policy, lint, deploy files, the containers, all tests
	@bash scripts/test.sh

# Side by side, each one's output printed whole when it ends.
check: $(STAMP) ## The fast loop: ruff, mypy, the import contracts and the unit tests
	@$(MAKE) --no-print-directory -j2 --output-sync=target lint test-fast

test-fast: $(STAMP) $(BUF) ## Unit tests only, over two processes (the release tests build with buf)
	$(BIN)/pytest -n 2 tests/unit

run: $(STAMP) ## Run GMBot here: the four services, and the sandbox's demo world when BOT_TOKEN is unset
	@exec $(PY) -m gmbot.devstack

sandbox: $(STAMP) ## Run only the Bot API sandbox with its demo world (PORT=8081)
	$(PY) -m gmbot.sandbox --port $${PORT:-8081} --scenario

bench: $(STAMP) tools ## Run the benchmarks in bench/ (the enforcement raid at a tenth of its full size)
	$(PY) -m bench.tenancy_policy
	$(PY) -m bench.membership_check
	$(PY) -m bench.gateway_throughput
	$(PY) -m bench.enforcement_raid --violators 1000
	$(PY) -m bench.gateway_polling
	$(PY) -m bench.raid
	$(PY) -m bench.burst
	$(PY) -m bench.decision_latency
	$(PY) -m bench.second_look

clean: ## Remove the virtualenvs (.venv, .tools), the npm installs (buf, the Node caller) and caches
	rm -rf $(VENV) $(TOOLS) $(BUF_DIR)/node_modules examples/node-caller/node_modules examples/node-caller/dist build dist .mypy_cache .ruff_cache .pytest_cache
