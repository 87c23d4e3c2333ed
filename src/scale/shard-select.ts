import { discoverScripts } from '../discover/index.js';
import { UserError } from '../errors.js';
import type { PlanScript } from './plan-file.js';

export interface Found {
  path: string;
  sha256: string;
}

/**
 * The first difference between what the plan says a shard holds and what was found
 * (discovered now, or reported by the gate), as a sentence naming the script; null when
 * they are the same set of (path, SHA-256).
 */
export function shardDifference(planned: readonly PlanScript[], found: readonly Found[]): string | null {
  const want = new Map(planned.map((s) => [s.path, s.sha256]));
  const seen = new Set<string>();
  for (const f of found) {
    const sha = want.get(f.path);
    if (sha === undefined) return `${JSON.stringify(f.path)} is not in this shard of the plan`;
    if (seen.has(f.path)) return `${JSON.stringify(f.path)} appears twice`;
    seen.add(f.path);
    if (sha !== f.sha256)
      return `${JSON.stringify(f.path)} changed since the plan (SHA-256 ${f.sha256.slice(0, 12)}…, the plan has ${sha.slice(0, 12)}…)`;
  }
  for (const p of planned) if (!seen.has(p.path)) return `${JSON.stringify(p.path)} is missing`;
  return null;
}

/**
 * Before a shard gates anything: each of its scripts is read and hashed as the gate will
 * read it, and must be the bytes the plan balanced (the plan job and the shard jobs
 * check out the same commit; a difference means they did not, or the plan was altered).
 */
export async function checkShardFiles(opts: {
  workspace: string;
  scripts: readonly PlanScript[];
  maxFiles: number;
  maxFileBytes: number;
}): Promise<void> {
  const found = await discoverScripts({
    workspace: opts.workspace,
    // Explicit files: an existing file is never read as a glob (discover-scripts.ts).
    paths: opts.scripts.map((s) => s.path),
    maxFiles: opts.maxFiles,
    maxFileBytes: opts.maxFileBytes,
  }).catch((e) => {
    throw new UserError(
      'PLAN_MISMATCH',
      `a script of this shard cannot be read as planned: ${(e as Error).message}`,
    );
  });
  const diff = shardDifference(opts.scripts, found.scripts);
  if (diff) throw new UserError('PLAN_MISMATCH', `${diff}; re-run airlock plan on this checkout`);
}
