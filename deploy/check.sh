#!/usr/bin/env bash
# Validates deploy/ offline with the real tools: compose, the kustomize overlays against the
# Kubernetes schemas, and the Prometheus configuration, rules and rule tests.
set -euo pipefail
cd "$(dirname "$0")/.."
VENV_BIN=${VENV_BIN:-.venv/bin}

echo "== docker-compose config"
docker-compose --env-file deploy/compose.env.example -f docker-compose.yml config -q

echo "== kustomize overlays"
for overlay in deploy/kubernetes/overlays/*/; do
  rendered=$(mktemp)
  kubectl kustomize "$overlay" > "$rendered" 2> >(grep -v "is deprecated" >&2)
  "$VENV_BIN/kubernetes-validate" --kubernetes-version 1.30.0 --strict --quiet "$rendered"
  echo "   $overlay: $(grep -c '^kind:' "$rendered") objects valid"
  rm -f "$rendered"
done

echo "== prometheus"
checked=$(mktemp -d)
sed 's#/etc/prometheus/##' deploy/prometheus/prometheus.yml > "$checked/prometheus.yml"
cp deploy/prometheus/rules.yml "$checked/rules.yml"
promtool check config "$checked/prometheus.yml"
rm -rf "$checked"
(cd deploy/prometheus && promtool test rules rules_test.yml)
