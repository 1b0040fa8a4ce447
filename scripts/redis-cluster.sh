#!/usr/bin/env bash
# A real three-node Redis Cluster for the tests (Debian's redis-server): primaries on 127.0.0.1
# ports $REDIS_CLUSTER_PORT .. +2 (7000-7002 by default), no replicas, nothing saved. The tests
# reach it as TEST_REDIS_CLUSTER_URL (default redis+cluster://127.0.0.1:7000). Does nothing when
# the cluster answers already; `redis-cluster.sh stop` ends the nodes it started.
set -euo pipefail

first=${REDIS_CLUSTER_PORT:-7000}
ports=("$first" "$((first + 1))" "$((first + 2))")
dir=${REDIS_CLUSTER_DIR:-/tmp/gmbot-redis-cluster}

log() { printf '== %s\n' "$*" >&2; }
listening() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
state() { redis-cli -p "$first" cluster info 2>/dev/null | tr -d '\r' | sed -n 's/^cluster_state://p'; }

stop() {
  for port in "${ports[@]}"; do
    redis-cli -p "$port" shutdown nosave >/dev/null 2>&1 || true
  done
}

start() {
  if [ "$(state)" = ok ]; then return 0; fi
  log "starting a three-node Redis Cluster on ports ${ports[*]}"
  for port in "${ports[@]}"; do
    if listening "$port"; then
      echo "127.0.0.1:$port is taken by something that is not a working cluster" >&2
      return 1
    fi
    # A fresh node each time: a nodes.conf left from an earlier cluster would not join this one.
    rm -rf "${dir:?}/$port" && mkdir -p "$dir/$port"
    redis-server --daemonize yes --bind 127.0.0.1 --port "$port" --dir "$dir/$port" \
      --cluster-enabled yes --cluster-config-file nodes.conf --cluster-node-timeout 5000 \
      --save "" --appendonly no --logfile "$dir/$port/redis.log"
  done
  for port in "${ports[@]}"; do
    for _ in $(seq 1 50); do listening "$port" && break; sleep 0.1; done
  done
  redis-cli --cluster create "${ports[@]/#/127.0.0.1:}" --cluster-replicas 0 --cluster-yes >/dev/null
  # Every node must agree before a test's first command, or it meets CLUSTERDOWN.
  for _ in $(seq 1 100); do
    [ "$(state)" = ok ] && return 0
    sleep 0.1
  done
  echo "the Redis Cluster on ${ports[*]} did not reach cluster_state:ok" >&2
  return 1
}

case "${1:-start}" in
  start) start ;;
  stop) stop ;;
  *) echo "usage: $0 [start|stop]" >&2; exit 2 ;;
esac
