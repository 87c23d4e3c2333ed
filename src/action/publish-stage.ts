import * as core from '@actions/core';
import { type AppendResult, fetchBranchCheckpoint, publishAuditLog, readRunEntries } from '../audit/index.js';
import type { GitHubContext } from '../github/context.js';
import type { GateSettings } from '../settings/gate-settings.js';

/**
 * The audit branch, from the Action: where a run's entries are published, and the
 * checkpoint a run trusts for a log it finds in the checkout. The token goes to git as
 * an HTTP header through GIT_CONFIG_* variables: never in a URL, argv or log line.
 */
export interface BranchAccess {
  remote: string;
  gitEnv: NodeJS.ProcessEnv | undefined;
}

export function branchAccess(ctx: GitHubContext, token: string, remote?: string): BranchAccess {
  const basic = Buffer.from(`x-access-token:${token}`).toString('base64');
  core.setSecret(basic);
  return {
    remote: remote ?? `${ctx.serverUrl}/${ctx.repository}.git`,
    gitEnv: token
      ? {
          GIT_CONFIG_COUNT: '1',
          GIT_CONFIG_KEY_0: `http.${new URL(ctx.serverUrl).origin}/.extraheader`,
          GIT_CONFIG_VALUE_0: `AUTHORIZATION: basic ${basic}`,
        }
      : undefined,
  };
}

/** The audit branch's checkpoint text, for src/audit/trust.ts; null when there is none. */
export function branchCheckpointSource(opts: {
  branch: string;
  ctx: GitHubContext;
  token: string;
  remote?: string;
}): () => Promise<string | null> {
  return () => {
    const access = branchAccess(opts.ctx, opts.token, opts.remote);
    return fetchBranchCheckpoint({ remote: access.remote, branch: opts.branch, gitEnv: access.gitEnv });
  };
}

/**
 * Commits this run's audit entries to the audit branch: exactly the entries this run's
 * writer appended (`appended`, checked against their hashes), nothing else. Nothing is
 * read back from the workspace for publishing: a file there (a `smoke.json` in the
 * output directory, say) may have been committed by the pull request being gated.
 * A push the token may not make is a warning, never a failed gate: fork PRs get a
 * read-only token by design (docs/github.md has the fork-safe pattern).
 */
export async function publishAuditStage(opts: {
  settings: GateSettings;
  branch: string;
  ctx: GitHubContext;
  token: string;
  appended: readonly AppendResult[];
  remote?: string;
}): Promise<void> {
  const audit = opts.settings.audit;
  if (!audit) return;
  const access = branchAccess(opts.ctx, opts.token, opts.remote);
  try {
    const entries = await readRunEntries(audit.log, opts.appended);
    const r = await publishAuditLog({
      remote: access.remote,
      branch: opts.branch,
      origin: audit.origin,
      signingKey: audit.signingKey,
      entries,
      gitEnv: access.gitEnv,
      message: `audit: run ${opts.settings.run.workflowRun ?? 'local'} (${entries.length} entries)`,
    });
    core.info(
      `audit: ${entries.length} entries committed to ${opts.branch} (${r.commit}), checkpoint size ${r.size}${r.signed ? '' : ', unsigned (no signing-key)'}`,
    );
    core.setOutput('audit-checkpoint', r.checkpoint);
  } catch (e) {
    core.warning(`audit log not published to ${opts.branch}: ${(e as Error).message}`);
  }
}
