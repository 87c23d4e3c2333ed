import os from 'node:os';
import { describe, expect, it } from 'vitest';
import { runPool } from '../../../src/sandbox/pool.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('runPool', () => {
  it('keeps input order and never exceeds the parallelism', async () => {
    let inFlight = 0;
    let peak = 0;
    const out = await runPool([50, 10, 30, 5, 20, 1], 2, async (ms, i) => {
      inFlight++;
      peak = Math.max(peak, inFlight);
      await sleep(ms);
      inFlight--;
      return i * 10;
    });
    expect(out).toEqual([0, 10, 20, 30, 40, 50]);
    expect(peak).toBe(2);
  });

  it('0 means the number of available CPUs', async () => {
    let peak = 0;
    let inFlight = 0;
    const n = os.availableParallelism();
    await runPool(
      Array.from({ length: n + 3 }, (_, i) => i),
      0,
      async () => {
        peak = Math.max(peak, ++inFlight);
        await sleep(10);
        inFlight--;
      },
    );
    expect(peak).toBe(n);
  });

  it('stops starting work after a failure, lets in-flight calls finish, rethrows', async () => {
    const started: number[] = [];
    const finished: number[] = [];
    await expect(
      runPool([0, 1, 2, 3, 4], 2, async (i) => {
        started.push(i);
        if (i === 0) throw new Error('boom');
        await sleep(20);
        finished.push(i);
      }),
    ).rejects.toThrow('boom');
    expect(started).toEqual([0, 1]);
    expect(finished).toEqual([1]);
  });

  it('handles empty input and rejects a negative parallelism', async () => {
    expect(await runPool([], 3, async () => 1)).toEqual([]);
    await expect(runPool([1], -1, async () => 1)).rejects.toThrow(RangeError);
  });
});
