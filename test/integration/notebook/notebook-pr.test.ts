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
 * A pull request that adds four notebooks, gated end to end as a user runs it:
 * `airlock gate --base main --head pr` over a real git repository, real Docker, the
 * shipped sandbox image, Bandit and Semgrep, the shipped default policy. Notebooks run
 * headless in the sandbox: nbclient and the image's ipykernel (docs/notebooks.md).
 * - malicious_magic.ipynb has a `!curl … | sh` cell: blocked, the finding on the
 *   notebook's own path and file line, naming the cell; it never runs.
 * - benign.ipynb (with a `%matplotlib inline` magic): executed, its stdout captured,
 *   its CSV artifact and its executed copy collected.
 * - sales_plot.ipynb: pandas and a matplotlib bar chart saved to a file; the plot and
 *   the executed copy (outputs and the inline figure in it) come back as artifacts,
 *   each with its sha256 in the report.
 * - failing_cell.ipynb: its third cell raises; a script failure with that cell's error
 *   on stderr, and the cells after it never run.
 *
 * The image is the default policy's (airlock-sandbox:local, built from images/);
 * AIRLOCK_NOTEBOOK_IMAGE=REF runs the same test against another build of it.
 */
const REPO = resolve(import.meta.dirname, '../../..');
const NOTEBOOKS = join(REPO, 'test/fixtures/notebooks');
const IMAGE = process.env.AIRLOCK_NOTEBOOK_IMAGE || 'airlock-sandbox:local';
const PNG = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
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
let out: string;

interface ExecutedNotebook {
  cells: {
    cell_type: string;
    source: string[];
    execution_count?: number | null;
    outputs?: { output_type: string; text?: string; data?: Record<string, unknown>; ename?: string }[];
  }[];
}

/** An artifact of a notebook's run: its bytes, checked against the report's sha256 and size. */
function artifact(notebook: string, name: string): Buffer {
  const s = report.scripts.find((x) => x.path === notebook)!;
  const meta = s.execution!.artifacts.find((a) => a.path === name);
  expect(meta, `${notebook}: artifact ${name}`).toBeDefined();
  const base = notebook.split('/').at(-1)!;
  const dir = readdirSync(out).find((d) => d.endsWith(`-${base}`))!;
  const bytes = readFileSync(join(out, dir, name));
  expect(createHash('sha256').update(bytes).digest('hex')).toBe(meta!.sha256);
  expect(bytes.length).toBe(meta!.bytes);
  return bytes;
}

const executedCopy = (notebook: string): ExecutedNotebook =>
  JSON.parse(artifact(notebook, notebook.split('/').at(-1)!).toString('utf8'));

