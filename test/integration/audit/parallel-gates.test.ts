import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { minimalEnv, tryRunCommand } from '../../../src/exec/run-command.js';
import { ensureTestImage } from '../../helpers/test-image.js';

/**
 * Issue 21 item 7 as a user meets it: five `airlock gate` processes at once, each over
 * its own scripts, all recording into one audit log. Every gate finishes (no
 * AUDIT_LOCKED), `airlock audit verify --strict` passes, and each run's entries are all
 * there. (processes.test.ts reproduces the old whole-run lock failing with gate-length
 * writers; this runs the real pipeline: Bandit and the sandbox in Docker.)
 */
const CLI = resolve('src/cli/index.ts');
// The gates run in the workspace, where `--import tsx` would not resolve: name the loader.
const TSX = pathToFileURL(resolve('node_modules/tsx/dist/loader.mjs')).href;
const BANDIT_ONLY = resolve('test/fixtures/policies/bandit-only.yml');
const GATES = 5;
const SCRIPTS = 3;

let root: string;
let image: string;
beforeAll(async () => {
  image = await ensureTestImage();
  root = await mkdtemp(join(tmpdir(), 'airlock-parallel-gates-'));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

function cli(args: string[], cwd: string) {
  return tryRunCommand(process.execPath, ['--import', TSX, CLI, ...args], {
    cwd,
    env: minimalEnv({ AIRLOCK_AUDIT_LOCK_TIMEOUT: '30' }),
    timeoutMs: 280_000,
  });
}

describe('parallel gates on one audit log', () => {
  it(`${GATES} gates at once into one log: all pass, the log verifies, every run is complete`, async () => {
    const ws = join(root, 'ws');
    for (let g = 0; g < GATES; g++) {
      await mkdir(join(ws, `g${g}`), { recursive: true });
      for (let s = 0; s < SCRIPTS; s++) {
        await writeFile(join(ws, `g${g}`, `s${s}.py`), `print("gate ${g} script ${s}")\n`);
      }
    }
    const keys = join(root, 'keys');
    const keygen = await cli(['audit', 'keygen', '--out', keys], ws);
    expect(keygen.exitCode, keygen.stderr).toBe(0);
    const results = await Promise.all(
      Array.from({ length: GATES }, (_, g) =>
        cli(
          [
            'gate',
            `g${g}`,
            '--image',
            image,
            '--policy',
            BANDIT_ONLY,
            '--audit-log',
            'audit/audit.log',
            '--signing-key',
            join(keys, 'private.pem'),
            '--out',
            `out/g${g}`,
            '--report',
            `out/g${g}/report.json`,
          ],
          ws,
        ),
      ),
    );
    for (const r of results) expect(r.exitCode, r.stdout + r.stderr).toBe(0);

    const verify = await cli(
      ['audit', 'verify', 'audit/audit.log', '--strict', '--public-key', join(keys, 'public.pem')],
      ws,
    );
    expect(verify.exitCode, verify.stdout + verify.stderr).toBe(0);
    const entries = (await readFile(join(ws, 'audit/audit.log'), 'utf8'))
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { kind: string; data: Record<string, unknown> });
    expect(entries.filter((e) => e.kind === 'run.start')).toHaveLength(GATES);
    expect(entries.filter((e) => e.kind === 'run.end').map((e) => e.data.verdict)).toEqual(
      Array(GATES).fill('pass'),
    );
    expect(entries.filter((e) => e.kind === 'execution')).toHaveLength(GATES * SCRIPTS);
    // The runs interleave in the log; each entry names its run, and each run is whole.
    const byRun = new Map<string, typeof entries>();
    for (const e of entries) byRun.set(e.data.run as string, [...(byRun.get(e.data.run as string) ?? []), e]);
    expect(byRun.size).toBe(GATES);
    for (const [run, mine] of byRun) {
      expect(run).toMatch(/^[0-9a-f-]{36}$/);
      expect(mine.map((e) => e.kind)).toEqual([
        'run.start',
        ...Array(SCRIPTS).fill('scan'),
        ...Array(SCRIPTS).fill('execution'),
        ...Array(SCRIPTS).fill('decision'),
        'run.end',
      ]);
    }
    // No run was mistaken for a crashed one.
    expect(entries.filter((e) => e.kind === 'audit.recovered')).toEqual([]);
    for (let g = 0; g < GATES; g++) {
      const report = JSON.parse(await readFile(join(ws, `out/g${g}/report.json`), 'utf8'));
      expect(report.scripts.map((s: { decision: string }) => s.decision)).toEqual(
        Array(SCRIPTS).fill('executed'),
      );
    }
  }, 300_000);
});
