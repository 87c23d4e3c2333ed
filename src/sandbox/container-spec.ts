import path from 'node:path';
import { UserError } from '../errors.js';
import { seccompSecurityOpt } from './seccomp-profile.js';
import { assertHardeningFloor, idProblem, shmBytesFor, tmpfsMountsFor } from './hardening-floor.js';
import { OUTPUT_DIR, SCRATCH_DIRS, sandboxEnv, WORK_DIR } from './sandbox-env.js';
import { runscHostPids } from './runsc-pids.js';
import type { HardenedRunSpec, SandboxLimits, SandboxRuntime } from './types.js';

/**
 * The one statement of a sandbox container: every hardening setting and limit as typed
 * values (bytes, counts, numeric ids), derived once from the policy profile and the run
 * by `containerSpecFor`. Each engine request or document (src/sandbox/render-*.ts) is a
 * pure rendering of it; the hardening floor is asserted on it, not on any rendering.
 *
 * Lifecycle (docs/hardening.md, "Lifecycle"): the container runs an idle keeper
 * (`sleep`) under `init`, as a different non-root uid than the script, so the script
 * (no CAP_KILL) cannot end it; the script runs with one exec as `user`; the keeper ends
 * by itself after the script's timeout plus KEEPER_GRACE_SECONDS (and any idle wait),
 * so a container of an Airlock process that was SIGKILLed stops on its own.
 */

export { OUTPUT_DIR, SCRATCH_DIRS, WORK_DIR };
export {
  assertHardeningFloor,
  MAX_SANDBOX_ID,
  memoryRule,
  profileMemoryProblem,
  renderUser,
} from './hardening-floor.js';
/** Seconds the keeper lives beyond the script's timeout: time to copy the output out. */
export const KEEPER_GRACE_SECONDS = 120;
/** Every tmpfs: nothing dropped there can be executed; no setuid or device files. */
export const TMPFS_OPTIONS = ['rw', 'noexec', 'nosuid', 'nodev'] as const;
export const TMPFS_MODE = '1777';

/** Names of the labels that tie a container to the process that owns it. */
export const OWNER_PID_LABEL = 'org.airlock.owner-pid';
export const OWNER_START_LABEL = 'org.airlock.owner-start';
export const OWNER_HOST_LABEL = 'org.airlock.owner-host';
export const RUN_ID_LABEL = 'org.airlock.run-id';

export interface ContainerIds {
  /** Unique container name. */
  name: string;
  /** Identifies this Airlock invocation; also a label. */
  runId: string;
  /** pid of the Airlock process that owns the container (orphan detection). */
  ownerPid: number;
  /** Start time of that process (clock ticks since boot): a reused pid does not match it. */
  ownerStart: string;
  /** Host the owner runs on: a shared engine may serve several hosts. */
  ownerHost: string;
}

export interface IdPair {
  uid: number;
  gid: number;
}
export interface BindMount {
  /** Absolute host path; any character (the engine's structured mounts take it as is). */
  source: string;
  target: string;
  readOnly: boolean;
  /** `data`: the policy's data inputs (the floor names it when it is not read-only). */
  kind?: 'data';
}
export interface TmpfsMount {
  target: string;
  sizeBytes: number;
}
export interface Ulimit {
  name: 'nofile' | 'fsize' | 'core' | 'nproc';
  soft: number;
  hard: number;
}

export interface ContainerLimits {
  /** Memory limit; every tmpfs byte is charged to it (see `memoryRule`). */
  memoryBytes: number;
  /** Equal to memoryBytes: no swap, so the memory limit is the real limit. */
  memorySwapBytes: number;
  /** CPU quota in 1e-9 CPUs (the Engine API's NanoCpus). */
  nanoCpus: number;
  /** The host pids cgroup: bounds fork bombs; counts threads too. Under runsc it holds
   * gVisor's threads and is larger than the profile's pids (runsc-pids.ts). */
  pids: number;
  /** /dev/shm, a tmpfs too (the engine default is 64 MiB): bounded like the others. */
  shmBytes: number;
  ulimits: Ulimit[];
}

export interface ContainerSpec {
  name: string;
  image: string;
  /** Explicit, so an engine whose default runtime was changed does not pick another. */
  runtime: SandboxRuntime;
  /** Who the script runs as (the exec's user). */
  user: IdPair;
  /** Who the idle keeper (the container's main process) runs as: another non-root id. */
  keeperUser: IdPair;
  entrypoint: string[];
  cmd: string[];
  limits: ContainerLimits;
  mounts: BindMount[];
  tmpfs: TmpfsMount[];
  capDrop: string[];
  /** `no-new-privileges` and `seccomp=<Airlock's profile>` (inline JSON; a file path under Podman). */
  securityOpt: string[];
  readonlyRootfs: boolean;
  network: string;
  ipc: 'private';
  hostname: string;
  /** Exec output is never logged; `none` keeps the keeper's (empty) output off the disk too. */
  logDriver: 'none';
  /** tini as PID 1 reaps the script's orphaned children. */
  init: boolean;
  labels: Record<string, string>;
  env: [string, string][];
  workdir: string;
  /** e.g. `auto` under rootful Podman with user namespaces; the engine's default when absent. */
  usernsMode?: string;
}

