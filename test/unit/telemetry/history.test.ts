import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { RunStatus } from '../../../src/telemetry/statuses.js';
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

  it('lets a cancelled run neither count nor reset the streak', () => {
    expect(failureStreakFromEntries([exec('failure'), exec('cancelled'), exec('timeout')])).toBe(2);
    expect(failureStreakFromEntries([exec('cancelled'), exec('cancelled')])).toBe(0);
    expect(failureStreakFromEntries([exec('failure'), exec('cancelled')])).toBe(1);
  });

  it('equals the number of failures since the last success for any history', () => {
    const status = fc.constantFrom<RunStatus>('success', 'failure', 'timeout', 'oom', 'error', 'cancelled');
    fc.assert(
      fc.property(fc.array(status, { maxLength: 50 }), (statuses) => {
        let expected = 0;
        for (let i = statuses.length - 1; i >= 0 && statuses[i] !== 'success'; i--)
          if (statuses[i] !== 'cancelled') expected++;
        const entries = statuses.map((s) => exec(s));
        expect(failureStreakFromEntries(entries)).toBe(expected);
        expect(summariseHistory(entries).failureStreak).toBe(expected);
      }),
    );
  });
});
