import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copyFile } from 'node:fs/promises';
import { join } from 'node:path';
import { runGate } from '../../../src/gate/pipeline.js';
import type { GateReport } from '../../../src/report/types.js';
import { loadManifest } from '../../helpers/hostile-corpus.js';
import { evidenceDir, writeEvidence } from '../../helpers/hostile-evidence.js';
import { corpusWorkspace, hostileGateSettings, type TempWorkspace } from '../../helpers/hostile-gate.js';

/**
 * The static layer on the hostile corpus: `airlock scan` (the real pipeline, Bandit and
 * Semgrep in the shipped sandbox image, the shipped default policy) must give every case the level the
 * manifest records. Cases that evade both scanners are expected `low`/`high` here: the
 * containment test shows the sandbox holds them anyway.
 */
const { runtime: cases } = loadManifest();
const SANDBOX_IMAGE = 'airlock-sandbox:local';

describe('hostile corpus through airlock scan (default policy)', () => {
  let ws: TempWorkspace;
  let report: GateReport;

  beforeAll(async () => {
    ws = await corpusWorkspace();
    // Both scanners matter here: the shipped image (Bandit and Semgrep, pinned) and the
    // shipped default policy, which requires both.
    const settings = hostileGateSettings(ws.dir, SANDBOX_IMAGE, { mode: 'scan', policy: undefined });
    ({ report } = await runGate(settings, { progress: () => undefined, env: {} }));
    const levels = Object.fromEntries(
      cases.map((c) => [c.id, report.scripts.find((s) => s.path === c.file)?.level ?? 'missing']),
    );
    writeEvidence('hostile-scan.json', {
      levels,
      scanners: report.scanners,
      verdict: report.verdict,
      findings: Object.fromEntries(
        report.scripts.map((s) => [s.path, s.findings.map((f) => `${f.tool}:${f.ruleId}`)]),
      ),
    });
    const dir = evidenceDir();
    if (dir) await copyFile(settings.sarifFile, join(dir, 'hostile-corpus.sarif'));
  });

  afterAll(async () => {
    await ws?.dispose();
  });

  it('Bandit and Semgrep completed and nothing ran', () => {
    expect(report.scanners.map((s) => [s.tool, s.status])).toEqual([
      ['bandit', 'ran'],
      ['semgrep', 'ran'],
    ]);
    expect(report.scripts.every((s) => s.execution === undefined)).toBe(true);
  });

  it.each(cases.map((c) => [c.id, c] as const))('%s gets its expected level', (_id, c) => {
    const script = report.scripts.find((s) => s.path === c.file);
    expect(script, `${c.file} missing from the report`).toBeDefined();
    expect(c.scan, `${c.file}: ${script!.levelReasons.join('; ')}`).toContain(script!.level);
  });

  it('the verdict is fail: blocked scripts are in the corpus', () => {
    expect(report.verdict).toBe('fail');
  });
});
