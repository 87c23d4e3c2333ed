/**
 * The arithmetic of the benchmark report, kept pure so a unit test can pin it:
 * medians over repetitions, ratios against the baselines, and the extrapolation of
 * a sampled baseline (labelled as such wherever it is shown).
 */

export interface Summary {
  /** Median of the samples, in their unit (milliseconds unless said otherwise). */
  median: number;
  min: number;
  max: number;
  /** Number of samples. */
  n: number;
}

/** Median; the mean of the two middle values for an even count. Throws on no samples. */
export function median(samples: readonly number[]): number {
  if (samples.length === 0) throw new RangeError('median of no samples');
  for (const s of samples) if (!Number.isFinite(s)) throw new RangeError(`not a finite sample: ${s}`);
  const sorted = [...samples].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

export function summarize(samples: readonly number[]): Summary {
  return {
    median: median(samples),
    min: Math.min(...samples),
    max: Math.max(...samples),
    n: samples.length,
  };
}

/** a / b, or null when b is zero or either side is missing (a ratio that cannot be shown). */
export function ratio(a: number | null | undefined, b: number | null | undefined): number | null {
  if (a == null || b == null || !Number.isFinite(a) || !Number.isFinite(b) || b === 0) return null;
  return a / b;
}

/**
 * Whole-run time estimated from a random sample of per-item times: the sample's mean
 * times the full count. Used only for baselines too slow to run whole (one process or
 * container per file, one after another), where items are independent and sequential.
 */
export function extrapolateSequential(sampleMs: readonly number[], fullCount: number): number {
  if (sampleMs.length === 0) throw new RangeError('extrapolation from no samples');
  if (!Number.isInteger(fullCount) || fullCount < 0) throw new RangeError(`bad count: ${fullCount}`);
  const mean = sampleMs.reduce((s, x) => s + x, 0) / sampleMs.length;
  return mean * fullCount;
}

/**
 * `k` distinct indices of `0..n-1`, deterministic for a seed (so two runs sample the same
 * files), in ascending order. A small LCG is enough: this picks files, not secrets.
 */
export function sampleIndices(n: number, k: number, seed = 1): number[] {
  if (k >= n) return Array.from({ length: n }, (_, i) => i);
  const picked = new Set<number>();
  let state = seed >>> 0 || 1;
  while (picked.size < k) {
    // Numerical Recipes' 32-bit LCG constants.
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    picked.add(state % n);
  }
  return [...picked].sort((a, b) => a - b);
}

/** A duration for a table: ms below 10 s, else seconds, 3 significant-ish digits. */
export function formatMs(ms: number | null | undefined): string {
  if (ms == null || !Number.isFinite(ms)) return '—';
  if (ms < 10) return `${ms.toFixed(1)} ms`;
  if (ms < 10_000) return `${Math.round(ms)} ms`;
  return `${(ms / 1000).toFixed(1)} s`;
}

/** A ratio for a table, e.g. `0.42x`; a dash when it cannot be computed. */
export function formatRatio(r: number | null | undefined): string {
  if (r == null || !Number.isFinite(r)) return '—';
  return r >= 10 ? `${r.toFixed(0)}x` : `${r.toFixed(2)}x`;
}

/** Bytes in MiB with one decimal. */
export function formatMiB(bytes: number | null | undefined): string {
  if (bytes == null || !Number.isFinite(bytes)) return '—';
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}
