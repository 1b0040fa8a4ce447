#!/usr/bin/env bash
# Makes this Debian machine able to build and run GMBot's images without a Docker engine or a
# registry (see CONTAINERS.md in the shared notes): Debian's podman with runtime settings that work
# here, a Debian base image made with debootstrap, a Python base and stand-ins for the third-party
# images of docker-compose.yml, each tagged with the exact name the Dockerfile or compose uses.
# Every step is skipped when its result is already there, so a second run takes seconds.
set -euo pipefail
cd "$(dirname "$0")/.."

log() { printf '== %s\n' "$*" >&2; }
# iptables: netavark sets up container networks and published ports with it.
PACKAGES="podman runc fuse-overlayfs slirp4netns netavark aardvark-dns uidmap debootstrap iptables"
MIRROR=${DEBIAN_MIRROR:-$(sed -n 's/^URIs: *//p' /etc/apt/sources.list.d/debian.sources 2>/dev/null | head -n 1)}
MIRROR=${MIRROR:-http://deb.debian.org/debian}

missing=""
for p in $PACKAGES; do dpkg -s "$p" >/dev/null 2>&1 || missing="$missing $p"; done
if [ -n "$missing" ]; then
  [ "$(id -u)" = 0 ] || { echo "missing:$missing (install them, or run this as root)" >&2; exit 1; }
  log "installing$missing"
  apt-get update -qq
  # shellcheck disable=SC2086 # a list of package names
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $missing >/dev/null
fi

# crun fails on these machines (hybrid cgroups, no CAP_SYS_RESOURCE for podman's ulimits);
# podman 4.3 picks CNI over netavark when CNI's files are there, and then names do not resolve.
conf=/etc/containers/containers.conf
if ! grep -qs '^network_backend = "netavark"' "$conf"; then
  log "runtime settings in $conf"
  mkdir -p /etc/containers
  cat > "$conf" <<'CONF'
# Written by GMBot's scripts/podman-setup.sh: what makes rootful podman run containers here.
[containers]
default_ulimits = ["nofile=20000:20000", "nproc=32768:32768"]

[network]
# Service names resolve between containers (aardvark-dns), as under docker-compose.
network_backend = "netavark"

[engine]
runtime = "runc"
cgroup_manager = "cgroupfs"
events_logger = "file"
CONF
fi

have() { podman image exists "$1"; }

if ! have localhost/debian:bookworm; then
  log "debian:bookworm with debootstrap from $MIRROR"
  root=$(mktemp -d)
  debootstrap --variant=minbase bookworm "$root" "$MIRROR" >/dev/null
  # The same extra CA certificates as the host, so builds reach the package registries.
  if compgen -G "/usr/local/share/ca-certificates/*.crt" >/dev/null; then
    mkdir -p "$root/usr/local/share/ca-certificates"
    cp /usr/local/share/ca-certificates/*.crt "$root/usr/local/share/ca-certificates/"
  fi
  # What no container needs: package caches and lists, documentation, translations.
  rm -rf "$root"/var/cache/apt/* "$root"/var/lib/apt/lists/* "$root"/usr/share/doc/* \
    "$root"/usr/share/man/* "$root"/usr/share/locale/* "$root"/usr/share/info/*
  tar -C "$root" -c . | podman import - localhost/debian:bookworm >/dev/null
  rm -rf "$root"
fi

# name the Dockerfile or docker-compose.yml uses -> Containerfile in deploy/podman/; built again
# when the Containerfile or a file it copies changed (the label gmbot.source is their digest).
build_base() {
  local name=$1 file=$2 source
  # shellcheck disable=SC2046 # the files the Containerfile copies, word by word
  source=$(cat "$file" $(sed -n 's#^COPY \([^ ]*\) .*#deploy/podman/\1#p' "$file") | sha256sum | cut -c1-16)
  [ "$(podman image inspect --format '{{index .Labels "gmbot.source"}}' "$name" 2>/dev/null)" = "$source" ] \
    && return 0
  log "$name from $file"
  BUILDAH_FORMAT=docker podman build --quiet --pull=never --network host \
    --label "gmbot.source=$source" -t "$name" -f "$file" deploy/podman >/dev/null
}
build_base docker.io/library/python:3.11.7-slim-bookworm deploy/podman/python.Containerfile
build_base docker.io/library/postgres:16-alpine deploy/podman/postgres.Containerfile
build_base docker.io/library/redis:7-alpine deploy/podman/redis.Containerfile
build_base docker.io/prom/prometheus:v2.53.0 deploy/podman/prometheus.Containerfile
build_base docker.io/library/haproxy:2.6-alpine deploy/podman/haproxy.Containerfile
log "podman ready: $(podman --version)"
