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
 * What no container of Airlock's may lack, checked on the spec every rendering comes
 * from. A violation is a bug or a hostile policy getting through: refuse, never run.
 */
export function assertHardeningFloor(spec: ContainerSpec): void {
  const fail = (why: string): never => {
    throw new UserError(
      'INPUT_INVALID',
      `sandbox container ${spec.name} is below the hardening floor: ${why}`,
    );
  };
  if (spec.readonlyRootfs !== true) fail('the root filesystem must be read-only');
  if (spec.capDrop.length !== 1 || spec.capDrop[0] !== 'ALL') fail('capabilities must be dropped: ALL');
  if (!spec.securityOpt.includes('no-new-privileges')) fail('no-new-privileges must be set');
  if (spec.securityOpt.some((o) => /^seccomp[=:]unconfined$/.test(o))) fail('seccomp must not be unconfined');
  // Exactly one seccomp profile, Airlock's (inline, or the file Podman needs): never the
  // engine's default, which differs per engine and version (src/sandbox/seccomp-profile.ts).
  if (spec.securityOpt.filter((o) => o.startsWith('seccomp=')).length !== 1)
    fail("Airlock's seccomp profile must be set");
  if (spec.network !== 'none') fail(`the network must be none, got ${spec.network}`);
  if (spec.ipc !== 'private') fail('the IPC namespace must be private');
  for (const [who, ids] of [
    ['script', spec.user],
    ['keeper', spec.keeperUser],
  ] as const) {
    const problem = idProblem(ids);
    if (problem) fail(`${who} user ${renderUser(ids)}: ${problem}`);
  }
  const l = spec.limits;
  for (const [name, v] of [
    ['memoryBytes', l.memoryBytes],
    ['nanoCpus', l.nanoCpus],
    ['pids', l.pids],
    ['shmBytes', l.shmBytes],
  ] as const) {
    if (!Number.isSafeInteger(v) || v <= 0) fail(`limit ${name} must be a positive integer, got ${v}`);
  }
  if (l.memorySwapBytes !== l.memoryBytes) fail('swap must be off (memorySwapBytes = memoryBytes)');
  for (const name of ['nofile', 'fsize', 'core'] as const) {
    if (!l.ulimits.some((u) => u.name === name)) fail(`ulimit ${name} must be set`);
  }
  if (spec.tmpfs.some((t) => !Number.isSafeInteger(t.sizeBytes) || t.sizeBytes <= 0))
    fail('every tmpfs needs a size');
  // The data inputs are what the audit hashed: a script must not be able to change them.
  if (spec.mounts.some((m) => m.kind === 'data' && !m.readOnly))
    fail('data inputs must be mounted read-only');
  if (spec.mounts.some((m) => !m.readOnly)) fail('every bind mount must be read-only');
  const rule = memoryRule(l.memoryBytes, spec.tmpfs, l.shmBytes);
  if (!rule.ok) {
    fail(
      `tmpfs mounts and /dev/shm can hold ${rule.tmpfsBytes} bytes, not below the memory limit ` +
        `${rule.memoryBytes}: a disk fill would end as an OOM kill`,
    );
  }
}
