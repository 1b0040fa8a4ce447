# GMBot developer entry points. `make help` lists them.
PYTHON ?= python3.11
VENV   := .venv
BIN    := $(VENV)/bin
PY     := $(BIN)/python
STAMP  := $(VENV)/.installed
# The folders that hold a part of the gmbot namespace package (as in pyproject's packages.find).
SRC_ROOTS := proto lib services/tenancy services/membership services/enforcement services/gateway sandbox
PROTOS := $(wildcard proto/gmbot/v1/*.proto)
# The mypy-protobuf plugins live in the virtualenv.
PROTOC := PATH=$(abspath $(BIN)):$$PATH $(PY) -m grpc_tools.protoc -I proto

.DEFAULT_GOAL := help
.PHONY: help venv tools proto proto-check lint deploy-check test test-fast run sandbox bench clean

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-12s %s\n", $$1, $$2}'

$(STAMP): pyproject.toml
	@command -v $(PYTHON) >/dev/null || { echo "need $(PYTHON) on PATH (set PYTHON=...)"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip==25.3
	$(BIN)/pip install --quiet -e '.[all,dev]' --config-settings editable_mode=compat
	@# setuptools' editable finder only knows the packages present at install time; a .pth of the
	@# source roots makes every gmbot.* package importable as soon as its folder exists.
	@$(PY) -c 'import sysconfig,sys; open(sysconfig.get_path("purelib")+"/gmbot-src.pth","w").write("\n".join(sys.argv[1:])+"\n")' $(addprefix $(CURDIR)/,$(SRC_ROOTS))
	@touch $@

venv: $(STAMP) ## Create .venv with every service and the dev tools

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

lint: $(STAMP) ## ruff, mypy (strict) and the import contracts
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy $(wildcard lib services sandbox tests bench)
	$(BIN)/lint-imports

tools: ## Start (or install from Debian packages) PostgreSQL, Redis and the deploy validators
	@bash scripts/ensure-tools.sh

deploy-check: $(STAMP) tools ## Validate docker-compose, Kubernetes and Prometheus files offline
	@VENV_BIN=$(BIN) bash deploy/check.sh

test: proto-check lint deploy-check ## Everything CI checks: contracts, lint, deploy files, all tests
	$(BIN)/pytest

test-fast: $(STAMP) ## Unit tests only
	$(BIN)/pytest tests/unit

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

clean: ## Remove the virtualenv and caches
	rm -rf $(VENV) build *.egg-info .mypy_cache .ruff_cache .pytest_cache
