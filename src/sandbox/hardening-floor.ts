import { UserError } from '../errors.js';
import type { ContainerSpec, IdPair, TmpfsMount } from './container-spec.js';
import { OUTPUT_DIR, SCRATCH_DIRS } from './sandbox-env.js';
import type { SandboxLimits } from './types.js';

/**
 * The hardening floor of every sandbox container, checked on its ContainerSpec, and the
 * memory rule the policy schema applies to a profile: the arithmetic lives here once.
 */

const MIB = 1024 * 1024;

/**
 * Ids above this fail inside runc (every run ended 126) instead of being refused here;
 * kernel ids are u32 with -1 reserved, and engines parse them as int32.
 */
export const MAX_SANDBOX_ID = 2 ** 31 - 1;

export const renderUser = (u: IdPair): string => `${u.uid}:${u.gid}`;

export function idProblem({ uid, gid }: IdPair): string | null {
  for (const id of [uid, gid]) {
    if (!Number.isSafeInteger(id)) return 'ids must be integers';
    if (id === 0) return 'the sandbox never runs as root (uid/gid 0)';
    if (id < 0 || id > MAX_SANDBOX_ID) return `ids must be between 1 and ${MAX_SANDBOX_ID}`;
  }
  return null;
}

/** The tmpfs mounts a profile gets: one source for the spec and for the memory rule. */
export function tmpfsMountsFor(limits: Pick<SandboxLimits, 'tmpfsMb' | 'outputMb'>): TmpfsMount[] {
  return [
    ...SCRATCH_DIRS.map((target) => ({ target, sizeBytes: limits.tmpfsMb * MIB })),
    { target: OUTPUT_DIR, sizeBytes: limits.outputMb * MIB },
  ];
}

/** /dev/shm is bounded like a scratch tmpfs. */
export const shmBytesFor = (limits: Pick<SandboxLimits, 'tmpfsMb'>): number => limits.tmpfsMb * MIB;

export interface MemoryRule {
  /** Bytes all tmpfs mounts plus /dev/shm can hold: all of it is charged to the memory cgroup. */
  tmpfsBytes: number;
  memoryBytes: number;
  ok: boolean;
}

/**
 * On Linux a tmpfs page is charged to the container's memory cgroup, so a script that
 * fills /tmp, /var/tmp, /run, /dev/shm and the output directory uses that much memory.
 * Unless all of them together stay below the memory limit, a disk fill becomes an OOM
 * kill instead of a clean ENOSPC. The one statement of the rule (3 x tmpfs + shm +
 * output < memory), for the spec (`assertHardeningFloor`) and the policy schema.
 */
export function memoryRule(memoryBytes: number, tmpfs: readonly TmpfsMount[], shmBytes: number): MemoryRule {
  const tmpfsBytes = tmpfs.reduce((sum, t) => sum + t.sizeBytes, 0) + shmBytes;
  return { tmpfsBytes, memoryBytes, ok: tmpfsBytes < memoryBytes };
}

/** The rule on a policy profile's limits, in the policy's units; null when it holds. */
export function profileMemoryProblem(
  l: Pick<SandboxLimits, 'memoryMb' | 'tmpfsMb' | 'outputMb'>,
): string | null {
  const rule = memoryRule(l.memoryMb * MIB, tmpfsMountsFor(l), shmBytesFor(l));
  if (rule.ok) return null;
  return (
    `the tmpfs mounts can hold more than the memory limit: 3 x tmpfsMb (${l.tmpfsMb}) + /dev/shm (${l.tmpfsMb}) ` +
    `+ outputMb (${l.outputMb}) = ${rule.tmpfsBytes / MIB} MiB, not below memoryMb (${l.memoryMb}); ` +
    'tmpfs pages count against the memory limit, so a disk fill would end as an OOM kill: ' +
    'raise memoryMb or lower tmpfsMb/outputMb'
  );
}

/**
 * The names of what the floor holds a spec to, one per check below. Every rendering of
 * the spec in another system's terms (src/k8s/flag-mapping.ts for Kubernetes) keys its
 * counterpart table by this list, so a check added here without a counterpart (or an
 * explicit "no counterpart") there fails to compile and fails its test.
 */
export const HARDENING_FLAGS = [
  'readOnlyRootfs',
  'capDropAll',
  'noNewPrivileges',
  'seccompProfile',
  'networkNone',
  'ipcPrivate',
  'nonRootUser',
  'memoryLimit',
  'noSwap',
  'cpuLimit',
  'pidsLimit',
  'shmSize',
  'ulimits',
  'tmpfsSizes',
  'tmpfsWithinMemory',
  'readOnlyMounts',
  'runtime',
  'userNamespaces',
] as const;
export type HardeningFlag = (typeof HARDENING_FLAGS)[number];

/** Why a spec breaks one flag, or null when it holds it. */
type FloorCheck = (spec: ContainerSpec) => string | null;

