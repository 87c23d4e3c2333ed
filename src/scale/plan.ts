import { posix } from 'node:path';
import { MAX_SHARDS, PLAN_KIND, type PlanScript, type ShardPlan } from './plan-file.js';

/**
 * Balances scripts over shards (`airlock plan`). Pure: the discovered scripts in, the
 * plan out.
 *
 * Cost model (a simple one, not measured per script): a script costs a constant (its
 * sandbox run and the scanners' per-file work; `PER_SCRIPT_BYTES`, expressed in bytes of
 * source) plus its size in bytes (what the scanners read). Tiny scripts are balanced by
 * count, large ones by size.
 *
 * Units, not scripts, are assigned, for two reasons:
 * - A shard stages each script's whole folder, and every Python file staged beside a
 *   script is scanned too (import would run it: src/gate/stage.ts). So scripts of one
 *   folder (with its subfolders) go to one shard as a unit: splitting a folder over k
 *   shards would scan its other Python files k times.
 * - De-duplication by content hash: a folder heavier than a fair share (total / shards)
 *   is split, but only into groups of identical content, so copies of one script in that
 *   folder share a shard (a verdict cache then scans them once); `uniqueContents` counts
 *   the distinct contents. Every path is still gated: its folder (data files) and the
 *   policy's per-path allowlist can give the same bytes a different outcome.
 *
 * Assignment is LPT (longest processing time first): units by cost, heaviest first, each
 * to the least loaded shard (ties: lowest index, then unit key), so the plan is
 * deterministic and within 4/3 of the best possible makespan.
 */
export const PER_SCRIPT_BYTES = 16 * 1024;

export interface PlanInputScript {
  path: string;
  sha256: string;
  bytes: number;
}

export interface PlanOptions {
  shards: number;
  policy: ShardPlan['policy'];
  failOn: string[];
  ungated: ShardPlan['ungated'];
  changedBetween: ShardPlan['changedBetween'];
  now?: Date;
}

interface Unit {
  key: string;
  cost: number;
  scripts: PlanInputScript[];
}

const cost = (s: PlanInputScript) => PER_SCRIPT_BYTES + s.bytes;
const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

export function buildPlan(scripts: readonly PlanInputScript[], opts: PlanOptions): ShardPlan {
  if (!Number.isInteger(opts.shards) || opts.shards < 1 || opts.shards > MAX_SHARDS) {
    throw new RangeError(`shards must be 1..${MAX_SHARDS}`);
  }
  const units = splitHeavy(folderUnits(scripts), opts.shards);
  const shards = Math.min(opts.shards, units.length);
  const load = new Array<number>(shards).fill(0);
  const assigned: PlanScript[] = [];
  units.sort((a, b) => b.cost - a.cost || cmp(a.key, b.key));
  for (const u of units) {
    let best = 0;
    for (let i = 1; i < shards; i++) if (load[i]! < load[best]!) best = i;
    load[best]! += u.cost;
    for (const s of u.scripts) assigned.push({ path: s.path, sha256: s.sha256, bytes: s.bytes, shard: best });
  }
  assigned.sort((a, b) => cmp(a.path, b.path));
  return {
    version: 1,
    kind: PLAN_KIND,
    createdAt: (opts.now ?? new Date()).toISOString(),
    policy: opts.policy,
    failOn: opts.failOn,
    costModel: { kind: 'bytes+constant', perScriptBytes: PER_SCRIPT_BYTES },
    shards,
    shardCost: load,
    uniqueContents: new Set(scripts.map((s) => s.sha256)).size,
    scripts: assigned,
    ungated: opts.ungated,
    changedBetween: opts.changedBetween,
  };
}

/** One unit per top-most folder that holds scripts (a folder staged whole by any of them). */
function folderUnits(scripts: readonly PlanInputScript[]): Unit[] {
  const dirs = [...new Set(scripts.map((s) => posix.dirname(s.path)))].sort(cmp);
  // Sorted, an ancestor comes before its descendants: the first that contains a folder is its top.
  const tops: string[] = [];
  for (const d of dirs) if (!tops.some((t) => contains(t, d))) tops.push(d);
  const byTop = new Map<string, Unit>();
  for (const s of scripts) {
    const d = posix.dirname(s.path);
    const top = tops.find((t) => contains(t, d))!;
    const u = byTop.get(top) ?? { key: top, cost: 0, scripts: [] };
    u.cost += cost(s);
    u.scripts.push(s);
    byTop.set(top, u);
  }
  return [...byTop.values()];
}

function contains(ancestor: string, dir: string): boolean {
  return ancestor === '.' || dir === ancestor || dir.startsWith(`${ancestor}/`);
}

/** A folder over the fair share is split into groups of identical content. */
function splitHeavy(units: Unit[], shards: number): Unit[] {
  const fair = units.reduce((n, u) => n + u.cost, 0) / shards;
  const out: Unit[] = [];
  for (const u of units) {
    if (u.cost <= fair || shards === 1) {
      out.push(u);
      continue;
    }
    const groups = new Map<string, Unit>();
    for (const s of u.scripts) {
      const g = groups.get(s.sha256) ?? { key: `${u.key}#${s.sha256}`, cost: 0, scripts: [] };
      g.cost += cost(s);
      g.scripts.push(s);
      groups.set(s.sha256, g);
    }
    out.push(...groups.values());
  }
  return out;
}

/** The GitHub Actions matrix for `fromJSON`: one job per shard. */
export function matrixOf(plan: ShardPlan): { shard: number[] } {
  return { shard: Array.from({ length: plan.shards }, (_, i) => i) };
}
