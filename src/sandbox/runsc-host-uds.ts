/**
 * Egress under gVisor needs one runsc flag. The sandbox keeps `--network none`; its only
 * way out is the bridge inside the container connecting to Airlock's proxy through a
 * unix socket bind-mounted from the host (src/egress/egress-session.ts). runsc refuses
 * a connection to a host socket unless the runtime was registered with
 * `--host-uds=open` (or `all`; gVisor's default is `none`): measured here with Debian's
 * runsc 20221219, pip's install phase ended "Could not find a version that satisfies
 * the requirement" with no request reaching the proxy, and a script's allowed GET failed
 * the same way. Docker applies runtime flags per registered runtime (daemon.json
 * `runtimeArgs`), not per container, so Airlock cannot add the flag itself: it reads the
 * registration from the engine's /info and refuses, before anything runs, a gate whose
 * policy gives egress to scripts that would run under a runsc registered without it.
 *
 * What the flag lets the sandbox reach: host sockets inside its own mounts. Those are
 * the image (no sockets), the staged read-only workspace and data inputs (regular files
 * only: src/gate/data-inputs.ts, the staging copy), tmpfs (the guest's own), and, with
 * egress, the proxy's socket: the same set a runc container can connect to.
 */
import type { SandboxRuntime } from './types.js';

/** Values of gVisor's `--host-uds` that allow connecting to a host socket. */
const OPENS = new Set(['open', 'all']);

/**
 * Whether runsc flags (as in daemon.json `runtimeArgs`) let the sandbox connect to a
 * host unix socket. Reads them as Go's flag package does: one or two leading dashes,
 * `name=value` or `name value`, the last occurrence wins; `--fsgofer-host-uds` is the
 * older, deprecated spelling of `--host-uds=all` (a boolean flag).
 */
export function runscHostUdsOpen(args: readonly string[]): boolean {
  let open = false;
  for (let i = 0; i < args.length; i++) {
    const m = /^--?([a-z-]+)(?:=(.*))?$/.exec(args[i]!);
    if (!m) continue;
    const [, name, inline] = m;
    if (name === 'host-uds') {
      const value = inline ?? args[i + 1];
      if (inline === undefined) i++;
      open = OPENS.has(value ?? '');
    } else if (name === 'fsgofer-host-uds') {
      open = inline === undefined || inline === 'true' || inline === '1';
    }
  }
  return open;
}

/**
 * What stops egress from working under `runtime`, or null. `runtimeArgs` is the
 * engine's registration of that runtime (undefined: the engine does not list it, which
 * the container create reports on its own); `egressLevels` are the trust levels the
 * policy gives egress (src/egress/policy-egress.ts `egressFor`). Pure: tested by table.
 */
export function runscEgressProblem(
  runtime: SandboxRuntime,
  runtimeArgs: readonly string[] | undefined,
  egressLevels: readonly string[],
): { code: 'ENGINE_RUNTIME_UNSUPPORTED'; message: string } | null {
  if (runtime !== 'runsc' || egressLevels.length === 0 || runtimeArgs === undefined) return null;
  if (runscHostUdsOpen(runtimeArgs)) return null;
  return {
    code: 'ENGINE_RUNTIME_UNSUPPORTED',
    message:
      `the policy gives ${egressLevels.join(' and ')} scripts egress, but this engine's runtime runsc is registered without --host-uds=open ` +
      `(its runtimeArgs: ${JSON.stringify(runtimeArgs)}): gVisor would refuse the sandbox's connection to Airlock's egress proxy socket, so every request, ` +
      'the install phase included, would fail. Add "--host-uds=open" to the runsc runtime\'s "runtimeArgs" in /etc/docker/daemon.json and reload dockerd ' +
      '(sudo kill -HUP $(pidof dockerd)), or run these scripts with runtime runc (docs/egress.md, "Under gVisor")',
  };
}
