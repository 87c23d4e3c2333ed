#!/usr/bin/env bash
# Brings a fresh machine to the state Airlock's main job and tests need, idempotently:
#   1. system packages (Docker engine, debootstrap, Bandit, Prometheus, Pushgateway, gVisor)
#   2. a running Docker engine (with gVisor's runsc registered as a runtime)
#   3. node_modules from the lockfile
#   4. the base image (pulled, or bootstrapped from Debian's archive when no registry answers)
#   5. the sandbox images, rebuilt only when images/ changed: core as airlock-sandbox:local
#      (the default flavor; what the policies and most tests use) and full (core plus
#      Chromium and the Mermaid CLI) as airlock-sandbox:full-local (the Mermaid tests)
#   6. rootful Podman's API service (the second engine), with the core image in its store
# Each step checks before it acts, so a second run takes seconds.
# Fails with exit 2 and one line saying what is missing when it cannot go on.
set -euo pipefail
cd "$(dirname "$0")/.."

log() { printf 'airlock-setup: %s\n' "$*" >&2; }
die() { printf 'airlock-setup: error: %s\n' "$*" >&2; exit 2; }

SUDO=""
if [ "$(id -u)" != 0 ]; then
  if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then SUDO="sudo"; fi
fi
as_root() {
  if [ "$(id -u)" = 0 ]; then "$@"; elif [ -n "$SUDO" ]; then sudo "$@"; else
    die "this step needs root (or passwordless sudo): $*"
  fi
}

# --- 1. system packages -------------------------------------------------------
# Docker's own engine counts when present (GitHub-hosted runners ship it); Debian's
# docker.io is only installed where no engine exists.
PKGS=(debootstrap bandit prometheus prometheus-pushgateway runsc docker-compose docker-registry git
      python3 python3-matplotlib python3-pandas python3-networkx
      podman uidmap slirp4netns fuse-overlayfs crun catatonit)
command -v dockerd >/dev/null 2>&1 || docker info >/dev/null 2>&1 || PKGS+=(docker.io)
missing=()
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
  command -v apt-get >/dev/null 2>&1 || die "apt-get not found; install by hand: ${missing[*]}"
  log "installing ${missing[*]}"
  as_root env DEBIAN_FRONTEND=noninteractive apt-get update -q >/dev/null || die "apt-get update failed"
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}" >/tmp/airlock-apt.log 2>&1 \
    || die "apt-get install failed (see /tmp/airlock-apt.log)"
fi

# --- 2. Docker engine with runsc --------------------------------------------------
register_runsc() {
  # gVisor is optional per policy (runtime: runsc); register it so tests can use it.
  # --host-uds=open: egress under runsc (the bridge reaches the proxy's socket, a host
  # unix socket mounted into the sandbox; src/sandbox/runsc-host-uds.ts says why). An
  # existing registration without it is brought up to date.
  command -v runsc >/dev/null 2>&1 || return 0
  local cfg=/etc/docker/daemon.json
  if [ -f "$cfg" ] && grep -q '"runsc"' "$cfg" && grep -q -- '--host-uds=open' "$cfg"; then return 1; fi
  as_root mkdir -p /etc/docker
  as_root python3 - "$cfg" <<'PY'
import json, os, sys
path = sys.argv[1]
cfg = json.load(open(path)) if os.path.exists(path) and os.path.getsize(path) else {}
runsc = cfg.setdefault("runtimes", {}).setdefault("runsc", {"path": "/usr/bin/runsc"})
args = [a for a in runsc.get("runtimeArgs", []) if a.lstrip("-").split("=")[0] not in ("network", "host-uds")]
runsc["runtimeArgs"] = ["--network=none", "--host-uds=open", *args]
json.dump(cfg, open(path, "w"), indent=2)
PY
  return 0
}
changed_cfg=0
register_runsc && changed_cfg=1 || true

