import type { ExecutionResult } from '../report/types.js';
import type { SandboxLimits } from '../sandbox/types.js';

/** Where the hardened runner mounts `workDir` inside the container (src/sandbox/types.ts). */
export const CONTAINER_WORKDIR = '/work';

/**
 * Output cap for a scanner's JSON report. Far above a script's cap: Bandit's report
 * repeats code excerpts, ~1 KiB per finding; 64 MiB holds tens of thousands. A report
 * cut off at the cap is treated as a failed scan, never parsed partially.
 */
export const SCANNER_OUTPUT_BYTES = 64 * 1024 * 1024;

/** One line for a person: which scanner, what happened, its last stderr line. */
export function describeRun(tool: string, r: ExecutionResult): string {
  const how =
    r.status === 'timeout'
      ? 'timed out'
      : r.status === 'oom'
        ? 'ran out of memory'
        : r.exitCode === null
          ? `could not run${r.reason ? ` (${r.reason})` : ''}`
          : `exited ${r.exitCode}`;
  const tail = r.stderr
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean)
    .at(-1);
  return `${tool} ${how}${tail ? `: ${tail.slice(0, 300)}` : ''}`;
}

/**
 * The floor under a scanner container's limits. Scanners run under the restricted
 * profile's limits, but one batched scan over hundreds of files (Semgrep's engine and
 * its worker processes especially) needs more room than one script: a batch that
 * OOMs or hits the pids limit is a failed scan, which fails the gate. The scan stage
 * and the benchmark (bench/sections/scan.ts) both use this floor.
 */
export const SCANNER_LIMITS_FLOOR = { memoryMb: 1024, pids: 256 } as const;

export function scannerLimits(base: SandboxLimits): SandboxLimits {
  return {
    ...base,
    memoryMb: Math.max(base.memoryMb, SCANNER_LIMITS_FLOOR.memoryMb),
    pids: Math.max(base.pids, SCANNER_LIMITS_FLOOR.pids),
  };
}
