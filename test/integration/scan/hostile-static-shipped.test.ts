import { readFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { GateReport } from '../../../src/report/types.js';
import { expectBothScannersRan, shippedScan } from '../../helpers/shipped-scan.js';
import { CORPUS_DIR, corpusFiles } from './host-bandit.js';

/**
 * The hostile-static corpus through `airlock scan` with the shipped image (Bandit 1.9.4
 * and Semgrep 1.187.0) and the shipped default policy: every file gets the level
 * expected.json records, and every catch it lists for these versions is in the report
 * (Bandit at its rule, severity and line; Semgrep at its rule; scan errors as such).
 */
interface Catch {
  tool: string;
  ruleId: string;
  severity: string;
  line?: number;
  only?: string;
}
const expected = JSON.parse(readFileSync(path.join(CORPUS_DIR, 'expected.json'), 'utf8')) as {
  files: Record<string, { catches: Catch[]; expectedLevel: string }>;
};

let report: GateReport;
beforeAll(async () => {
  report = await shippedScan(CORPUS_DIR, 'hostile-static');
}, 600_000);

describe('hostile-static corpus through airlock scan (shipped image, default policy)', () => {
  it('scanned every file with both scanners, at the locked versions', () => {
    expectBothScannersRan(report);
    expect(report.scripts.map((s) => s.path).sort()).toEqual(corpusFiles());
    expect(Object.keys(expected.files).sort()).toEqual(corpusFiles());
  });

  it.each(corpusFiles())('%s: level and every listed catch', (file) => {
    const script = report.scripts.find((s) => s.path === file)!;
    const exp = expected.files[file]!;
    expect(script.level, script.levelReasons.join('; ')).toBe(exp.expectedLevel);
    const got = script.findings.map((f) =>
      f.tool === 'semgrep' ? `semgrep:${f.ruleId}` : `${f.tool}:${f.ruleId}:${f.severity}:${f.line}`,
    );
    for (const c of exp.catches.filter((x) => x.only !== '1.6.2')) {
      const key =
        c.tool === 'semgrep' ? `semgrep:${c.ruleId}` : `${c.tool}:${c.ruleId}:${c.severity}:${c.line}`;
      expect(got, file).toContain(key);
    }
  });

  it('the corpus blocks: the verdict of this scan is fail', () => {
    expect(report.verdict).toBe('fail');
  });
});
