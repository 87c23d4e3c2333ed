import { mkdtempSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildSarif, writeSarif } from '../../../src/report/sarif.js';
import type { ScriptReport } from '../../../src/report/types.js';
import { parseBanditJson } from '../../../src/scan/bandit-parse.js';
import { loadSemgrepRuleMeta } from '../../../src/scan/semgrep-rules.js';
import { hostBanditJson, mixedCorpus } from '../scan/host-bandit.js';
import { validateSarif } from './multitool.js';

/**
 * Real Bandit output over the hostile corpus plus benign files (with odd file names),
 * through the SARIF writer, validated by Microsoft's SARIF multitool against the
 * SARIF rules AND GitHub's ingestion rules. Zero errors allowed.
 */
describe('SARIF from real Bandit output passes the SARIF multitool (Sarif + GitHub rules)', () => {
  it('has zero validation errors, and a result for every Bandit finding', async () => {
    const { root, files } = mixedCorpus();
    const parsed = parseBanditJson(await hostBanditJson(root, files), root);
    const scripts: ScriptReport[] = files.map((p) => ({
      path: p,
      sha256: '0'.repeat(64),
      bytes: 0,
      level: 'low',
      levelReasons: [],
      findings: parsed.findingsByPath.get(p) ?? [],
      decision: 'skipped',
    }));
    const { log, notices } = buildSarif({
      scripts,
      scanners: [
        { tool: 'bandit', status: 'ran', version: '1.6.2' },
        { tool: 'semgrep', status: 'unavailable', message: 'semgrep is not installed in the sandbox image' },
      ],
      category: 'airlock',
      rules: [...parsed.rules, ...loadSemgrepRuleMeta('policies/semgrep')],
      sourceRoot: root,
    });
    expect(notices).toEqual([]);
    const file = path.join(mkdtempSync(path.join(tmpdir(), 'sarif-')), 'airlock.sarif');
    await writeSarif(log, file);

    const issues = await validateSarif(file);
    const errors = issues.filter((i) => i.level === 'error');
    expect(errors, JSON.stringify(errors, null, 2)).toEqual([]);

    const written = JSON.parse(await readFile(file, 'utf8')) as typeof log;
    const banditFindings = [...parsed.findingsByPath.values()]
      .flat()
      .filter((f) => f.tool === 'bandit').length;
    expect(written.runs[0]!.results).toHaveLength(banditFindings);
    // The scan error of the Python 2 file is in the Airlock run; the odd names are encoded.
    const airlock = written.runs.find((r) => r.tool.driver.name === 'Airlock')!;
    expect(airlock.results!.map((r) => r.ruleId)).toContain('airlock.scan-error');
    const uris = written.runs.flatMap((r) =>
      r.results!.map((x) => x.locations![0]!.physicalLocation!.artifactLocation!.uri!),
    );
    for (const u of uris) expect(u).not.toMatch(/[ #?]/);
    // Every result carries a fingerprint (sources were readable).
    for (const run of written.runs)
      for (const r of run.results!) expect(r.partialFingerprints?.primaryLocationLineHash).toBeTruthy();
    console.log(
      `multitool: ${issues.length} issue(s), ${errors.length} error(s): ${[...new Set(issues.map((i) => i.ruleId))].join(', ')}`,
    );
  });

  it('keeps truncation notifications valid too (a log cut to 5 results per run)', async () => {
    const { root, files } = mixedCorpus();
    const parsed = parseBanditJson(await hostBanditJson(root, files), root);
    const scripts: ScriptReport[] = files.map((p) => ({
      path: p,
      sha256: '0'.repeat(64),
      bytes: 0,
      level: 'low',
      levelReasons: [],
      findings: parsed.findingsByPath.get(p) ?? [],
      decision: 'skipped',
    }));
    const { log, notices } = buildSarif({
      scripts,
      scanners: [{ tool: 'bandit', status: 'ran' }],
      category: 'airlock',
      rules: parsed.rules,
      limits: {
        maxRuns: 20,
        maxResultsPerRun: 5,
        maxLocationsPerResult: 1000,
        maxGzipBytes: 10 * 1024 * 1024,
      },
    });
    expect(notices.length).toBeGreaterThan(0);
    const file = path.join(mkdtempSync(path.join(tmpdir(), 'sarif-')), 'cut.sarif');
    await writeSarif(log, file);
    const errors = (await validateSarif(file)).filter((i) => i.level === 'error');
    expect(errors, JSON.stringify(errors, null, 2)).toEqual([]);
  });

  it('control: the validator does report errors for SARIF GitHub would reject', async () => {
    const bad = {
      version: '2.1.0',
      runs: [
        {
          tool: { driver: { name: 'x', rules: [{ id: 'R1' }] } },
          results: [
            {
              ruleId: 'R1',
              message: { id: 'm1' },
              locations: [{ physicalLocation: { artifactLocation: { uri: 'file:///abs/a.py' } } }],
            },
          ],
        },
      ],
    };
    const file = path.join(mkdtempSync(path.join(tmpdir(), 'sarif-')), 'bad.sarif');
    writeFileSync(file, JSON.stringify(bad));
    const errors = (await validateSarif(file)).filter((i) => i.level === 'error');
    expect(errors.some((e) => e.ruleId.startsWith('GH'))).toBe(true);
    expect(errors.some((e) => e.ruleId.startsWith('SARIF'))).toBe(true);
  });
});
