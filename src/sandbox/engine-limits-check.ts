import { UserError } from '../errors.js';
import { EngineApi } from './engine-api.js';
import { type EngineChoice, type EngineKind, selectEngine, useEngine } from './engine-select.js';
import { runscEgressProblem } from './runsc-host-uds.js';
import { seccompProfileFile } from './seccomp-file.js';
import type { SandboxRuntime } from './types.js';

/** Where Debian's and Fedora's Podman keep their default seccomp profile. */

/**
 * The sandbox's limits (memory, pids, CPU) are what stands between a hostile script
 * and the host: an engine that accepts them and does not apply them is worse than no
 * engine. Rootless Podman on a cgroup v1 host does exactly that (it prints "Resource
 * limits are not supported and ignored on cgroups V1 rootless systems" and runs the
 * container unlimited), and its Docker-compatible /info still says MemoryLimit: true.
 * So before any untrusted code runs, this asks the engine what it can enforce (its own
 * API: /info, and for Podman /libpod/info, which tells rootless and the cgroup
 * controllers its containers get) and refuses an engine that cannot.
 */
export interface EngineFacts {
  kind: EngineKind;
  rootless: boolean;
  /** '1' or '2'. */
  cgroupVersion: string;
  /** Controllers the engine's containers get (Podman only: null for Docker, which has no such figure). */
  cgroupControllers: string[] | null;
  memoryLimit: boolean;
  pidsLimit: boolean;
  /** The runtime a container actually gets when it names none (Podman ignores a named one: see below). */
  defaultRuntime: string;
  /** Podman's default seccomp profile file (null for Docker). */
  seccompProfilePath: string | null;
  /** Each registered runtime's flags (Docker's /info `Runtimes[name].runtimeArgs`; empty for Podman). */
  runtimeArgs: Record<string, string[]>;
}

/** Controllers the hardened run's limits need: --memory/--memory-swap, --pids-limit. */
const NEEDED_CONTROLLERS = ['memory', 'pids'] as const;

const USE_INSTEAD =
  'use rootful Podman with user namespaces (bash scripts/setup.sh starts it; every container then gets its own unprivileged host uid range) or Docker. ' +
  'Rootless Podman enforces limits on cgroup v2 hosts whose systemd delegates the memory and pids controllers (e.g. GitHub ubuntu-24.04 runners)';

/** What is wrong with running the sandbox on this engine, or null. Pure: tested by table. */
export function limitsProblem(
  f: EngineFacts,
  runtime: SandboxRuntime,
): { code: 'ENGINE_LIMITS_UNENFORCED' | 'ENGINE_RUNTIME_UNSUPPORTED'; message: string } | null {
  const engine = f.kind === 'podman' ? 'Podman' : 'Docker';
  const mode = f.rootless ? `rootless ${engine}` : engine;
  if (f.rootless && f.cgroupVersion === '1') {
    return {
      code: 'ENGINE_LIMITS_UNENFORCED',
      message:
        `${mode} on a cgroup v1 host cannot apply the sandbox's memory, pids and CPU limits: it drops them with a warning and runs the container unlimited, ` +
        `so a hostile script could exhaust the host; refusing to run untrusted code there. Instead, ${USE_INSTEAD}`,
    };
  }
  const missing = NEEDED_CONTROLLERS.filter(
    (c) => f.cgroupControllers !== null && !f.cgroupControllers.includes(c),
  );
  if (!f.memoryLimit || !f.pidsLimit || missing.length > 0) {
    const what =
      missing.length > 0 ? `the cgroup controllers ${missing.join(', ')}` : 'memory or pids limits';
    return {
      code: 'ENGINE_LIMITS_UNENFORCED',
      message: `${mode} (cgroup v${f.cgroupVersion}) cannot enforce ${what} for its containers; refusing to run untrusted code there. Instead, ${USE_INSTEAD}`,
    };
  }
  // Podman 4.3's compat API ignores HostConfig.Runtime: every container gets the
  // service's runtime, whatever the request names (checked: crun asked, runc given).
  if (f.kind === 'podman' && f.defaultRuntime !== runtime) {
    return {
      code: 'ENGINE_RUNTIME_UNSUPPORTED',
      message:
        `runtime ${runtime} was asked for, but this Podman service runs every container with ${f.defaultRuntime} (its Docker-compatible API ignores a per-container runtime): ` +
        `start the service with \`podman --runtime ${runtime} system service ...\`${runtime === 'runsc' ? ', or use Docker for gVisor (runsc)' : ''}`,
    };
  }
  return null;
}

interface CompatInfo {
  CgroupVersion?: unknown;
  SecurityOptions?: unknown;
  MemoryLimit?: unknown;
  PidsLimit?: unknown;
  DefaultRuntime?: unknown;
  Runtimes?: unknown;
}

interface LibpodInfo {
  host?: {
    cgroupVersion?: unknown;
    cgroupControllers?: unknown;
    security?: { rootless?: unknown; seccompProfilePath?: unknown };
    ociRuntime?: { name?: unknown };
  };
}

function unavailable(choice: EngineChoice, why: string): UserError {
  return new UserError(
    'ENGINE_UNAVAILABLE',
    `the ${choice.kind} engine${choice.socket ? ` on ${choice.socket}` : ''} did not describe itself (${why})`,
  );
}

/** The engine's /info through its socket. */
async function compatInfo(choice: EngineChoice, api: EngineApi): Promise<CompatInfo> {
  const r = await api.request('GET', '/info', undefined, 20_000);
  if (r.status !== 200 || typeof r.body !== 'object' || r.body === null) {
    throw unavailable(choice, `GET /info answered ${r.status}`);
  }
  return r.body as CompatInfo;
}

