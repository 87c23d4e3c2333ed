import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { ExecutionStatus } from '../../../src/report/types.js';
import {
  failureStreakFromEntries,
  type HistoryEntry,
  summariseHistory,
} from '../../../src/telemetry/history.js';

const exec = (status: string, durationMs?: unknown): HistoryEntry => ({
  kind: 'execution',
  data: { status, durationMs },
});

describe('failureStreakFromEntries', () => {
  it('counts trailing non-successful executions and ignores other kinds', () => {
    expect(failureStreakFromEntries([])).toBe(0);
    expect(
      failureStreakFromEntries([
        exec('failure'),
        exec('success'),
        exec('timeout'),
        { kind: 'scan', data: { status: 'success' } },
        exec('oom'),
        { kind: 'checkpoint', data: null },
      ]),
    ).toBe(2);
    expect(failureStreakFromEntries([exec('failure'), exec('failure'), exec('success')])).toBe(0);
  });

  it('reads a nested ExecutionResult and skips malformed data instead of counting it', () => {
    expect(
      failureStreakFromEntries([
        { kind: 'execution', data: { script: 'a.py', execution: { status: 'error' } } },
        exec('exploded'),
        { kind: 'execution', data: 'failure' },
        { kind: 'execution', data: { status: 1 } },
      ]),
    ).toBe(1);
  });

  it('equals the length of the trailing run of failures for any history', () => {
    const status = fc.constantFrom<ExecutionStatus>('success', 'failure', 'timeout', 'oom', 'error');
    fc.assert(
      fc.property(fc.array(status, { maxLength: 50 }), (statuses) => {
        let expected = 0;
        for (let i = statuses.length - 1; i >= 0 && statuses[i] !== 'success'; i--) expected++;
        const entries = statuses.map((s) => exec(s));
        expect(failureStreakFromEntries(entries)).toBe(expected);
        expect(summariseHistory(entries).failureStreak).toBe(expected);
      }),
    );
  });
});

describe('summariseHistory', () => {
  it('totals runs per status and keeps only sane durations', () => {
    const b = summariseHistory([
      exec('success', 100),
      exec('failure', 200),
      exec('failure', -1),
      exec('oom', Number.NaN),
      exec('oom', '300'),
    ]);
    expect(b.runsByStatus).toEqual({ success: 1, failure: 2, timeout: 0, oom: 2, error: 0, cancelled: 0 });
    expect(b.durationsMs).toEqual([100, 200]);
    expect(b.failureStreak).toBe(4);
  });
});
