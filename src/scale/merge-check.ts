import { VerificationError } from '../errors.js';
import type { LoadedShard } from './merge-load.js';
import { type LoadedPlan, scriptsOfShard } from './plan-file.js';
import { shardOrigin } from './shard-manifest.js';
import { shardDifference } from './shard-select.js';

const label = (s: LoadedShard) => `shard ${s.manifest.shard} (${s.dir})`;

/**
 * The shard outputs together are exactly the plan: each made from this plan, every shard
 * present once, each holding exactly its planned scripts with their planned hashes, and
 * all under the plan's policy and one image (same id, same scanner versions). Pure over
 * outputs that each verified on their own (merge-load.ts); the first problem is thrown,
 * naming the shard.
 */
export function checkShardSet(loaded: LoadedPlan, shards: readonly LoadedShard[]): void {
  const { plan } = loaded;
  const byIndex = new Map<number, LoadedShard>();
  for (const s of shards) {
    const m = s.manifest;
    if (m.plan !== loaded.sha256 || m.shards !== plan.shards) {
      throw new VerificationError(
        'SHARD_MISMATCH',
        `${label(s)} was made from another plan (SHA-256 ${m.plan.slice(0, 12)}…, this plan is ${loaded.sha256.slice(0, 12)}…)`,
      );
    }
    if (!m.audit.origin.endsWith(shardOrigin('', loaded.sha256, m.shard))) {
      throw new VerificationError(
        'SHARD_MISMATCH',
        `${label(s)}: its segment's origin ${m.audit.origin} is not this plan's shard ${m.shard}`,
      );
    }
    const other = byIndex.get(m.shard);
    if (other) {
      throw new VerificationError(
        'SHARD_DUPLICATE',
        `shard ${m.shard} is given twice: ${other.dir} and ${s.dir}`,
      );
    }
    byIndex.set(m.shard, s);
  }
  const missing = Array.from({ length: plan.shards }, (_, i) => i).filter((i) => !byIndex.has(i));
  if (missing.length) {
    throw new VerificationError(
      'SHARD_MISSING',
      `no output for shard${missing.length > 1 ? 's' : ''} ${missing.join(', ')} of ${plan.shards}: every shard's output directory must be given`,
    );
  }
  const first = shards[0];
  for (const s of shards) {
    const r = s.report;
    if (r.policy.sha256 !== plan.policy.sha256) {
      throw new VerificationError(
        'SHARD_MISMATCH',
        `${label(s)} was gated under another policy (SHA-256 ${r.policy.sha256.slice(0, 12)}…) than the plan's`,
      );
    }
    if (first && (r.image.id !== first.report.image.id || r.image.ref !== first.report.image.ref)) {
      throw new VerificationError(
        'SHARD_MISMATCH',
        `${label(s)} ran on image ${r.image.ref} (${r.image.id ?? 'no id'}), ${label(first)} on ${first.report.image.ref} (${first.report.image.id ?? 'no id'}): one image decides all shards`,
      );
    }
    for (const sc of r.scanners) {
      const there = first?.report.scanners.find((x) => x.tool === sc.tool);
      if (there && there.version !== sc.version) {
        throw new VerificationError(
          'SHARD_MISMATCH',
          `${label(s)} scanned with ${sc.tool} ${sc.version}, ${label(first!)} with ${there.version}`,
        );
      }
    }
    const diff = shardDifference(scriptsOfShard(plan, s.manifest.shard), s.report.scripts);
    if (diff) throw new VerificationError('SHARD_TAMPERED', `${label(s)}: ${diff}`);
  }
}
