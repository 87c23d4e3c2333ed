import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { UserError } from '../errors.js';
import { tryResolveCommit } from '../exec/git.js';
import { copyPolicyAtRevision } from '../policy/from-revision.js';
import type { GitHubContext } from './context.js';
import { changesUnder, type PathChanges, repositoryTop } from './revision-diff.js';

/**
 * Which policy decides a run (docs/github.md, "Which policy decides"):
 * - on `pull_request` / `pull_request_target`, a policy file of the repository is
 *   read from the PR's BASE commit, never from the PR head: the code under review
 *   must not be able to loosen the gate that reviews it. What the PR changes in the
 *   policy (the file, what it extends, its Semgrep rules) is reported, and takes
 *   effect after merge;
 * - on every other event, the checked-out policy applies;
 * - the shipped names (`default`, `strict`) come with Airlock, not the repository.
 */
export interface TrustedPolicy {
  /** What loadPolicy reads: a private copy (PRs), the checkout's file, or a shipped name. */
  policy: string | undefined;
  /** The commit whose policy decides; undefined when the checked-out (or shipped) policy does. */
  revision?: string;
  /** Repository-relative path of the policy file, for the report. */
  repoPath?: string;
  /** What the PR changes in the policy's files; empty off pull requests. */
  changes: PathChanges;
  /** Removes the private copy. */
  dispose(): Promise<void>;
}

const NO_CHANGES: PathChanges = { files: [], diff: '', diffTruncated: false };

export function isPullRequestEvent(ctx: GitHubContext): boolean {
  return (ctx.eventName === 'pull_request' || ctx.eventName === 'pull_request_target') && !!ctx.pullRequest;
}

/** Resolves the PR's base commit in the checkout, or says how to fetch it. */
export async function requireBaseCommit(workspace: string, ctx: GitHubContext): Promise<string> {
  const base = ctx.pullRequest!.baseSha;
  const id = await tryResolveCommit(workspace, base);
  if (id === undefined) {
    throw new UserError(
      'BASE_COMMIT_MISSING',
      `the pull request's base commit ${base} is not in the checkout (a shallow clone): Airlock reads ` +
        'the policy and the list of changed scripts from it. Set `fetch-depth: 0` on actions/checkout ' +
        '(or fetch the base: `git fetch --no-tags origin <base sha>` before this step).',
    );
  }
  return id;
}

/**
 * `policy` is the validated input: undefined, a shipped name, or an absolute path
 * inside the workspace. `head` is the checked-out commit.
 */
export async function resolveTrustedPolicy(opts: {
  ctx: GitHubContext;
  workspace: string;
  policy: string | undefined;
  head: string | undefined;
  tempRoot?: string;
}): Promise<TrustedPolicy> {
  const { ctx, workspace, policy } = opts;
  const shipped = policy === undefined || policy === 'default' || policy === 'strict';
  if (shipped || !isPullRequestEvent(ctx)) {
    return { policy, changes: NO_CHANGES, dispose: async () => {} };
  }
  const base = await requireBaseCommit(workspace, ctx);
  const head = opts.head ?? ctx.pullRequest!.headSha;
  const temp = await mkdtemp(join(opts.tempRoot ?? tmpdir(), 'airlock-policy-'));
  const dispose = () => rm(temp, { recursive: true, force: true });
  try {
    const atBase = await copyPolicyAtRevision({
      workspace,
      commit: base,
      policyFile: policy,
      dest: join(temp, 'base'),
    });
    // The head's own chain too, so a file the PR newly `extends` shows in the diff.
    // A head policy that does not even parse is still a change: its top file is listed.
    const atHead = await copyPolicyAtRevision({
      workspace,
      commit: head,
      policyFile: policy,
      dest: join(temp, 'head'),
    }).catch(() => undefined);
    const paths = [...new Set([...atBase.paths, ...(atHead?.paths ?? [atBase.repoPath])])];
    const changes = await changesUnder({ top: await repositoryTop(workspace), base, head, paths });
    return { policy: atBase.file, revision: base, repoPath: atBase.repoPath, changes, dispose };
  } catch (e) {
    await dispose();
    throw e;
  }
}
