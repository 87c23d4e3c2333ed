import { availableParallelism, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { changedPythonFiles, discoverScripts, stagedNames } from '../discover/index.js';
import { hostResourceError } from '../host-error.js';
import type { AppendResult } from '../audit/index.js';
import { expiredAllowlistNotices } from '../policy/helpers.js';
import { revisionCopyRoot } from '../policy/from-revision.js';
import { loadPolicy } from '../policy/index.js';
import type { GateReport, ScriptReport } from '../report/types.js';
import { DEFAULT_SANDBOX_CONFIG } from '../sandbox/profiles.js';
import { runBatch } from '../sandbox/run-batch.js';
import { runHardened } from '../sandbox/run-hardened.js';
import type { SandboxConfig } from '../sandbox/types.js';
import type { GateSettings } from '../settings/gate-settings.js';
import { executeScripts } from '../cache/execute-scope.js';
import { holdUnchanged, openGateCache } from '../cache/gate-cache.js';
import { sha256Hex } from '../sha256.js';
import { createTelemetry, newRunId } from '../telemetry/index.js';
import { type AuditRecorder, openAuditRecorder, readExecutionHistory } from './audit-stage.js';
import { cancellableRunner, cancelledBy } from './cancel.js';
import { executeStage } from './execute-stage.js';
import { type OutputRun, openOutputRun } from './output-dir.js';
import { ensureRealDirs } from './real-dirs.js';
import { type StagedData, stageData } from './data-layout.js';
import { scanStage } from './scan-stage.js';
import { notebookCommand } from '../notebook/runnable.js';
import { stageScripts } from './stage.js';
import { decideVerdict } from './verdict.js';
import { assessStage } from './assess-stage.js';
import { prepareEngineAndImage } from './engine-stage.js';
import { buildGateReport, displayPolicyPath, writeGateOutputs } from './gate-outputs.js';

export type { GateDeps, StageTimings } from './gate-deps.js';
import type { GateDeps, StageTimings } from './gate-deps.js';

/**
 * The one gate pipeline behind both the CLI and the Action:
 * discover → stage → scan → assess → execute → record → report.
 *
 * Fails closed: nothing runs unless every enabled scanner completed, and a run that
 * crashes part-way still closes the audit log with what happened so far.
 */
export async function runGate(settings: GateSettings, deps: GateDeps): Promise<GateRun> {
  // The host running out of disk or file descriptors is the environment's error (exit 2).
  const asTyped = (e: unknown) => hostResourceError(e) ?? e;
  // First, before anything can fail: the previous run's output goes (src/gate/output-dir.ts).
  const output = await openOutputRun({
    workspace: settings.workspace,
    outDir: settings.outDir,
    files: [settings.reportFile, settings.sarifFile, settings.summaryFile],
  }).catch((e) => {
    throw asTyped(e);
  });
  try {
    const run = await gateInto(output, settings, deps);
    await output.commit();
    return run;
  } catch (e) {
    // A run that did not finish leaves no output claiming it did.
    await output.discard();
    throw asTyped(e);
  }
}

type GateRun = { report: GateReport; timings: StageTimings; auditAppended?: AppendResult[] };

async function gateInto(output: OutputRun, settings: GateSettings, deps: GateDeps): Promise<GateRun> {
  const startedAt = new Date();
  const t = { discoverMs: 0, scanMs: 0, assessMs: 0, executeMs: 0, recordMs: 0 };
  const clock = () => performance.now();
  // The policy and what it names stay inside the workspace (or, read from a trusted
  // revision, inside that private copy): src/policy/policy-scope.ts.
  const policyRoot =
    settings.policyRevision && settings.policy
      ? revisionCopyRoot(settings.policy, settings.policyRevision.path)
      : settings.workspace;
  const policy = await loadPolicy(settings.policy, { root: policyRoot });
  const failOn = settings.failOn ?? policy.failOn;
  const sandbox: SandboxConfig = {
    image: settings.imageRef ?? policy.sandbox.image,
    runtime: settings.runtime ?? policy.sandbox.runtime,
    user: policy.sandbox.user,
    parallelism: policy.sandbox.parallelism || availableParallelism(),
    label: DEFAULT_SANDBOX_CONFIG.label,
  };
  const notices = [...expiredAllowlistNotices(policy, startedAt)];

  let c = clock();
  const changed = settings.changedBetween
    ? await changedPythonFiles({ workspace: settings.workspace, ...settings.changedBetween })
    : undefined;
  const found = await discoverScripts({
    workspace: settings.workspace,
    paths: settings.paths,
    maxFiles: policy.limits.maxFiles,
    maxFileBytes: policy.limits.maxFileBytes,
    changedFiles: changed,
  });
  for (const s of found.skipped) notices.push(`skipped ${JSON.stringify(s.path)}: ${s.reason}`);
  t.discoverMs = clock() - c;
  deps.progress(
    `discover: ${found.scripts.length} script(s)${changed ? ` changed in ${settings.changedBetween?.base}...${settings.changedBetween?.head}` : ''}`,
  );

  const { engine, image } = await prepareEngineAndImage({
    settings,
    policy,
    sandbox,
    given: deps.engine,
    env: deps.env,
    progress: deps.progress,
    notices,
  });

  // The log's directory too is made (and read) without following a link a pull request committed.
  if (settings.audit) await ensureRealDirs(settings.workspace, dirname(settings.audit.log), 'audit log');
  // Metrics are this run's own (one Pushgateway group per run); the failure streak
  // continues from the audit history.
  const telemetry = createTelemetry({
    env: deps.env,
    runId: newRunId(deps.env),
    log: deps.telemetryLog,
    history: settings.audit ? await readExecutionHistory(settings.audit.log) : undefined,
  });
  const audit: AuditRecorder | undefined = settings.audit
    ? await openAuditRecorder(settings.audit, deps.progress)
    : undefined;
  // Notebooks are staged and scanned as the script extracted from their code cells, and
  // run from a notebook of exactly that code, staged over the committed one (runnable.ts).
  const { notebookOf, stagedOf } = stagedNames(found.scripts);
  const stage = await stageScripts({
    workspace: settings.workspace,
    scripts: found.scripts.flatMap((s) => [
      { path: stagedOf(s.path), content: s.content },
      ...(s.notebook ? [{ path: s.path, content: s.notebook.runnable }] : []),
    ]),
    maxFiles: 10_000,
    maxBytes: 256 * 1024 * 1024,
  }).catch(async (e) => {
    // The log is open: close it on an entry that says why the run ended (and free its lock).
    await audit?.abort(e).catch(() => undefined);
    throw hostResourceError(e, `the staged copy of the scripts in ${tmpdir()} (TMPDIR)`) ?? e;
  });
  notices.push(...stage.notices);
  const scripts: ScriptReport[] = found.scripts.map((s) => ({
    path: s.path,
    sha256: s.sha256,
    bytes: s.bytes,
    level: 'blocked',
    levelReasons: [],
    findings: [],
    decision: 'skipped',
  }));
  try {
    // The policy's data inputs, copied and hashed once, before anything is recorded or runs.
    let data: StagedData | undefined;
    if (settings.mode === 'gate' && policy.data.length > 0) {
      data = await stageData({
        workspace: settings.workspace,
        patterns: policy.data,
        limits: { maxFiles: policy.limits.maxDataFiles, maxBytes: policy.limits.maxDataBytes },
        policyLabel:
          settings.policyRevision?.path ?? displayPolicyPath(settings.workspace, policy.source.path),
        into: join(stage.base, 'data'),
        tree: stage.root,
        scripts: found.scripts.map((s) => stagedOf(s.path)),
      });
      notices.push(...data.notices);
    }
    await audit?.runStart({ settings, policy, image, scripts: scripts.length, inputs: data?.files });
    // The verdict cache: an index over the signed audit log (src/cache/, docs/cache.md).
    const cache = await openGateCache({
      audit: settings.audit,
      policy,
      imageId: image.id,
      files: new Map([
        ...found.scripts.map((s) => [stagedOf(s.path), sha256Hex(s.content)] as const),
        ...stage.modules.map((m) => [m.path, m.sha256] as const),
      ]),
      progress: deps.progress,
    });

    c = clock();
    const scan = await scanStage({
      policy,
      stageRoot: stage.root,
      // Every Python source staged beside the scripts is scanned too: `import` would run it.
      files: [...scripts.map((s) => stagedOf(s.path)), ...stage.modules.map((m) => m.path)],
      sandbox,
      runner: cancellableRunner(deps.scanRunner ?? ((run) => runHardened(run, engine)), deps.signal),
      progress: deps.progress,
      reuse: cache,
    });
    cache?.capture(scan.findingsByPath, scan.rules, scan.scanners);
    notices.push(...scan.notices);
    t.scanMs = clock() - c;
    // SandboxScannerUnavailable: a scanner that failed, or a required one that is missing.
    // A scanner stopped by cancellation is not an unavailable one.
    const scannerFailures = cancelledBy(deps.signal) ? [] : scan.scanners;
    for (const sc of scannerFailures.filter((x) => x.status === 'failed')) {
      telemetry.recordAlert({
        reason: 'scanner_unavailable',
        detail: `${sc.tool} failed: ${sc.message ?? ''}`,
      });
    }
    for (const g of scan.gaps) telemetry.recordAlert({ reason: 'scanner_unavailable', detail: g });

    c = clock();
    const staged = assessStage({
      scripts,
      modules: stage.modules,
      scan,
      policy,
      failOn,
      now: startedAt,
      names: { notebookOf, stagedOf },
      cache,
      notices,
    });
    t.assessMs = clock() - c;
    await audit?.scanned(scripts, scan.scanners, staged.modules, (p) => cache?.auditField(stagedOf(p)));

    c = clock();
    let stopped = { inFlightCancelled: 0, notStarted: 0 };
    if (settings.mode === 'gate') {
      // Each level's sandbox leaves out the sources rated stricter: nothing can import them.
      await stage.prepareRun(staged.hiddenByLevel);
      const levelOf = new Map(scripts.map((s) => [s.path, s.level]));
      const scope = executeScripts({
        flag: settings.executeScripts,
        policy: policy.execute.scripts,
        event: settings.run.event,
        pullRequestRange: settings.changedBetween !== undefined,
      });
      stopped = await executeStage({
        policy,
        scripts: holdUnchanged(scripts, staged.modules, scope, data !== undefined),
        dirOf: (p) => stage.dirOf(p, levelOf.get(p) ?? 'blocked'),
        commandOf: (p) => (notebookOf(p) ? notebookCommand(p) : undefined),
        ...(data ? { dataOf: (p: string) => data.mountFor(stagedOf(p)) } : {}),
        sandbox,
        outDir: output.dir,
        runBatch,
        engine,
        progress: deps.progress,
        signal: deps.signal,
        workspace: settings.workspace,
        onResult: async (script, result) => {
          telemetry.recordSandboxRun({
            status: result.status,
            durationMs: result.durationMs,
            exitCode: result.exitCode,
            scriptPath: script.path,
            sha256: script.sha256,
          });
          await audit?.executed(script, result);
        },
      });
    } else {
      for (const s of scripts) s.decision = s.level === 'blocked' ? 'blocked' : 'skipped';
    }
    t.executeMs = clock() - c;
    if (cache?.reusedCount) {
      const held = scripts.filter((s) => s.unchanged).length;
      notices.push(
        `verdict cache: ${cache.reusedCount} scan result(s) reused from signed audit entries${held ? `; ${held} unchanged script(s) not run (execute.scripts: changed)` : ''}`,
      );
    }
    await audit?.decided(scripts);

    const verdict = decideVerdict(scripts, scan.scanners, failOn, scan.gaps, found.ungated);
    if (found.ungatedCount > found.ungated.length && failOn.includes('ungated'))
      verdict.reasons.push(`and ${found.ungatedCount - found.ungated.length} more file(s) not gated`);
    if (settings.preVerdictReasons?.length) {
      verdict.reasons.unshift(...settings.preVerdictReasons);
      verdict.verdict = 'fail';
    }
    const by = cancelledBy(deps.signal);
    const cancelled = by
      ? { signal: by, inFlight: stopped.inFlightCancelled, notStarted: stopped.notStarted }
      : undefined;
    if (cancelled) {
      verdict.verdict = 'fail';
      verdict.reasons.unshift(
        `cancelled by ${cancelled.signal}: ${cancelled.inFlight} run(s) stopped, ${cancelled.notStarted} script(s) not started`,
      );
    }
    c = clock();
    const closed = await audit?.close(verdict.verdict, cancelled);
    t.recordMs = clock() - c;

    const report = buildGateReport({
      settings,
      policy,
      startedAt,
      verdict,
      image: { ref: sandbox.image, id: image.id },
      scan,
      notices,
      scripts,
      modules: staged.modules,
      inputs: data?.files,
      closed,
      cancelled,
    });
    const sources = new Map(
      found.scripts.flatMap((s) =>
        s.notebook ? [[s.path, s.notebook.committed.toString('utf8')] as const] : [],
      ),
    );
    await writeGateOutputs({
      output,
      sources,
      settings,
      report,
      scan,
      stageRoot: stage.root,
      blobBase: deps.blobBase,
    });
    // Bounded and never throws: a metrics endpoint that is down cannot fail the gate.
    await telemetry.flush();
    return { report, timings: t, auditAppended: closed?.appended };
  } catch (e) {
    // Whatever happened, the log is closed on a verifiable entry that says so.
    await audit?.abort(e).catch(() => undefined);
    throw e;
  } finally {
    await stage.dispose();
  }
}
