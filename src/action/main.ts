import * as core from '@actions/core';
import { readFile } from 'node:fs/promises';
import { assertLogAdoptable } from '../audit/index.js';
import { isAirlockError } from '../errors.js';
import { hostResourceError } from '../host-error.js';
import { cancelOnSignals } from '../gate/cancel.js';
import { parseImageInput } from '../gate/image-stage.js';
import { runGate } from '../gate/pipeline.js';
import { emitAnnotations } from '../github/annotations.js';
import { reportAnnotations } from '../github/report-annotations.js';
import { uploadSarif } from '../github/code-scanning.js';
import { type GitHubContext, readGitHubContext, sarifTargetForCheckout } from '../github/context.js';
import { assertGatesThePullRequest, assertSafeTrigger, readWorkspaceHead } from '../github/safe-trigger.js';
import { sarifUploadRefusal } from '../github/sarif-scope.js';
import { renderSummary, STEP_SUMMARY_MAX_BYTES, type SummaryOptions } from '../report/summary.js';
import type { GateReport } from '../report/types.js';
import type { GateSettings } from '../settings/gate-settings.js';
import { artifactNote, artifactStage } from './artifact-stage.js';
import { reportFailure } from './failure-report.js';
import { branchAccess, branchCheckpointSource, publishAuditStage } from './publish-stage.js';
import { restoreAuditLog } from './restore-audit-log.js';
import { type ActionInputs, readActionInputs, resolveOutputs } from './inputs.js';
import { type TrustStage, trustStage } from './trust-stage.js';

/**
 * The Action: a thin shell over the shared gate pipeline.
 * inputs + event → settings → runGate → outputs, job summary, annotations,
 * SARIF upload, audit publishing → exit status.
 */
