#!/usr/bin/env bash
# Renders pieces of deploy/kubernetes stacked in one kustomization, as an operator's own would:
#   deploy/kubernetes/render.sh overlays/webhook secrets network-policies monitoring
# kubectl's kustomize predates components, so a stack is a kustomization whose resources are the
# pieces. It renders a copy, where secrets/secrets.env is SECRETS_ENV (by default the example),
# so nothing is written into the repository.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
cp -r "$here" "$stage/kubernetes"
cp "${SECRETS_ENV:-$here/secrets.env.example}" "$stage/kubernetes/secrets/secrets.env"
mkdir "$stage/kubernetes/stack"
{
  echo "apiVersion: kustomize.config.k8s.io/v1beta1"
  echo "kind: Kustomization"
  echo "resources:"
  for piece in "$@"; do echo "  - ../$piece"; done
} > "$stage/kubernetes/stack/kustomization.yaml"
kubectl kustomize "$stage/kubernetes/stack" 2> >(grep -v "is deprecated" >&2)
