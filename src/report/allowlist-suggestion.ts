import { SCAN_ERROR_RULE } from '../scan/scan-error.js';
import type { Finding, ScriptReport } from './types.js';

/**
 * The policy `allowlist:` entries a maintainer can paste to accept a script's reviewed
 * findings, in the exact shape src/policy/schema.ts (AllowlistEntrySchema) loads:
 * `{ tool, ruleId, paths, justification, expires }`.
 *
 * - Only findings that raised the level (high or blocked) are offered: a low finding
 *   changes nothing. A scan error is never offered; the loader does not apply it.
 * - `paths` names exactly this one file: the path is a glob to the loader, so every
 *   glob character in it is escaped (a file called `*.py` must not suppress the rule
 *   for every file).
 * - The justification is a placeholder the maintainer replaces; the expiry is
 *   `EXPIRY_DAYS` after the run, so an acceptance is reviewed again.
 * - Values are written as JSON strings, which YAML reads as double-quoted scalars; every
 *   control, line-separator or bidi character is a `\u` escape, so the entry on the
 *   page is the entry the loader reads.
 */
export const EXPIRY_DAYS = 90;
export const JUSTIFICATION_PLACEHOLDER = 'REPLACE: why this is safe here, and who reviewed it';

// Rule ids the loader accepts in an allowlist entry (schema.ts RULE_ID_CHARS).
const RULE_ID = /^[A-Za-z0-9._:/-]+$/;

export interface AllowlistSuggestion {
  tool: Finding['tool'];
  ruleId: string;
  paths: [string];
  justification: string;
  expires: string;
}

/** A glob (picomatch) that matches `path` and nothing else. */
export function literalGlob(path: string): string {
  return path.replace(/[\\*?[\]{}()!+@,|^$]/g, (c) => `\\${c}`);
}

export function expiryAfter(runFinishedAt: string, days = EXPIRY_DAYS): string {
  const t = Date.parse(runFinishedAt);
  const base = Number.isNaN(t) ? Date.now() : t;
  return new Date(base + days * 86_400_000).toISOString().slice(0, 10);
}

export function allowlistSuggestions(script: ScriptReport, runFinishedAt: string): AllowlistSuggestion[] {
  const glob = literalGlob(script.path);
  // What the loader refuses (schema.ts RelativeGlob) is not offered.
  if (glob.length > 500 || glob.startsWith('/') || glob.split('/').includes('..')) return [];
  const seen = new Set<string>();
  const out: AllowlistSuggestion[] = [];
  for (const f of script.findings) {
    if (f.allowlisted || (f.level !== 'high' && f.level !== 'blocked')) continue;
    if (f.tool === 'airlock' && f.ruleId === SCAN_ERROR_RULE) continue;
    if (!RULE_ID.test(f.ruleId) || f.ruleId.length > 200) continue;
    const key = `${f.tool}\u0000${f.ruleId}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push({
      tool: f.tool,
      ruleId: f.ruleId,
      paths: [glob],
      justification: JUSTIFICATION_PLACEHOLDER,
      expires: expiryAfter(runFinishedAt),
    });
  }
  return out;
}

/** JSON string with every non-ASCII control/separator/bidi character escaped; valid YAML. */
function quoted(s: string): string {
  return JSON.stringify(s).replace(
    /[\u007F-\u009F\u061C\u200B-\u200F\u2028-\u202E\u2060-\u2069\uFEFF]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}

/** The YAML to paste: an `allowlist:` key and one flow mapping per entry. */
export function allowlistYaml(entries: readonly AllowlistSuggestion[]): string {
  const lines = entries.map(
    (e) =>
      `  - { tool: ${quoted(e.tool)}, ruleId: ${quoted(e.ruleId)}, paths: [${e.paths.map(quoted).join(', ')}], justification: ${quoted(e.justification)}, expires: ${quoted(e.expires)} }`,
  );
  return `allowlist:\n${lines.join('\n')}\n`;
}
