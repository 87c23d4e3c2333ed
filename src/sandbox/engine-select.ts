import path from 'node:path';
import { UserError } from '../errors.js';
import type { ContainerSpec } from './container-spec.js';
import { EngineApi, localEngineSocket } from './engine-api.js';

/**
 * Which container engine runs the sandbox: Docker, or Podman through the
 * Docker-compatible API of `podman system service`. Chosen once per process (CLI flag,
 * Action input, policy `sandbox.engine`, else auto-detected) before any container.
 *
 * Podman is reached the way the docker CLI itself reaches it: DOCKER_HOST points at
 * Podman's socket for this process, so every call (the ContainerEngine that
 * `defaultEngine()` builds from DOCKER_HOST, and the docker CLI calls left: the image
 * builder's pull and build, the exit hook's `docker rm`) goes to the same engine. Nothing else in src/sandbox needs to know which engine it is, except the
 * create flags Podman needs on top of the spec's (`engineRunArgs`).
 */
export type EngineKind = 'docker' | 'podman';
export const ENGINE_KINDS: readonly EngineKind[] = ['docker', 'podman'];

/** Rootful Podman's API socket, where scripts/setup.sh starts `podman system service`. */
export const PODMAN_ROOTFUL_SOCKET = '/run/podman/podman.sock';

export interface EngineChoice {
  kind: EngineKind;
  /** The unix socket used; null for a Docker engine the CLI reaches otherwise (tcp://, a context). */
  socket: string | null;
  /** Whether the user named the engine or it was detected. */
  how: 'requested' | 'detected';
}

export function parseEngine(text: string | undefined, where: string): EngineKind | undefined {
  if (text === undefined || text === '' || text === 'auto') return undefined;
  if (text !== 'docker' && text !== 'podman') {
    throw new UserError('INPUT_INVALID', `${where}: expected 'docker', 'podman' or 'auto', got '${text}'`);
  }
  return text;
}

/**
 * Podman's socket: CONTAINER_HOST (the variable `podman --remote` reads; a rootless
 * user's socket is /run/user/UID/podman/podman.sock) when it is a local unix:// path,
 * else the rootful default.
 */
export function podmanSocket(env: NodeJS.ProcessEnv = process.env): string {
  const host = env.CONTAINER_HOST;
  if (host === undefined || host === '') return PODMAN_ROOTFUL_SOCKET;
  const socket = host.startsWith('unix://') ? host.slice('unix://'.length) : '';
  if (!path.isAbsolute(socket)) {
    throw new UserError(
      'INPUT_INVALID',
      `CONTAINER_HOST: expected unix:///absolute/path/podman.sock (Airlock talks to a local Podman only), got '${host}'`,
    );
  }
  return socket;
}

/** True when a Podman service (not Docker) answers on the socket. */
async function podmanAnswers(socket: string): Promise<boolean> {
  const api = await EngineApi.connect(socket, 3000);
  if (api === null) return false;
  // Docker answers /_ping too; only Podman serves its libpod API beside the compat one.
  const r = await api.request('GET', '/libpod/_ping', undefined, 5000).catch(() => null);
  return r?.status === 200;
}

async function dockerAnswers(socket: string): Promise<boolean> {
  return (await EngineApi.connect(socket, 3000)) !== null;
}

let current: EngineKind = 'docker';
/** The seccomp profile file of Podman's containers (null: none set up). */
let podmanSeccomp: string | null = null;
/**
 * DOCKER_HOST and DOCKER_CONTEXT as they were before Podman was selected, and the
 * DOCKER_HOST set for it (null: not switched).
 */
let original: { host: string | undefined; context: string | undefined; ours: string } | null = null;

const PODMAN_HINT =
  'start it with `podman --runtime runc system service --time=0 unix:///run/podman/podman.sock &` (bash scripts/setup.sh does)';

/**
 * The engine to use. Named: that one (Podman must answer now; Docker's own check
 * follows in the gate and names its problem, DOCKER_UNAVAILABLE). Not named: Docker
 * when the user configured one (DOCKER_HOST, a context); else the one whose socket
 * answers when only one does, Docker when both do (or neither: its check then says
 * what is missing). `probeDockerAt` replaces Docker's default socket in that probe
 * (tests: a host whose Docker is absent).
 */
