import { SCANNERS } from '../scan/registry.js';
import { SCAN_ERROR_RULE } from '../scan/scan-error.js';
import { stderrTail } from '../report/summary-script.js';
import type { Finding, GateReport, ScriptReport, TrustLevel } from '../report/types.js';
import type { AnnotationFinding, AnnotationLevel } from './annotations.js';

/**
 * A gate report as annotations: each finding at its own level (blocked → error, high →
 * warning, low → notice: an `import subprocess` the policy rates low is a notice even in
 * a blocked script), on its own line; each failed run as an error on its script. Most
 * severe first, so GitHub's ten per type are the ten that matter. Allowlisted findings
 * are accepted: none.
 */
const ANNOTATION_OF: Record<TrustLevel, AnnotationLevel> = {
  blocked: 'error',
  high: 'warning',
  low: 'notice',
};
const LEVEL_RANK: Record<TrustLevel, number> = { blocked: 0, high: 1, low: 2 };
const GRADE_RANK = { high: 0, medium: 1, low: 2 } as const;

const TOOL_NAME = new Map<string, string>([
  ...SCANNERS.map((s) => [s.name, s.driver.name] as const),
  ['airlock', 'Airlock'],
]);

/** "Bandit B602: blocked", "Could not be scanned: blocked". */
export function annotationTitle(f: Finding, level: TrustLevel): string {
  if (f.tool === 'airlock' && f.ruleId === SCAN_ERROR_RULE)
    return `Airlock could not scan this file: ${level}`;
  return `${TOOL_NAME.get(f.tool) ?? f.tool} ${f.ruleId}: ${level}`;
}

function annotationMessage(f: Finding, level: TrustLevel): string {
  const decided = f.levelRule ? `the policy's ${f.levelRule} rates it ${level}` : `rated ${level}`;
  const why = f.why ? `: ${f.why}` : '';
  return `${f.message.trim() || f.ruleId}\n(${f.severity} severity, ${f.confidence} confidence; ${decided}${why})`;
}

function failedRun(s: ScriptReport): AnnotationFinding | undefined {
  const ex = s.execution;
  if (!ex || ex.status === 'success' || ex.status === 'cancelled') return undefined;
  const exit = ex.exitCode !== null ? ` (exit ${ex.exitCode})` : '';
  const tail = stderrTail(ex.stderr).text.split('\n').slice(-5).join('\n').trim();
  const detail = [ex.reason, tail].filter(Boolean).join('\n') || 'no output on stderr';
  return {
    path: s.path,
    level: 'error',
    title: `Airlock: the run ended ${ex.status}${exit}`,
    message: `${detail}\n(the job summary has the stderr tail; the JSON report has all of it)`,
  };
}

export function reportAnnotations(report: GateReport): AnnotationFinding[] {
  const ranked: { a: AnnotationFinding; key: number[]; path: string }[] = [];
  for (const s of report.scripts) {
    for (const f of s.findings) {
      if (f.allowlisted) continue;
      // Reports written before findings carried a level: the script's level is the best known.
      const level = f.level ?? s.level;
      ranked.push({
        a: {
          path: s.path,
          line: f.line,
          level: ANNOTATION_OF[level],
          title: annotationTitle(f, level),
          message: annotationMessage(f, level),
        },
        key: [LEVEL_RANK[level], 0, GRADE_RANK[f.severity], GRADE_RANK[f.confidence], f.line],
        path: s.path,
      });
    }
    const run = failedRun(s);
    // After the blocked findings, ahead of nothing else of the same type (errors).
    if (run) ranked.push({ a: run, key: [0, 1, 0, 0, 0], path: s.path });
  }
  ranked.sort((x, y) => compareKeys(x.key, y.key) || (x.path < y.path ? -1 : x.path > y.path ? 1 : 0));
  return ranked.map((r) => r.a);
}

function compareKeys(a: number[], b: number[]): number {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
  return 0;
}
