import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { tryRunCommand } from '../../../src/exec/run-command.js';
import type { GateReport } from '../../../src/report/types.js';
import {
  type ActionRun,
  type PullRequestFixture,
  runActionBundle,
} from '../../helpers/action-bundle-runner.js';
import { type FakeGitHub, startFakeGitHub } from '../../helpers/fake-github.js';
import { commitOnBranch, git, initRepo } from '../../helpers/git-fixture.js';
import { ensureTestImage } from '../../helpers/test-image.js';

/**
 * The verdict cache across CI runs, as a user meets it: the built Action (dist/index.js)
 * on a push publishes its audit log to the audit branch (a local bare repository stands
 * in for GitHub's, through AIRLOCK_AUDIT_REMOTE); the next run, on a fresh checkout of a
 * pull request, gets that log back from the branch, verifies it, and reuses the scans of
 * the files the pull request did not change. A branch log someone edited is refused.
 * Real git, Docker and Bandit throughout.
 */
const CLI = resolve('dist/cli.js');
const REPO = 'octo-org/octo-repo';
// The small test image has Bandit only: Semgrep off (a scanner that did not run keeps
// no result to reuse, docs/audit-format.md). Both scanners: test/integration/cache.
const POLICY = 'version: 1\nextends: default\nscanners:\n  semgrep:\n    mode: off\n';
const MEAN = 'import statistics\nprint("mean", statistics.mean([3, 1, 4, 1, 5]))\n';
const MEDIAN = 'import statistics\nprint("median", statistics.median([3, 1, 4, 1, 5]))\n';
const MEDIAN_V2 = 'import statistics\nprint("median of six", statistics.median([3, 1, 4, 1, 5, 9]))\n';
const FETCH = `import urllib.request\ntry:\n    urllib.request.urlopen("https://example.com/x.csv", timeout=2)\nexcept OSError as e:\n    print("offline:", type(e).__name__)\n`;

let root: string;
let origin: string;
let remote: string;
let image: string;
let github: FakeGitHub;
let keyPem: string;
let publicKey: string;
let pr: PullRequestFixture;

interface Entry {
  seq: number;
  kind: string;
  data: Record<string, any>;
  /** SHA-256 of the line with its newline: what a reuse pointer names. */
  hash: string;
}

async function entries(log: string): Promise<Entry[]> {
  const lines = (await readFile(log, 'utf8')).split('\n').filter(Boolean);
  return lines.map((l) => ({
    ...JSON.parse(l),
    hash: createHash('sha256').update(`${l}\n`).digest('hex'),
  }));
}

/** A fresh checkout of `ref`, as actions/checkout gives a new runner: no .airlock folder. */
async function checkout(name: string, ref: string): Promise<string> {
  const ws = join(root, name);
  await git(root, ['clone', '-q', origin, ws]);
  await git(ws, ['checkout', '-q', ref]);
  return ws;
}

async function gate(
  ws: string,
  event?: Parameters<typeof runActionBundle>[0]['event'],
): Promise<ActionRun & { report: GateReport }> {
  const r = await runActionBundle({
    scratch: root,
    workspace: ws,
    pr,
    apiUrl: github.url,
    token: github.token,
    with: {
      paths: 'analysis',
      image,
      policy: 'airlock-test-image.yml',
      'signing-key': keyPem,
      'audit-branch': 'airlock-audit',
      'upload-sarif': 'false',
    },
    env: { AIRLOCK_AUDIT_REMOTE: remote },
    event,
    timeoutMs: 600_000,
  });
  const report = JSON.parse(await readFile(join(ws, '.airlock/out/report.json'), 'utf8')) as GateReport;
  return { ...r, report };
}

async function branchLog(name: string): Promise<{ dir: string; log: string }> {
  const dir = join(root, name);
  await git(root, ['clone', '-q', '--branch', 'airlock-audit', remote, dir]);
  return { dir, log: join(dir, 'audit/log.jsonl') };
}

