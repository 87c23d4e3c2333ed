import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { minimalEnv, tryRunCommand } from '../../../src/exec/run-command.js';
import type { GateReport } from '../../../src/report/types.js';
import { ensureTestImage } from '../../helpers/test-image.js';

/**
 * The CLI as it ships (`dist/cli.js`, build it with `node scripts/build-dist.mjs`),
 * cancelled for real: SIGTERM while scripts sleep in their containers on the real
 * engine. A private TMPDIR for the child shows whether staged copies are left behind.
 */
const CLI = resolve('dist/cli.js');
const LABEL = 'org.airlock.sandbox';
const SLEEPER = 'import time\nprint("sleeping", flush=True)\ntime.sleep(60)\n';

let root: string;
let image: string;
// The test image has no Semgrep, which the default policy requires: this policy turns it off on purpose.
const BANDIT_ONLY = resolve('test/fixtures/policies/bandit-only.yml');

beforeAll(async () => {
  image = await ensureTestImage();
  root = await mkdtemp(join(tmpdir(), 'airlock-cancel-it-'));
});

afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

async function workspace(name: string, files: Record<string, string>): Promise<{ ws: string; tmp: string }> {
  const ws = join(root, name);
  const tmp = join(root, `${name}-tmp`);
  await mkdir(join(ws, 'analysis'), { recursive: true });
  await mkdir(tmp);
  for (const [p, text] of Object.entries(files)) await writeFile(join(ws, p), text);
  return { ws, tmp };
}

async function containersOf(pid: number, all = true): Promise<string[]> {
  const r = await tryRunCommand('docker', [
    'ps',
    ...(all ? ['-a'] : []),
    '--filter',
    `label=${LABEL}`,
    '--filter',
    `label=org.airlock.owner-pid=${pid}`,
    '--format',
    '{{.Names}}',
  ]);
  expect(r.exitCode, r.stderr).toBe(0);
  return r.stdout.split('\n').filter(Boolean);
}

async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, ms = 120_000): Promise<T> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    const v = await probe();
    if (v !== undefined) return v;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`timed out waiting for ${what}`);
}

function cli(args: string[], cwd: string, env: NodeJS.ProcessEnv = {}) {
  return tryRunCommand(process.execPath, [CLI, ...args], { cwd, env: minimalEnv(env), timeoutMs: 300_000 });
}

