import { describe, expect, it } from 'vitest';
import { escapeMarkdown, renderSummary } from '../../../src/report/summary.js';
import type { GateReport } from '../../../src/report/types.js';

function report(overrides: Partial<GateReport> = {}): GateReport {
  return {
    version: 1,
    tool: { name: 'airlock', version: '0.1.0' },
    startedAt: '2026-01-01T00:00:00Z',
    finishedAt: '2026-01-01T00:00:01Z',
    workspace: '/w',
    verdict: 'fail',
    verdictReasons: ['evil.py: blocked'],
    counts: { low: 1, high: 0, blocked: 1, executed: 1, failed: 0 },
    policy: { path: 'policies/default.yml', name: 'default', sha256: 'a'.repeat(64) },
    image: { ref: 'airlock-sandbox:local', id: 'sha256:abc' },
    scanners: [{ tool: 'bandit', status: 'ran', version: '1.6.2' }],
    notices: [],
    scripts: [
      {
        path: 'plots/ok.py',
        sha256: 'b'.repeat(64),
        bytes: 10,
        level: 'low',
        levelReasons: [],
        findings: [],
        decision: 'executed',
        execution: {
          status: 'success',
          exitCode: 0,
          durationMs: 1234,
          peakMemoryBytes: 50 * 1024 * 1024,
        } as GateReport['scripts'][number]['execution'],
      },
      {
        path: 'evil|name.py',
        sha256: 'c'.repeat(64),
        bytes: 10,
        level: 'blocked',
        levelReasons: [],
        findings: [
          {
            tool: 'bandit',
            ruleId: 'B307',
            severity: 'medium',
            confidence: 'high',
            line: 3,
            message: 'eval <img src=x onerror=alert(1)> [link](http://evil)',
          },
        ],
        decision: 'blocked',
      },
    ],
    ...overrides,
  };
}

describe('renderSummary', () => {
  it('has one table row per script with level, decision, status, duration and memory', () => {
    const md = renderSummary(report());
    const rows = md.split('\n').filter((l) => l.startsWith('| `'));
    expect(rows).toHaveLength(2);
    expect(rows[0]).toContain('low');
    expect(rows[0]).toContain('executed');
    expect(rows[0]).toContain('success (0)');
    expect(rows[0]).toContain('1.2 s');
    expect(rows[0]).toContain('50.0 MiB');
    expect(rows[1]).toContain('blocked');
    expect(rows[1]).toContain('B307');
  });

  it('cannot be broken by a hostile file name or finding message', () => {
    const md = renderSummary(report());
    // the | in the file name would otherwise add a table column
    const row = md.split('\n').find((l) => l.startsWith('| `evil'))!;
    expect(row.split(' | ')).toHaveLength(7);
    expect(md).not.toContain('<img');
    expect(md).not.toContain('](http://evil)');
  });

  it('links findings to their lines when a blob base is given, encoding odd names', () => {
    const md = renderSummary(report(), { blobBase: 'https://github.com/o/r/blob/abc' });
    expect(md).toContain('https://github.com/o/r/blob/abc/evil%7Cname.py#L3');
  });

  it('shows the image, policy and the audit checkpoint', () => {
    const md = renderSummary(
      report({
        audit: { log: 'a.log', checkpoint: 'origin\n5\nroot=\n', size: 5, root: 'root=', signed: true },
      }),
    );
    expect(md).toContain('airlock-sandbox:local');
    expect(md).toContain('policies/default.yml');
    expect(md).toContain('origin\n5\nroot=');
  });
});

describe('escapeMarkdown', () => {
  it('escapes markdown control characters and folds newlines', () => {
    expect(escapeMarkdown('a|b\n[c](d)')).toBe('a\\|b \\[c\\]\\(d\\)');
  });
});
