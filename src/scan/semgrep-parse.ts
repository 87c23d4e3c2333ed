import { z } from 'zod';
import type { Finding } from '../report/types.js';
import { toScanRelativePath } from './report-paths.js';
import { addFinding, scanErrorFinding } from './scan-error.js';
import { toConfidence, toSeverity } from './severity.js';
import type { ScanFileError } from './types.js';

/**
 * `semgrep scan --json` output, as far as we read it; validated before use because it
 * is produced from hostile input. Checked against the real output recorded in
 * test/fixtures/semgrep/results.json (Semgrep's own e2e snapshot).
 */
const Position = z.object({ line: z.number().int(), col: z.number().int().optional() });
const SemgrepResult = z.object({
  check_id: z.string().min(1),
  path: z.string(),
  start: Position,
  end: Position.optional(),
  extra: z.object({
    message: z.string().optional(),
    severity: z.string().optional(),
    metadata: z.record(z.string(), z.unknown()).optional(),
  }),
});
const SemgrepError = z.object({
  level: z.string().optional(),
  // A string in older releases, `["PartialParsing", [...]]` in newer ones.
  type: z.unknown().optional(),
  message: z.string().optional(),
  path: z.string().optional(),
  rule_id: z.string().optional(),
  spans: z.array(z.object({ start: Position.optional() }).loose()).optional(),
});
const SemgrepReport = z.object({
  results: z.array(SemgrepResult),
  errors: z.array(SemgrepError),
  paths: z
    .object({ scanned: z.array(z.string()).optional() })
    .loose()
    .optional(),
  version: z.string().optional(),
});

export class SemgrepOutputError extends Error {}

export interface SemgrepParseResult {
  findingsByPath: Map<string, Finding[]>;
  /** Every error Semgrep listed; those with a path also became scan-error findings. */
  errors: (ScanFileError & { level: string })[];
  version?: string;
  /** `paths.scanned`, relative: what Semgrep says it read. */
  scannedPaths: Set<string>;
}

/**
 * Semgrep prefixes a local rule's id with the path of its config directory
 * (`rules/x.yaml` id `eqeq-is-bad` -> `rules.eqeq-is-bad`); the prefix depends on where
 * the rules were mounted. Given the ids we ship, the longest one the check id ends
 * with is ours; otherwise the check id is kept as Semgrep printed it.
 */
export function normalizeSemgrepRuleId(checkId: string, knownIds: readonly string[] = []): string {
  let best: string | undefined;
  for (const id of knownIds) {
    if ((checkId === id || checkId.endsWith(`.${id}`)) && (!best || id.length > best.length)) best = id;
  }
  return best ?? checkId;
}

export function parseSemgrepJson(
  json: string,
  root: string,
  knownRuleIds: readonly string[] = [],
): SemgrepParseResult {
  let raw: unknown;
  try {
    raw = JSON.parse(json);
  } catch (e) {
    throw new SemgrepOutputError(`Semgrep output is not JSON: ${(e as Error).message}`);
  }
  const parsed = SemgrepReport.safeParse(raw);
  if (!parsed.success) {
    throw new SemgrepOutputError(
      `Semgrep output is not a Semgrep JSON report: ${parsed.error.issues[0]?.message}`,
    );
  }
  const report = parsed.data;
  const findingsByPath = new Map<string, Finding[]>();
  const errors: SemgrepParseResult['errors'] = [];
  const scannedPaths = new Set<string>();
  for (const p of report.paths?.scanned ?? []) {
    const rel = toScanRelativePath(p, root);
    if (rel) scannedPaths.add(rel);
  }

  for (const e of report.errors) {
    const level = e.level ?? 'error';
    const message = `${errorType(e.type)}${e.message ? `: ${firstLine(e.message)}` : ''}`;
    const rel = e.path !== undefined ? toScanRelativePath(e.path, root) : null;
    errors.push({ path: rel ?? undefined, message, level });
    // A file Semgrep could not fully parse (or timed out on) may hide code from the
    // rules: it gets a scan-error finding whatever the error's level.
    if (rel) {
      const line = e.spans?.[0]?.start?.line ?? 1;
      addFinding(
        findingsByPath,
        rel,
        scanErrorFinding(`Semgrep could not fully scan this file: ${message}`, line),
      );
    }
  }

  for (const r of report.results) {
    const rel = toScanRelativePath(r.path, root);
    if (!rel) {
      errors.push({
        path: undefined,
        message: `Semgrep reported a file outside the scan root: ${r.path}`,
        level: 'error',
      });
      continue;
    }
    const meta = r.extra.metadata ?? {};
    const finding: Finding = {
      tool: 'semgrep',
      ruleId: normalizeSemgrepRuleId(r.check_id, knownRuleIds),
      severity: toSeverity(r.extra.severity),
      confidence: toConfidence(meta['confidence']),
      line: Math.max(1, r.start.line),
      message: r.extra.message?.trim() || r.check_id,
    };
    if (r.start.col !== undefined && r.start.col >= 1) finding.column = r.start.col;
    if (r.end && r.end.line > finding.line) finding.endLine = r.end.line;
    addFinding(findingsByPath, rel, finding);
  }
  const result: SemgrepParseResult = { findingsByPath, errors, scannedPaths };
  if (report.version) result.version = report.version;
  return result;
}

function errorType(t: unknown): string {
  if (typeof t === 'string') return t;
  if (Array.isArray(t) && typeof t[0] === 'string') return t[0];
  return 'Semgrep error';
}

function firstLine(s: string): string {
  return (s.split('\n').find((l) => l.trim()) ?? '').trim().slice(0, 300);
}
