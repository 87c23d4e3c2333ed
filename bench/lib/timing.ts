import { summarize, type Summary } from './stats.js';

/** Wall time of one call, in milliseconds (monotonic clock). */
export async function timeOnce<T>(fn: () => Promise<T>): Promise<{ ms: number; value: T }> {
  const t = performance.now();
  const value = await fn();
  return { ms: performance.now() - t, value };
}

/**
 * Runs `fn` `warmup` times unmeasured (page cache, image layers, Python's bytecode of
 * the host's libraries: the gate's steady state, not a machine's first boot), then
 * `reps` measured times, one after another, and summarizes the wall times.
 */
export async function repeat(
  reps: number,
  fn: (rep: number) => Promise<unknown>,
  warmup = 0,
): Promise<{ summary: Summary; samples: number[] }> {
  for (let i = 0; i < warmup; i++) await fn(-1 - i);
  const samples: number[] = [];
  for (let i = 0; i < reps; i++) samples.push((await timeOnce(() => fn(i))).ms);
  return { summary: summarize(samples), samples };
}
