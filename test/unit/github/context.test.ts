import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { UserError } from '../../../src/errors.js';
import {
  parseGitHubContext,
  readGitHubContext,
  sarifTargetForCheckout,
} from '../../../src/github/context.js';
import {
  BASE_SHA,
  HEAD_SHA,
  MERGE_SHA,
  pullRequestPayload,
  pushPayload,
  runnerEnv,
  workflowDispatchPayload,
  workflowRunPayload,
} from './payloads.js';

function codeOf(f: () => unknown): string | undefined {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(UserError);
    return (e as UserError).code;
  }
  return undefined;
}

describe('parseGitHubContext', () => {
  it('pull_request from the same repository: PR fields, not a fork, SARIF to the merge ref at GITHUB_SHA', () => {
    const ctx = parseGitHubContext(runnerEnv('pull_request'), pullRequestPayload());
    expect(ctx).toMatchObject({
      eventName: 'pull_request',
      owner: 'octo-org',
      repo: 'octo-repo',
      sha: MERGE_SHA,
      runId: '1658821493',
      pullRequest: {
        number: 42,
        baseSha: BASE_SHA,
        baseRef: 'main',
        headSha: HEAD_SHA,
        headRepoFullName: 'octo-org/octo-repo',
        isFork: false,
      },
      sarifTarget: { ref: 'refs/pull/42/merge', commitSha: MERGE_SHA },
    });
    // Attacker-chosen branch names are kept verbatim as data, not interpreted.
    expect(ctx.pullRequest?.headRef).toBe('feature/plot; rm -rf /');
  });

  it('detects a fork, case-insensitively, and treats a deleted head repository as a fork', () => {
    const fork = parseGitHubContext(
      runnerEnv('pull_request'),
      pullRequestPayload({ headRepo: 'contributor/octo-repo' }),
    );
    expect(fork.pullRequest?.isFork).toBe(true);
    const sameButCased = parseGitHubContext(
      runnerEnv('pull_request'),
      pullRequestPayload({ headRepo: 'Octo-Org/Octo-Repo' }),
    );
    expect(sameButCased.pullRequest?.isFork).toBe(false);
    const deleted = parseGitHubContext(runnerEnv('pull_request'), pullRequestPayload({ headRepo: null }));
    expect(deleted.pullRequest).toMatchObject({ isFork: true, headRepoFullName: null });
  });

  it('pull_request without the merge ref in GITHUB_REF still reports against refs/pull/N/merge', () => {
    const ctx = parseGitHubContext(runnerEnv('pull_request', { GITHUB_REF: '' }), pullRequestPayload());
    expect(ctx.sarifTarget).toEqual({ ref: 'refs/pull/42/merge', commitSha: MERGE_SHA });
  });

  it('pull_request_target reports against the base branch it runs on', () => {
    const ctx = parseGitHubContext(runnerEnv('pull_request_target'), pullRequestPayload());
    expect(ctx.sarifTarget).toEqual({ ref: 'refs/heads/main', commitSha: BASE_SHA });
    expect(ctx.pullRequest?.headSha).toBe(HEAD_SHA);
  });

  it('push and workflow_dispatch: GITHUB_REF and GITHUB_SHA, no PR', () => {
    for (const [name, payload] of [
      ['push', pushPayload()],
      ['workflow_dispatch', workflowDispatchPayload()],
    ] as const) {
      const ctx = parseGitHubContext(runnerEnv(name), payload);
      expect(ctx.pullRequest).toBeUndefined();
      expect(ctx.sarifTarget).toEqual({ ref: 'refs/heads/main', commitSha: BASE_SHA });
    }
  });

  it('workflow_run: the reported run, with PR numbers GitHub attached (none for forks)', () => {
    const ctx = parseGitHubContext(runnerEnv('workflow_run'), workflowRunPayload());
    expect(ctx.workflowRun).toEqual({
      id: 30433642,
      event: 'pull_request',
      conclusion: 'success',
      headSha: HEAD_SHA,
      headBranch: 'feature/plot',
      headRepoFullName: 'contributor/octo-repo',
      pullRequestNumbers: [],
    });
    const same = parseGitHubContext(runnerEnv('workflow_run'), workflowRunPayload({ pullRequests: [42] }));
    expect(same.workflowRun?.pullRequestNumbers).toEqual([42]);
  });

  it('a ref code scanning does not accept gives no SARIF target', () => {
    const ctx = parseGitHubContext(runnerEnv('push', { GITHUB_REF: 'refs/remotes/x' }), pushPayload());
    expect(ctx.sarifTarget).toBeUndefined();
  });

  it('rejects a broken environment or payload with INPUT_INVALID', () => {
    expect(codeOf(() => parseGitHubContext(runnerEnv('push', { GITHUB_SHA: 'abc' }), pushPayload()))).toBe(
      'INPUT_INVALID',
    );
    expect(
      codeOf(() => parseGitHubContext(runnerEnv('push', { GITHUB_REPOSITORY: '../../etc' }), pushPayload())),
    ).toBe('INPUT_INVALID');
    expect(
      codeOf(() =>
        parseGitHubContext(runnerEnv('push', { GITHUB_API_URL: 'file:///etc/passwd' }), pushPayload()),
      ),
    ).toBe('INPUT_INVALID');
    const { GITHUB_SHA: _, ...noSha } = runnerEnv('push');
    expect(codeOf(() => parseGitHubContext(noSha, pushPayload()))).toBe('INPUT_INVALID');
    // A pull_request event must carry a usable pull_request.
    expect(codeOf(() => parseGitHubContext(runnerEnv('pull_request'), {}))).toBe('INPUT_INVALID');
    const bad = pullRequestPayload();
    bad.pull_request.head.sha = 'HEAD; echo pwned';
    expect(codeOf(() => parseGitHubContext(runnerEnv('pull_request'), bad))).toBe('INPUT_INVALID');
    expect(codeOf(() => parseGitHubContext(runnerEnv('workflow_run'), { workflow_run: {} }))).toBe(
      'INPUT_INVALID',
    );
  });
});

describe('sarifTargetForCheckout', () => {
  it('rewrites to refs/pull/N/head when the workflow checked out the PR head (as codeql-action does)', () => {
    const ctx = parseGitHubContext(runnerEnv('pull_request'), pullRequestPayload());
    expect(sarifTargetForCheckout(ctx, HEAD_SHA)).toEqual({ ref: 'refs/pull/42/head', commitSha: HEAD_SHA });
    expect(sarifTargetForCheckout(ctx, MERGE_SHA)).toEqual({
      ref: 'refs/pull/42/merge',
      commitSha: MERGE_SHA,
    });
  });
});

describe('readGitHubContext', () => {
  it('reads GITHUB_EVENT_PATH', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'airlock-ctx-'));
    const path = join(dir, 'event.json');
    await writeFile(path, JSON.stringify(pullRequestPayload({ headRepo: 'contributor/octo-repo' })));
    const ctx = await readGitHubContext(runnerEnv('pull_request', { GITHUB_EVENT_PATH: path }));
    expect(ctx.pullRequest?.isFork).toBe(true);
  });

  it('an unreadable or non-JSON event file is INPUT_INVALID', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'airlock-ctx-'));
    const notJson = join(dir, 'event.json');
    await writeFile(notJson, '{"number": 4');
    for (const path of [notJson, join(dir, 'missing.json'), dir]) {
      await expect(
        readGitHubContext(runnerEnv('pull_request', { GITHUB_EVENT_PATH: path })),
      ).rejects.toMatchObject({
        code: 'INPUT_INVALID',
      });
    }
  });
});
