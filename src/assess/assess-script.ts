import { allowlistExpired, describeAllowlistEntry } from '../policy/helpers.js';
import type { Policy } from '../policy/load.js';
import type { AllowlistEntry, LevelRule } from '../policy/schema.js';
import type { Finding, Severity, TrustLevel } from '../report/types.js';
import { SCAN_ERROR_RULE } from '../scan/scan-error.js';
import { compileGlob } from './glob.js';

/**
 * The trust level of one script from its findings under a policy. Pure: same
 * inputs, same answer (the clock is a parameter), nothing read or written.
 *
 * - Each finding gets a level from the first matching `levels.rules` entry, else
 *   `levels.unmatched`; a scanner error on the file gets `levels.scannerError`.
 * - A finding matched by a live allowlist entry is kept (marked `allowlisted`) but
 *   does not count. An expired entry no longer applies, and says so in `notices`.
 * - The script's level is the highest of its findings' (blocked > high > low); no
 *   findings is `low`.
 */

export interface Assessment {
  level: TrustLevel;
  /** Why: the findings that set the level, e.g. "bandit B307 (medium/high) at line 4 -> blocked (levels.rules[1]: ...)". */
  levelReasons: string[];
  /** The input findings, in order, with `allowlisted` set where a live entry matched. */
  findings: Finding[];
  notices: string[];
}

/** How scanners report "could not scan this file" (src/scan/scan-error.ts, both tools). */
export const SCAN_ERROR_RULE_ID = SCAN_ERROR_RULE;

const RANK: Record<TrustLevel, number> = { low: 0, high: 1, blocked: 2 };
const GRADE: Record<Severity, number> = { low: 0, medium: 1, high: 2 };

export function maxLevel(a: TrustLevel, b: TrustLevel): TrustLevel {
  return RANK[a] >= RANK[b] ? a : b;
}

// Compiled globs, per rule/entry object (a Policy is immutable once loaded).
const compiled = new WeakMap<object, (s: string) => boolean>();
function matcher(key: object, globs: string | string[]): (s: string) => boolean {
  let m = compiled.get(key);
  if (!m) {
    // Linear-time (src/assess/glob.ts): a policy's globs are the pull request's input.
    // A `**` does not reach hidden directories unless the glob names them.
    m = compileGlob(globs);
    compiled.set(key, m);
  }
  return m;
}

function ruleMatches(rule: LevelRule, f: Finding): boolean {
  if (rule.tool !== undefined && rule.tool !== f.tool) return false;
  if (GRADE[f.severity] < GRADE[rule.minSeverity] || GRADE[f.confidence] < GRADE[rule.minConfidence])
    return false;
  return matcher(rule, rule.ruleId)(f.ruleId);
}

function entryMatches(entry: AllowlistEntry, f: Finding, path: string): boolean {
  return entry.tool === f.tool && entry.ruleId === f.ruleId && matcher(entry, entry.paths)(path);
}

function label(f: Finding): string {
  return `${f.tool} ${f.ruleId} (${f.severity}/${f.confidence}) at line ${f.line}`;
}

export interface Judged {
  level: TrustLevel;
  reason: string;
  /** The policy entry that decided, e.g. `levels.rules[6]`, `levels.unmatched`. */
  rule: string;
  /** The deciding rule's `why`, when it has one (shown beside the finding). */
  why?: string;
}

/** The level one finding gets under the policy, and the rule that decided (allowlist aside). */
export function judge(f: Finding, policy: Policy): Judged {
  // Not subject to rules or the allowlist: an unscanned file is unknown, whatever its findings say.
  if (f.tool === 'airlock' && f.ruleId === SCAN_ERROR_RULE_ID) {
    const level = policy.levels.scannerError;
    return {
      level,
      reason: `${label(f)}: the file could not be scanned -> ${level} (levels.scannerError)`,
      rule: 'levels.scannerError',
      why: 'a file a scanner could not read is not known to be clean',
    };
  }
  const index = policy.levels.rules.findIndex((r) => ruleMatches(r, f));
  const rule = policy.levels.rules[index];
  if (!rule) {
    const level = policy.levels.unmatched;
    return {
      level,
      reason: `${label(f)} -> ${level} (no rule matched: levels.unmatched)`,
      rule: 'levels.unmatched',
      why: 'no rule of the policy matches this finding',
    };
  }
  const why = rule.why ? `: ${rule.why}` : '';
  return {
    level: rule.level,
    reason: `${label(f)} -> ${rule.level} (levels.rules[${index}]${why})`,
    rule: `levels.rules[${index}]`,
    ...(rule.why ? { why: rule.why } : {}),
  };
}

export function assessScript(findings: Finding[], policy: Policy, path: string, now: Date): Assessment {
  let level: TrustLevel = 'low';
  const judged: Judged[] = [];
  const out: Finding[] = [];
  const notices: string[] = [];
  const expiredNoticed = new Set<AllowlistEntry>();
  let allowlisted = 0;

  for (const f of findings) {
    const isScanError = f.tool === 'airlock' && f.ruleId === SCAN_ERROR_RULE_ID;
    const entries = isScanError ? [] : policy.allowlist.filter((e) => entryMatches(e, f, path));
    const live = entries.find((e) => !allowlistExpired(e, now));
    for (const e of entries) {
      if (allowlistExpired(e, now) && !live && !expiredNoticed.has(e)) {
        expiredNoticed.add(e);
        notices.push(
          `${path}: allowlist entry ${describeAllowlistEntry(e)} expired on ${e.expires}; its findings count again`,
        );
      }
    }
    // A finding that arrives marked allowlisted, or with a level, is judged afresh: only this policy decides.
    const { allowlisted: _stale, level: _l, levelRule: _r, why: _w, ...clean } = f;
    if (live) {
      allowlisted++;
      out.push({ ...clean, allowlisted: { justification: live.justification, expires: live.expires } });
      continue;
    }
    const j = judge(f, policy);
    // Each finding carries its own level and the policy's reason, so reports and
    // annotations can show it at that level rather than at the script's.
    out.push({ ...clean, level: j.level, levelRule: j.rule, ...(j.why ? { why: j.why } : {}) });
    judged.push(j);
    level = maxLevel(level, j.level);
  }

  const levelReasons = judged.filter((j) => j.level === level).map((j) => j.reason);
  if (levelReasons.length === 0) {
    levelReasons.push(allowlisted > 0 ? `no findings beyond ${allowlisted} allowlisted` : 'no findings');
  }
  return { level, levelReasons, findings: out, notices };
}
