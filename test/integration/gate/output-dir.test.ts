import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../../src/cli/main.js';
import type { GateReport } from '../../../src/report/types.js';
import { runBuiltAction } from '../../helpers/action-runner.js';
import { git, initRepo } from '../../helpers/git-fixture.js';
import { BANDIT_ONLY_POLICY } from '../../helpers/hostile-gate.js';
import { ensureTestImage, TEST_IMAGE } from '../../helpers/test-image.js';

/**
 * The output directory as users meet it (issue 21, items 6 and 9), with real Docker,
 * Bandit and git: a second gate into the same `--out` reports (and keeps) its own
 * artifacts; two at once, one runs and the other refuses; and a symlink committed where
 * Airlock writes is refused, through the CLI and the built Action, with nothing landing
 * outside the checkout.
 */
const REPO_ROOT = resolve(import.meta.dirname, '../../..');
let root: string;

beforeAll(async () => {
  await ensureTestImage();
  root = await mkdtemp(join(tmpdir(), 'airlock-outdir-it-'));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

const TEST_IMAGE_POLICY = 'version: 1\nextends: default\nscanners:\n  semgrep: { mode: off }\n';
const sha256 = (t: string) => createHash('sha256').update(t).digest('hex');
const writer = (text: string, sleep = 0) =>
  `import os, time\ntime.sleep(${sleep})\nwith open(os.path.join(os.environ["AIRLOCK_OUTPUT_DIR"], "result.txt"), "w") as f:\n    f.write(${JSON.stringify(text)})\n`;

async function gate(cwd: string, argv: string[]): Promise<{ code: number; stderr: string }> {
  let stderr = '';
  const code = await main(['gate', '--policy', BANDIT_ONLY_POLICY, '--image', TEST_IMAGE, ...argv], {
    stdout: () => undefined,
    stderr: (t) => {
      stderr += t;
    },
    cwd,
    env: {},
  });
  return { code, stderr };
}

async function report(ws: string): Promise<GateReport> {
  return JSON.parse(await readFile(join(ws, '.airlock', 'out', 'report.json'), 'utf8'));
}

describe('a reused output directory', () => {
  it('the second run reports and keeps its own artifact (no EEXIST, no "success" with none)', async () => {
    const ws = await mkdtemp(join(root, 'reuse-'));
    await writeFile(join(ws, 'plot.py'), writer('run 1'));
    expect((await gate(ws, ['plot.py'])).code).toBe(0);
    await writeFile(join(ws, 'plot.py'), writer('run 2'));
    expect((await gate(ws, ['plot.py'])).code).toBe(0);
    const r = await report(ws);
    expect(r.scripts[0]?.execution).toMatchObject({
      status: 'success',
      artifacts: [{ path: 'result.txt', bytes: 5, sha256: sha256('run 2') }],
    });
    expect(await readFile(join(ws, '.airlock', 'out', '001-plot', 'result.txt'), 'utf8')).toBe('run 2');
  }, 180_000);

  it('two gates at once into one --out: one runs, the other refuses with OUTPUT_DIR_BUSY', async () => {
    const ws = await mkdtemp(join(root, 'parallel-'));
    await writeFile(join(ws, 'slow.py'), writer('slow', 3));
    const tsx = pathToFileURL(join(REPO_ROOT, 'node_modules/tsx/dist/loader.mjs')).href;
    const cli = () =>
      new Promise<{ code: number | null; stderr: string }>((done) => {
        const child = spawn(
          process.execPath,
          [
            '--import',
            tsx,
            join(REPO_ROOT, 'src/cli/index.ts'),
            'gate',
            '--policy',
            BANDIT_ONLY_POLICY,
            '--image',
            TEST_IMAGE,
            'slow.py',
          ],
          {
            cwd: ws,
            env: { PATH: process.env.PATH, HOME: process.env.HOME },
            stdio: ['ignore', 'ignore', 'pipe'],
          },
        );
        let stderr = '';
        child.stderr.on('data', (c: Buffer) => {
          stderr += c.toString();
        });
        child.on('close', (code) => done({ code, stderr }));
      });
    const runs = await Promise.all([cli(), cli()]);
    expect(runs.map((r) => r.code).sort()).toEqual([0, 2]);
    const loser = runs.find((r) => r.code === 2)!;
    expect(loser.stderr.trim().split('\n').at(-1)).toMatch(/^airlock: OUTPUT_DIR_BUSY: /);
    // What is left is the winner's, whole: its report and the artifact it lists.
    const r = await report(ws);
    expect(r.scripts[0]?.execution?.artifacts).toEqual([
      { path: 'result.txt', bytes: 4, sha256: sha256('slow') },
    ]);
    expect((await readdir(join(ws, '.airlock'))).sort()).toEqual(['out']);
  }, 180_000);
});

describe('a symlink committed where Airlock writes', () => {
  /** A clone of a repository that commits `links` (path -> target) beside a script that writes an artifact. */
  async function checkoutWith(
    name: string,
    links: Record<string, string>,
  ): Promise<{ ws: string; outside: string }> {
    const base = await mkdtemp(join(root, `${name}-`));
    const outside = join(base, 'outside', '.config', 'git');
    await mkdir(outside, { recursive: true });
    await writeFile(join(outside, 'config'), '[core]\n');
    const origin = join(base, 'origin');
    // The base commit holds the policy; the pull request's commit adds a script and the links.
    await initRepo(origin, { 'airlock-test-image.yml': TEST_IMAGE_POLICY });
    await mkdir(join(origin, 'analysis'));
    await writeFile(join(origin, 'analysis', 'evil.py'), writer('[core]\n\tfsmonitor = touch /tmp/pwned\n'));
    for (const [at, target] of Object.entries(links)) {
      await mkdir(join(origin, at, '..'), { recursive: true });
      await symlink(target, join(origin, at));
    }
    await git(origin, ['add', '-A']);
    await git(origin, ['commit', '-q', '-m', 'links']);
    const ws = join(base, 'ws');
    await git(base, ['clone', '-q', origin, ws]);
    return { ws, outside };
  }

  const outsideIsUntouched = async (outside: string) => {
    expect(await readdir(outside)).toEqual(['config']);
    expect(await readFile(join(outside, 'config'), 'utf8')).toBe('[core]\n');
  };

  it.each([
    ['.airlock -> outside', { '.airlock': '../outside/.config/git' }, []],
    ['.airlock/out -> outside', { '.airlock/out': '../../outside/.config/git' }, []],
    [
      '.airlock/audit -> outside (the audit log’s directory)',
      { '.airlock/audit': '../../outside/.config/git' },
      ['--audit-log', '.airlock/audit/audit.log'],
    ],
  ])(
    '%s: the CLI refuses with PATH_INVALID and writes nothing through it',
    async (_n, links, extra) => {
      const { ws, outside } = await checkoutWith('cli', links);
      expect(await readlinkKind(join(ws, Object.keys(links)[0]!))).toBe('symlink');
      const r = await gate(ws, [...extra, 'analysis']);
      expect(r.stderr.trim().split('\n').at(-1)).toMatch(/^airlock: PATH_INVALID: .* is a symbolic link/);
      expect(r.code).toBe(2);
      await outsideIsUntouched(outside);
    },
    180_000,
  );

  it('a link committed inside the output dir is removed, not followed, and the run writes its own', async () => {
    const { ws, outside } = await checkoutWith('inner', {
      '.airlock/out/001-evil': '../../../outside/.config/git',
    });
    const r = await gate(ws, ['analysis']);
    expect(r.code).toBe(0);
    await outsideIsUntouched(outside);
    expect(await readlinkKind(join(ws, '.airlock', 'out', '001-evil'))).toBe('directory');
    expect((await report(ws)).scripts[0]?.execution?.artifacts).toHaveLength(1);
  }, 180_000);

  it('the built Action refuses a pull request that commits .airlock as a link, and writes nothing outside', async () => {
    const { ws, outside } = await checkoutWith('action', { '.airlock': '../outside/.config/git' });
    const head = await git(ws, ['rev-parse', 'HEAD']);
    const baseSha = await git(ws, ['rev-parse', 'HEAD~1']);
    const repo = { full_name: 'octo-org/octo-repo', fork: false };
    const run = await runBuiltAction({
      root: await mkdtemp(join(root, 'action-run-')),
      workspace: ws,
      event: 'pull_request',
      payload: {
        action: 'synchronize',
        number: 9,
        pull_request: {
          number: 9,
          head: { sha: head, ref: 'feature-9', repo },
          base: { sha: baseSha, ref: 'main', repo },
        },
        repository: { full_name: 'octo-org/octo-repo', name: 'octo-repo', owner: { login: 'octo-org' } },
      },
      inputs: {
        paths: 'analysis',
        mode: 'gate',
        image: TEST_IMAGE,
        policy: 'airlock-test-image.yml',
        'upload-sarif': 'false',
        token: 'unused',
      },
      env: { GITHUB_REPOSITORY: 'octo-org/octo-repo', GITHUB_SHA: head, GITHUB_REF: 'refs/pull/9/merge' },
    });
    expect(run.stdout).toMatch(/PATH_INVALID: .*\.airlock is a symbolic link/);
    expect(run.exitCode).not.toBe(0);
    expect(run.outputs.verdict).toBe('fail');
    await outsideIsUntouched(outside);
    expect(existsSync(join(ws, '.airlock', 'out'))).toBe(false);
  }, 300_000);
});

async function readlinkKind(p: string): Promise<string> {
  const { lstat } = await import('node:fs/promises');
  const st = await lstat(p);
  return st.isSymbolicLink() ? 'symlink' : st.isDirectory() ? 'directory' : 'file';
}
