import type { ReportingDescriptor } from 'sarif';
import { SCAN_ERROR_RULE } from '../scan/scan-error.js';
import type { RuleMeta } from '../scan/types.js';
import type { Finding, ScannerName, Severity } from './types.js';

/**
 * GitHub ranks security alerts by `security-severity` (a number as a string):
 * over 9.0 critical, 7.0-8.9 high, 4.0-6.9 medium, 0.1-3.9 low. Our three grades sit
 * inside GitHub's bands.
 */
export const SECURITY_SEVERITY: Record<Severity, string> = { high: '8.0', medium: '5.5', low: '2.0' };

export const SARIF_LEVEL: Record<Severity, 'error' | 'warning' | 'note'> = {
  high: 'error',
  medium: 'warning',
  low: 'note',
};

const PROBLEM_SEVERITY: Record<Severity, string> = {
  high: 'error',
  medium: 'warning',
  low: 'recommendation',
};
const SEVERITY_RANK: Record<Severity, number> = { low: 0, medium: 1, high: 2 };

const BUILTIN: RuleMeta[] = [
  {
    tool: 'airlock',
    id: SCAN_ERROR_RULE,
    name: 'scan-error',
    shortDescription: 'A scanner could not scan this file',
    fullDescription:
      'Bandit or Semgrep failed on this file (a syntax error, an encoding trick, a timeout) or did not report scanning it. ' +
      'Unscanned code is not clean code: the policy decides what a scan error costs (default: blocked).',
    cwe: [693],
    defaultSeverity: 'high',
  },
];

/** Descriptor for one rule; `findings` are this rule's findings in this run (the worst severity wins). */
export function ruleDescriptor(
  tool: ScannerName,
  ruleId: string,
  findings: readonly Finding[],
  catalog: ReadonlyMap<string, RuleMeta>,
): ReportingDescriptor {
  const meta = catalog.get(key(tool, ruleId)) ?? BUILTIN.find((m) => m.tool === tool && m.id === ruleId);
  const severity = worst(
    findings.map((f) => f.severity),
    meta?.defaultSeverity,
  );
  const short = meta?.shortDescription ?? `${tool} ${ruleId}`;
  const full = meta?.fullDescription ?? findings[0]?.message ?? short;
  const cweTags = (meta?.cwe ?? []).map((n) => `external/cwe/cwe-${n}`);
  const markdown = [`**${escapeMarkdown(short)}**`, '', escapeMarkdown(full)];
  if (meta?.helpUri) markdown.push('', `[Rule documentation](${meta.helpUri})`);
  const d: ReportingDescriptor = {
    id: ruleId,
    shortDescription: { text: short },
    fullDescription: { text: full },
    help: {
      text: meta?.helpUri ? `${full}\n\nDocumentation: ${meta.helpUri}` : full,
      markdown: markdown.join('\n'),
    },
    defaultConfiguration: { level: SARIF_LEVEL[severity] },
    properties: {
      tags: ['security', tool, ...cweTags],
      'security-severity': SECURITY_SEVERITY[severity],
      'problem.severity': PROBLEM_SEVERITY[severity],
      precision: precisionOf(findings),
    },
  };
  if (meta?.name && meta.name !== ruleId) d.name = meta.name;
  if (meta?.helpUri) d.helpUri = meta.helpUri;
  return d;
}

export function ruleCatalog(rules: readonly RuleMeta[] = []): Map<string, RuleMeta> {
  const m = new Map<string, RuleMeta>();
  for (const r of rules) if (!m.has(key(r.tool, r.id))) m.set(key(r.tool, r.id), r);
  return m;
}

function key(tool: string, id: string): string {
  return `${tool}\0${id}`;
}

function worst(severities: Severity[], fallback: Severity | undefined): Severity {
  let best: Severity | undefined;
  for (const s of severities) if (!best || SEVERITY_RANK[s] > SEVERITY_RANK[best]) best = s;
  return best ?? fallback ?? 'medium';
}

/** CodeQL's precision vocabulary, from the scanners' confidence (the lowest seen). */
function precisionOf(findings: readonly Finding[]): string {
  const c = findings.map((f) => f.confidence);
  if (c.includes('low')) return 'low';
  if (c.includes('medium') || c.length === 0) return 'medium';
  return 'high';
}

/** Rule text can carry scanner output; keep it from turning into links or HTML in GitHub's UI. */
function escapeMarkdown(s: string): string {
  return s.replace(/[\\`*_{}[\]()<>#|!]/g, (c) => `\\${c}`);
}
