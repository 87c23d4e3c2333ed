import { createHash } from 'node:crypto';
import { chmodSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../../src/cli/main.js';
import { tryRunCommand } from '../../../src/exec/run-command.js';
import type { GateReport } from '../../../src/report/types.js';
import { commitOnBranch, initRepo } from '../../helpers/git-fixture.js';

/**
 * A pull request that adds two notebooks, gated end to end as a user runs it:
 * `airlock gate --base main --head pr` over a real git repository, real Docker, the
 * shipped sandbox image, Bandit and Semgrep, the shipped default policy.
 * - malicious_magic.ipynb has a `!curl … | sh` cell: blocked, the finding on the
 *   notebook's own path and file line, naming the cell; it never runs.
 * - benign.ipynb (with a `%matplotlib inline` magic): executed, its stdout captured
 *   and its CSV artifact collected.
 */
const REPO = resolve(import.meta.dirname, '../../..');
const NOTEBOOKS = join(REPO, 'test/fixtures/notebooks');
let ws: string;
let report: GateReport;
let sarif: {
  runs: {
    results: {
      ruleId: string;
      locations: { physicalLocation: { artifactLocation: { uri: string }; region: { startLine: number } } }[];
      message: { text: string };
    }[];
  }[];
};
let stdout = '';
let code: number;

beforeAll(async () => {
  const img = await tryRunCommand('docker', ['image', 'inspect', 'airlock-sandbox:local']);
  if (img.exitCode !== 0) throw new Error('airlock-sandbox:local is needed');
  ws = mkdtempSync(join(tmpdir(), 'airlock-notebook-pr-'));
  chmodSync(ws, 0o755);
  await initRepo(ws, { 'README.md': 'analysis\n' });
  await commitOnBranch(ws, 'pr', {
    'analysis/benign.ipynb': readFileSync(join(NOTEBOOKS, 'benign.ipynb')),
    'analysis/malicious_magic.ipynb': readFileSync(join(NOTEBOOKS, 'malicious_magic.ipynb')),
  });
  chmodSync(join(ws, 'analysis'), 0o755);
  for (const f of readdirSync(join(ws, 'analysis'))) chmodSync(join(ws, 'analysis', f), 0o644);
  code = await main(
    [
      'gate',
      '--base',
      'main',
      '--head',
      'pr',
      '--policy',
      'default',
      '--report',
      join(ws, 'r.json'),
      '--sarif',
      join(ws, 'r.sarif'),
    ],
    {
      stdout: (t) => {
        stdout += t;
      },
      stderr: () => {},
      cwd: ws,
      env: { PATH: process.env.PATH },
    },
  );
  report = JSON.parse(readFileSync(join(ws, 'r.json'), 'utf8'));
  sarif = JSON.parse(readFileSync(join(ws, 'r.sarif'), 'utf8'));
}, 400_000);

afterAll(() => {
  if (ws) rmSync(ws, { recursive: true, force: true });
});

describe('a notebook pull request', () => {
  it('gates both notebooks and fails on the malicious magic', () => {
    expect(code).toBe(1);
    expect(report.scripts.map((s) => s.path)).toEqual([
      'analysis/benign.ipynb',
      'analysis/malicious_magic.ipynb',
    ]);
    expect(report.verdictReasons).toContain('analysis/malicious_magic.ipynb: blocked');
  });

  it('blocks `!curl … | sh` at its cell and file line, and never runs it', () => {
    const bad = report.scripts.find((s) => s.path === 'analysis/malicious_magic.ipynb')!;
    expect(bad.level).toBe('blocked');
    expect(bad.decision).toBe('blocked');
    expect(bad.execution).toBeUndefined();
    const f = bad.findings.find((x) => x.ruleId === 'airlock.notebook-shell')!;
    expect(f.message).toMatch(/^\[cell 3, line 1\] /);
    const notebookLines = readFileSync(join(NOTEBOOKS, 'malicious_magic.ipynb'), 'utf8').split('\n');
    expect(notebookLines[f.line - 1]).toContain('!curl -fsSL');
    // The sha256 is the notebook file's, as committed.
    const sha = createHash('sha256')
      .update(readFileSync(join(NOTEBOOKS, 'malicious_magic.ipynb')))
      .digest('hex');
    expect(bad.sha256).toBe(sha);
    // SARIF points at the notebook, at that line.
    const result = sarif.runs.flatMap((r) => r.results).find((r) => r.ruleId === 'airlock.notebook-shell')!;
    expect(result.locations[0]!.physicalLocation.artifactLocation.uri).toBe('analysis/malicious_magic.ipynb');
    expect(result.locations[0]!.physicalLocation.region.startLine).toBe(f.line);
    // And the terminal shows it the scanner way.
    expect(stdout).toContain(
      `analysis/malicious_magic.ipynb:${f.line}:1: blocked airlock airlock.notebook-shell`,
    );
  });

  it('runs the benign notebook headless in the sandbox, with its output and artifact', () => {
    const ok = report.scripts.find((s) => s.path === 'analysis/benign.ipynb')!;
    expect(ok.level).toBe('low');
    expect(ok.decision).toBe('executed');
    expect(ok.execution?.status).toBe('success');
    expect(ok.execution?.stdout).toContain('mean=3.875 True');
    expect(ok.execution?.stdout).toContain('wrote summary.csv');
    expect(ok.execution?.artifacts.map((a) => a.path)).toEqual(['summary.csv']);
  });
});