beforeAll(async () => {
  const img = await tryRunCommand('docker', ['image', 'inspect', IMAGE]);
  if (img.exitCode !== 0) throw new Error(`${IMAGE} is needed`);
  ws = mkdtempSync(join(tmpdir(), 'airlock-notebook-pr-'));
  chmodSync(ws, 0o755);
  await initRepo(ws, { 'README.md': 'analysis\n' });
  await commitOnBranch(ws, 'pr', {
    'analysis/benign.ipynb': readFileSync(join(NOTEBOOKS, 'benign.ipynb')),
    'analysis/malicious_magic.ipynb': readFileSync(join(NOTEBOOKS, 'malicious_magic.ipynb')),
    'analysis/sales_plot.ipynb': readFileSync(join(NOTEBOOKS, 'sales_plot.ipynb')),
    'analysis/failing_cell.ipynb': readFileSync(join(NOTEBOOKS, 'failing_cell.ipynb')),
  });
  out = join(ws, 'airlock-out');
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
      '--out',
      out,
      ...(process.env.AIRLOCK_NOTEBOOK_IMAGE ? ['--image', IMAGE] : []),
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
  it('gates every notebook and fails on the malicious magic and the failing cell', () => {
    expect(code).toBe(1);
    expect(report.image.ref).toBe(IMAGE);
    expect(report.scripts.map((s) => s.path)).toEqual([
      'analysis/benign.ipynb',
      'analysis/failing_cell.ipynb',
      'analysis/malicious_magic.ipynb',
      'analysis/sales_plot.ipynb',
    ]);
    expect(report.verdictReasons).toContain('analysis/malicious_magic.ipynb: blocked');
    expect(report.verdictReasons.some((r) => r.startsWith('analysis/failing_cell.ipynb'))).toBe(true);
    expect(report.verdictReasons.some((r) => r.includes('sales_plot') || r.includes('benign'))).toBe(false);
  });

  it('blocks `!curl … | sh` at its cell and file line, and never runs it', () => {
    const bad = report.scripts.find((s) => s.path === 'analysis/malicious_magic.ipynb')!;
    expect(bad.level).toBe('blocked');
    expect(bad.decision).toBe('blocked');
    expect(bad.execution).toBeUndefined();
    // Not run at all: no artifact folder, so no executed copy either.
    expect(readdirSync(out).filter((d) => d.endsWith('-malicious_magic.ipynb'))).toEqual([]);
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

  it('runs the benign notebook headless in the sandbox, with its output, artifact and executed copy', () => {
    const ok = report.scripts.find((s) => s.path === 'analysis/benign.ipynb')!;
    expect(ok.level).toBe('low');
    expect(ok.decision).toBe('executed');
    expect(ok.execution?.status).toBe('success');
    expect(ok.execution?.stdout).toContain('mean=3.875 True');
    expect(ok.execution?.stdout).toContain('wrote summary.csv');
    expect(ok.execution?.artifacts.map((a) => a.path).sort()).toEqual(['benign.ipynb', 'summary.csv']);
    expect(artifact('analysis/benign.ipynb', 'summary.csv').toString()).toBe('n,mean\r\n8,3.875\r\n');
    // The kernel ran every code cell, in order, and the outputs are in the copy; the
    // magic it ran as was scanned: `pass`, not `%matplotlib inline`.
    const nb = executedCopy('analysis/benign.ipynb');
    const code = nb.cells.filter((c) => c.cell_type === 'code');
    expect(code.map((c) => c.execution_count)).toEqual([1, 2, 3]);
    expect(code[1]!.outputs!.map((o) => o.text).join('')).toBe('mean=3.875 True\n');
    expect(code[0]!.source[0]).toBe('pass  # airlock: magic %matplotlib removed\n');
    expect(nb.cells.map((c) => c.cell_type)).toEqual(['markdown', 'code', 'code', 'markdown', 'code']);
  });

  it('runs pandas and matplotlib in a notebook: the plot and the executed copy come back, hashed', () => {
    const ok = report.scripts.find((s) => s.path === 'analysis/sales_plot.ipynb')!;
    expect(ok.decision).toBe('executed');
    expect(ok.execution?.status, ok.execution?.stderr).toBe('success');
    expect(ok.execution?.stdout).toBe('total units: 245\nsaved sales.png\n');
    // Nothing of the executor's own on stderr: no kernel warnings, no nbformat noise.
    expect(ok.execution?.stderr).toBe('');
    expect(ok.execution?.artifacts.map((a) => a.path).sort()).toEqual(['sales.png', 'sales_plot.ipynb']);
    const png = artifact('analysis/sales_plot.ipynb', 'sales.png');
    expect(png.subarray(0, 8).equals(PNG)).toBe(true);
    expect(png.length).toBeGreaterThan(2000);
    // plt.show() put the figure into the executed copy as an inline PNG.
    const nb = executedCopy('analysis/sales_plot.ipynb');
    const shown = nb.cells[3]!.outputs!.find((o) => o.output_type === 'display_data');
    const inline = Buffer.from(String(shown?.data?.['image/png'] ?? ''), 'base64');
    expect(inline.subarray(0, 8).equals(PNG)).toBe(true);
  });

  it("fails a notebook whose cell raises, with that cell's error on stderr; later cells never run", () => {
    const bad = report.scripts.find((s) => s.path === 'analysis/failing_cell.ipynb')!;
    expect(bad.level).toBe('low');
    expect(bad.decision).toBe('executed');
    expect(bad.execution?.status).toBe('failure');
    expect(bad.execution?.exitCode).toBe(1);
    expect(bad.execution?.stderr).toContain('cell 3 failed: ValueError: expected 4 rows, got 3');
    expect(bad.execution?.stderr).toContain('raise ValueError(f"expected 4 rows, got {n}")');
    expect(bad.execution?.stdout).toBe('rows: 3\n');
    // The executed copy comes back up to the failed cell, with its error.
    const nb = executedCopy('analysis/failing_cell.ipynb');
    expect(nb.cells[2]!.outputs!.map((o) => o.ename)).toEqual(['ValueError']);
    expect(nb.cells[3]!.execution_count).toBeNull();
    expect(nb.cells[3]!.outputs).toEqual([]);
  });
});
