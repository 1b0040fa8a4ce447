#!/usr/bin/env bash
# Prints an env file (docker-compose's .env, or the Kubernetes secrets.env) with a fresh random
# value for every "replace-with-…" placeholder of the example it is given:
#   deploy/new-env.sh > .env                                       # from deploy/compose.env.example
#   deploy/new-env.sh deploy/kubernetes/secrets.env.example > secrets.env
# A placeholder that recurs (a password in several URLs) gets the same value each time. The bot's
# token cannot be made up: BOT_TOKEN (and any other variable set in this environment under the
# same name) is taken from the environment when set, and stays a placeholder otherwise.
set -euo pipefail
example=${1:-"$(dirname "$0")/compose.env.example"}
declare -A made
while IFS= read -r line || [ -n "$line" ]; do
  if [[ $line =~ ^([A-Z_][A-Z0-9_]*)= ]]; then
    name=${BASH_REMATCH[1]}
    if [ -n "${!name:-}" ]; then
      printf '%s=%s\n' "$name" "${!name}"
      continue
    fi
  fi
  while [[ $line =~ (replace-with-[a-z0-9-]*random[a-z0-9-]*) ]]; do
    placeholder=${BASH_REMATCH[1]}
    [ -n "${made[$placeholder]:-}" ] || made[$placeholder]=$(openssl rand -hex 32)
    line=${line//"$placeholder"/"${made[$placeholder]}"}
  done
  printf '%s\n' "$line"
done < "$example"
