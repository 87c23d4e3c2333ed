import { z } from 'zod';

/**
 * `OUT/shard.json`: what a shard job (`airlock gate --plan F --shard I`) leaves beside its
 * report, for `airlock merge`. It is a workflow artifact, so nothing in it is trusted on
 * its own: the merge verifies the shard's audit segment with the key named here, checks
 * that the segment's last entry (`shard.output`) binds this plan, this shard and the exact
 * bytes of the report and SARIF, and then records the segment's checkpoint and key in the
 * signed branch log (docs/scale-sharding.md, "What the merge proves").
 */
export const SHARD_MANIFEST = 'shard.json';
export const SHARD_SEGMENT = 'shard-audit.jsonl';
export const SHARD_KIND = 'airlock-shard-output';
/** The entry a shard appends after its gate run: binds the report and SARIF bytes. */
export const SHARD_OUTPUT_KIND = 'shard.output';

const HEX64 = /^[0-9a-f]{64}$/;
const FileRef = z.strictObject({ file: z.string(), sha256: z.string().regex(HEX64) });

export const ShardManifest = z.strictObject({
  version: z.literal(1),
  kind: z.literal(SHARD_KIND),
  plan: z.string().regex(HEX64),
  shard: z.number().int().nonnegative(),
  shards: z.number().int().positive(),
  policy: z.strictObject({ sha256: z.string().regex(HEX64) }),
  image: z.strictObject({ ref: z.string(), id: z.string().nullable() }),
  verdict: z.enum(['pass', 'fail']),
  report: FileRef,
  sarif: FileRef,
  audit: z.strictObject({
    log: z.string(),
    origin: z.string(),
    size: z.number().int().nonnegative(),
    root: z.string(),
    checkpoint: z.string(),
    /** The shard job's one-off Ed25519 key (SPKI PEM) and its signed-note verifier key. */
    publicKey: z.string(),
    verifierKey: z.string(),
  }),
});
export type ShardManifest = z.infer<typeof ShardManifest>;

/** The origin of shard I's segment: names the plan and the shard, so a segment cannot stand in for another's. */
export function shardOrigin(base: string, planSha256: string, shard: number): string {
  return `${base}/shard/${planSha256.slice(0, 16)}/${shard}`;
}
