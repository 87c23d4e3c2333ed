import { randomBytes } from 'node:crypto';
import type { Log, Result } from 'sarif';
import { describe, expect, it } from 'vitest';
import {
  enforceSarifLimits,
  GITHUB_SARIF_LIMITS,
  gzippedSize,
  TRUNCATION_NOTIFICATION_ID,
} from '../../../src/report/sarif-limits.js';

function result(i: number, level: Result['level'], message = `finding ${i}`, locations = 1): Result {
  return {
    ruleId: 'R1',
    ruleIndex: 0,
    level,
    message: { text: message },
    locations: Array.from({ length: locations }, (_, k) => ({
      physicalLocation: {
        artifactLocation: { uri: `f${i}.py`, uriBaseId: '%SRCROOT%' },
        region: { startLine: k + 1 },
      },
    })),
  };
}

function log(runs: Result[][]): Log {
  return {
    version: '2.1.0',
    runs: runs.map((results, i) => ({
      tool: { driver: { name: `Tool${i}`, rules: [{ id: 'R1' }] } },
      invocations: [{ executionSuccessful: true }],
      results,
    })),
  };
}

const truncationNotes = (l: Log, run = 0) =>
  (l.runs[run]!.invocations?.[0]?.toolExecutionNotifications ?? []).filter(
    (n) => n.descriptor?.id === TRUNCATION_NOTIFICATION_ID,
  );

describe('enforceSarifLimits (GitHub upload limits)', () => {
  it('leaves a log within limits untouched and returns no notices', () => {
    const l = log([[result(1, 'error')]]);
    const before = JSON.stringify(l);
    expect(enforceSarifLimits(l)).toEqual([]);
    expect(JSON.stringify(l)).toBe(before);
  });

  it('cuts a run to 25,000 results, keeping the most severe, with a notification and a notice', () => {
    const n = GITHUB_SARIF_LIMITS.maxResultsPerRun + 500;
    // 500 errors at the very end: they must survive the cut.
    const results = Array.from({ length: n }, (_, i) => result(i, i >= n - 500 ? 'error' : 'note'));
    const l = log([results]);
    const notices = enforceSarifLimits(l);
    expect(l.runs[0]!.results).toHaveLength(GITHUB_SARIF_LIMITS.maxResultsPerRun);
    expect(l.runs[0]!.results!.filter((r) => r.level === 'error')).toHaveLength(500);
    expect(notices).toHaveLength(1);
    expect(notices[0]).toMatch(/500 of 25500/);
    expect(truncationNotes(l)).toHaveLength(1);
    expect(truncationNotes(l)[0]!.level).toBe('warning');
  });

  it('cuts locations beyond 1,000 per result', () => {
    const l = log([[result(1, 'error', 'x', 1500)]]);
    const notices = enforceSarifLimits(l);
    expect(l.runs[0]!.results![0]!.locations).toHaveLength(1000);
    expect(notices[0]).toMatch(/500 location/);
    expect(truncationNotes(l)).toHaveLength(1);
  });

  it('drops runs beyond 20 and says so in the first run', () => {
    const l = log(Array.from({ length: 23 }, () => [result(1, 'note')]));
    const notices = enforceSarifLimits(l);
    expect(l.runs).toHaveLength(20);
    expect(notices[0]).toMatch(/3 run/);
    expect(truncationNotes(l, 0)).toHaveLength(1);
  });

  it('shrinks a log over 10 MB gzipped below the limit, most severe results first', () => {
    // Incompressible messages: 16,000 x 1 KiB of random base64 is ~12.5 MB gzipped.
    const results = Array.from({ length: 16_000 }, (_, i) =>
      result(i, i % 10 === 0 ? 'error' : 'note', randomBytes(768).toString('base64')),
    );
    const l = log([results]);
    expect(gzippedSize(l)).toBeGreaterThan(GITHUB_SARIF_LIMITS.maxGzipBytes);
    const notices = enforceSarifLimits(l);
    expect(gzippedSize(l)).toBeLessThanOrEqual(GITHUB_SARIF_LIMITS.maxGzipBytes);
    expect(notices.some((n) => /gzipped upload limit/.test(n))).toBe(true);
    expect(l.runs[0]!.results!.filter((r) => r.level === 'error')).toHaveLength(1600);
    expect(truncationNotes(l).length).toBeGreaterThan(0);
  });

  it('applies custom (smaller) limits the same way', () => {
    const l = log([Array.from({ length: 10 }, (_, i) => result(i, 'warning'))]);
    const notices = enforceSarifLimits(l, { ...GITHUB_SARIF_LIMITS, maxResultsPerRun: 3 });
    expect(l.runs[0]!.results).toHaveLength(3);
    expect(l.runs[0]!.results!.map((r) => r.message.text)).toEqual(['finding 0', 'finding 1', 'finding 2']);
    expect(notices).toHaveLength(1);
  });

  it("keeps every file's top findings when one file floods the run (more severe ones included)", () => {
    const at = (uri: string, level: Result['level'], i: number): Result => ({
      ...result(i, level),
      locations: [{ physicalLocation: { artifactLocation: { uri }, region: { startLine: i + 1 } } }],
    });
    // flood.py: 30,000 errors, first in the run; then 40 other files with 3 notes each.
    const flood = Array.from({ length: 30_000 }, (_, i) => at('a/flood.py', 'error', i));
    const others = Array.from({ length: 40 }, (_, f) =>
      [0, 1, 2].map((k) => at(`z/other${f}.py`, 'note', k)),
    ).flat();
    const l = log([[...flood, ...others]]);
    enforceSarifLimits(l, { ...GITHUB_SARIF_LIMITS, maxResultsPerRun: 1_000 });
    const kept = l.runs[0]!.results!;
    expect(kept).toHaveLength(1_000);
    const files = new Set(kept.map((r) => r.locations![0]!.physicalLocation!.artifactLocation!.uri));
    expect(files.size).toBe(41);
    // each small file keeps all three (they are within its top PER_FILE_FLOOR); the flood gets the rest
    expect(kept.filter((r) => r.level === 'note')).toHaveLength(120);
    expect(kept.filter((r) => r.level === 'error')).toHaveLength(880);
    // the original order is kept
    expect(kept[0]!.message.text).toBe('finding 0');
  });
});
