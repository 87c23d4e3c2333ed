import { VerificationError } from '../errors.js';
import type { EntryHead } from '../audit/canonical-line.js';
import { FreshCacheField, ReusedCacheField } from './cached-scan.js';

/**
 * The verifier's check of `scan.reused` entries (docs/audit-format.md): each must name,
 * by seq and entry hash, an EARLIER `scan` entry of the same log that kept a result
 * under the same cache key. Entries below `firstSeq` were pruned and cannot be checked.
 * Memory: one hash and key per cached scan entry in the log.
 */
export function reusePointerCheck(firstSeq: number): (head: EntryHead, line: Buffer, hash: string) => void {
  const cached = new Map<number, { hash: string; key: string }>();
  return (head, line, hash) => {
    if (head.kind !== 'scan' && head.kind !== 'scan.reused') return;
    const data = (JSON.parse(line.toString('utf8')) as { data?: { cache?: unknown } }).data;
    if (head.kind === 'scan') {
      const fresh = FreshCacheField.safeParse(data?.cache);
      if (fresh.success) cached.set(head.seq, { hash, key: fresh.data.key });
      return;
    }
    const bad = (why: string) =>
      new VerificationError('AUDIT_REUSE_INVALID', `scan.reused entry ${head.seq} ${why}`, head.seq);
    const reused = ReusedCacheField.safeParse(data?.cache);
    if (!reused.success) throw bad('has no valid data.cache {key, reuses: {seq, hash}}');
    const { key, reuses } = reused.data;
    if (reuses.seq >= head.seq) throw bad(`points at seq ${reuses.seq}, which is not an earlier entry`);
    if (reuses.seq < firstSeq) return;
    const target = cached.get(reuses.seq);
    if (!target) throw bad(`points at seq ${reuses.seq}, which is not a scan entry with a kept result`);
    if (target.hash !== reuses.hash)
      throw bad(`names hash ${reuses.hash} but entry ${reuses.seq} hashes to ${target.hash}`);
    if (target.key !== key)
      throw bad(`has cache key ${key} but entry ${reuses.seq} was kept under ${target.key}`);
  };
}
