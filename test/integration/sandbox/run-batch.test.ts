import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ExecutionResult } from '../../../src/report/types.js';
import { liveContainers } from '../../../src/sandbox/containers.js';
import { runBatch } from '../../../src/sandbox/run-batch.js';
import type { HardenedRunSpec } from '../../../src/sandbox/types.js';
import { ensureTestImage } from '../../helpers/test-image.js';
import { containersWithLabel, specFor } from './helpers.js';

const LABEL = 'org.airlock.it-batch';
let image: string;

beforeAll(async () => {
  image = await ensureTestImage();
});

afterAll(async () => {
  expect(await containersWithLabel(LABEL)).toEqual([]);
});

/** Script i sleeps `sleeps[i]` s, then writes its index to stdout and to an artifact. */
function specs(sleeps: number[]): HardenedRunSpec[] {
  return sleeps.map((s, i) =>
    specFor(
      image,
      LABEL,
      `import os, time\ntime.sleep(${s})\nopen(os.path.join(os.environ["AIRLOCK_OUTPUT_DIR"], "i.txt"), "w").write("${i}")\nprint(${i})\n`,
      { collect: true },
    ),
  );
}

describe('runBatch', () => {
  it('runs every item in a fresh container of its own and removes them all before resolving', async () => {
    const all = specs([0, 0, 0, 0, 0]);
    const results = new Map<number, ExecutionResult>();
    await runBatch(all, {
      parallelism: 2,
      idleSeconds: 60,
      specOf: async (spec) => spec,
      onResult: async (_spec, i, r) => {
        results.set(i, r);
      },
    });
    expect([...results.keys()].sort()).toEqual([0, 1, 2, 3, 4]);
    for (const [i, r] of results) {
      expect(r.status, r.stderr).toBe('success');
      expect(r.stdout.trim()).toBe(String(i));
      const dir = all[i]?.collectOutputTo as string;
      expect(readFileSync(path.join(dir, 'i.txt'), 'utf8')).toBe(String(i));
    }
    // Five distinct containers: nothing is reused between scripts.
    expect(new Set([...results.values()].map((r) => r.containerName)).size).toBe(5);
    // Removed in the background, but gone (and untracked) once runBatch resolves.
    expect(await containersWithLabel(LABEL)).toEqual([]);
    expect(liveContainers()).toEqual([]);
  });

  it("creates the next item's container while a script runs, never more than `parallelism` ahead", async () => {
    // Items 0 and 1 sleep while we look: items 2 and 3 must already have containers.
    const all = specs([4, 4, 0, 0, 0, 0]);
    let peak = 0;
    let sawAheadDuringFirstRuns = false;
    let first = 0;
    const watching = (async () => {
      while (first < 2) {
        const names = await containersWithLabel(LABEL);
        peak = Math.max(peak, names.length);
        if (names.length >= 4) sawAheadDuringFirstRuns = true;
        await new Promise((r) => setTimeout(r, 200));
      }
    })();
    await runBatch(all, {
      parallelism: 2,
      idleSeconds: 60,
      specOf: async (spec) => spec,
      onResult: async (_spec, i, r) => {
        expect(r.status, r.stderr).toBe('success');
        if (i < 2) first += 1;
      },
    });
    first = 2;
    await watching;
    expect(sawAheadDuringFirstRuns).toBe(true);
    // 2 running + at most 2 started ahead (+ at most 2 being removed in the background).
    expect(peak).toBeLessThanOrEqual(6);
    expect(await containersWithLabel(LABEL)).toEqual([]);
  });

  it('a failing item stops the batch, removes the containers started ahead and rethrows', async () => {
    const all = specs([0, 0, 0, 0, 0, 0]);
    const seen: number[] = [];
    await expect(
      runBatch(all, {
        parallelism: 2,
        idleSeconds: 60,
        specOf: async (spec) => spec,
        onResult: async (_spec, i) => {
          seen.push(i);
          if (i === 0) throw new Error('recording failed');
        },
      }),
    ).rejects.toThrow('recording failed');
    expect(seen).not.toContain(5);
    expect(await containersWithLabel(LABEL)).toEqual([]);
    expect(liveContainers()).toEqual([]);
  });

  it('an invalid spec is refused before its container exists and nothing is left behind', async () => {
    const all = specs([0, 0, 0]);
    (all[2] as HardenedRunSpec).sandbox = { ...(all[2] as HardenedRunSpec).sandbox, user: '0:0' };
    await expect(
      runBatch(all, { parallelism: 1, idleSeconds: 60, specOf: async (s) => s, onResult: async () => {} }),
    ).rejects.toThrow(/root/);
    expect(await containersWithLabel(LABEL)).toEqual([]);
  });
  it('an aborted signal stops the runs in flight at once, starts nothing more and leaves nothing behind', async () => {
    const all = specs([60, 60, 60, 60]);
    const controller = new AbortController();
    const ended: { i: number; exitCode: number | null; afterAbortMs: number }[] = [];
    let abortedAt = 0;
    const batch = runBatch(all, {
      parallelism: 2,
      idleSeconds: 120,
      specOf: async (spec) => spec,
      signal: controller.signal,
      onResult: async (_spec, i, r) => {
        ended.push({ i, exitCode: r.exitCode, afterAbortMs: performance.now() - abortedAt });
      },
    });
    // Both slots' scripts are sleeping (and the next two containers wait ahead).
    const deadline = Date.now() + 60_000;
    while ((await containersWithLabel(LABEL)).length < 4) {
      if (Date.now() > deadline) throw new Error('the batch never filled its slots');
      await new Promise((r) => setTimeout(r, 200));
    }
    await new Promise((r) => setTimeout(r, 1000));
    abortedAt = performance.now();
    controller.abort();
    await batch;
    const tookMs = performance.now() - abortedAt;
    // Only the two in flight report, ended by their container's removal (not a clean exit).
    expect(ended.map((e) => e.i).sort()).toEqual([0, 1]);
    for (const e of ended) expect(e.exitCode).not.toBe(0);
    expect(tookMs).toBeLessThan(10_000);
    expect(await containersWithLabel(LABEL)).toEqual([]);
    expect(liveContainers()).toEqual([]);
  });
});
