import { z } from 'zod';
import type { Finding } from '../report/types.js';
import { addFinding, scanErrorFinding } from './scan-error.js';
import { toScanRelativePath } from './report-paths.js';
import { toConfidence, toSeverity } from './severity.js';
import type { RuleMeta, ScanFileError } from './types.js';

/**
 * Bandit's JSON report, as far as we read it. Checked against Debian's 1.6.2 and
 * pip's 1.9.x: 1.9 adds `col_offset`, `end_col_offset` and `issue_cwe`, which are
 * optional here. Bandit's output is produced from hostile input (file names, code
 * excerpts), so it is validated before use, never trusted by shape.
 */
const BanditResult = z.object({
  filename: z.string(),
  test_id: z.string().min(1),
  test_name: z.string().optional(),
  issue_severity: z.string(),
  issue_confidence: z.string(),
  issue_text: z.string(),
  line_number: z.number().int(),
  line_range: z.array(z.number().int()).optional(),
  col_offset: z.number().int().optional(),
  more_info: z.string().optional(),
  issue_cwe: z.object({ id: z.number().int() }).partial().optional(),
});

const BanditReport = z.object({
  errors: z.array(z.object({ filename: z.string(), reason: z.string() })),
  results: z.array(BanditResult),
  // Keys are the file names Bandit scanned (plus `_totals`): our proof of coverage.
  metrics: z.record(z.string(), z.unknown()).optional(),
});

export class BanditOutputError extends Error {}

export interface BanditParseResult {
  findingsByPath: Map<string, Finding[]>;
  errors: ScanFileError[];
  version?: string;
  /** Relative paths Bandit says it looked at (metrics keys and errored files). */
  reportedPaths: Set<string>;
  rules: RuleMeta[];
}

/**
 * Parses `bandit -f json` output. `root` is the directory the file names are relative
 * to (the container's working directory when run in the sandbox).
 *
 * Throws BanditOutputError on output that is not a Bandit report (a crash, a
 * truncated stream): the caller marks the scanner `failed` so the gate fails closed.
 */
export function parseBanditJson(json: string, root: string): BanditParseResult {
  let raw: unknown;
  try {
    raw = JSON.parse(json);
  } catch (e) {
    throw new BanditOutputError(`Bandit output is not JSON: ${(e as Error).message}`);
  }
  const parsed = BanditReport.safeParse(raw);
  if (!parsed.success) {
    throw new BanditOutputError(
      `Bandit output is not a Bandit JSON report: ${parsed.error.issues[0]?.message}`,
    );
  }
  const report = parsed.data;
  const findingsByPath = new Map<string, Finding[]>();
  const errors: ScanFileError[] = [];
  const reportedPaths = new Set<string>();
  const rules = new Map<string, RuleMeta>();

  for (const name of Object.keys(report.metrics ?? {})) {
    if (name === '_totals') continue;
    const rel = toScanRelativePath(name, root);
    if (rel) reportedPaths.add(rel);
  }

  for (const err of report.errors) {
    const rel = toScanRelativePath(err.filename, root);
    errors.push({ path: rel ?? undefined, message: err.reason });
    if (rel) {
      reportedPaths.add(rel);
      addFinding(findingsByPath, rel, scanErrorFinding(`Bandit could not scan this file: ${err.reason}`));
    }
  }

  for (const r of report.results) {
    const rel = toScanRelativePath(r.filename, root);
    if (!rel) {
      // A result for a file outside the root cannot be attributed; say so rather than drop it.
      errors.push({
        path: undefined,
        message: `Bandit reported a file outside the scan root: ${r.filename}`,
      });
      continue;
    }
    const lastLine = r.line_range?.length ? Math.max(...r.line_range) : undefined;
    const finding: Finding = {
      tool: 'bandit',
      ruleId: r.test_id,
      severity: toSeverity(r.issue_severity),
      confidence: toConfidence(r.issue_confidence),
      line: Math.max(1, r.line_number),
      message: r.issue_text,
    };
    // Bandit 1.9 gives a 0-based column; SARIF and our report are 1-based.
    if (r.col_offset !== undefined && r.col_offset >= 0) finding.column = r.col_offset + 1;
    if (lastLine !== undefined && lastLine > finding.line) finding.endLine = lastLine;
    addFinding(findingsByPath, rel, finding);
    if (!rules.has(r.test_id)) rules.set(r.test_id, banditRuleMeta(r));
  }
  return { findingsByPath, errors, reportedPaths, rules: [...rules.values()] };
}

function banditRuleMeta(r: z.infer<typeof BanditResult>): RuleMeta {
  const meta: RuleMeta = {
    tool: 'bandit',
    id: r.test_id,
    shortDescription: r.test_name ? `Bandit ${r.test_id}: ${r.test_name}` : `Bandit ${r.test_id}`,
    fullDescription: r.issue_text,
  };
  if (r.test_name) meta.name = r.test_name;
  // Only an https link to Bandit's docs is passed on: the text comes from a tool reading hostile code.
  if (r.more_info?.startsWith('https://bandit.readthedocs.io/')) meta.helpUri = r.more_info;
  if (r.issue_cwe?.id !== undefined) meta.cwe = [r.issue_cwe.id];
  return meta;
}