async function verifyWithKey(log: string) {
  return tryRunCommand(process.execPath, [CLI, 'audit', 'verify', log, '--public-key', publicKey]);
}

beforeAll(async () => {
  image = await ensureTestImage();
  root = await mkdtemp(join(tmpdir(), 'airlock-restore-e2e-'));
  origin = join(root, 'origin');
  remote = join(root, 'remote.git');
  await tryRunCommand('git', ['init', '-q', '--bare', remote]);
  const mainSha = await initRepo(origin, {
    'analysis/mean.py': MEAN,
    'analysis/median.py': MEDIAN,
    'analysis/fetch.py': FETCH,
    'airlock-test-image.yml': POLICY,
  });
  const featureSha = await commitOnBranch(origin, 'feature', { 'analysis/median.py': MEDIAN_V2 });
  await git(origin, ['checkout', '-q', 'main']);
  pr = { repository: REPO, number: 12, baseSha: mainSha, headSha: featureSha };
  const keys = join(root, 'keys');
  const kg = await tryRunCommand(process.execPath, [CLI, 'audit', 'keygen', '--out', keys]);
  expect(kg.exitCode, kg.stderr).toBe(0);
  keyPem = await readFile(join(keys, 'private.pem'), 'utf8');
  publicKey = join(keys, 'public.pem');
  github = await startFakeGitHub({ repository: REPO });
});

afterEach(() => github.assertNoViolations());

afterAll(async () => {
  await github?.close();
  await rm(root, { recursive: true, force: true });
});

