import * as core from '@actions/core';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { publishAuditLog, readRunEntries } from '../audit/index.js';
import type { GitHubContext } from '../github/context.js';
import type { GateSettings } from '../settings/gate-settings.js';

/**
 * Commits this run's audit entries (and the image smoke results, when a smoke report
 * sits in the output directory) to the audit branch. The token goes to git as an
 * HTTP header through GIT_CONFIG_* variables: never in a URL, argv or log line.
 * A push the token may not make is a warning, never a failed gate: fork PRs get a
 * read-only token by design (docs/github.md has the fork-safe pattern).
 */
export async function publishAuditStage(opts: {
  settings: GateSettings;
  branch: string;
  ctx: GitHubContext;
  token: string;
  firstSeq: number;
  remote?: string;
}): Promise<void> {
  const audit = opts.settings.audit;
  if (!audit) return;
  const remote = opts.remote ?? `${opts.ctx.serverUrl}/${opts.ctx.repository}.git`;
  const basic = Buffer.from(`x-access-token:${opts.token}`).toString('base64');
  core.setSecret(basic);
  const extraFiles: { path: string; content: string }[] = [];
  const smoke = await readFile(join(opts.settings.outDir, 'smoke.json'), 'utf8').catch(() => undefined);
  if (smoke !== undefined) extraFiles.push({ path: 'smoke.json', content: smoke });
  try {
    const entries = await readRunEntries(audit.log, opts.firstSeq);
    const r = await publishAuditLog({
      remote,
      branch: opts.branch,
      origin: audit.origin,
      signingKey: audit.signingKey,
      entries,
      extraFiles,
      gitEnv: opts.token
        ? {
            GIT_CONFIG_COUNT: '1',
            GIT_CONFIG_KEY_0: `http.${new URL(opts.ctx.serverUrl).origin}/.extraheader`,
            GIT_CONFIG_VALUE_0: `AUTHORIZATION: basic ${basic}`,
          }
        : undefined,
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
