import type { ExecutionResult } from '../report/types.js';

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
