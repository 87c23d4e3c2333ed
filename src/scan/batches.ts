/**
 * Splits a file list into argv batches. One Bandit/Semgrep process per batch, not per
 * file: interpreter start-up dominates the cost of scanning small generated scripts
 * (docs/detection.md has the measurement). The budget keeps every batch far below
 * Linux's ARG_MAX (2 MiB for argv + environment) inside the container; 256 KiB is
 * ~2,000 typical paths, so a normal pull request is a single batch.
 */
export const ARGV_BATCH_BYTES = 256 * 1024;

export function batchArgs(args: readonly string[], budgetBytes = ARGV_BATCH_BYTES): string[][] {
  const batches: string[][] = [];
  let current: string[] = [];
  let used = 0;
  for (const a of args) {
    const cost = Buffer.byteLength(a) + 1;
    if (current.length > 0 && used + cost > budgetBytes) {
      batches.push(current);
      current = [];
      used = 0;
    }
    current.push(a);
    used += cost;
  }
  if (current.length > 0) batches.push(current);
  return batches;
}

/** A relative path we are willing to put on a scanner's command line. */
export function isSafeRelativePath(p: string): boolean {
  if (p.length === 0 || p.includes('\0') || p.startsWith('/') || p.includes('\\')) return false;
  return !p.split('/').some((seg) => seg === '' || seg === '.' || seg === '..');
}
