import { relative } from 'node:path';
import { openOutputRun } from '../gate/output-dir.js';
import { writeSarif } from '../report/sarif.js';
import { renderSummary } from '../report/summary.js';
import type { GateReport } from '../report/types.js';
import { writeJson, writeOutputFile } from '../report/write-json.js';
import type { AuditSettings } from '../settings/gate-settings.js';
import { recordMerge } from './merge-audit.js';
import { checkShardSet } from './merge-check.js';
import { type LoadedShard, loadShardOutput } from './merge-load.js';
import { mergeReports } from './merge-report.js';
import { mergeSarif } from './merge-sarif.js';
import { readPlanFile } from './plan-file.js';

export interface MergeSettings {
  workspace: string;
  plan: string;
  dirs: string[];
  outDir: string;
  reportFile: string;
  sarifFile: string;
  summaryFile?: string;
  /** The branch log: gets one `shard` entry per shard and a `merge` entry, signed by this key. */
  audit?: AuditSettings;
  progress: (line: string) => void;
}

/**
 * `airlock merge --plan F DIR...`: checks every shard output (merge-load.ts: each on its
 * own; merge-check.ts: together, against the plan) and only then writes one report, one
 * SARIF, one summary and the audit record. Like a gate run, the output directory holds
 * only a merge that finished: a refused merge leaves no report that could pass for one.
 */
export async function runMerge(s: MergeSettings): Promise<GateReport> {
  const output = await openOutputRun({
    workspace: s.workspace,
    outDir: s.outDir,
    files: [s.reportFile, s.sarifFile, s.summaryFile],
  });
  try {
    const loaded = await readPlanFile(s.plan);
    const shards: LoadedShard[] = [];
    for (const dir of s.dirs) {
      shards.push(await loadShardOutput(dir));
      s.progress(`merge: ${dir}: shard ${shards.at(-1)?.manifest.shard} verifies`);
    }
    checkShardSet(loaded, shards);
    const sarif = mergeSarif(shards.map((x) => ({ shard: x.manifest.shard, log: x.sarif })));
    const report = mergeReports({
      plan: loaded.plan,
      shards,
      workspace: s.workspace,
      sarif: relative(s.workspace, s.sarifFile),
    });
    report.notices.push(...sarif.notices);
    if (s.audit) {
      const closed = await recordMerge(
        s.audit,
        { sha256: loaded.sha256, shards: loaded.plan.shards },
        shards,
        report,
      );
      report.audit = {
        log: relative(s.workspace, s.audit.log),
        checkpoint: closed.checkpoint,
        size: closed.size,
        root: closed.root,
        signed: closed.signed,
      };
      s.progress(`merge: recorded ${shards.length} shard(s) in ${s.audit.log} (size ${closed.size})`);
    }
    await output.write(s.sarifFile, (p) => writeSarif(sarif.log, p));
    await output.write(s.reportFile, (p) => writeJson(p, report));
    const summary = s.summaryFile;
    if (summary) await output.write(summary, (p) => writeOutputFile(p, renderSummary(report)));
    await output.commit();
    return report;
  } catch (e) {
    await output.discard();
    throw e;
  }
}
