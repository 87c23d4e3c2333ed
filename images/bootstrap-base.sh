#!/usr/bin/env bash
# Makes the base image the sandbox Dockerfile starts FROM available locally.
#
# On a machine that can reach a registry this is a plain `docker pull`. Air-gapped
# machines (and this project's build machines) cannot pull, so we build the same
# Debian release from Debian's own archive with debootstrap and `docker import` it
# under the same name. Idempotent: does nothing when the image is already present.
set -euo pipefail

BASE_REF="${AIRLOCK_BASE_IMAGE:-debian:bookworm-slim}"
SUITE="${AIRLOCK_BASE_SUITE:-bookworm}"
MIRROR="${AIRLOCK_DEBIAN_MIRROR:-http://deb.debian.org/debian}"

log() { printf 'airlock: %s\n' "$*" >&2; }
die() { printf 'airlock: error: %s\n' "$*" >&2; exit 2; }

command -v docker >/dev/null 2>&1 || die "docker client not found on PATH"
docker info >/dev/null 2>&1 || die "the Docker engine is not reachable (is dockerd running?)"

if docker image inspect "$BASE_REF" >/dev/null 2>&1; then
  log "base image $BASE_REF present"
  exit 0
fi

log "pulling $BASE_REF"
if timeout 60 docker pull "$BASE_REF" >/dev/null 2>&1; then
  log "pulled $BASE_REF"
  exit 0
fi

log "no registry reachable: bootstrapping $BASE_REF from Debian's archive with debootstrap (~40 s)"
[ "$(id -u)" = 0 ] || die "debootstrap needs root; run as root or pre-load $BASE_REF"
if ! command -v debootstrap >/dev/null 2>&1; then
  command -v apt-get >/dev/null 2>&1 || die "debootstrap is missing and apt-get is not available to install it"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q debootstrap >/dev/null
fi

rootfs="$(mktemp -d /tmp/airlock-rootfs.XXXXXX)"
trap 'rm -rf -- "$rootfs"' EXIT
debootstrap --variant=minbase "$SUITE" "$rootfs" "$MIRROR" >/tmp/airlock-debootstrap.log 2>&1 \
  || die "debootstrap failed; see /tmp/airlock-debootstrap.log"
# Trim what the slim image also drops, so the imported base matches it in spirit.
rm -rf "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/lib/apt/lists/* "$rootfs"/usr/share/doc/* "$rootfs"/usr/share/man/*
# debootstrap lists only the release itself; the official image also lists the
# point-release updates and the security archive. Without them an image built on
# this base would miss every security fix since the last point release (Chromium's
# above all). Same deb822 file the official image ships.
security_mirror="${AIRLOCK_DEBIAN_SECURITY_MIRROR:-${MIRROR%/debian}/debian-security}"
rm -f "$rootfs"/etc/apt/sources.list
cat >"$rootfs"/etc/apt/sources.list.d/debian.sources <<EOF
Types: deb
URIs: $MIRROR
Suites: $SUITE $SUITE-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb
URIs: $security_mirror
Suites: $SUITE-security
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
EOF
tar -C "$rootfs" -c . | docker import \
  --change 'CMD ["bash"]' \
  --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
  - "$BASE_REF" >/dev/null
log "imported $BASE_REF from debootstrap"
