#!/usr/bin/env bash
# Validates deploy/ offline with the real tools: compose, the kustomize overlays against the
# Kubernetes schemas, the Prometheus configuration, rules and rule tests, and what each image of
# the Dockerfile installs.
set -euo pipefail
cd "$(dirname "$0")/.."
VENV_BIN=${VENV_BIN:-.venv/bin}
UV=${UV:-.tools/bin/uv}

echo "== docker-compose config"
docker-compose --env-file deploy/compose.env.example -f docker-compose.yml config -q

echo "== check-config: every service with the environment compose and each overlay give it"
"$VENV_BIN/python" scripts/deployed_config.py

echo "== kustomize: every combination of the pieces the README lists, against the schemas"
# The Prometheus Operator's and the External Secrets Operator's kinds have no schema here (their
# CRDs: tests/unit/deploy).
grep -v '^[[:space:]]*\(#\|$\)' deploy/kubernetes/combinations.txt | while read -r pieces; do
  rendered=$(mktemp)
  # shellcheck disable=SC2086 # the pieces, word by word
  deploy/kubernetes/render.sh $pieces > "$rendered"
  # It reports those kinds on stdout; pipefail keeps its own failure.
  "$VENV_BIN/kubernetes-validate" --kubernetes-version 1.30.0 --strict --quiet "$rendered" 2>&1 \
    | { grep -v "Couldn't find schema for kind \(ServiceMonitor\|PrometheusRule\|ExternalSecret\)" || true; }
  echo "   $pieces: $(grep -c '^kind:' "$rendered") objects valid"
  rm -f "$rendered"
done

echo "== prometheus"
checked=$(mktemp -d)
sed 's#/etc/prometheus/##' deploy/prometheus/prometheus.yml > "$checked/prometheus.yml"
cp deploy/prometheus/rules.yml "$checked/rules.yml"
promtool check config "$checked/prometheus.yml"
rm -rf "$checked"
(cd deploy/prometheus && promtool test rules rules_test.yml)

echo "== images: each Dockerfile stage's uv sync, here, into a throwaway virtualenv"
images=$(mktemp -d)
grep -E '^RUN uv sync .*--package gmbot-' Dockerfile | grep -v -- --no-install-workspace | sed 's/^RUN uv //' | while read -r install; do
  service=$(grep -o -- '--package gmbot-[a-z]*' <<< "$install" | head -n 1)
  service=${service#--package gmbot-}
  # shellcheck disable=SC2086 # the stage's own arguments, word by word
  UV_PROJECT_ENVIRONMENT="$images/$service" UV_PYTHON=python3.11 UV_LINK_MODE=copy \
    "$UV" --quiet $install
  # Its own package and the runtime, no other part of gmbot (python -I: nothing from here).
  (cd "$images" && "$images/$service/bin/python" -I - "$service" <<'EOF'
import importlib.util
import sys
from importlib.metadata import distributions

own = sys.argv[1]
parts = ["v1", "runtime", "tenancy", "membership", "enforcement", "gateway", "sandbox", "cli", "devstack"]
present = [p for p in parts if importlib.util.find_spec(f"gmbot.{p}") is not None]
# The operator's command is in every service image (it needs nothing the service lacks).
strangers = [p for p in present if p not in (own, "runtime", "v1", "cli")]
if own not in present or "runtime" not in present or strangers:
    sys.exit(f"{own}: the image would carry gmbot.{{{','.join(present)}}}")
names = sorted(d.metadata["Name"] for d in distributions())
ours = [n for n in names if n.startswith("gmbot-")]
print(f"   {own}: {' '.join(ours)} + {len(names) - len(ours)} locked dependencies")
EOF
  )
done
rm -rf "$images"
