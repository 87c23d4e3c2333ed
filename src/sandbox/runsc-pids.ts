import type { SandboxLimits } from './types.js';

/**
 * Under gVisor (runsc) the container's host pids cgroup does not hold the script's
 * processes: it holds gVisor itself. Measured 2026-12-06 (Debian runsc 20221219, ptrace
 * platform, Docker 20.10, cgroup v1 `pids.current`): an idle sandbox is 57 host tasks
 * (runsc-gofer and runsc-sandbox, 21 threads each, plus ptrace stub processes); each
 * guest process adds ~8-11 (a stub process per address space and stub threads per
 * Sentry thread), and stubs are pooled, not returned: 64 guest processes peaked at
 * 384-405 host tasks, a second such round at 548. At the restricted profile's 64 the
 * Sentry could not make a thread for a `sh -c` of four commands and died (exit 2,
 * `WaitPID failed: EOF`): the profile's pids starved gVisor, not the script.
 *
 * So under runsc the profile's `pids` bounds the guest's tasks through RLIMIT_NPROC,
 * which gVisor's kernel enforces per sandbox (measured: 63 forks or 63 threads, then
 * EAGAIN / "can't start new thread", the sandbox unharmed), and the host limit is that
 * count times a per-task cost plus gVisor's own base: still a finite bound on what the
 * sandbox can take from the runner. Under runc RLIMIT_NPROC counts every process of the
 * host uid (other containers' too), so it is not set there; the pids cgroup is the bound.
 */
export const RUNSC_PIDS_BASE = 256;
export const RUNSC_PIDS_PER_TASK = 8;

/** The host `--pids-limit` of a runsc container whose guest may run `pids` tasks. */
export function runscHostPids(limits: Pick<SandboxLimits, 'pids'>): number {
  return RUNSC_PIDS_BASE + RUNSC_PIDS_PER_TASK * limits.pids;
}
