import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { UserError } from '../errors.js';
import { sha256Hex } from '../sha256.js';

/**
 * The shard plan (`airlock plan`, docs/scale-sharding.md): which scripts, with which
 * content hash, go to which shard, and under which policy. Written by the plan job and
 * read by every shard job and the merge job, so it travels as a workflow artifact: it is
 * parsed strictly (unknown fields, a path leaving the workspace, a shard out of range
 * are refused) and identified by the SHA-256 of its bytes, which every shard output and
 * the merge's audit record carry.
 */
export const PLAN_KIND = 'airlock-shard-plan';
/** GitHub Actions runs at most 256 jobs per matrix. */
export const MAX_SHARDS = 256;
/** Plans are JSON read whole: bounded before parsing (about 10,000 bytes per 50 scripts). */
const MAX_PLAN_BYTES = 64 * 1024 * 1024;

const HEX64 = /^[0-9a-f]{64}$/;

/** A workspace-relative path with forward slashes that cannot leave the workspace. */
const RelPath = z
  .string()
  .min(1)
  .max(4096)
  .refine(
    (p) =>
      !p.startsWith('/') &&
      !p.includes('\\') &&
      !p.includes('\0') &&
      !p.split('/').some((s) => s === '..' || s === '.' || s === ''),
    { message: 'must be a workspace-relative path without ".", ".." or empty segments' },
  );

export const PlanScript = z.strictObject({
  path: RelPath,
  sha256: z.string().regex(HEX64),
  bytes: z.number().int().nonnegative(),
  shard: z.number().int().nonnegative(),
});
export type PlanScript = z.infer<typeof PlanScript>;

export const ShardPlan = z
  .strictObject({
    version: z.literal(1),
    kind: z.literal(PLAN_KIND),
    createdAt: z.string(),
    policy: z.strictObject({ name: z.string(), sha256: z.string().regex(HEX64), path: z.string() }),
    /** The policy's failOn when the plan was made: decides what `ungated` does to the merged verdict. */
    failOn: z.array(z.string()),
    costModel: z.strictObject({
      kind: z.literal('bytes+constant'),
      perScriptBytes: z.number().int().nonnegative(),
    }),
    shards: z.number().int().min(0).max(MAX_SHARDS),
    shardCost: z.array(z.number().nonnegative()),
    uniqueContents: z.number().int().nonnegative(),
    scripts: z.array(PlanScript),
    /** Python files discovery selected but could not gate (they fail the merged gate as they would one gate). */
    ungated: z.array(z.strictObject({ path: z.string(), reason: z.string() })),
    changedBetween: z.strictObject({ base: z.string(), head: z.string() }).nullable(),
  })
  .superRefine((p, ctx) => {
    const seen = new Set<string>();
    for (const s of p.scripts) {
      if (s.shard >= p.shards)
        ctx.addIssue({ code: 'custom', message: `${s.path}: shard ${s.shard} >= shards ${p.shards}` });
      if (seen.has(s.path)) ctx.addIssue({ code: 'custom', message: `${s.path}: listed twice` });
      seen.add(s.path);
    }
    if (p.shardCost.length !== p.shards)
      ctx.addIssue({
        code: 'custom',
        message: `shardCost has ${p.shardCost.length} entries, not ${p.shards}`,
      });
  });
export type ShardPlan = z.infer<typeof ShardPlan>;

export interface LoadedPlan {
  plan: ShardPlan;
  /** SHA-256 (hex) of the plan file's bytes: what shard outputs and the audit record name. */
  sha256: string;
  file: string;
}

export function parsePlan(bytes: Buffer, file: string): LoadedPlan {
  let value: unknown;
  try {
    value = JSON.parse(bytes.toString('utf8'));
  } catch (e) {
    throw new UserError('PLAN_INVALID', `plan ${file} is not JSON: ${(e as Error).message}`);
  }
  const r = ShardPlan.safeParse(value);
  if (!r.success) {
    const first = r.error.issues[0];
    throw new UserError(
      'PLAN_INVALID',
      `plan ${file}: ${first?.path.join('.') || '(top level)'}: ${first?.message ?? 'invalid'}`,
    );
  }
  return { plan: r.data, sha256: sha256Hex(bytes), file };
}

export async function readPlanFile(file: string): Promise<LoadedPlan> {
  let bytes: Buffer;
  try {
    bytes = await readFile(file);
  } catch (e) {
    throw new UserError(
      'PLAN_INVALID',
      `cannot read plan ${file}: ${(e as NodeJS.ErrnoException).code ?? e}`,
    );
  }
  if (bytes.length > MAX_PLAN_BYTES) throw new UserError('PLAN_INVALID', `plan ${file} is over 64 MiB`);
  return parsePlan(bytes, file);
}

/** The scripts of shard `index`, in path order; an index the plan does not have is the user's error. */
export function scriptsOfShard(plan: ShardPlan, index: number): PlanScript[] {
  if (!Number.isInteger(index) || index < 0 || index >= plan.shards) {
    throw new UserError(
      'PLAN_INVALID',
      `shard ${index} is not in the plan: it has shards 0..${plan.shards - 1}`,
    );
  }
  return plan.scripts.filter((s) => s.shard === index);
}
