import { generateKeyPairSync } from 'node:crypto';
import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runGate } from '../../../src/gate/pipeline.js';
import type { GateReport } from '../../../src/report/types.js';
import { SCANNER_IDS } from '../../../src/scan/registry.js';

/**
 * Both scanners for real, as a user meets them: the shipped image (Bandit and Semgrep
 * pinned in images/python/requirements.lock), the shipped default policy (both
 * required), a gate with an audit log. Each scanner's version must reach the report's
 * `scanners[]`, the SARIF run's `tool.driver` and every audit `scan` entry.
 */
const IMAGE = 'airlock-sandbox:local';

function lockedVersion(lock: string, name: string): string {
  const m = new RegExp(`^${name}==(\\S+)`, 'm').exec(lock);
  if (!m) throw new Error(`${name} is not pinned in images/python/requirements.lock`);
  return m[1]!;
}

describe('scanner versions in the report, the SARIF and the audit log (shipped image)', () => {
  let ws: string;
  let report: GateReport;
  let expected: Record<string, string>;

  beforeAll(async () => {
    const lock = await readFile('images/python/requirements.lock', 'utf8');
    expected = { bandit: lockedVersion(lock, 'bandit'), semgrep: lockedVersion(lock, 'semgrep') };
    ws = await mkdtemp(join(tmpdir(), 'airlock-versions-'));
    await chmod(ws, 0o755);
    await writeFile(join(ws, 'mean.py'), 'import statistics\nprint(statistics.mean([1, 2, 3]))\n');
    const { privateKey } = generateKeyPairSync('ed25519');
    const out = join(ws, '.airlock', 'out');
    ({ report } = await runGate(
      {
        workspace: ws,
        paths: ['mean.py'],
        mode: 'gate',
        imageRef: IMAGE,
        outDir: out,
        reportFile: join(out, 'report.json'),
        sarifFile: join(out, 'airlock.sarif'),
        sarifCategory: 'airlock-versions',
        audit: {
          log: join(ws, 'audit', 'log.jsonl'),
          origin: 'example.com/airlock-versions-test',
          signingKey: privateKey,
        },
        run: {},
      },
      { progress: () => undefined, env: {} },
    ));
  }, 600_000);

  afterAll(async () => {
    if (ws) await rm(ws, { recursive: true, force: true });
  });

  it('every registered scanner ran, with the locked version, and the gate passed', () => {
    expect(SCANNER_IDS).toEqual(['bandit', 'semgrep']);
    expect(report.scanners.map((s) => [s.tool, s.status, s.version])).toEqual([
      ['bandit', 'ran', expected.bandit],
      ['semgrep', 'ran', expected.semgrep],
    ]);
    expect(report.verdict, report.verdictReasons.join('; ')).toBe('pass');
    expect(report.scripts[0]!.execution?.status).toBe('success');
  });

  it('the SARIF has one run per scanner whose driver carries the version', async () => {
    const sarif = JSON.parse(await readFile(join(ws, '.airlock', 'out', 'airlock.sarif'), 'utf8'));
    const drivers = sarif.runs.map((r: any) => [r.tool.driver.name, r.tool.driver.version]);
    expect(drivers).toEqual(
      expect.arrayContaining([
        ['Bandit', expected.bandit],
        ['Semgrep', expected.semgrep],
      ]),
    );
  });

  it('the audit log scan entry records which scanner versions judged the script', async () => {
    const lines = (await readFile(join(ws, 'audit', 'log.jsonl'), 'utf8')).trim().split('\n');
    const scans = lines.map((l) => JSON.parse(l)).filter((e) => e.kind === 'scan');
    expect(scans).toHaveLength(1);
    expect(scans[0].data.scanners).toEqual([
      { tool: 'bandit', status: 'ran', version: expected.bandit },
      { tool: 'semgrep', status: 'ran', version: expected.semgrep },
    ]);
  });
});