const NAME_RE = /^[a-zA-Z0-9][a-zA-Z0-9_.-]{0,127}$/;
const LABEL_KEY_RE = /^[a-z0-9][a-z0-9.-]{0,127}$/;
const USER_RE = /^(\d{1,10}):(\d{1,10})$/;
const MIB = 1024 * 1024;

/** Container paths a caller's extra mount must not cover or replace. */
const RESERVED_TARGETS = [
  '/',
  WORK_DIR,
  OUTPUT_DIR,
  ...SCRATCH_DIRS,
  '/proc',
  '/sys',
  '/dev',
  '/etc',
  '/usr',
];

/**
 * Parses `uid:gid`, refusing root: uid 0 (or gid 0) inside is root's files and powers.
 * Both ids must be given: the engine runs a bare uid with gid 0 (root's group).
 */
export function parseSandboxUser(user: string): IdPair {
  const m = USER_RE.exec(user);
  // A name would be resolved by the image's /etc/passwd, which could map it to 0.
  if (!m)
    throw new UserError('INPUT_INVALID', `sandbox user must be numeric "uid:gid", both given, got '${user}'`);
  const ids = { uid: Number(m[1]), gid: Number(m[2]) };
  const problem = idProblem(ids);
  if (problem) throw new UserError('INPUT_INVALID', `sandbox user '${user}': ${problem}`);
  return ids;
}

/** A different non-root uid for the keeper, so the script (no CAP_KILL) cannot kill it. */
export function keeperUserOf(user: IdPair): IdPair {
  const keeper = user.uid === 65534 ? 65533 : 65534;
  return { uid: keeper, gid: keeper };
}

function positiveInt(name: string, v: number): number {
  if (!Number.isSafeInteger(v) || v <= 0)
    throw new UserError('INPUT_INVALID', `limit ${name} must be a positive integer`);
  return v;
}

export function validateLimits(l: SandboxLimits): void {
  for (const key of [
    'timeoutSeconds',
    'memoryMb',
    'pids',
    'tmpfsMb',
    'outputMb',
    'nofile',
    'fsizeMb',
  ] as const) {
    positiveInt(key, l[key]);
  }
  positiveInt('maxOutputBytes', l.maxOutputBytes);
  if (!Number.isInteger(l.maxArtifacts) || l.maxArtifacts < 0) {
    throw new UserError('INPUT_INVALID', 'limit maxArtifacts must be an integer >= 0');
  }
  if (!(l.cpus > 0) || !Number.isFinite(l.cpus))
    throw new UserError('INPUT_INVALID', 'limit cpus must be > 0');
}

/** An absolute host path. Any other character is fine: mounts are structured, never CSV. */
function mountSource(hostPath: string): string {
  if (!path.isAbsolute(hostPath) || hostPath.includes('\0')) {
    throw new UserError('PATH_INVALID', `mount source must be an absolute path: ${JSON.stringify(hostPath)}`);
  }
  return path.resolve(hostPath);
}

