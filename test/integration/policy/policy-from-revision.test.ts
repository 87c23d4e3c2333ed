import { mkdtemp, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AirlockError } from '../../../src/errors.js';
import { changesUnder } from '../../../src/github/revision-diff.js';
import {
  copyPolicyAtRevision,
  type RevisionPolicy,
  revisionCopyRoot,
} from '../../../src/policy/from-revision.js';
import { loadPolicy, policySha256 } from '../../../src/policy/index.js';
import { commitOnBranch, git, initRepo, writeFiles } from '../../helpers/git-fixture.js';

/**
 * The reader behind "on pull requests the policy comes from the base commit":
 * real git repositories, real commits, the copy loaded by the real policy loader.
 */
let root: string;
let repo: string;
let base: string;
let head: string;

const POLICY = `version: 1
extends: ../config/team.yml
scanners:
  semgrep: { mode: optional, rulesDir: rules }
`;
const TEAM = `version: 1
extends: default
limits: { maxFiles: 7 }
`;
const RULE = (msg: string) => `rules:
  - id: airlock.no-eval
    message: ${msg}
    severity: ERROR
    languages: [python]
    metadata: { confidence: HIGH, cwe: ["CWE-95: eval"], category: security }
    pattern: eval(...)
`;

async function codeOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (e) {
    if (e instanceof AirlockError) return e.code;
    throw e;
  }
  return 'no error';
}

/** Loads a copy the way the gate does: the copy is the policy's whole world. */
const loadCopy = (copy: RevisionPolicy) =>
  loadPolicy(copy.file, { root: revisionCopyRoot(copy.file, copy.repoPath) });

async function copyAt(commit: string, policy = '.airlock/policy.yml', workspace = repo) {
  const dest = await mkdtemp(join(root, 'copy-'));
  return copyPolicyAtRevision({ workspace, commit, policyFile: join(workspace, policy), dest });
}

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'airlock-policy-rev-'));
  repo = join(root, 'repo');
  base = await initRepo(repo, {
    '.airlock/policy.yml': POLICY,
    '.airlock/rules/no-eval.yaml': RULE('eval at base'),
    'config/team.yml': TEAM,
    'analysis/x.py': 'print(1)\n',
  });
  // The PR loosens every layer: the top file, what it extends, and the rules.
  head = await commitOnBranch(repo, 'feature', {
    '.airlock/policy.yml': `${POLICY}allowlist:\n  - { tool: bandit, ruleId: B602, paths: ["analysis/x.py"], expires: "2099-01-01", justification: mine }\n`,
    'config/team.yml': TEAM.replace('maxFiles: 7', 'maxFiles: 9999'),
    '.airlock/rules/no-eval.yaml': RULE('eval at head'),
  });
});

afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('copyPolicyAtRevision', () => {
  it('copies the file, its extends chain and its rules folder as the base commit has them', async () => {
    // The working tree holds the head: the copy must not read it.
    const copy = await copyAt(base);
    expect(copy.repoPath).toBe('.airlock/policy.yml');
    expect(copy.paths).toEqual(['.airlock/policy.yml', '.airlock/rules', 'config/team.yml']);
    const policy = await loadCopy(copy);
    expect(policy.allowlist).toEqual([]);
    expect(policy.limits.maxFiles).toBe(7);
    expect(policy.source.chain).toHaveLength(3); // policy.yml -> team.yml -> shipped default
    const { readFile } = await import('node:fs/promises');
    expect(await readFile(join(policy.scanners.semgrep.rulesDir, 'no-eval.yaml'), 'utf8')).toContain(
      'eval at base',
    );
  });

  it('hashes the same as the checked-out policy at that commit (the digest names the revision)', async () => {
    const atBase = await loadCopy(await copyAt(base));
    const atHead = await loadCopy(await copyAt(head));
    expect(atHead.limits.maxFiles).toBe(9999);
    const checkout = await loadPolicy(join(repo, '.airlock/policy.yml'), { root: repo }); // the head's working tree
    expect(policySha256(atHead)).toBe(policySha256(checkout));
    expect(policySha256(atBase)).not.toBe(policySha256(checkout));
  });

  it('reads from a workspace that is a subfolder of the repository', async () => {
    const copy = await copyAt(base, '../.airlock/policy.yml', join(repo, 'analysis'));
    expect(copy.repoPath).toBe('.airlock/policy.yml');
    expect((await loadCopy(copy)).limits.maxFiles).toBe(7);
  });

  it('says so when the policy does not exist at the base (a PR that adds it)', async () => {
    expect(await codeOf(copyAt(base, '.airlock/new.yml'))).toBe('POLICY_NOT_FOUND');
  });

  it('refuses an extends or rulesDir that leaves the repository, and symlinks', async () => {
    const r = join(root, 'escapes');
    const c = await initRepo(r, {
      'p/extends-out.yml': 'version: 1\nextends: ../../outside.yml\n',
      'p/rules-out.yml': 'version: 1\nscanners: { semgrep: { rulesDir: ../../.. } }\n',
      'p/rules-root.yml': 'version: 1\nscanners: { semgrep: { rulesDir: .. } }\n',
      'p/abs.yml': 'version: 1\nextends: /etc/airlock.yml\n',
    });
    const at = (p: string) =>
      copyPolicyAtRevision({ workspace: r, commit: c, policyFile: join(r, p), dest: join(root, `d-${p}`) });
    expect(await codeOf(at('p/extends-out.yml'))).toBe('POLICY_INVALID');
    expect(await codeOf(at('p/rules-out.yml'))).toBe('POLICY_INVALID');
    expect(await codeOf(at('p/rules-root.yml'))).toBe('POLICY_INVALID');
    expect(await codeOf(at('p/abs.yml'))).toBe('POLICY_INVALID');

    // A symlink committed in the chain (pointing anywhere) is not followed.
    await writeFiles(r, { 'q/top.yml': 'version: 1\nextends: link.yml\n' });
    await symlink('/etc/hostname', join(r, 'q/link.yml'));
    await git(r, ['add', '-A']);
    await git(r, ['commit', '-q', '-m', 'symlink']);
    const c2 = await git(r, ['rev-parse', 'HEAD']);
    const copy = copyPolicyAtRevision({
      workspace: r,
      commit: c2,
      policyFile: join(r, 'q/top.yml'),
      dest: join(root, 'd-symlink'),
    });
    expect(await codeOf(copy)).toBe('POLICY_INVALID');
  });
});

describe('changesUnder', () => {
  it("lists and diffs what the PR changes under the policy's paths, nothing else", async () => {
    const c = await changesUnder({ top: repo, base, head, paths: (await copyAt(base)).paths });
    expect(c.files).toEqual(['.airlock/policy.yml', '.airlock/rules/no-eval.yaml', 'config/team.yml']);
    expect(c.diff).toContain('+  - { tool: bandit, ruleId: B602');
    expect(c.diff).toContain('-limits: { maxFiles: 7 }');
    expect(c.diffTruncated).toBe(false);
    const none = await changesUnder({ top: repo, base, head, paths: ['analysis'] });
    expect(none.files).toEqual([]);
  });
});
