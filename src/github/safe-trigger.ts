import { UserError } from '../errors.js';
import { COMMIT_ID, runGit } from '../exec/git.js';
import { describeFailure } from '../exec/run-command.js';
import type { GitHubContext } from './context.js';

/**
 * The "pwn request" guard.
 *
 * `pull_request_target` runs in the context of the BASE repository: the job gets a
 * token that can write (unless the workflow narrows `permissions`) and the
 * repository's secrets, including Airlock's signing key. That is safe only while
 * the job runs the base branch's own code. Once a workflow checks out the PR head
 * (or the merge commit, which contains the head), whoever opened the PR controls
 * files that the job reads and runs: a `setup.py`, a `conftest.py`, a policy file,
 * the scripts Airlock is about to execute. Airlock's sandbox keeps secrets out of
 * the container, but the rest of the job (other steps, caches, the token in
 * `.git/config` that actions/checkout persists) is in reach.
 */
export interface SafeTriggerOptions {
  /** The `allow-pull-request-target` input: the user accepts the risk above. */
  allowPullRequestTarget: boolean;
  /** `git rev-parse HEAD` of the workspace; see {@link readWorkspaceHead}. */
  workspaceHeadSha?: string;
}

const WHY =
  'pull_request_target runs with a write-capable token and the repository secrets; ' +
  'checking out and running the PR head hands those to the PR author. ' +
  'Use the pull_request + workflow_run pattern described in docs/github.md, ' +
  'or set allow-pull-request-target: true if you understand the risk.';

/** Throws UserError('UNSAFE_TRIGGER') unless the run is safe to gate (see module comment). */
export function assertSafeTrigger(ctx: GitHubContext, opts: SafeTriggerOptions): void {
  if (ctx.eventName !== 'pull_request_target') return;
  if (opts.allowPullRequestTarget) return;
  const pr = ctx.pullRequest;
  const head = opts.workspaceHeadSha;
  if (!pr) {
    throw new UserError('UNSAFE_TRIGGER', `pull_request_target without a pull_request payload. ${WHY}`);
  }
  if (head === undefined) {
    // We cannot show the workspace holds the base: fail closed.
    throw new UserError(
      'UNSAFE_TRIGGER',
      `refusing to run under pull_request_target: the checked-out commit is unknown. ${WHY}`,
    );
  }
  if (head === pr.headSha) {
    throw new UserError(
      'UNSAFE_TRIGGER',
      `refusing to run under pull_request_target: the workspace holds the PR head ${pr.headSha}. ${WHY}`,
    );
  }
  // GITHUB_SHA is the base branch tip for this event; base.sha is the base the PR
  // was opened/synchronised against. Anything else (the merge ref, a fork branch,
  // some other commit) may contain the PR author's code.
  if (head !== ctx.sha && head !== pr.baseSha) {
    throw new UserError(
      'UNSAFE_TRIGGER',
      `refusing to run under pull_request_target: the workspace commit ${head} is not the base ` +
        `(${ctx.sha}) and may contain the PR's code. ${WHY}`,
    );
  }
}

/**
 * A safe `pull_request_target` run (the base checked out) gates `base...base`:
 * nothing of the PR. A green check over nothing reads as "the PR was checked", so
 * it is an error that says how to fix the workflow; it is raised before anything
 * runs or is uploaded (an empty analysis for the base branch would close its alerts).
 */
export function assertGatesThePullRequest(ctx: GitHubContext, workspaceHeadSha: string | undefined): void {
  const pr = ctx.pullRequest;
  if (ctx.eventName !== 'pull_request_target' || !pr || workspaceHeadSha === undefined) return;
  if (workspaceHeadSha === pr.headSha) return;
  if (workspaceHeadSha === ctx.sha || workspaceHeadSha === pr.baseSha) {
    throw new UserError(
      'NOTHING_TO_GATE',
      `pull_request_target with the base commit ${workspaceHeadSha} checked out: none of the pull request's ` +
        'scripts are in the workspace, so there is nothing to gate. Run Airlock on `pull_request` instead ' +
        '(for pull requests from forks, the `pull_request` + `workflow_run` pattern in docs/github.md); ' +
        'gating the PR under pull_request_target means checking out its head, which needs ' +
        'allow-pull-request-target: true and a job with nothing worth stealing (docs/github.md).',
    );
  }
}

/**
 * The commit the workspace has checked out, through the hardened git wrapper: the
 * workspace may belong to the PR author, so no repository hooks or fsmonitor run.
 */
export async function readWorkspaceHead(workspace: string): Promise<string> {
  const r = await runGit(workspace, ['rev-parse', '--verify', '--end-of-options', 'HEAD^{commit}'], {
    timeoutMs: 30_000,
    maxOutputBytes: 64 * 1024,
  });
  const sha = r.stdout.trim();
  if (r.exitCode !== 0) throw new UserError('GIT_FAILED', `git rev-parse HEAD failed: ${describeFailure(r)}`);
  if (!COMMIT_ID.test(sha)) {
    throw new UserError('GIT_FAILED', `git rev-parse HEAD printed something that is not a commit id`);
  }
  return sha;
}