describe('airlock gate, cancelled', () => {
  it('SIGTERM mid-run: exits 143 within 10 s, leaves no container or staged copy, reports cancelled, log verifies', async () => {
    const { ws, tmp } = await workspace('sigterm', {
      'analysis/sleep_a.py': SLEEPER,
      'analysis/sleep_b.py': SLEEPER,
      'analysis/sleep_c.py': SLEEPER,
      'analysis/sleep_d.py': SLEEPER,
    });
    const child = spawn(
      process.execPath,
      [
        CLI,
        'gate',
        'analysis',
        '--image',
        image,
        '--policy',
        BANDIT_ONLY,
        '--audit-log',
        'audit/audit.log',
        '--summary',
        'out/summary.md',
        '--report',
        'out/report.json',
      ],
      // No AIRLOCK_SIGNING_KEY: the run also proves --audit-log works without a key.
      { cwd: ws, env: minimalEnv({ TMPDIR: tmp }), stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let output = '';
    child.stdout.on('data', (c: Buffer) => {
      output += c.toString();
    });
    child.stderr.on('data', (c: Buffer) => {
      output += c.toString();
    });
    const exited = new Promise<number | null>((r) => child.on('close', (code) => r(code)));
    const pid = child.pid as number;
    // A script's container (its name carries the script's slug) with python running in it.
    await waitFor('a script running in its container', async () => {
      for (const name of (await containersOf(pid, false)).filter((n) => n.includes('sleep'))) {
        const top = await tryRunCommand('docker', ['top', name]);
        if (top.stdout.includes('sleep_')) return name;
      }
      return undefined;
    });
    expect(await readdir(tmp)).toEqual([expect.stringMatching(/^airlock-stage-/)]);
    const signalled = performance.now();
    child.kill('SIGTERM');
    const code = await exited;
    const tookMs = performance.now() - signalled;
    expect(code, output).toBe(143);
    expect(tookMs, output).toBeLessThan(10_000);
    console.log(`cancelled gate exited ${code} ${Math.round(tookMs)} ms after SIGTERM`);

    expect(await containersOf(pid)).toEqual([]);
    expect(await readdir(tmp)).toEqual([]);

    const report = JSON.parse(await readFile(join(ws, 'out/report.json'), 'utf8')) as GateReport;
    const statuses = report.scripts.map((s) => s.execution?.status ?? s.decision);
    expect(statuses.filter((s) => s === 'cancelled').length, JSON.stringify(statuses)).toBeGreaterThanOrEqual(
      1,
    );
    expect(statuses).not.toContain('failure');
    expect(
      statuses.every((s) => s === 'cancelled' || s === 'skipped'),
      JSON.stringify(statuses),
    ).toBe(true);
    expect(report.verdict).toBe('fail');
    expect(report.cancelled).toEqual({
      signal: 'SIGTERM',
      inFlight: statuses.filter((s) => s === 'cancelled').length,
      notStarted: statuses.filter((s) => s === 'skipped').length,
    });
    expect(report.audit?.signed).toBe(false);
    expect(await readFile(join(ws, 'out/summary.md'), 'utf8')).toContain('**Cancelled** by SIGTERM');

    const verify = await cli(['audit', 'verify', 'audit/audit.log'], ws);
    expect(verify.exitCode, verify.stderr).toBe(0);
    expect(verify.stdout).toContain('status: unsigned');
    const lines = (await readFile(join(ws, 'audit/audit.log'), 'utf8')).trim().split('\n');
    const last = JSON.parse(lines.at(-1)!);
    expect(last.kind).toBe('run.end');
    expect(last.data).toMatchObject({ verdict: 'fail', cancelled: true, signal: 'SIGTERM' });
    const executions = lines.map((l) => JSON.parse(l)).filter((e) => e.kind === 'execution');
    expect(executions.map((e) => e.data.status)).toEqual(statuses.filter((s) => s === 'cancelled'));
  });

  it('SIGTERM while scanning: nothing runs, no container or staged copy, run.end says cancelled', async () => {
    const { ws, tmp } = await workspace('scanning', {
      'analysis/sleep_a.py': SLEEPER,
      'analysis/sleep_b.py': SLEEPER,
    });
    const child = spawn(
      process.execPath,
      [
        CLI,
        'gate',
        'analysis',
        '--image',
        image,
        '--policy',
        BANDIT_ONLY,
        '--audit-log',
        'audit/audit.log',
        '--report',
        'out/report.json',
      ],
      { cwd: ws, env: minimalEnv({ TMPDIR: tmp }), stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let output = '';
    for (const s of [child.stdout, child.stderr]) s.on('data', (c: Buffer) => (output += c.toString()));
    const exited = new Promise<number | null>((r) => child.on('close', (code) => r(code)));
    const pid = child.pid as number;
    // The first container of a gate is a scanner's: the scripts run only after the scan.
    const scanner = await waitFor(
      'a scanner container',
      async () => (await containersOf(pid, false))[0],
      120_000,
    );
    expect(scanner).not.toContain('sleep');
    child.kill('SIGTERM');
    const signalled = performance.now();
    expect(await exited, output).toBe(143);
    expect(performance.now() - signalled).toBeLessThan(10_000);
    expect(await containersOf(pid)).toEqual([]);
    expect(await readdir(tmp)).toEqual([]);
    const report = JSON.parse(await readFile(join(ws, 'out/report.json'), 'utf8')) as GateReport;
    expect(report.cancelled?.signal).toBe('SIGTERM');
    // Fail closed: the scan did not complete, so nothing ran.
    expect(report.scripts.map((s) => s.execution)).toEqual([undefined, undefined]);
    expect(report.scripts.map((s) => s.decision)).toEqual(['blocked', 'blocked']);
    const lines = (await readFile(join(ws, 'audit/audit.log'), 'utf8')).trim().split('\n');
    expect(JSON.parse(lines.at(-1)!).data).toMatchObject({ cancelled: true, signal: 'SIGTERM' });
    expect((await cli(['audit', 'verify', 'audit/audit.log'], ws)).exitCode).toBe(0);
  });

  it('--audit-log without a signing key completes (was "internal error", exit 3) with an unsigned log', async () => {
    const { ws, tmp } = await workspace('nokey', {
      'analysis/ok.py': 'print("hello")\n',
    });
    const r = await cli(
      ['gate', 'analysis', '--image', image, '--policy', BANDIT_ONLY, '--audit-log', 'audit/audit.log'],
      ws,
      {
        TMPDIR: tmp,
      },
    );
    expect(r.exitCode, r.stdout + r.stderr).toBe(0);
    expect(r.stderr).not.toContain('internal error');
    expect(r.stderr).toContain('no signing key: the checkpoint will be unsigned');
    const checkpoint = await readFile(join(ws, 'audit/audit.log.checkpoint'), 'utf8');
    expect(checkpoint.split('\n')).toHaveLength(4); // origin, size, root, and the final newline
    expect(checkpoint).not.toContain('\u2014');

    const plain = await cli(['audit', 'verify', 'audit/audit.log'], ws);
    expect(plain.exitCode).toBe(0);
    expect(plain.stdout).toMatch(/^status: unsigned/);
    expect(plain.stdout).not.toMatch(/^ok/m);
    const strict = await cli(['audit', 'verify', 'audit/audit.log', '--strict'], ws);
    expect(strict.exitCode).toBe(1);
    expect(strict.stderr).toContain('AUDIT_CHECKPOINT_UNSIGNED');
    const keys = join(root, 'nokey-keys');
    expect((await cli(['audit', 'keygen', '--out', keys], ws)).exitCode).toBe(0);
    const withKey = await cli(
      ['audit', 'verify', 'audit/audit.log', '--public-key', join(keys, 'public.pem')],
      ws,
    );
    expect(withKey.exitCode).toBe(1);
    expect(withKey.stderr).toContain('AUDIT_CHECKPOINT_UNSIGNED');
    expect(await readdir(tmp)).toEqual([]);
  });
});