describe('the Action restores the audit branch log on a fresh runner', () => {
  let firstScans: Map<string, Entry>;

  it('run 1, a push with no branch yet: starts an empty log, scans every script, publishes to the branch', async () => {
    const ws = await checkout('ws-push', 'main');
    const r = await gate(ws, {
      name: 'push',
      payload: { ref: 'refs/heads/main', after: pr.baseSha, repository: { full_name: REPO } },
      ref: 'refs/heads/main',
      sha: pr.baseSha,
    });
    expect(r.log).toContain('audit branch airlock-audit does not exist yet (first run)');
    expect(r.report.scripts.map((s) => [s.path, s.reusedScan])).toEqual([
      ['analysis/fetch.py', undefined],
      ['analysis/mean.py', undefined],
      ['analysis/median.py', undefined],
    ]);
    expect(r.log).toMatch(/audit: \d+ entries committed to airlock-audit/);

    const branch = await branchLog('branch-after-push');
    const v = await verifyWithKey(branch.log);
    expect(v.exitCode, v.stdout + v.stderr).toBe(0);
    firstScans = new Map(
      (await entries(branch.log)).filter((e) => e.kind === 'scan').map((e) => [e.data.path as string, e]),
    );
    expect([...firstScans.keys()].sort()).toEqual([
      'analysis/fetch.py',
      'analysis/mean.py',
      'analysis/median.py',
    ]);
    for (const e of firstScans.values()) expect(e.data.cache?.key).toMatch(/^[0-9a-f]{64}$/);
  });

  it("run 2, a pull request on a fresh checkout: restores the branch's log, reuses the unchanged files' scans, rescans the changed one", async () => {
    const ws = await checkout('ws-pr', pr.headSha);
    const before = await branchLog('branch-before-pr');
    const branchEntries = await entries(before.log);
    const r = await gate(ws);
    expect(r.exitCode, r.log).toBe(0);
    expect(r.log).toContain('audit: restored the audit log from airlock-audit');
    expect(r.log).not.toContain('not restored');
    // Bandit ran over the changed file only.
    expect(r.log).toContain('scan: 2 of 3 file(s) unchanged, results reused (verdict cache)');
    expect(r.log).toContain('scan: bandit over 1 file(s)');

    // On a pull request the changed script is gated; the unchanged ones beside it are
    // staged as modules (import would run them) and scanned: here, their scans reused.
    expect(r.report.scripts.map((s) => [s.path, s.reusedScan])).toEqual([['analysis/median.py', undefined]]);
    const modules = Object.fromEntries((r.report.modules ?? []).map((m) => [m.path, m.reusedScan]));
    expect(Object.keys(modules).sort()).toEqual(['analysis/fetch.py', 'analysis/mean.py']);
    for (const path of ['analysis/fetch.py', 'analysis/mean.py']) {
      const first = firstScans.get(path)!;
      expect(modules[path], path).toEqual({ seq: first.seq, hash: first.hash });
    }
    expect(r.report.modules?.find((m) => m.path === 'analysis/fetch.py')?.level).toBe('high');

    // The local log extends the branch's history: the branch's entries first, byte for
    // byte, then this run's, whose `scan.reused` entries point at run 1's `scan` entries.
    const local = await entries(join(ws, '.airlock/audit/audit.log'));
    expect(local.slice(0, branchEntries.length).map((e) => e.hash)).toEqual(branchEntries.map((e) => e.hash));
    const run2 = local.slice(branchEntries.length);
    const reused = run2.filter((e) => e.kind === 'scan.reused');
    expect(reused.map((e) => [e.data.path, e.data.cache.reuses]).sort()).toEqual(
      ['analysis/fetch.py', 'analysis/mean.py'].map((p) => [
        p,
        { seq: firstScans.get(p)!.seq, hash: firstScans.get(p)!.hash },
      ]),
    );
    expect(run2.filter((e) => e.kind === 'scan').map((e) => e.data.path)).toEqual(['analysis/median.py']);

    // Published onto the branch, the pointers stay valid (verify checks every one).
    const after = await branchLog('branch-after-pr');
    const v = await verifyWithKey(after.log);
    expect(v.exitCode, v.stdout + v.stderr).toBe(0);
    expect((await entries(after.log)).filter((e) => e.kind === 'scan.reused')).toHaveLength(2);
  });

  it('run 3, after someone edited the branch log: refuses it with the reason, reuses nothing, same verdict', async () => {
    // A forged "no finding" for fetch.py, pushed to the audit branch as a plain commit.
    const edit = await branchLog('branch-edit');
    const text = await readFile(edit.log, 'utf8');
    const lines = text.split('\n');
    const i = lines.findIndex((l) => l.includes('"kind":"scan"') && l.includes('"path":"analysis/fetch.py"'));
    expect(i).toBeGreaterThanOrEqual(0);
    expect(lines[i]).toContain('"level":"high"');
    lines[i] = lines[i]!.replace('"level":"high"', '"level":"low"');
    await writeFile(edit.log, lines.join('\n'));
    await git(edit.dir, ['commit', '-q', '-am', 'tidy the audit log']);
    await git(edit.dir, ['push', '-q', 'origin', 'airlock-audit']);

    const ws = await checkout('ws-pr-tampered', pr.headSha);
    const r = await gate(ws);
    expect(r.exitCode, r.log).toBe(0);
    expect(r.log).toMatch(
      /::warning title=Airlock%3A audit branch log not restored::audit log not restored from airlock-audit: AUDIT_[A-Z_]+: .*every file is scanned; the verdict does not depend on the cache/,
    );
    expect(r.report.scripts.map((s) => [s.path, s.reusedScan])).toEqual([['analysis/median.py', undefined]]);
    expect((r.report.modules ?? []).map((m) => [m.path, m.reusedScan, m.level])).toEqual([
      ['analysis/fetch.py', undefined, 'high'],
      ['analysis/mean.py', undefined, 'low'],
    ]);
    expect(r.log).toContain('scan: bandit over 3 file(s)');
    expect(r.outputs.verdict).toBe('pass');
    // A log of this run's own: it starts at seq 0 and reuses nothing.
    const local = await entries(join(ws, '.airlock/audit/audit.log'));
    expect(local[0]).toMatchObject({ seq: 0, kind: 'run.start' });
    expect(local.some((e) => e.kind === 'scan.reused')).toBe(false);
    // And the edited branch is not extended either (publishing verifies it too).
    expect(r.log).toContain('audit log not published to airlock-audit');
  });
});
