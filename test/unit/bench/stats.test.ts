import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { evaluateGoals } from '../../../bench/lib/goals.js';
import {
  extrapolateSequential,
  formatMs,
  formatRatio,
  median,
  ratio,
  sampleIndices,
  summarize,
} from '../../../bench/lib/stats.js';
import { kindOf, scriptName, scriptSource } from '../../../bench/lib/corpus.js';

describe('median', () => {
  it('takes the middle of an odd count and the mean of the two middles of an even one, unsorted input', () => {
    expect(median([5, 1, 3])).toBe(3);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([7])).toBe(7);
  });
  it('refuses no samples and non-finite ones', () => {
    expect(() => median([])).toThrow(RangeError);
    expect(() => median([1, Number.NaN])).toThrow(RangeError);
  });
  it('lies between min and max and does not reorder its input', () => {
    fc.assert(
      fc.property(
        fc.array(fc.double({ noNaN: true, noDefaultInfinity: true, min: -1e9, max: 1e9 }), { minLength: 1 }),
        (xs) => {
          const copy = [...xs];
          const s = summarize(xs);
          expect(s.median).toBeGreaterThanOrEqual(s.min);
          expect(s.median).toBeLessThanOrEqual(s.max);
          expect(s.n).toBe(xs.length);
          expect(xs).toEqual(copy);
        },
      ),
    );
  });
});

describe('ratio and extrapolation', () => {
  it('divides, and gives null where a ratio cannot be shown', () => {
    expect(ratio(50, 100)).toBe(0.5);
    expect(ratio(1, 0)).toBeNull();
    expect(ratio(undefined, 3)).toBeNull();
    expect(ratio(3, null)).toBeNull();
  });
  it('extrapolates a sequential baseline as mean x count', () => {
    expect(extrapolateSequential([100, 300], 1000)).toBe(200_000);
    expect(() => extrapolateSequential([], 10)).toThrow(RangeError);
    expect(() => extrapolateSequential([1], -1)).toThrow(RangeError);
  });
});

describe('sampleIndices', () => {
  it('picks k distinct in-range indices, sorted, the same for the same seed', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 2000 }),
        fc.integer({ min: 0, max: 100 }),
        fc.integer(),
        (n, k, seed) => {
          const a = sampleIndices(n, k, seed);
          expect(a).toEqual(sampleIndices(n, k, seed));
          expect(a.length).toBe(Math.min(n, k));
          expect(new Set(a).size).toBe(a.length);
          for (let i = 1; i < a.length; i++) expect(a[i]).toBeGreaterThan(a[i - 1] as number);
          for (const i of a) expect(i >= 0 && i < n).toBe(true);
        },
      ),
    );
  });
  it('gives a different sample for another seed (not always the first k)', () => {
    expect(sampleIndices(1000, 10, 1)).not.toEqual(sampleIndices(1000, 10, 2));
    expect(sampleIndices(1000, 10, 1)).not.toEqual(Array.from({ length: 10 }, (_, i) => i));
  });
});

describe('formatting', () => {
  it('switches units and marks what is missing', () => {
    expect(formatMs(1.234)).toBe('1.2 ms');
    expect(formatMs(950.4)).toBe('950 ms');
    expect(formatMs(12_345)).toBe('12.3 s');
    expect(formatMs(undefined)).toBe('—');
    expect(formatRatio(0.4567)).toBe('0.46x');
    expect(formatRatio(35.2)).toBe('35x');
    expect(formatRatio(null)).toBe('—');
  });
});

describe('goals', () => {
  const met = (inputs: Parameters<typeof evaluateGoals>[0]) => evaluateGoals(inputs).map((g) => g.met);
  it('judges each goal on its threshold, and says not measured rather than passing', () => {
    expect(met({})).toEqual([null, null, null, null, null]);
    expect(
      met({
        gate100Ms: 50,
        diy100Ms: 100,
        scanSpeedup1000: 5,
        verify1e6PerSecond: 100_000,
        verify1e6PeakMiB: 99.9,
      }),
    ).toEqual([true, true, true, null, null]);
    expect(
      met({
        gate100Ms: 50.1,
        diy100Ms: 100,
        scanSpeedup1000: 4.99,
        verify1e6PerSecond: 99_999,
        verify1e6PeakMiB: 50,
      }),
    ).toEqual([false, false, false, null, null]);
    expect(met({ verify1e6PerSecond: 500_000, verify1e6PeakMiB: 100 })[2]).toBe(false);
    // The verdict cache: strictly under 5 % of the cold gate.
    expect(met({ cacheRatio: 0.049, cacheN: 1000 })[4]).toBe(true);
    expect(met({ cacheRatio: 0.05, cacheN: 1000 })[4]).toBe(false);
    expect(evaluateGoals({ cacheRatio: 0.031, cacheN: 1000 })[4]?.measured).toBe('3.1%');
  });
  it('reports the sandbox latency added over the engine', () => {
    const g = evaluateGoals({ airlockTrivialMs: 900, enginePythonMs: 600, engineTrueMs: 500 })[3];
    expect(g?.measured).toContain('+ 300 ms');
  });
});

describe('corpus', () => {
  it('mixes half pure, a quarter pandas, a quarter plot, with unique names', () => {
    const kinds = Array.from({ length: 100 }, (_, i) => kindOf(i));
    expect(kinds.filter((k) => k === 'pure')).toHaveLength(50);
    expect(kinds.filter((k) => k === 'pandas')).toHaveLength(25);
    expect(kinds.filter((k) => k === 'plot')).toHaveLength(25);
    expect(new Set(Array.from({ length: 1000 }, (_, i) => scriptName(i))).size).toBe(1000);
    expect(scriptSource(2)).toContain('import pandas');
    expect(scriptSource(3)).toContain('savefig');
    // Every script writes its artifact where the sandbox collects it.
    for (let i = 0; i < 4; i++) expect(scriptSource(i)).toContain('AIRLOCK_OUTPUT_DIR');
  });
});
