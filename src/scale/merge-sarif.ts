import type { Log, Notification, ReportingDescriptor, Result, Run } from 'sarif';
import { VerificationError } from '../errors.js';
import { enforceSarifLimits, GITHUB_SARIF_LIMITS } from '../report/sarif-limits.js';
import { SARIF_SCHEMA } from '../report/sarif.js';
import { SCANNERS } from '../scan/registry.js';

/**
 * One SARIF log from the shards' logs: one run per tool (Bandit, Semgrep, Airlock) under
 * the one category, as a single gate writes it (src/report/sarif.ts). Results are taken as
 * the shards wrote them, so their `partialFingerprints` (computed by each shard from the
 * bytes it scanned) are intact; only `ruleIndex` is renumbered into the merged rule list.
 * A rule seen in several shards keeps the strictest default level and the lowest precision
 * of its descriptors, as one gate would derive them from all its findings.
 */
export function mergeSarif(logs: readonly { shard: number; log: Log }[]): { log: Log; notices: string[] } {
  const byTool = new Map<string, { runs: Run[]; shards: number[] }>();
  for (const { shard, log } of logs) {
    for (const run of log.runs) {
      const name = run.tool.driver.name;
      const entry = byTool.get(name) ?? { runs: [], shards: [] };
      entry.runs.push(run);
      entry.shards.push(shard);
      byTool.set(name, entry);
    }
  }
  const order = [...SCANNERS.map((s) => s.driver.name), 'Airlock'];
  const names = [...byTool.keys()].sort((a, b) => rankOf(order, a) - rankOf(order, b) || (a < b ? -1 : 1));
  const runs = names.map((n) => mergeRuns(n, byTool.get(n)!));
  const log: Log = { version: '2.1.0', $schema: SARIF_SCHEMA, runs };
  const notices = enforceSarifLimits(log, GITHUB_SARIF_LIMITS);
  return { log, notices };
}

function rankOf(order: string[], name: string): number {
  const i = order.indexOf(name);
  return i < 0 ? order.length : i;
}

const LEVEL_RANK: Record<string, number> = { none: 0, note: 1, warning: 2, error: 3 };
const PRECISION_RANK: Record<string, number> = { low: 0, medium: 1, high: 2 };

function mergeRuns(name: string, { runs, shards }: { runs: Run[]; shards: number[] }): Run {
  const base = runs[0]!;
  const category = base.automationDetails?.id;
  runs.forEach((r, i) => {
    if (r.automationDetails?.id !== category || r.tool.driver.version !== base.tool.driver.version) {
      throw new VerificationError(
        'SHARD_MISMATCH',
        `shard ${shards[i]}'s SARIF run for ${name} has category ${r.automationDetails?.id} version ${r.tool.driver.version}, shard ${shards[0]}'s ${category} ${base.tool.driver.version}`,
      );
    }
  });
  const rules = new Map<string, ReportingDescriptor>();
  const results: Result[] = [];
  const notifications = new Map<string, Notification>();
  let ok = true;
  for (const run of runs) {
    const own = run.tool.driver.rules ?? [];
    for (const d of own) rules.set(d.id, strictest(rules.get(d.id), d));
    for (const r of run.results ?? []) {
      const id = r.ruleId ?? (r.ruleIndex !== undefined ? own[r.ruleIndex]?.id : undefined);
      results.push({ ...r, ruleId: id });
    }
    for (const inv of run.invocations ?? []) {
      if (!inv.executionSuccessful) ok = false;
      for (const n of inv.toolExecutionNotifications ?? []) notifications.set(JSON.stringify(n), n);
    }
  }
  const ruleList = [...rules.values()].sort((a, b) => cmp(a.id, b.id));
  const index = new Map(ruleList.map((d, i) => [d.id, i]));
  results.sort(
    (a, b) => cmp(uriOf(a), uriOf(b)) || lineOf(a) - lineOf(b) || cmp(a.ruleId ?? '', b.ruleId ?? ''),
  );
  for (const r of results)
    if (r.ruleId !== undefined && index.has(r.ruleId)) r.ruleIndex = index.get(r.ruleId);
  return {
    ...base,
    tool: { ...base.tool, driver: { ...base.tool.driver, rules: ruleList } },
    invocations: [{ executionSuccessful: ok, toolExecutionNotifications: [...notifications.values()] }],
    results,
  };
}

function strictest(had: ReportingDescriptor | undefined, d: ReportingDescriptor): ReportingDescriptor {
  if (!had) return d;
  const level = (x: ReportingDescriptor) => LEVEL_RANK[x.defaultConfiguration?.level ?? 'warning'] ?? 2;
  const winner = level(d) > level(had) ? d : had;
  const precision = (x: ReportingDescriptor) => String(x.properties?.precision ?? 'medium');
  const low = [precision(had), precision(d)].sort(
    (a, b) => (PRECISION_RANK[a] ?? 1) - (PRECISION_RANK[b] ?? 1),
  )[0];
  return { ...winner, properties: { ...winner.properties, precision: low } };
}

const uriOf = (r: Result) => r.locations?.[0]?.physicalLocation?.artifactLocation?.uri ?? '';
const lineOf = (r: Result) => r.locations?.[0]?.physicalLocation?.region?.startLine ?? 0;
const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