/**
 * What the engine says it enforces, from its own API on its unix socket: the one way
 * Airlock drives an engine (src/sandbox/docker-engine.ts `defaultEngine` refuses any other).
 */
export async function readEngineFacts(choice: EngineChoice): Promise<EngineFacts> {
  if (choice.socket === null)
    throw unavailable(
      choice,
      'it is not reached through a local unix socket: set DOCKER_HOST=unix:///path/to/docker.sock',
    );
  const api = await EngineApi.connect(choice.socket);
  if (api === null) throw unavailable(choice, 'no answer to /_ping');
  const info = await compatInfo(choice, api);
  const secOpts = Array.isArray(info.SecurityOptions) ? info.SecurityOptions.map(String) : [];
  const facts: EngineFacts = {
    kind: choice.kind,
    rootless: secOpts.some((o) => o.split(',').includes('name=rootless')),
    cgroupVersion: String(info.CgroupVersion ?? '1'),
    cgroupControllers: null,
    memoryLimit: info.MemoryLimit !== false,
    pidsLimit: info.PidsLimit !== false,
    defaultRuntime: typeof info.DefaultRuntime === 'string' ? info.DefaultRuntime : 'runc',
    seccompProfilePath: null,
    runtimeArgs: registeredRuntimeArgs(info.Runtimes),
  };
  if (choice.kind === 'podman') {
    // Podman's compat /info says neither rootless nor which controllers its containers
    // get (a rootless v1 service still claims MemoryLimit: true); its own /libpod/info does.
    const r = await api.request('GET', '/libpod/info', undefined, 20_000);
    const host = (r.body as LibpodInfo | null)?.host;
    if (r.status !== 200 || !host) throw unavailable(choice, `GET /libpod/info answered ${r.status}`);
    facts.rootless = host.security?.rootless === true;
    facts.cgroupVersion = String(host.cgroupVersion ?? '').replace(/^v/, '') || facts.cgroupVersion;
    facts.cgroupControllers = Array.isArray(host.cgroupControllers) ? host.cgroupControllers.map(String) : [];
    if (typeof host.ociRuntime?.name === 'string') facts.defaultRuntime = host.ociRuntime.name;
    // Podman's runtime flags live in containers.conf, which its API does not show.
    facts.runtimeArgs = {};
    const seccomp = host.security?.seccompProfilePath;
    facts.seccompProfilePath = typeof seccomp === 'string' && seccomp !== '' ? seccomp : null;
  }
  return facts;
}

/** `{ name: runtimeArgs }` from /info's `Runtimes` (`{ runsc: { path, runtimeArgs } }`). */
function registeredRuntimeArgs(runtimes: unknown): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  if (typeof runtimes !== 'object' || runtimes === null) return out;
  for (const [name, r] of Object.entries(runtimes)) {
    const args = (r as { runtimeArgs?: unknown } | null)?.runtimeArgs;
    out[name] = Array.isArray(args) ? args.map(String) : [];
  }
  return out;
}

/**
 * Throws ENGINE_LIMITS_UNENFORCED / ENGINE_RUNTIME_UNSUPPORTED (exit 2) unless the
 * engine enforces the sandbox's limits with `runtime`, and, when the policy gives
 * `egressLevels` egress, lets that runtime reach the egress proxy; returns what it learned.
 */
export async function requireLimitsInForce(
  choice: EngineChoice,
  runtime: SandboxRuntime,
  egressLevels: readonly string[] = [],
): Promise<EngineFacts> {
  const facts = await readEngineFacts(choice);
  const problem =
    limitsProblem(facts, runtime) ?? runscEgressProblem(runtime, facts.runtimeArgs[runtime], egressLevels);
  if (problem) {
    throw new UserError(
      problem.code,
      `${problem.message} (engine: ${choice.socket ?? 'not a local socket'})`,
    );
  }
  return facts;
}

/**
 * Picks the engine (`requested`, else detected), checks that it enforces the limits
 * with `runtime` (and, for the trust levels in `egressLevels`, that the runtime lets
 * the sandbox reach the egress proxy), and makes it this process's engine; before any
 * container is made.
 */
export async function prepareSandboxEngine(
  requested: EngineKind | undefined,
  runtime: SandboxRuntime,
  progress?: (line: string) => void,
  env: NodeJS.ProcessEnv = process.env,
  egressLevels: readonly string[] = [],
): Promise<EngineChoice> {
  const choice = await selectEngine(requested, env);
  let seccompProfile: string | undefined;
  if (choice.kind === 'podman') {
    const f = await requireLimitsInForce(choice, runtime, egressLevels);
    seccompProfile = seccompProfileFile();
    progress?.(
      `engine: podman on ${choice.socket} (${choice.how}; ${f.rootless ? 'rootless' : 'rootful, user namespace per container'}, cgroup v${f.cgroupVersion}, ${f.defaultRuntime})`,
    );
  } else if (choice.socket !== null && (await EngineApi.connect(choice.socket, 3000)) !== null) {
    // Docker not answering (or not on a local socket) keeps its own check and message:
    // requireEngineUp and defaultEngine, DOCKER_UNAVAILABLE.
    await requireLimitsInForce(choice, runtime, egressLevels);
  }
  // process.env: the docker client processes and the Engine API client read it.
  useEngine(choice, process.env, seccompProfile);
  return choice;
}
