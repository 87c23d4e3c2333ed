import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assessScript } from '../../../src/assess/index.js';
import { loadPolicy, type Policy } from '../../../src/policy/index.js';
import { renderSummary } from '../../../src/report/summary.js';
import type { Finding } from '../../../src/report/types.js';
import { gateReport, script } from '../../helpers/report-fixture.js';

/**
 * The allowlist entry the summary offers is pasted, as a maintainer would, into a policy
 * and loaded by the real loader; it must then accept exactly the finding it was offered
 * for, on exactly that file.
 */
let dir: string;
let shipped: Policy;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'airlock-allowlist-paste-'));
  shipped = await loadPolicy('default');
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** The content of the ```yaml block under "Accept after review" for the script at `heading`. */
function pastedYaml(md: string, heading: string): string {
  const from = md.indexOf(heading);
  expect(from).toBeGreaterThanOrEqual(0);
  const m = /<summary>Accept after review[^\n]*\n\n(`{3,})yaml\n([\s\S]*?)\n\1\n/.exec(md.slice(from));
  expect(m).not.toBeNull();
  return m![2]!;
}

async function policyWith(pasted: string, name: string): Promise<Policy> {
  const file = join(dir, `${name}.yml`);
  await writeFile(file, `version: 1\nextends: default\n${pasted}\n`);
  return loadPolicy(file);
}

const NOW = new Date('2026-12-07T00:00:00Z');

describe('the allowlist entry to paste', () => {
  for (const path of ['scripts/fetch.py', 'scripts/*.py', 'odd/[x] {a,b} (copy)!\u0085\u202e.py']) {
    it(`loads through the real policy loader and accepts exactly that finding on exactly ${JSON.stringify(path)}`, async () => {
      const raw: Finding[] = [
        {
          tool: 'bandit',
          ruleId: 'B310',
          severity: 'medium',
          confidence: 'high',
          line: 15,
          message: 'urlopen',
        },
        {
          tool: 'semgrep',
          ruleId: 'airlock.network-access',
          severity: 'medium',
          confidence: 'high',
          line: 15,
          message: 'net',
        },
        { tool: 'bandit', ruleId: 'B101', severity: 'low', confidence: 'high', line: 3, message: 'assert' },
      ];
      // Judged by the shipped policy, as the pipeline would.
      const judged = assessScript(raw, shipped, path, NOW);
      expect(judged.level).toBe('high');
      const md = renderSummary(
        gateReport([script(path, 'high', { findings: judged.findings })], {
          finishedAt: '2026-12-06T10:00:00.000Z',
        }),
      );
      const pasted = pastedYaml(md, '#### 🟠 high');
      // Only the findings that raised the level are offered (not the low B101), with an expiry.
      expect(pasted).toContain('ruleId: "B310"');
      expect(pasted).toContain('ruleId: "airlock.network-access"');
      expect(pasted).not.toContain('B101');
      expect(pasted).toContain('expires: "2027-03-06"');

      const policy = await policyWith(pasted, `p${path.length}`);
      expect(policy.allowlist).toHaveLength(2);
      const after = assessScript(raw, policy, path, NOW);
      expect(after.level).toBe('low');
      expect(after.findings.filter((f) => f.allowlisted).map((f) => f.ruleId)).toEqual([
        'B310',
        'airlock.network-access',
      ]);
      // The entry names this one file: a sibling (which a glob would also match) is not accepted.
      expect(assessScript(raw, policy, 'scripts/other.py', NOW).level).toBe('high');
      expect(assessScript(raw, policy, `${path}x`, NOW).level).toBe('high');
    });
  }

  it('is not offered for a scan error, which no allowlist entry can accept', () => {
    const judged = assessScript(
      [
        {
          tool: 'airlock',
          ruleId: 'airlock.scan-error',
          severity: 'high',
          confidence: 'high',
          line: 1,
          message: 'x',
        },
      ],
      shipped,
      'a.py',
      NOW,
    );
    const md = renderSummary(gateReport([script('a.py', judged.level, { findings: judged.findings })]));
    expect(md).toContain('**airlock.scan-error**');
    expect(md).not.toContain('Accept after review');
  });
});
