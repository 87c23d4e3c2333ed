import { basename, isAbsolute, relative } from 'node:path';
import type { Policy } from '../policy/index.js';
import { policySha256 } from '../policy/index.js';
import { buildSarif, writeSarif } from '../report/sarif.js';
import { renderSummary } from '../report/summary.js';
import type { GateReport, ModuleReport, ScriptReport } from '../report/types.js';
import { writeJson, writeOutputFile } from '../report/write-json.js';
import type { GateSettings } from '../settings/gate-settings.js';
import { VERSION } from '../version.js';
import type { DataFile } from './data-inputs.js';
import type { OutputRun } from './output-dir.js';
import type { ScanStageResult } from './scan-stage.js';
import { countLevels } from './verdict.js';

/** The policy as a reader knows it: workspace-relative, or the shipped file's name. */
export function displayPolicyPath(workspace: string, path: string): string {
  const rel = relative(workspace, path);
  return rel.startsWith('..') || isAbsolute(rel) ? `airlock:policies/${basename(path)}` : rel;
}

/** The gate's report (DESIGN.md "Report"), from what the run decided and recorded. */
export function buildGateReport(r: {
  settings: GateSettings;
  policy: Policy;
  startedAt: Date;
  verdict: { verdict: GateReport['verdict']; reasons: string[] };
  image: { ref: string; id: string };
  scan: ScanStageResult;
  notices: string[];
  scripts: ScriptReport[];
  modules: ModuleReport[];
  inputs?: DataFile[];
  closed?: { checkpoint: string; size: number; root: string; signed: boolean };
  cancelled?: GateReport['cancelled'];
}): GateReport {
  const { settings, policy } = r;
  return {
    version: 1,
    tool: { name: 'airlock', version: VERSION },
    startedAt: r.startedAt.toISOString(),
    finishedAt: new Date().toISOString(),
    workspace: settings.workspace,
    verdict: r.verdict.verdict,
    verdictReasons: r.verdict.reasons,
    counts: countLevels(r.scripts),
    policy: {
      path: settings.policyRevision?.path ?? displayPolicyPath(settings.workspace, policy.source.path),
      name: policy.name,
      sha256: policySha256(policy),
      revision: settings.policyRevision?.commit ?? null,
    },
    image: r.image,
    scanners: r.scan.scanners,
    notices: [...new Set(r.notices)],
    scripts: r.scripts,
    modules: r.modules.length ? r.modules : undefined,
    inputs: r.inputs?.length ? r.inputs : undefined,
    audit:
      r.closed && settings.audit
        ? {
            log: relative(settings.workspace, settings.audit.log),
            checkpoint: r.closed.checkpoint,
            size: r.closed.size,
            root: r.closed.root,
            signed: r.closed.signed,
          }
        : undefined,
    cancelled: r.cancelled,
    sarif: relative(settings.workspace, settings.sarifFile),
  };
}

/**
 * The SARIF, the report and the summary, each written to a temp name and renamed (never
 * half a file), into this run's own directory when it belongs under the output
 * directory; the output run's commit puts them in place. The SARIF is built from the
 * stage, which holds the exact bytes scanned: GitHub's line fingerprints come from them.
 */
export async function writeGateOutputs(o: {
  output: OutputRun;
  settings: GateSettings;
  report: GateReport;
  scan: ScanStageResult;
  stageRoot: string;
  /** Sources not read from the stage: a notebook's committed bytes (its path holds the runnable copy). */
  sources?: ReadonlyMap<string, string>;
  blobBase?: string;
}): Promise<void> {
  const { output, settings, report } = o;
  const sarif = buildSarif({
    scripts: report.scripts,
    scanners: o.scan.scanners,
    category: settings.sarifCategory,
    rules: o.scan.rules,
    sourceRoot: o.stageRoot,
    sources: o.sources,
    cancelled: report.cancelled,
  });
  await output.write(settings.sarifFile, (p) => writeSarif(sarif.log, p));
  report.notices.push(...sarif.notices);
  await output.write(settings.reportFile, (p) => writeJson(p, report));
  const summary = settings.summaryFile;
  if (summary) {
    await output.write(summary, (p) => writeOutputFile(p, renderSummary(report, { blobBase: o.blobBase })));
  }
}