export async function selectEngine(
  requested: EngineKind | undefined,
  env: NodeJS.ProcessEnv = process.env,
  probeDockerAt?: string,
): Promise<EngineChoice> {
  // Docker as the user configured it, not as an earlier Podman selection set it.
  const own =
    original !== null && env.DOCKER_HOST === original.ours
      ? { ...env, DOCKER_HOST: original.host, DOCKER_CONTEXT: original.context }
      : env;
  const dockerSocket = localEngineSocket(own);
  if (requested === 'docker') return { kind: 'docker', socket: dockerSocket, how: 'requested' };
  const podman = podmanSocket(env);
  if (requested === 'podman') {
    if (!(await podmanAnswers(podman))) {
      throw new UserError(
        'ENGINE_UNAVAILABLE',
        `sandbox engine podman: no Podman service answers on ${podman}; ${PODMAN_HINT}`,
      );
    }
    return { kind: 'podman', socket: podman, how: 'requested' };
  }
  // DOCKER_HOST or a context is the user's explicit choice of a Docker engine.
  const configured = Boolean(own.DOCKER_HOST) || Boolean(own.DOCKER_CONTEXT) || dockerSocket === null;
  if (configured) return { kind: 'docker', socket: dockerSocket, how: 'detected' };
  const probe = probeDockerAt ?? (dockerSocket as string);
  const [docker, pod] = await Promise.all([dockerAnswers(probe), podmanAnswers(podman)]);
  if (pod && !docker) return { kind: 'podman', socket: podman, how: 'detected' };
  return { kind: 'docker', socket: dockerSocket, how: 'detected' };
}

/** The engine `useEngine` selected for this process (Docker until then). */
export function selectedEngine(): EngineKind {
  return current;
}

function restore(
  env: NodeJS.ProcessEnv,
  key: 'DOCKER_HOST' | 'DOCKER_CONTEXT',
  value: string | undefined,
): void {
  if (value === undefined) delete env[key];
  else env[key] = value;
}

/**
 * Makes `choice` this process's engine. For Podman: DOCKER_HOST names its socket (a
 * selected context would override it, so it is set to default) and the cached Engine
 * API client is dropped; selecting Docker again puts both variables back.
 * `seccompProfile`: the profile file Podman's containers get (src/sandbox/podman-seccomp.ts).
 */
export function useEngine(
  choice: EngineChoice,
  env: NodeJS.ProcessEnv = process.env,
  seccompProfile?: string,
): void {
  current = choice.kind;
  podmanSeccomp = choice.kind === 'podman' ? (seccompProfile ?? null) : null;
  if (choice.kind === 'podman' && choice.socket !== null) {
    const ours = `unix://${choice.socket}`;
    original ??= { host: env.DOCKER_HOST, context: env.DOCKER_CONTEXT, ours };
    original.ours = ours;
    env.DOCKER_HOST = ours;
    env.DOCKER_CONTEXT = 'default';
  } else if (original !== null) {
    restore(env, 'DOCKER_HOST', original.host);
    restore(env, 'DOCKER_CONTEXT', original.context);
    original = null;
  }
}

/**
 * 65536 ids: uid 0 to 65535 in the container, so the sandbox user (10001) and the
 * keeper's nobody (65534) both map into the container's own range.
 */
export const PODMAN_USERNS = 'auto:size=65536';

/**
 * The container spec for the selected engine. Podman (rootful) adds:
 * - a user namespace of its own (`UsernsMode: auto:size=65536`): every container gets its
 *   own unused range of host uids (from the `containers` entries of /etc/subuid and
 *   /etc/subgid), so the sandbox uid 10001 is an unprivileged, unshared host uid and a
 *   process that escapes the container is nobody on the host (Podman 4.3's compat API
 *   honours "auto"). The size is given, never left to Podman: without it, containers/storage
 *   in Podman 4.3.1 (Debian 12) sizes the range from the image's layers while it holds the
 *   layer lock, and takes the store lock inside it, the opposite order to every other
 *   path; a create racing a removal or a cleanup then deadlocks the whole service
 *   (podman#16062, fixed in 4.4). Reproduced here: 4 parallel create/exec/rm loops hung
 *   it within a minute with `auto` (twice), and ran 1,134 of them in four minutes without
 *   a hang with the size given (test/integration/sandbox/podman-parallel.test.ts).
 * - an explicit nproc ulimit: Podman otherwise copies the service's own rlimits, which
 *   root without CAP_SYS_RESOURCE (these runners) cannot set, and every start fails. The
 *   pids limit stays the real bound on processes.
 * - the seccomp profile as a file: Podman's compat API reads `seccomp=` as a path on the
 *   service's host (it refuses the JSON inline that Docker takes). The file holds
 *   Airlock's own profile (src/sandbox/seccomp-file.ts). Without it no Podman container
 *   is made.
 */
export function engineSpec(
  spec: ContainerSpec,
  engine: EngineKind = current,
  seccompFile: string | null = podmanSeccomp,
): ContainerSpec {
  if (engine === 'docker') return spec;
  if (seccompFile === null)
    throw new Error('Podman selected without its seccomp profile (prepareSandboxEngine)');
  return {
    ...spec,
    usernsMode: PODMAN_USERNS,
    limits: {
      ...spec.limits,
      ulimits: [
        ...spec.limits.ulimits.filter((u) => u.name !== 'nproc'),
        { name: 'nproc', soft: 4096, hard: 4096 },
      ],
    },
    securityOpt: [...spec.securityOpt.filter((o) => !o.startsWith('seccomp=')), `seccomp=${seccompFile}`],
  };
}
