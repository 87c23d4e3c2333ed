import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../helpers/cli-capture.js';
import type { GateReport } from '../../../src/report/types.js';
import { ensureTestImage } from '../../helpers/test-image.js';

/**
 * A custom image without Semgrep (the small test image), through the CLI as a user
 * runs it. Under the shipped default (Semgrep required) that is a scanner gap: the
 * gate fails and nothing runs. Under `semgrep: optional` the gate goes on, but says
 * so loudly: a WARNING on stderr, the SARIF's warning notification.
 */
async function cli(argv: string[], cwd: string) {
  return runCli(argv, cwd);
}

describe('Semgrep missing from a custom image', () => {
  let ws: string;
  let image: string;

  beforeAll(async () => {
    image = await ensureTestImage();
    ws = await mkdtemp(join(tmpdir(), 'airlock-modes-'));
    await chmod(ws, 0o755);
    await writeFile(join(ws, 'ok.py'), 'print("ran")\n');
    await writeFile(
      join(ws, 'optional.yml'),
      'version: 1\nextends: default\nscanners:\n  semgrep:\n    mode: optional\n',
    );
  }, 600_000);

  afterAll(async () => {
    if (ws) await rm(ws, { recursive: true, force: true });
  });

  it('default policy (required): exit 1, a scanner gap, nothing runs', async () => {
    const r = await cli(
      ['gate', '--image', image, '--report', 'req.json', '--sarif', 'req.sarif', 'ok.py'],
      ws,
    );
    expect(r.code, r.stderr).toBe(1);
    const report: GateReport = JSON.parse(await readFile(join(ws, 'req.json'), 'utf8'));
    expect(report.scanners.find((s) => s.tool === 'semgrep')?.status).toBe('unavailable');
    expect(report.verdictReasons.join('\n')).toMatch(/scanner gap: semgrep is not installed/);
    expect(report.scripts[0]!.decision).toBe('blocked');
    expect(report.scripts[0]!.execution).toBeUndefined();
  });

  it('optional: the script runs, and stderr, report and SARIF warn that Semgrep did not scan', async () => {
    const r = await cli(
      [
        'gate',
        '--policy',
        join(ws, 'optional.yml'),
        '--image',
        image,
        '--report',
        'opt.json',
        '--sarif',
        'opt.sarif',
        'ok.py',
      ],
      ws,
    );
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/^airlock: WARNING: Semgrep did not scan: semgrep is not installed/m);
    const report: GateReport = JSON.parse(await readFile(join(ws, 'opt.json'), 'utf8'));
    expect(report.scripts[0]!.execution?.status).toBe('success');
    expect(report.scanners.find((s) => s.tool === 'bandit')?.version).toMatch(/^\d+\.\d+\.\d+/);
    const sarif = JSON.parse(await readFile(join(ws, 'opt.sarif'), 'utf8'));
    const airlockRun = sarif.runs.find((x: any) => x.tool.driver.name === 'Airlock');
    expect(airlockRun.invocations[0].toolExecutionNotifications).toEqual([
      expect.objectContaining({ level: 'warning', descriptor: { id: 'airlock/scanner-unavailable' } }),
    ]);
    // No Semgrep run: an empty one would tell GitHub that Semgrep's earlier alerts are fixed.
    expect(sarif.runs.map((x: any) => x.tool.driver.name)).toEqual(['Bandit', 'Airlock']);
  });
});
