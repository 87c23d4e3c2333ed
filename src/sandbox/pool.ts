import os from 'node:os';

/** Calls to run at once over `count` items: `parallelism`, 0 = the CPUs Node may use, at least 1. */
export function poolWidth(parallelism: number, count: number): number {
  if (!Number.isInteger(parallelism) || parallelism < 0) {
    throw new RangeError(`parallelism must be an integer >= 0, got ${parallelism}`);
  }
  return Math.max(1, Math.min(parallelism === 0 ? os.availableParallelism() : parallelism, count));
}

/**
 * Runs `fn` over `items` with at most `parallelism` calls in flight (0 = the number of
 * CPUs Node may use), keeping results in input order. A rejection stops new work from
 * starting and is rethrown once the calls in flight have settled, so no container
 * started by a sibling is abandoned mid-run.
 */
export async function runPool<T, R>(
  items: readonly T[],
  parallelism: number,
  fn: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const width = poolWidth(parallelism, items.length);
  const results = new Array<R>(items.length);
  let next = 0;
  let failure: { error: unknown } | undefined;
  async function worker(): Promise<void> {
    while (failure === undefined && next < items.length) {
      const i = next++;
      try {
        results[i] = await fn(items[i] as T, i);
      } catch (error) {
        failure ??= { error };
      }
    }
  }
  await Promise.all(Array.from({ length: width }, () => worker()));
  if (failure) throw failure.error;
  return results;
}
