import { describe, expect, it } from 'vitest';
import { UserError } from '../../../src/errors.js';
import { parseGitHubContext } from '../../../src/github/context.js';
import { assertSafeTrigger } from '../../../src/github/safe-trigger.js';
import { BASE_SHA, HEAD_SHA, MERGE_SHA, pullRequestPayload, pushPayload, runnerEnv } from './payloads.js';

const target = parseGitHubContext(
  runnerEnv('pull_request_target'),
  pullRequestPayload({ headRepo: 'evil/octo-repo' }),
);

function code(f: () => void): string | undefined {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(UserError);
    return (e as UserError).code;
  }
  return undefined;
}

describe('assertSafeTrigger', () => {
  it('refuses pull_request_target when the workspace holds the PR head', () => {
    expect(
      code(() => assertSafeTrigger(target, { allowPullRequestTarget: false, workspaceHeadSha: HEAD_SHA })),
    ).toBe('UNSAFE_TRIGGER');
  });

  it('refuses pull_request_target when the workspace is not the base (e.g. the merge commit) or unknown', () => {
    expect(
      code(() => assertSafeTrigger(target, { allowPullRequestTarget: false, workspaceHeadSha: MERGE_SHA })),
    ).toBe('UNSAFE_TRIGGER');
    expect(code(() => assertSafeTrigger(target, { allowPullRequestTarget: false }))).toBe('UNSAFE_TRIGGER');
  });

  it('allows pull_request_target on the base checkout', () => {
    expect(
      code(() => assertSafeTrigger(target, { allowPullRequestTarget: false, workspaceHeadSha: BASE_SHA })),
    ).toBe(undefined);
  });

  it('allows the PR head under pull_request_target only when explicitly opted in', () => {
    expect(
      code(() => assertSafeTrigger(target, { allowPullRequestTarget: true, workspaceHeadSha: HEAD_SHA })),
    ).toBe(undefined);
  });

  it('does not interfere with pull_request or push (their tokens are already scoped by GitHub)', () => {
    const pr = parseGitHubContext(
      runnerEnv('pull_request'),
      pullRequestPayload({ headRepo: 'evil/octo-repo' }),
    );
    const push = parseGitHubContext(runnerEnv('push'), pushPayload());
    for (const ctx of [pr, push]) {
      expect(
        code(() => assertSafeTrigger(ctx, { allowPullRequestTarget: false, workspaceHeadSha: HEAD_SHA })),
      ).toBe(undefined);
    }
  });
});
