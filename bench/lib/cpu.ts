import { readFileSync } from 'node:fs';
import os from 'node:os';

/**
 * CPU time the whole machine spent busy (user, nice, system, irq, softirq, steal), in ms,
 * from /proc/stat: the Docker engine, containerd, shims, runc and the scripts all run
 * outside the benchmark's process, so its own `process.cpuUsage()` would miss them.
 * null where /proc/stat is absent (not Linux).
 */
export function machineBusyMs(): number | null {
  let line: string;
  try {
    line = readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? '';
  } catch {
    return null;
  }
  const f = line.trim().split(/\s+/).slice(1).map(Number);
  if (!line.startsWith('cpu ') || f.length < 8 || f.some((x) => !Number.isFinite(x))) return null;
  const [user, nice, system, , , irq, softirq, steal] = f as number[];
  // USER_HZ is 100 on every Linux architecture Node runs on.
  return ((user ?? 0) + (nice ?? 0) + (system ?? 0) + (irq ?? 0) + (softirq ?? 0) + (steal ?? 0)) * 10;
}

export interface CpuAccount {
  /** Machine-wide busy CPU time during the measured work. */
  busyMs: number;
  /** This process's own CPU time (the gate's Node side; children not included). */
  selfMs: number;
  /** busy / (wall x CPUs): 1.0 means every core was busy the whole time. */
  utilisation: number;
}

/** Runs `fn` and accounts the machine's CPU time spent meanwhile. */
export async function withCpuAccount<T>(
  fn: () => Promise<T>,
): Promise<{ value: T; wallMs: number; cpu: CpuAccount | null }> {
  const busy0 = machineBusyMs();
  const self0 = process.cpuUsage();
  const t0 = performance.now();
  const value = await fn();
  const wallMs = performance.now() - t0;
  const self = process.cpuUsage(self0);
  const busy1 = machineBusyMs();
  if (busy0 === null || busy1 === null) return { value, wallMs, cpu: null };
  const busyMs = busy1 - busy0;
  return {
    value,
    wallMs,
    cpu: {
      busyMs,
      selfMs: (self.user + self.system) / 1000,
      utilisation: busyMs / (wallMs * os.availableParallelism()),
    },
  };
}
