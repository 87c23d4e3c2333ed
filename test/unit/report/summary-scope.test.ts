import { describe, expect, it } from 'vitest';
import { renderSummary } from '../../../src/report/summary.js';
import type { GateReport } from '../../../src/report/types.js';

/** What the summary says about its own scope: nothing scanned, and which policy revision decided. */
function report(overrides: Partial<GateReport>): GateReport {
  return {
    version: 1,
    tool: { name: 'airlock', version: '0.1.0' },
    startedAt: '2026-01-01T00:00:00Z',
    finishedAt: '2026-01-01T00:00:01Z',
    workspace: '/w',
    verdict: 'pass',
    verdictReasons: [],
    counts: { low: 0, high: 0, blocked: 0, executed: 0, failed: 0 },
    policy: { path: '.airlock/policy.yml', name: 'policy', sha256: 'a'.repeat(64) },
    image: { ref: 'airlock-sandbox:local', id: 'sha256:abc' },
    scanners: [{ tool: 'bandit', status: 'ran', version: '1.6.2' }],
    notices: [],
    scripts: [],
    ...overrides,
  };
}

describe('renderSummary scope', () => {
  it('says so when nothing was scanned, and not otherwise', () => {
    expect(renderSummary(report({}))).toContain('**Nothing was scanned**');
    const one = report({
      scripts: [
        {
          path: 'a.py',
          sha256: 'b'.repeat(64),
          bytes: 1,
          level: 'low',
          levelReasons: [],
          findings: [],
          decision: 'skipped',
        },
      ],
    });
    expect(renderSummary(one)).not.toContain('Nothing was scanned');
  });

  it('names the commit whose policy decided', () => {
    const md = renderSummary(report({ policy: { ...report({}).policy, revision: 'f'.repeat(40) } }));
    expect(md).toContain(`**Policy:** \`.airlock/policy.yml\` as of commit \`${'f'.repeat(12)}\``);
    expect(renderSummary(report({}))).not.toContain('as of commit');
  });
});