if ! docker info >/dev/null 2>&1; then
  command -v dockerd >/dev/null 2>&1 || die "no Docker engine reachable and no dockerd to start"
  log "starting dockerd"
  as_root bash -c 'setsid dockerd >/var/log/airlock-dockerd.log 2>&1 < /dev/null &'
  for _ in $(seq 1 60); do docker info >/dev/null 2>&1 && break; sleep 0.5; done
  docker info >/dev/null 2>&1 || die "dockerd did not come up (see /var/log/airlock-dockerd.log)"
elif [ "$changed_cfg" = 1 ]; then
  log "reloading dockerd to register runsc"
  as_root pkill -HUP -x dockerd || true
  sleep 1
fi

# --- 3. node_modules -------------------------------------------------------------------
stamp=node_modules/.airlock-lock-sha256
want="$(sha256sum package-lock.json | cut -d' ' -f1)"
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
  log "npm ci"
  npm ci --no-fund --no-audit --loglevel=error >/tmp/airlock-npm.log 2>&1 || { tail -20 /tmp/airlock-npm.log >&2; die "npm ci failed"; }
  echo "$want" > "$stamp"
fi
# npm 11 leaves approved install scripts to `allowScripts`; make sure the SARIF
# multitool binary is executable even where they did not run.
chmod u+x node_modules/@microsoft/sarif-multitool-linux/Sarif.Multitool 2>/dev/null || true

# --- 4 & 5. base image and sandbox images -----------------------------------------------
bash images/bootstrap-base.sh
# full is built FROM the same stage as core, so its build reuses core's cached layers.
node dist/cli.js image build --flavor core --if-changed
node dist/cli.js image build --flavor full --if-changed

# --- 6. Podman: rootful, a user namespace per container ---------------------------------
# The second engine (`--engine podman`, policy sandbox.engine). Rootful, because rootless
# Podman cannot enforce limits on cgroup v1 hosts (Airlock refuses it there); every
# container still gets its own unprivileged host uid range (`--userns auto:size=65536`, from the
# `containers` ranges below), so an escape lands as nobody on the host. `--runtime runc`:
# crun fails on cgroup v1 hybrid hosts, and Podman's Docker-compatible API ignores a
# per-container runtime, so the service's default is the one used. docs/hardening.md.
PODMAN_SOCKET=/run/podman/podman.sock
podman_answers() { podman --remote --url "unix://$PODMAN_SOCKET" version >/dev/null 2>&1; }
id containers >/dev/null 2>&1 || as_root useradd --system --no-create-home --shell /usr/sbin/nologin containers
for f in /etc/subuid /etc/subgid; do
  grep -q '^containers:' "$f" 2>/dev/null || echo 'containers:1000000:1000000000' | as_root tee -a "$f" >/dev/null
done
if ! podman_answers; then
  log "starting podman system service on $PODMAN_SOCKET"
  as_root mkdir -p "$(dirname "$PODMAN_SOCKET")"
  # From /: the service (and conmon, per container) must not sit in a directory that may go away.
  as_root bash -c "cd / && setsid podman --runtime runc system service --time=0 unix://$PODMAN_SOCKET >/var/log/airlock-podman.log 2>&1 < /dev/null &"
  for _ in $(seq 1 40); do podman_answers && break; sleep 0.25; done
  podman_answers || die "podman system service did not come up (see /var/log/airlock-podman.log)"
fi
# Podman keeps its own image store: copy the sandbox image in when Podman's differs.
docker_id="$(docker image inspect --format '{{.Id}}' airlock-sandbox:local 2>/dev/null || true)"
podman_id="$(as_root podman image inspect --format '{{.Id}}' airlock-sandbox:local 2>/dev/null || true)"
if [ -n "$docker_id" ] && [ "${docker_id#sha256:}" != "$podman_id" ]; then
  log "loading airlock-sandbox:local into Podman's store"
  docker save airlock-sandbox:local | as_root podman load -q >/dev/null || die "podman load of airlock-sandbox:local failed"
fi
log "ready"
