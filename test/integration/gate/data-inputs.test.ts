import { createHash } from 'node:crypto';
import { chmodSync, mkdtempSync, readFileSync, rmSync, symlinkSync, unlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tryRunCommand } from '../../../src/exec/run-command.js';
import type { GateReport, ScriptReport } from '../../../src/report/types.js';
import { runCli } from '../../helpers/cli-capture.js';
import { initRepo } from '../../helpers/git-fixture.js';

/**
 * The policy's `data:` inputs, as a user meets them: `airlock gate` (the CLI's main())
 * on a git checkout, the shipped sandbox image (airlock-sandbox:local: pandas), real
 * Docker, Bandit. A script in `analysis/` reads `../data/sales.csv` as it would in the
 * repository, cannot write it, and the report and the audit log record its SHA-256.
 * Semgrep is switched off to keep the file at a few seconds a gate; it decides nothing here.
 */
const POLICY = [
  'version: 1',
  'extends: default',
  'scanners:',
  '  semgrep:',
  '    mode: off',
  'data:',
  '  - "data/*.csv"',
  '',
].join('\n');

const SALES = 'region,amount\nnorth,10\nsouth,20\neast,12\n';

const REPORT_PY = `import errno
import os

import pandas as pd

df = pd.read_csv("../data/sales.csv")
print("sum", int(df["amount"].sum()))
for what, attempt in [
    ("append", lambda: open("../data/sales.csv", "a").write("west,1000\\n")),
    ("create", lambda: open("../data/new.csv", "w").write("x\\n")),
    ("chmod", lambda: os.chmod("../data/sales.csv", 0o600)),
    ("remove", lambda: os.remove("../data/sales.csv")),
]:
    try:
        attempt()
        print(what, "allowed")
    except OSError as e:
        print(what, errno.errorcode[e.errno])
print("cwd", os.getcwd())
print("parent", sorted(os.listdir("..")))
print("data", sorted(os.listdir("../data")))
`;

// A script at the workspace root finds the data below its own folder.
const TOP_PY = `import csv
with open("data/sales.csv") as f:
    print("top sum", sum(int(r["amount"]) for r in csv.DictReader(f)))
`;

let ws: string;
let report: GateReport;
let audit: { kind: string; data: Record<string, unknown> }[];
let gateRun: { code: number; stdout: string; stderr: string };
const sha256 = (b: string | Buffer) => createHash('sha256').update(b).digest('hex');
const script = (p: string): ScriptReport => {
  const s = report.scripts.find((x) => x.path === p);
  if (!s) throw new Error(`${p} not in the report`);
  return s;
};
const gate = (...extra: string[]) =>
  runCli(
    [
      'gate',
      '--policy',
      '.airlock/policy.yml',
      '--report',
      '.airlock/report.json',
      '--audit-log',
      '.airlock/audit/audit.log',
      '--format',
      'json',
      ...extra,
    ],
    ws,
    { PATH: process.env.PATH },
  );

beforeAll(async () => {
  const img = await tryRunCommand('docker', ['image', 'inspect', 'airlock-sandbox:local']);
  if (img.exitCode !== 0) throw new Error('airlock-sandbox:local is needed: node dist/cli.js image build');
  ws = mkdtempSync(join(tmpdir(), 'airlock-data-'));
  chmodSync(ws, 0o755);
  await initRepo(ws, {
    '.airlock/policy.yml': POLICY,
    'data/sales.csv': SALES,
    // Not matched by data/*.csv: never in the sandbox.
    'data/notes.txt': 'internal notes\n',
    'README.md': '# project\n',
    'analysis/report.py': REPORT_PY,
    'top.py': TOP_PY,
  });
  gateRun = await gate();
  report = JSON.parse(readFileSync(join(ws, '.airlock/report.json'), 'utf8'));
  audit = readFileSync(join(ws, '.airlock/audit/audit.log'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));
}, 600_000);

afterAll(() => {
  if (ws) rmSync(ws, { recursive: true, force: true });
});

describe('policy data: read-only inputs at their repository paths (real engine)', () => {
  it('the gate passes and both scripts ran', () => {
    expect(gateRun.code, gateRun.stderr).toBe(0);
    expect(script('analysis/report.py').execution?.status).toBe('success');
    expect(script('top.py').execution?.status).toBe('success');
  });

  it('a script in analysis/ reads ../data/sales.csv, as in the repository', () => {
    const out = script('analysis/report.py').execution?.stdout ?? '';
    expect(out).toContain('sum 42\n');
    expect(out).toContain('cwd /work/analysis\n');
    // Only the data the policy names and the script folders: no README, no .git, no notes.txt.
    expect(out).toContain("parent ['analysis', 'data']\n");
    expect(out).toContain("data ['sales.csv']\n");
  });

  it('a script at the workspace root reads data/sales.csv', () => {
    expect(script('top.py').execution?.stdout).toContain('top sum 42\n');
  });

  it('writing, creating, chmod and removing in the data folder are refused', () => {
    const out = script('analysis/report.py').execution?.stdout ?? '';
    for (const what of ['append', 'create', 'chmod', 'remove']) {
      expect(out).toMatch(new RegExp(`^${what} (EROFS|EACCES|EPERM)$`, 'm'));
    }
  });

  it('the file on the host is unchanged', () => {
    expect(readFileSync(join(ws, 'data/sales.csv'), 'utf8')).toBe(SALES);
  });

  it("the report and the audit's run.start entry record the file's SHA-256", () => {
    const expected = [{ path: 'data/sales.csv', bytes: Buffer.byteLength(SALES), sha256: sha256(SALES) }];
    expect(report.inputs).toEqual(expected);
    const start = audit.filter((e) => e.kind === 'run.start');
    expect(start).toHaveLength(1);
    expect(start[0]?.data.inputs).toEqual(expected);
    // Every execution entry of the run is tied to that entry by its run id.
    const runId = start[0]?.data.run;
    const executions = audit.filter((e) => e.kind === 'execution');
    expect(executions.map((e) => e.data.path).sort()).toEqual(['analysis/report.py', 'top.py']);
    for (const e of executions) expect(e.data.run).toBe(runId);
  });

  it('the same under gVisor (--runtime runsc): read allowed, write refused', async () => {
    const r = await gate('--runtime', 'runsc');
    expect(r.code, r.stderr).toBe(0);
    const again: GateReport = JSON.parse(readFileSync(join(ws, '.airlock/report.json'), 'utf8'));
    const s = again.scripts.find((x) => x.path === 'analysis/report.py');
    expect(s?.execution?.runtime).toBe('runsc');
    expect(s?.execution?.stdout).toContain('sum 42\n');
    for (const what of ['append', 'create', 'chmod', 'remove']) {
      expect(s?.execution?.stdout).toMatch(new RegExp(`^${what} (EROFS|EACCES|EPERM)$`, 'm'));
    }
    expect(readFileSync(join(ws, 'data/sales.csv'), 'utf8')).toBe(SALES);
  });

  it('data replaced by a link out of the workspace: refused (exit 2), nothing runs', async () => {
    unlinkSync(join(ws, 'data/sales.csv'));
    symlinkSync('/etc/passwd', join(ws, 'data/sales.csv'));
    const r = await gate();
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('PATH_OUTSIDE_WORKSPACE');
    expect(r.stderr).toContain('.airlock/policy.yml: data: "data/*.csv" matches "data/sales.csv"');
    // The error does not quote the link's target.
    expect(r.stderr).not.toContain('/etc/passwd');
  });
});