function mountTarget(target: string): string {
  if (
    !path.posix.isAbsolute(target) ||
    /[,"\n\r\0:]/.test(target) ||
    path.posix.normalize(target) !== target
  ) {
    throw new UserError('PATH_INVALID', `invalid container mount path: ${JSON.stringify(target)}`);
  }
  for (const reserved of RESERVED_TARGETS) {
    if (target === reserved || reserved.startsWith(`${target}/`) || target.startsWith(`${reserved}/`)) {
      throw new UserError('PATH_INVALID', `container mount path ${target} overlaps ${reserved}`);
    }
  }
  return target;
}

/**
 * Why a script's folder cannot be mounted at /work/<folder> beside the data inputs, or
 * null. The folder name comes from a pull request: the characters refused in any mount
 * path are refused here, and it must stay strictly below /work.
 */
export function scriptDirMountProblem(scriptDir: string): string | null {
  if (scriptDir === '' || scriptDir.split('/').some((seg) => seg === '' || seg === '.' || seg === '..'))
    return 'not a plain workspace-relative folder';
  if (/[,"\n\r\0:]/.test(scriptDir)) return 'its name holds , " : or a control character';
  return null;
}

function scriptDirTarget(scriptDir: string): string {
  const problem = scriptDirMountProblem(scriptDir);
  if (problem) {
    throw new UserError(
      'PATH_INVALID',
      `script folder ${JSON.stringify(scriptDir)} cannot be mounted beside the policy's data inputs: ${problem}`,
    );
  }
  return path.posix.join(WORK_DIR, scriptDir);
}

/**
 * The container for one run: pure (no engine, no process state), throws UserError for
 * an invalid run before any container exists. `idleSeconds` extends the keeper's
 * lifetime by how long it may wait for its script (a container started ahead).
 */
export function containerSpecFor(run: HardenedRunSpec, ids: ContainerIds, idleSeconds = 0): ContainerSpec {
  const l = run.limits;
  validateLimits(l);
  if (!NAME_RE.test(ids.name)) throw new UserError('INPUT_INVALID', `invalid container name: ${ids.name}`);
  if (!LABEL_KEY_RE.test(run.sandbox.label)) {
    throw new UserError('INPUT_INVALID', `invalid container label key: ${run.sandbox.label}`);
  }
  if (run.sandbox.runtime !== 'runc' && run.sandbox.runtime !== 'runsc') {
    throw new UserError('INPUT_INVALID', `unknown runtime: ${String(run.sandbox.runtime)}`);
  }
  if (!run.sandbox.image || run.sandbox.image.startsWith('-')) {
    throw new UserError('INPUT_INVALID', `invalid image reference: ${run.sandbox.image}`);
  }
  if (!Number.isInteger(idleSeconds) || idleSeconds < 0) {
    throw new UserError('INPUT_INVALID', `idle allowance must be an integer >= 0, got ${idleSeconds}`);
  }
  const user = parseSandboxUser(run.sandbox.user);
  const scriptTarget = run.data ? scriptDirTarget(run.data.scriptDir) : WORK_DIR;
  const memoryBytes = l.memoryMb * MIB;
  const spec: ContainerSpec = {
    name: ids.name,
    image: run.sandbox.image,
    runtime: run.sandbox.runtime,
    user,
    keeperUser: keeperUserOf(user),
    entrypoint: ['sleep'],
    cmd: [String(l.timeoutSeconds + KEEPER_GRACE_SECONDS + idleSeconds)],
    limits: {
      memoryBytes,
      memorySwapBytes: memoryBytes,
      nanoCpus: Math.round(l.cpus * 1e9),
      // Under runsc the host cgroup holds gVisor's own threads; the guest's tasks are
      // bounded by RLIMIT_NPROC below (src/sandbox/runsc-pids.ts says what was measured).
      pids: run.sandbox.runtime === 'runsc' ? runscHostPids(l) : l.pids,
      shmBytes: shmBytesFor(l),
      ulimits: [
        { name: 'nofile', soft: l.nofile, hard: l.nofile },
        // RLIMIT_FSIZE is in bytes: the largest single file the script may write.
        { name: 'fsize', soft: l.fsizeMb * MIB, hard: l.fsizeMb * MIB },
        // No core dumps of a crashing script (they could hold its memory).
        { name: 'core', soft: 0, hard: 0 },
        ...(run.sandbox.runtime === 'runsc' ? [{ name: 'nproc' as const, soft: l.pids, hard: l.pids }] : []),
      ],
    },
    mounts: [
      // Data first: the engine mounts a parent before what is mounted inside it.
      ...(run.data
        ? [{ source: mountSource(run.data.host), target: WORK_DIR, readOnly: true, kind: 'data' as const }]
        : []),
      { source: mountSource(run.workDir), target: scriptTarget, readOnly: true },
      ...(run.readOnlyMounts ?? []).map((m) => ({
        source: mountSource(m.host),
        target: mountTarget(m.container),
        readOnly: true,
      })),
    ],
    tmpfs: tmpfsMountsFor(l),
    capDrop: ['ALL'],
    // Airlock's own syscall allowlist on every engine, never the engine's default
    // (src/sandbox/seccomp-profile.ts says what it denies and why).
    securityOpt: ['no-new-privileges', seccompSecurityOpt()],
    readonlyRootfs: true,
    network: 'none',
    ipc: 'private',
    hostname: 'sandbox',
    logDriver: 'none',
    init: true,
    labels: {
      [run.sandbox.label]: '1',
      [OWNER_PID_LABEL]: String(ids.ownerPid),
      [OWNER_START_LABEL]: ids.ownerStart,
      [OWNER_HOST_LABEL]: ids.ownerHost,
      [RUN_ID_LABEL]: ids.runId,
    },
    env: sandboxEnv(run.env),
    workdir: scriptTarget,
  };
  assertHardeningFloor(spec);
  return spec;
}
