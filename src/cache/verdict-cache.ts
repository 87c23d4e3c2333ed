import type { KeyObject } from 'node:crypto';
import { verifyCheckpointSignature } from '../audit/checkpoint.js';
import { publicKeyOf } from '../audit/keys.js';
import { scanLog } from '../audit/scan.js';
import { layoutOf, readAnchor } from '../audit/segments.js';
import { readLogCheckpoint } from '../audit/verify.js';
import { z } from 'zod';
import { type CachedScan, FreshCacheField } from './cached-scan.js';

/** A scan entry's `scanners` when every one of them ran and printed its version. */
const ScannerVersions = z
  .array(
    z.object({
      tool: z.string().min(1).max(64),
      status: z.literal('ran'),
      version: z.string().min(1).max(100),
    }),
  )
  .min(1)
  .max(64);

/** A reusable scan result and the signed audit entry it was read from. */
export interface CacheHit extends CachedScan {
  entry: { seq: number; hash: string };
}

export interface VerdictCacheIndex {
  /** Cache key -> the latest signed `scan` entry with that key. */
  byKey: Map<string, CacheHit>;
  /**
   * Image id -> scanner -> version, as signed scan entries recorded them. An image id is
   * its content's digest, so the versions its probes printed once are the versions it
   * holds: a gate whose every file is reused needs no probe containers.
   */
  versionsByImage: Map<string, Map<string, string>>;
  /** Why nothing can be reused, for the notices (no key, the log does not verify...). */
  unusable?: string;
}

/**
 * The verdict cache is an index over the audit log itself, built on every run from a
 * full verification of the log (the same checks as `airlock audit verify`), never a
 * file trusted on its own. Only entries covered by a checkpoint that carries a valid
 * signature by this run's signing key count:
 * - entries after the checkpoint (an unsigned tail) can be appended by anyone who can
 *   write the file, chain links included: a forged "this script had no findings" there
 *   must not be reused;
 * - an unsigned checkpoint can be recomputed by anyone, so without a key nothing is reused.
 * Anything that does not verify leaves the index empty: every file is scanned cold.
 */
export async function loadVerdictCache(opts: {
  log: string;
  origin: string;
  signingKey?: KeyObject;
}): Promise<VerdictCacheIndex> {
  const byKey = new Map<string, CacheHit>();
  const versionsByImage = new Map<string, Map<string, string>>();
  if (!opts.signingKey)
    return { byKey, versionsByImage, unusable: 'no signing key: an unsigned log is not trusted for reuse' };
  const layout = layoutOf(opts.log);
  try {
    const checkpoint = await readLogCheckpoint(layout);
    if (!checkpoint) return { byKey, versionsByImage, unusable: 'no audit log yet' };
    if (checkpoint.origin !== opts.origin) throw new Error(`the log is for ${checkpoint.origin}`);
    verifyCheckpointSignature(checkpoint, publicKeyOf(opts.signingKey));
    const found: [string, CacheHit][] = [];
    const versions: [string, Map<string, string>][] = [];
    await scanLog(layout, {
      origin: opts.origin,
      anchor: await readAnchor(layout),
      checkpoint,
      onEntry: (head, line, hash) => {
        // Only signed, fresh scan results; a scan.reused entry adds nothing new.
        if (head.kind !== 'scan' || head.seq >= checkpoint.size) return;
        const data = (JSON.parse(line.toString('utf8')) as { data?: { cache?: unknown; scanners?: unknown } })
          .data;
        if (data?.cache === undefined) return;
        const parsed = FreshCacheField.safeParse(data.cache);
        if (!parsed.success) return;
        const { key, findings, rules, imageId } = parsed.data;
        found.push([key, { entry: { seq: head.seq, hash }, findings, rules } as CacheHit]);
        const ran = ScannerVersions.safeParse(data.scanners);
        if (imageId && ran.success)
          versions.push([imageId, new Map(ran.data.map((x) => [x.tool, x.version] as const))]);
      },
    });
    // Only now, the whole log having verified, is anything in it used.
    for (const [key, hit] of found) byKey.set(key, hit);
    for (const [image, v] of versions) versionsByImage.set(image, v);
    return { byKey, versionsByImage };
  } catch (e) {
    byKey.clear();
    return {
      byKey,
      versionsByImage: new Map(),
      unusable: `the audit log did not verify for reuse (${(e as Error).message})`,
    };
  }
}
