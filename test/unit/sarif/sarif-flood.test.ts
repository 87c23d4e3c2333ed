import { describe, expect, it } from 'vitest';
import { buildSarif } from '../../../src/report/sarif.js';
import { GITHUB_SARIF_LIMITS } from '../../../src/report/sarif-limits.js';
import { finding, script } from '../../helpers/report-fixture.js';

/**
 * Issue 21 item 12: one generated file with thousands of findings must not push the
 * other files' findings out of the SARIF when the run is cut to GitHub's limits.
 */
describe('buildSarif with one file flooding a run', () => {
  it("keeps the other files' findings, the less severe ones included", () => {
    const flood = script('gen/huge.py', 'blocked', {
      findings: Array.from({ length: 5_000 }, (_, i) =>
        finding({ ruleId: 'B307', severity: 'medium', level: 'blocked', line: i + 1, message: 'eval' }),
      ),
    });
    const others = Array.from({ length: 30 }, (_, i) =>
      script(`scripts/s${i}.py`, 'low', { findings: [finding({ line: 3 }), finding({ line: 7 })] }),
    );
    const { log, notices } = buildSarif({
      scripts: [flood, ...others],
      scanners: [{ tool: 'bandit', status: 'ran', version: '1.9.4' }],
      category: 'airlock',
      sources: new Map(),
      limits: { ...GITHUB_SARIF_LIMITS, maxResultsPerRun: 500 },
    });
    const bandit = log.runs.find((r) => r.tool.driver.name === 'Bandit')!;
    expect(bandit.results).toHaveLength(500);
    const uris = bandit.results!.map((r) => r.locations![0]!.physicalLocation!.artifactLocation!.uri);
    for (let i = 0; i < 30; i++) expect(uris.filter((u) => u === `scripts/s${i}.py`)).toHaveLength(2);
    expect(uris.filter((u) => u === 'gen/huge.py')).toHaveLength(440);
    expect(notices.join('\n')).toMatch(/4560 of 5060 Bandit result\(s\)/);
  });
});
