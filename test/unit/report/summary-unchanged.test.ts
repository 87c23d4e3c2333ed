import { describe, expect, it } from 'vitest';
import { renderSummary } from '../../../src/report/summary.js';
import { gateReport, script } from '../../helpers/report-fixture.js';

describe('a script not run because it is unchanged (verdict cache, execute.scripts: changed)', () => {
  it('the summary says why it did not run, not that the policy skips its level', () => {
    const held = script('analysis/held.py', 'high', {
      decision: 'skipped',
      execution: undefined,
      unchanged: true,
      reusedScan: { seq: 4, hash: 'a'.repeat(64) },
    });
    const md = renderSummary(gateReport([held]));
    expect(md).toContain('not run (skipped: unchanged, its scan was reused from the audit log');
    expect(md).not.toContain('the policy does not run this level');
  });
});
