#!/usr/bin/env bash
# Starts a ROOTLESS `podman system service` as an ordinary user (created here, with
# /etc/subuid and /etc/subgid ranges) and prints its socket path. Used by the test that
# shows Airlock refuses rootless Podman on a cgroup v1 host (its limits are dropped
# there): test/integration/sandbox/podman-rootless.test.ts. Idempotent; needs root.
# Usage: scripts/podman-rootless-service.sh [USER]   (default airlock-rootless)
set -euo pipefail
user="${1:-airlock-rootless}"
[[ "$user" =~ ^[a-z][a-z0-9-]{0,30}$ ]] || { echo "bad user name: $user" >&2; exit 2; }
[ "$(id -u)" = 0 ] || { echo "needs root" >&2; exit 2; }
id "$user" >/dev/null 2>&1 || useradd --create-home --shell /bin/bash "$user"
# 65536 ids from 100000: below the `containers` range (1000000...) rootful Podman uses.
for f in /etc/subuid /etc/subgid; do
  grep -q "^$user:" "$f" 2>/dev/null || echo "$user:100000:65536" >> "$f"
done
uid="$(id -u "$user")"
run="/run/user/$uid"
socket="$run/podman/podman.sock"
mkdir -p "$run" && chown "$user:" "$run" && chmod 700 "$run"
answers() { su "$user" -s /bin/sh -c "XDG_RUNTIME_DIR=$run podman --remote --url unix://$socket version" >/dev/null 2>&1; }
if ! answers; then
  su "$user" -s /bin/bash -c "export XDG_RUNTIME_DIR=$run; mkdir -p $run/podman; cd ~; setsid podman --runtime runc system service --time=0 unix://$socket >~/podman-service.log 2>&1 </dev/null &"
  for _ in $(seq 1 40); do answers && break; sleep 0.25; done
  answers || { echo "rootless podman service did not start (see ~$user/podman-service.log)" >&2; exit 1; }
fi
echo "$socket"
