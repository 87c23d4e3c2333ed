import canonicalize from 'canonicalize';
import { z } from 'zod';
import type { Finding } from '../report/types.js';
import type { RuleMeta } from '../scan/types.js';

/**
 * What a `scan` audit entry carries for the verdict cache (`data.cache`): the key and
 * the scanners' raw findings for that file with the descriptions of the rules that
 * fired, so a later run can assess, report and describe them in SARIF without running
 * the scanners. A `scan.reused` entry carries the key and the entry it reuses instead.
 */
export interface CachedScan {
  findings: Finding[];
  rules: RuleMeta[];
}

/**
 * A result larger than this is not recorded (the file is simply scanned again next
 * time): audit lines are capped at 1 MiB (src/audit/line-limits.ts) and the log is
 * read whole on every run.
 */
export const MAX_CACHED_BYTES = 256 * 1024;

const HEX64 = /^[0-9a-f]{64}$/;
const Level = z.enum(['low', 'medium', 'high']);

// Entries are signed by our key, but are still read as data from a file anyone may
// have touched: anything off-shape is not reused (the file is scanned again).
const FindingSchema = z.strictObject({
  tool: z.string().min(1).max(64),
  ruleId: z.string().min(1).max(300),
  severity: Level,
  confidence: Level,
  line: z.number().int().min(0),
  column: z.number().int().min(0).optional(),
  endLine: z.number().int().min(0).optional(),
  message: z.string().max(20_000),
});

const RuleMetaSchema = z.strictObject({
  tool: z.string().min(1).max(64),
  id: z.string().min(1).max(300),
  name: z.string().max(300).optional(),
  shortDescription: z.string().max(20_000),
  fullDescription: z.string().max(20_000).optional(),
  helpUri: z.string().max(2000).optional(),
  cwe: z.array(z.number().int()).max(100).optional(),
  defaultSeverity: Level.optional(),
});

export const FreshCacheField = z.strictObject({
  key: z.string().regex(HEX64),
  /** The image the scanners ran in: with the entry's `scanners`, which versions that image holds. */
  imageId: z.string().min(1).max(200).optional(),
  findings: z.array(FindingSchema).max(10_000),
  rules: z.array(RuleMetaSchema).max(10_000),
});

export const ReusedCacheField = z.strictObject({
  key: z.string().regex(HEX64),
  reuses: z.strictObject({ seq: z.number().int().min(0), hash: z.string().regex(HEX64) }),
});

/** The `data.cache` of a fresh `scan` entry, or undefined when the result is too large to keep. */
export function freshCacheField(
  key: string,
  imageId: string,
  result: CachedScan,
): Record<string, unknown> | undefined {
  // Only the raw scanner fields: assessment adds level/why/allowlisted, which a later
  // run recomputes under its own clock (an allowlist entry may have expired since).
  const raw = {
    key,
    imageId,
    findings: result.findings.map(({ tool, ruleId, severity, confidence, line, column, endLine, message }) =>
      stripUndefined({ tool, ruleId, severity, confidence, line, column, endLine, message }),
    ),
    rules: result.rules.map((r) => stripUndefined(r)),
  };
  // What a later run could not read back (an odd rule id, a huge message) is not kept.
  const parsed = FreshCacheField.safeParse(raw);
  if (!parsed.success) return undefined;
  const field = parsed.data;
  const text = canonicalize(field);
  if (text === undefined || Buffer.byteLength(text) > MAX_CACHED_BYTES) return undefined;
  return field;
}

function stripUndefined<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}
