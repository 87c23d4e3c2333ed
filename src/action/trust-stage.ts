import * as core from '@actions/core';
import type { GitHubContext } from '../github/context.js';
import type { PathChanges } from '../github/revision-diff.js';
import { repositoryTop } from '../github/revision-diff.js';
import { isPullRequestEvent, requireBaseCommit, resolveTrustedPolicy } from '../github/trusted-policy.js';
import { renderPolicyChange, renderWorkflowChange, WORKFLOW_WARNING } from '../github/trust-summary.js';
import { type WorkflowChange, workflowChanges } from '../github/workflow-change.js';

/**
 * Before the gate runs on a pull request: which policy decides (the base commit's,
 * src/github/trusted-policy.ts), what the PR changes in that policy and in the
 * workflow that runs the gate, and whether `fail-on-policy-change` turns either
 * into a reason to fail. Off pull requests the checked-out policy applies and
 * nothing is compared.
 */
export interface TrustStage {
  policy: string | undefined;
  policyRevision?: { commit: string; path: string };
  preVerdictReasons: string[];
  policyChanges: PathChanges;
  workflowChanges: WorkflowChange;
  /** Markdown for the job summary ('' when there is nothing to say). */
  summary: string;
  dispose(): Promise<void>;
}

const NONE: PathChanges = { files: [], diff: '', diffTruncated: false };

export async function trustStage(opts: {
  ctx: GitHubContext;
  workspace: string;
  policy: string | undefined;
  head: string | undefined;
  failOnPolicyChange: boolean;
  tempRoot?: string;
}): Promise<TrustStage> {
  const { ctx } = opts;
  if (!isPullRequestEvent(ctx)) {
    return {
      policy: opts.policy,
      preVerdictReasons: [],
      policyChanges: NONE,
      workflowChanges: NONE,
      summary: '',
      dispose: async () => {},
    };
  }
  // First, so a shallow clone fails with the fix, not with a confusing git error later.
  const base = await requireBaseCommit(opts.workspace, ctx);
  const head = opts.head ?? ctx.pullRequest!.headSha;
  const trusted = await resolveTrustedPolicy(opts);
  try {
    const workflow = await workflowChanges({ ctx, top: await repositoryTop(opts.workspace), base, head });
    const reasons: string[] = [];
    const summary: string[] = [];
    if (trusted.revision && trusted.repoPath && trusted.changes.files.length) {
      core.notice(
        `this PR changes the policy (${trusted.changes.files.join(', ')}): the base commit's policy decided this run; the change takes effect after merge`,
        { title: 'Airlock: policy change ignored until merge' },
      );
      summary.push(
        renderPolicyChange({
          changes: trusted.changes,
          revision: trusted.revision,
          policyPath: trusted.repoPath,
          failing: opts.failOnPolicyChange,
        }),
      );
      if (opts.failOnPolicyChange) {
        reasons.push(
          `the pull request changes the policy (${trusted.changes.files.join(', ')}); fail-on-policy-change is set`,
        );
      }
    }
    if (workflow.files.length) {
      core.warning(`${WORKFLOW_WARNING}. Changed: ${workflow.files.join(', ')}`, {
        title: 'Airlock: this PR changes the workflow that runs the gate',
        file: workflow.ownWorkflow,
      });
      summary.push(
        renderWorkflowChange({
          changes: workflow,
          ownWorkflow: workflow.ownWorkflow,
          failing: opts.failOnPolicyChange,
        }),
      );
      if (opts.failOnPolicyChange) {
        reasons.push(
          `the pull request changes the workflow that runs the gate (${workflow.files.join(', ')}); fail-on-policy-change is set`,
        );
      }
    }
    return {
      policy: trusted.policy,
      policyRevision:
        trusted.revision && trusted.repoPath
          ? { commit: trusted.revision, path: trusted.repoPath }
          : undefined,
      preVerdictReasons: reasons,
      policyChanges: trusted.changes,
      workflowChanges: workflow,
      summary: summary.join('\n'),
      dispose: trusted.dispose,
    };
  } catch (e) {
    await trusted.dispose();
    throw e;
  }
}