const positive = (name: string, v: number): string | null =>
  Number.isSafeInteger(v) && v > 0 ? null : `limit ${name} must be a positive integer, got ${v}`;

/** The floor, one check per flag; the first problem of each is reported. */
export const FLOOR_CHECKS: Record<HardeningFlag, FloorCheck> = {
  readOnlyRootfs: (s) => (s.readonlyRootfs === true ? null : 'the root filesystem must be read-only'),
  capDropAll: (s) =>
    s.capDrop.length === 1 && s.capDrop[0] === 'ALL' ? null : 'capabilities must be dropped: ALL',
  noNewPrivileges: (s) =>
    s.securityOpt.includes('no-new-privileges') ? null : 'no-new-privileges must be set',
  seccompProfile: (s) => {
    if (s.securityOpt.some((o) => /^seccomp[=:]unconfined$/.test(o))) return 'seccomp must not be unconfined';
    // Exactly one seccomp profile, Airlock's (inline, or the file Podman needs): never the
    // engine's default, which differs per engine and version (src/sandbox/seccomp-profile.ts).
    return s.securityOpt.filter((o) => o.startsWith('seccomp=')).length === 1
      ? null
      : "Airlock's seccomp profile must be set";
  },
  networkNone: (s) => (s.network === 'none' ? null : `the network must be none, got ${s.network}`),
  ipcPrivate: (s) => (s.ipc === 'private' ? null : 'the IPC namespace must be private'),
  nonRootUser: (s) => {
    for (const [who, ids] of [
      ['script', s.user],
      ['keeper', s.keeperUser],
    ] as const) {
      const problem = idProblem(ids);
      if (problem) return `${who} user ${renderUser(ids)}: ${problem}`;
    }
    return null;
  },
  memoryLimit: (s) => positive('memoryBytes', s.limits.memoryBytes),
  noSwap: (s) =>
    s.limits.memorySwapBytes === s.limits.memoryBytes
      ? null
      : 'swap must be off (memorySwapBytes = memoryBytes)',
  cpuLimit: (s) => positive('nanoCpus', s.limits.nanoCpus),
  pidsLimit: (s) => positive('pids', s.limits.pids),
  shmSize: (s) => positive('shmBytes', s.limits.shmBytes),
  ulimits: (s) => {
    // Under runsc the host pids cgroup holds gVisor's threads, so nproc (enforced by
    // gVisor's kernel) is what bounds the script's tasks (src/sandbox/runsc-pids.ts).
    const needed = s.runtime === 'runsc' ? ['nofile', 'fsize', 'core', 'nproc'] : ['nofile', 'fsize', 'core'];
    const missing = needed.find((name) => !s.limits.ulimits.some((u) => u.name === name));
    if (missing !== undefined) return `ulimit ${missing} must be set`;
    const nproc = s.limits.ulimits.find((u) => u.name === 'nproc');
    return s.runtime === 'runsc' && !(nproc !== undefined && nproc.hard > 0 && nproc.soft > 0)
      ? 'ulimit nproc must be positive under runsc'
      : null;
  },
  tmpfsSizes: (s) =>
    s.tmpfs.some((t) => !Number.isSafeInteger(t.sizeBytes) || t.sizeBytes <= 0)
      ? 'every tmpfs needs a size'
      : null,
  tmpfsWithinMemory: (s) => {
    const rule = memoryRule(s.limits.memoryBytes, s.tmpfs, s.limits.shmBytes);
    return rule.ok
      ? null
      : `tmpfs mounts and /dev/shm can hold ${rule.tmpfsBytes} bytes, not below the memory limit ` +
          `${rule.memoryBytes}: a disk fill would end as an OOM kill`;
  },
  readOnlyMounts: (s) => {
    // The data inputs are what the audit hashed: a script must not be able to change them.
    if (s.mounts.some((m) => m.kind === 'data' && !m.readOnly))
      return 'data inputs must be mounted read-only';
    return s.mounts.some((m) => !m.readOnly) ? 'every bind mount must be read-only' : null;
  },
  // Named explicitly: an engine whose default runtime was changed must not pick another.
  runtime: (s) =>
    s.runtime === 'runc' || s.runtime === 'runsc'
      ? null
      : `the runtime must be runc or runsc, got ${String(s.runtime)}`,
  // Absent = the engine's own setting (a daemon's userns-remap applies); `host` would opt
  // this container out of a remap the operator configured.
  userNamespaces: (s) =>
    s.usernsMode === 'host' ? "the user namespace must not be the host's (usernsMode host)" : null,
};

/**
 * What no container of Airlock's may lack, checked on the spec every rendering comes
 * from. A violation is a bug or a hostile policy getting through: refuse, never run.
 */
export function assertHardeningFloor(spec: ContainerSpec): void {
  for (const flag of HARDENING_FLAGS) {
    const why = FLOOR_CHECKS[flag](spec);
    if (why !== null) {
      throw new UserError(
        'INPUT_INVALID',
        `sandbox container ${spec.name} is below the hardening floor: ${why}`,
      );
    }
  }
}
