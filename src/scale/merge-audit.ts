import { randomUUID } from 'node:crypto';
import { openAuditLog, type OpenAuditLogOptions } from '../audit/index.js';
import { readLines } from '../audit/reader.js';
import { layoutOf, listClosedSegments } from '../audit/segments.js';
import { VerificationError } from '../errors.js';
import type { GateReport } from '../report/types.js';
import { type LoadedShard, loadShardOutput } from './merge-load.js';

/**
 * The merge's audit entries (docs/audit-format.md, "Sharded runs"): one `shard` per shard,
 * binding that shard's segment (origin, size, Merkle root, the checkpoint text and the
 * one-off key that signed it) and the hashes of its report and SARIF; then one `merge`
 * with the merged verdict. Signed by the merge job's key, they make the branch log the
 * place that says which segment each shard's verdicts came from.
 */
export const SHARD_KIND = 'shard';
export const MERGE_KIND = 'merge';

export async function recordMerge(
  writer: Pick<OpenAuditLogOptions, 'log' | 'origin' | 'signingKey' | 'lockTimeoutMs'>,
  plan: { sha256: string; shards: number },
  shards: readonly LoadedShard[],
  report: GateReport,
) {
  const w = await openAuditLog(writer);
  const run = randomUUID();
  try {
    for (const s of [...shards].sort((a, b) => a.manifest.shard - b.manifest.shard)) {
      const m = s.manifest;
      await w.append(SHARD_KIND, {
        run,
        plan: plan.sha256,
        shard: m.shard,
        shards: plan.shards,
        origin: m.audit.origin,
        size: m.audit.size,
        root: m.audit.root,
        checkpoint: m.audit.checkpoint,
        key: m.audit.verifierKey,
        report: m.report.sha256,
        sarif: m.sarif.sha256,
        scripts: s.report.scripts.length,
        verdict: s.report.verdict,
      });
    }
    await w.append(MERGE_KIND, {
      run,
      plan: plan.sha256,
      shards: plan.shards,
      verdict: report.verdict,
      counts: report.counts,
      policy: { name: report.policy.name, sha256: report.policy.sha256 },
      image: report.image,
    });
    return await w.close();
  } catch (e) {
    await w.abort();
    throw e;
  }
}

interface ShardRecord {
  seq: number;
  data: {
    plan: string;
    shard: number;
    origin: string;
    size: number;
    root: string;
    checkpoint: string;
    key: string;
    report: string;
    sarif: string;
  };
}

/**
 * `airlock audit verify LOG --shard-dir DIR...`, after LOG itself verified: each shard
 * output must be bound by a `shard` entry of LOG (same plan, shard, segment root and size,
 * checkpoint text and key, report and SARIF hashes) signed by LOG's checkpoint, and its segment must verify under that
 * bound key and checkpoint (merge-load.ts). Returns one line per directory.
 */
export async function verifyBoundShards(
  log: string,
  dirs: readonly string[],
  /** The verified checkpoint's size: an entry after it (an unsigned tail) binds nothing. */
  signedSize: number,
): Promise<string[]> {
  const records: ShardRecord[] = [];
  const layout = layoutOf(log);
  const take = (line: Buffer) => {
    if (!line.includes('"kind":"shard"')) return;
    const e = JSON.parse(line.toString('utf8')) as { kind: string; seq: number; data: ShardRecord['data'] };
    if (e.kind === SHARD_KIND && e.seq < signedSize) records.push({ seq: e.seq, data: e.data });
  };
  for (const seg of await listClosedSegments(layout)) await readLines(seg.path, take, { gzip: true });
  await readLines(log, take);
  const lines: string[] = [];
  for (const dir of dirs) {
    const s = await loadShardOutput(dir);
    const m = s.manifest;
    const rec = records.find(
      (r) =>
        r.data.plan === m.plan &&
        r.data.shard === m.shard &&
        r.data.root === m.audit.root &&
        r.data.size === m.audit.size &&
        r.data.origin === m.audit.origin &&
        r.data.checkpoint === m.audit.checkpoint &&
        r.data.key === m.audit.verifierKey &&
        r.data.report === m.report.sha256 &&
        r.data.sarif === m.sarif.sha256,
    );
    if (!rec) {
      throw new VerificationError(
        'SHARD_TAMPERED',
        `shard output ${dir} (shard ${m.shard}) is not the one any shard entry of ${log} binds`,
      );
    }
    lines.push(
      `shard ${m.shard}: ${dir}: segment of ${m.audit.size} entries verifies under the key and checkpoint bound at entry ${rec.seq}; report and SARIF match`,
    );
  }
  return lines;
}