export async function run(env: NodeJS.ProcessEnv = process.env): Promise<void> {
  // Once the gate's own outputs and summary are written, a later failure (upload,
  // publish) must not overwrite them with a "did not run" report.
  let reported = false;
  try {
    const ctx = await readGitHubContext(env);
    const inputs = await readActionInputs();
    const workspace = ctx.workspace ?? process.cwd();
    const head = await readWorkspaceHead(workspace).catch(() => undefined);
    assertSafeTrigger(ctx, { allowPullRequestTarget: inputs.allowPullRequestTarget, workspaceHeadSha: head });
    // A pull_request_target run on the base would gate nothing: an error, before anything runs or uploads.
    assertGatesThePullRequest(ctx, head);

    const settings = gateSettings(ctx, inputs, workspace, env, head);
    if (settings.audit && !settings.audit.signingKey) {
      core.notice(
        'no signing-key input: the audit log is written and hash-chained, its checkpoint unsigned (see docs/audit-format.md)',
      );
    }
    // A log that came with the checkout (a PR can commit one) is extended only if the
    // audit branch vouches for it (src/audit/trust.ts); checked before anything is recorded.
    if (settings.audit) {
      await assertLogAdoptable({
        log: settings.audit.log,
        branchCheckpoint: inputs.auditBranch
          ? branchCheckpointSource({
              branch: inputs.auditBranch,
              ctx,
              token: inputs.token,
              remote: env.AIRLOCK_AUDIT_REMOTE,
            })
          : undefined,
      });
      // A fresh runner has no log: the branch's, verified, lets the verdict cache reuse
      // earlier runs' scans (docs/cache.md). Never fails the run.
      if (inputs.auditBranch) {
        await restoreAuditLog({
          workspace,
          audit: settings.audit,
          branch: inputs.auditBranch,
          access: branchAccess(ctx, inputs.token, env.AIRLOCK_AUDIT_REMOTE),
          tempRoot: env.RUNNER_TEMP || undefined,
        });
      }
    }
    const trust = await trustStage({
      ctx,
      workspace,
      policy: settings.policy,
      head,
      failOnPolicyChange: inputs.failOnPolicyChange,
      tempRoot: env.RUNNER_TEMP || undefined,
    });
    settings.policy = trust.policy;
    settings.policyRevision = trust.policyRevision;
    settings.preVerdictReasons = trust.preVerdictReasons;
    // A cancelled job (SIGINT, then SIGTERM) still gets its partial report and audit entry.
    const cancellation = cancelOnSignals({ log: (l) => core.warning(l) });
    let gate: Awaited<ReturnType<typeof runGate>>;
    try {
      gate = await runGate(settings, {
        progress: (l) => core.info(l),
        env,
        blobBase: blobBase(ctx, head),
        signal: cancellation.signal,
      });
    } finally {
      cancellation.dispose();
      await trust.dispose();
    }
    const { report, auditAppended } = gate;

    setOutputs(report, settings, trust);
    if (report.scripts.length === 0)
      core.warning("Airlock scanned nothing: no script matched the gate's paths");
    if (report.cancelled) {
      // Nothing more within the few seconds GitHub gives before SIGKILL: a partial SARIF
      // could close alerts, and publishing or uploading is a network round trip. The local log holds it.
      await writeStepSummary(settings, report, trust, { blobBase: blobBase(ctx, head) });
      reported = true;
      core.setFailed(
        `Airlock: cancelled by ${report.cancelled.signal}: ${report.cancelled.inFlight} run(s) stopped, ${report.cancelled.notStarted} not started; SARIF not uploaded, audit log not published, output not uploaded as an artifact`,
      );
      return;
    }
    // Findings first, so the step's first annotations are the most severe findings.
    emitAnnotations(reportAnnotations(report), core, { seeAlso: 'the job summary and the SARIF' });

    // Before the summary, which links to it; never throws, never changes the verdict.
    const artifact = inputs.uploadArtifact
      ? await artifactStage({ ctx, inputs, outDir: settings.outDir, env })
      : undefined;
    await writeStepSummary(settings, report, trust, {
      blobBase: blobBase(ctx, head),
      artifactUrl: artifact?.uploaded ? artifact.url : undefined,
      artifact: artifact ? artifactNote(artifact) : undefined,
    });
    reported = true;

    if (inputs.uploadSarif) await uploadStage(ctx, inputs, settings, head, workspace, report);
    if (settings.audit && inputs.auditBranch && auditAppended !== undefined) {
      await publishAuditStage({
        settings,
        branch: inputs.auditBranch,
        ctx,
        token: inputs.token,
        appended: auditAppended,
        remote: env.AIRLOCK_AUDIT_REMOTE,
      });
    }

    if (report.verdict === 'fail') {
      core.setFailed(`Airlock: the gate said no:\n- ${report.verdictReasons.join('\n- ')}`);
    }
  } catch (thrown) {
    // The user's mistake (or a full disk) gets its one-line cause; a bug its stack.
    const e = hostResourceError(thrown) ?? thrown;
    const reason = isAirlockError(e) ? `${e.code}: ${e.message}` : String((e as Error)?.message ?? e);
    if (!reported) await reportFailure(reason);
    core.setFailed(isAirlockError(e) ? `airlock: ${reason}` : ((e as Error)?.stack ?? String(e)));
  }
}

function gateSettings(
  ctx: GitHubContext,
  inputs: ActionInputs,
  workspace: string,
  env: NodeJS.ProcessEnv,
  head: string | undefined,
): GateSettings {
  const out = resolveOutputs(workspace, env, inputs);
  const pr = ctx.pullRequest;
  // On pull requests only what the PR brings is gated: base...HEAD of the checkout.
  const onPr = (ctx.eventName === 'pull_request' || ctx.eventName === 'pull_request_target') && pr;
  return {
    workspace,
    paths: inputs.paths,
    mode: inputs.mode,
    policy: out.policy,
    imageChoice: parseImageInput(inputs.image),
    engine: inputs.engine,
    failOn: inputs.failOn,
    outDir: out.outDir,
    reportFile: out.reportFile,
    sarifFile: out.sarifFile,
    summaryFile: out.summaryFile,
    sarifCategory: inputs.sarifCategory,
    audit: out.audit,
    changedBetween: onPr ? { base: pr.baseSha, head: head ?? pr.headSha } : undefined,
    run: {
      repository: ctx.repository,
      commit: head ?? ctx.sha,
      workflowRun: ctx.runId ? `${ctx.runId}/${ctx.runAttempt || '1'}` : undefined,
      actor: ctx.actor,
      event: ctx.eventName,
    },
  };
}

