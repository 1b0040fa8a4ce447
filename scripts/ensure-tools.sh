#!/usr/bin/env bash
# What `make test` needs beyond Python, on a Debian machine: PostgreSQL, Redis and a three-node
# Redis Cluster listening on 127.0.0.1 (unless TEST_DATABASE_URL / TEST_REDIS_URL /
# TEST_REDIS_CLUSTER_URL point elsewhere), and the offline
# validators of deploy/ (docker-compose, promtool, kubectl), and npm for buf. Installs and starts
# what is missing.
set -euo pipefail

log() { printf '== %s\n' "$*" >&2; }
listening() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

apt_install() {
  if [ "$(id -u)" != 0 ]; then
    echo "missing: $* (install them, or run this as root so it can)" >&2
    return 1
  fi
  if [ -z "${APT_UPDATED:-}" ]; then apt-get update -qq; APT_UPDATED=1; fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

wait_for_port() {
  for _ in $(seq 1 60); do listening "$1" && return 0; sleep 0.5; done
  echo "nothing listens on 127.0.0.1:$1 after 30 s" >&2
  return 1
}

ensure_postgres() {
  if [ -n "${TEST_DATABASE_URL:-}" ] || listening 5432; then return 0; fi
  log "starting PostgreSQL"
  command -v pg_ctlcluster >/dev/null || apt_install postgresql
  version=$(ls /etc/postgresql | sort -V | tail -n 1)
  hba="/etc/postgresql/$version/main/pg_hba.conf"
  # trust auth for local TCP connections, as the tests expect (user postgres, no password).
  grep -q '^host all all 127.0.0.1/32 trust' "$hba" || sed -i '1i host all all 127.0.0.1/32 trust' "$hba"
  pg_ctlcluster --skip-systemctl-redirect "$version" main start || true
  wait_for_port 5432
}

ensure_redis() {
  if [ -n "${TEST_REDIS_URL:-}" ] || listening 6379; then return 0; fi
  log "starting Redis"
  command -v redis-server >/dev/null || apt_install redis-server
  mkdir -p /var/lib/redis /var/log/redis
  redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no \
    --dir /var/lib/redis --logfile /var/log/redis/gmbot-tests.log
  wait_for_port 6379
}

# The Redis integration tests run on a three-node Redis Cluster too (scripts/redis-cluster.sh).
ensure_redis_cluster() {
  if [ -n "${TEST_REDIS_CLUSTER_URL:-}" ]; then return 0; fi
  command -v redis-server >/dev/null || apt_install redis-server
  bash "$(dirname "$0")/redis-cluster.sh"
}

ensure_validators() {
  command -v openssl >/dev/null || apt_install openssl
  command -v docker-compose >/dev/null || apt_install docker-compose
  command -v promtool >/dev/null || apt_install prometheus
  # Any kubectl with kustomize will do (bases and overlays only, no components).
  command -v kubectl >/dev/null || apt_install kubernetes-client
}

# buf's npm package (tools/buf), for make's API checks.
ensure_npm() {
  command -v npm >/dev/null || apt_install npm
}

# The Mini App's browser test drives Debian's Chromium (through Playwright, never its own download).
ensure_browser() {
  command -v chromium >/dev/null || apt_install chromium
}

# `ensure-tools.sh npm` ensures only what it names; with no argument, everything.
if [ "$#" -gt 0 ]; then
  for tool in "$@"; do "ensure_$tool"; done
  exit 0
fi
ensure_postgres
ensure_redis
ensure_redis_cluster
ensure_validators
ensure_npm
ensure_browser
