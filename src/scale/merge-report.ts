import { countLevels } from '../gate/verdict.js';
import type { GateReport, ModuleReport, ScannerStatus, ScriptReport } from '../report/types.js';
import { VERSION } from '../version.js';
import type { LoadedShard } from './merge-load.js';
import type { ShardPlan } from './plan-file.js';

const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/**
 * One report for the whole plan, as one unsharded gate of the same scripts would have
 * written it: scripts in path order, counts recomputed, the verdict failing when any
 * shard's did (each shard's reasons are about its own scripts and scanners, so their
 * union is the unsharded list), scanners combined per tool (failed anywhere = failed).
 * Python files staged beside a shard's scripts that are scripts of another shard are
 * scripts here, not modules.
 */
export function mergeReports(opts: {
  plan: ShardPlan;
  shards: readonly LoadedShard[];
  workspace: string;
  sarif: string;
}): GateReport {
  const reports = [...opts.shards].sort((a, b) => a.manifest.shard - b.manifest.shard).map((s) => s.report);
  const first = reports[0];
  const scripts: ScriptReport[] = reports.flatMap((r) => r.scripts).sort((a, b) => cmp(a.path, b.path));
  const planned = new Set(opts.plan.scripts.map((s) => s.path));
  const modules = new Map<string, ModuleReport>();
  for (const r of reports)
    for (const m of r.modules ?? []) if (!planned.has(m.path) && !modules.has(m.path)) modules.set(m.path, m);
  const reasons = new Set<string>();
  // Files the plan could not gate fail the merged gate as they fail one gate (failOn `ungated`).
  if (opts.plan.failOn.includes('ungated'))
    for (const u of opts.plan.ungated) reasons.add(`${JSON.stringify(u.path)}: not gated: ${u.reason}`);
  for (const r of reports) for (const why of r.verdictReasons) reasons.add(why);
  const failed = reports.some((r) => r.verdict === 'fail') || reasons.size > 0;
  // One gate lists reasons about scanners and files first, then per script in path order
  // (src/gate/verdict.ts): the same order here, so the merged report reads like one gate's.
  const rank = new Map(scripts.map((s, i) => [`${s.path}: `, i]));
  const rankOf = (why: string) => rank.get(why.slice(0, why.indexOf(': ') + 2)) ?? -1;
  const ordered = [...reasons].sort((a, b) => rankOf(a) - rankOf(b));
  const cancelled = reports.filter((r) => r.cancelled).map((r) => r.cancelled!);
  return {
    version: 1,
    tool: { name: 'airlock', version: VERSION },
    startedAt: reports.map((r) => r.startedAt).sort()[0] ?? new Date().toISOString(),
    finishedAt: new Date().toISOString(),
    workspace: opts.workspace,
    verdict: failed ? 'fail' : 'pass',
    verdictReasons: ordered,
    counts: countLevels(scripts),
    policy: first?.policy ?? {
      path: opts.plan.policy.path,
      name: opts.plan.policy.name,
      sha256: opts.plan.policy.sha256,
    },
    image: first?.image ?? { ref: '', id: null },
    scanners: mergeScanners(reports.map((r) => r.scanners)),
    notices: [...new Set(reports.flatMap((r) => r.notices))],
    scripts,
    modules: modules.size ? [...modules.values()].sort((a, b) => cmp(a.path, b.path)) : undefined,
    cancelled: cancelled.length
      ? {
          signal: cancelled[0]!.signal,
          inFlight: cancelled.reduce((n, c) => n + c.inFlight, 0),
          notStarted: cancelled.reduce((n, c) => n + c.notStarted, 0),
        }
      : undefined,
    sarif: opts.sarif,
  };
}

/** Per tool: failed if it failed in any shard, else unavailable if so anywhere, else ran; durations add up. */
function mergeScanners(lists: ScannerStatus[][]): ScannerStatus[] {
  const rank = { failed: 2, unavailable: 1, ran: 0 } as const;
  const out = new Map<string, ScannerStatus>();
  for (const list of lists) {
    for (const s of list) {
      const had = out.get(s.tool);
      if (!had) {
        out.set(s.tool, { ...s });
        continue;
      }
      if (rank[s.status] > rank[had.status]) {
        had.status = s.status;
        had.message = s.message;
      }
      if (s.durationMs !== undefined) had.durationMs = (had.durationMs ?? 0) + s.durationMs;
    }
  }
  return [...out.values()];
}
