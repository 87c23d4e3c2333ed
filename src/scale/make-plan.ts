import { changedPythonFiles, discoverScripts } from '../discover/index.js';
import { loadPolicy, policySha256 } from '../policy/index.js';
import { buildPlan } from './plan.js';
import type { ShardPlan } from './plan-file.js';

export interface MakePlanOptions {
  workspace: string;
  paths: string[];
  /** Absolute policy path or a shipped name; undefined: the shipped default. */
  policy?: string;
  /** The name the user gave (`--policy`), recorded for display. */
  policyLabel: string;
  shards: number;
  changedBetween?: { base: string; head: string };
}

/**
 * Discovers the scripts exactly as `airlock gate` does (the same policy limits, the same
 * pull-request filter) and balances them (plan.ts). The plan's policy digest is what every
 * shard's gate must load, and what `airlock merge` checks every shard report against.
 */
export async function makePlan(opts: MakePlanOptions): Promise<ShardPlan> {
  const policy = await loadPolicy(opts.policy, { root: opts.workspace });
  const changed = opts.changedBetween
    ? await changedPythonFiles({ workspace: opts.workspace, ...opts.changedBetween })
    : undefined;
  const found = await discoverScripts({
    workspace: opts.workspace,
    paths: opts.paths,
    maxFiles: policy.limits.maxFiles,
    maxFileBytes: policy.limits.maxFileBytes,
    changedFiles: changed,
  });
  return buildPlan(
    found.scripts.map((s) => ({ path: s.path, sha256: s.sha256, bytes: s.bytes })),
    {
      shards: opts.shards,
      policy: { name: policy.name, sha256: policySha256(policy), path: opts.policyLabel },
      failOn: [...policy.failOn],
      ungated: found.ungated,
      changedBetween: opts.changedBetween ?? null,
    },
  );
}