function setOutputs(report: GateReport, settings: GateSettings, trust: TrustStage): void {
  core.setOutput('verdict', report.verdict);
  core.setOutput('scanned-count', report.scripts.length);
  core.setOutput('policy-changed', trust.policyChanges.files.length > 0);
  core.setOutput('workflow-changed', trust.workflowChanges.files.length > 0);
  core.setOutput('low-count', report.counts.low);
  core.setOutput('high-count', report.counts.high);
  core.setOutput('blocked-count', report.counts.blocked);
  core.setOutput('sarif-path', settings.sarifFile);
  core.setOutput('report-path', settings.reportFile);
  core.setOutput('audit-checkpoint', report.audit?.checkpoint ?? '');
  core.setOutput('image-id', report.image.id ?? '');
}

/**
 * The job summary: the gate's own (summary.md), re-rendered when the Action has more to
 * say (the artifact) or it would not fit beside the pull request's trust sections.
 */
async function writeStepSummary(
  settings: GateSettings,
  report: GateReport,
  trust: TrustStage,
  opts: SummaryOptions,
): Promise<void> {
  if (!settings.summaryFile) return;
  const trustPart = trust.summary ? `\n${trust.summary}` : '';
  // One step's summary must stay under GitHub's 1 MiB together with the PR's trust sections.
  const room = STEP_SUMMARY_MAX_BYTES - Buffer.byteLength(trustPart, 'utf8');
  let gateSummary = opts.artifact ? '' : await readFile(settings.summaryFile, 'utf8');
  if (opts.artifact || Buffer.byteLength(gateSummary, 'utf8') > room)
    gateSummary = renderSummary(report, { ...opts, maxBytes: room });
  await core.summary.addRaw(gateSummary + trustPart).write();
}

function blobBase(ctx: GitHubContext, head: string | undefined): string {
  return `${ctx.serverUrl}/${ctx.repository}/blob/${head ?? ctx.sha}`;
}

async function uploadStage(
  ctx: GitHubContext,
  inputs: ActionInputs,
  settings: GateSettings,
  head: string | undefined,
  workspace: string,
  report: GateReport,
): Promise<void> {
  const target = head ? sarifTargetForCheckout(ctx, head) : ctx.sarifTarget;
  if (!target) {
    core.warning(
      `SARIF not uploaded: ref '${ctx.ref}' is not one code scanning accepts; the file is at ${settings.sarifFile}`,
    );
    return;
  }
  const refusal = sarifUploadRefusal({
    diffScoped: settings.changedBetween !== undefined,
    scanned: report.scripts.length,
    targetRef: target.ref,
  });
  if (refusal) {
    core.warning(`SARIF not uploaded: ${refusal}; the file is at ${settings.sarifFile}`);
    return;
  }
  const outcome = await uploadSarif({
    apiUrl: ctx.apiUrl,
    token: inputs.token,
    owner: ctx.owner,
    repo: ctx.repo,
    sarifJson: await readFile(settings.sarifFile, 'utf8'),
    commitSha: target.commitSha,
    ref: target.ref,
    category: inputs.sarifCategory,
    checkoutUri: workspace,
    log: (l) => core.info(l),
  });
  if (!outcome.uploaded) {
    // Never fails the gate: fork PRs get a read-only token by design.
    core.warning(`SARIF not uploaded: ${outcome.reason}. The file is at ${settings.sarifFile}.`);
  } else if (outcome.processingStatus === 'failed') {
    core.warning(`code scanning could not process the SARIF: ${outcome.errors.join('; ')}`);
  } else {
    core.info(`SARIF uploaded (id ${outcome.sarifId}, ${outcome.processingStatus})`);
  }
}
