import { UserError } from '../errors.js';
import { minimalEnv, runCommand } from '../exec/run-command.js';
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
 * The commit the workspace has checked out. argv only; the workspace may belong to
 * the PR author, so repository-configured hooks that `rev-parse` could trigger
 * (core.fsmonitor runs a program) are switched off, and no system/global config or
 * prompts are used.
 */
export async function readWorkspaceHead(workspace: string): Promise<string> {
  const r = await runCommand(
    'git',
    ['-c', 'core.fsmonitor=false', 'rev-parse', '--verify', '--end-of-options', 'HEAD^{commit}'],
    {
      cwd: workspace,
      code: 'GIT_FAILED',
      timeoutMs: 30_000,
      maxOutputBytes: 64 * 1024,
      env: minimalEnv({ GIT_CONFIG_NOSYSTEM: '1', GIT_CONFIG_GLOBAL: '/dev/null', GIT_TERMINAL_PROMPT: '0' }),
    },
  );
  const sha = r.stdout.trim();
  if (!/^[0-9a-f]{40}([0-9a-f]{24})?$/.test(sha)) {
    throw new UserError('GIT_FAILED', `git rev-parse HEAD printed something that is not a commit id`);
  }
  return sha;
}
