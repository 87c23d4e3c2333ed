import type { Judged } from '../../assess/index.js';
import type { Finding, GateReport, ScriptReport, TrustLevel } from '../../report/types.js';
import { type Paint, safeForTerminal } from './terminal.js';

/**
 * The gate's answer as a person reads it in a terminal, shaped like the scanners
 * people know (ruff, flake8, gcc): one `path:line:col:` line per finding, so editors
 * and terminals make it clickable, with the level it got, the scanner and rule, the
 * policy's reason, and the source line. Then what went wrong in a run (status, the
 * stderr tail) and, last, the verdict: the line `-q` keeps.
 *
 * Pure: the per-finding judgement and the source lines come in as functions.
 */
export interface TextContext {
  /** The level a finding gets under the policy and the rule's `why` (assess/judge). */
  judge: (f: Finding) => Judged;
  /** The source line (1-based) of a workspace path, or undefined when unavailable. */
  sourceLine: (path: string, line: number) => string | undefined;
  paint: Paint;
}

const LEVEL_STYLE: Record<TrustLevel, 'red' | 'yellow' | 'dim'> = {
  blocked: 'red',
  high: 'yellow',
  low: 'dim',
};
const STDERR_TAIL_LINES = 5;

function findingBlock(s: ScriptReport, f: Finding, ctx: TextContext): string[] {
  const p = ctx.paint;
  const where = `${safeForTerminal(s.path)}:${f.line}:${f.column ?? 1}:`;
  const judged = ctx.judge(f);
  const level = f.allowlisted ? `allowlisted (${judged.level})` : judged.level;
  const head =
    `${p('bold', where)} ${p(f.allowlisted ? 'dim' : LEVEL_STYLE[judged.level], level)} ` +
    `${f.tool} ${p('cyan', safeForTerminal(f.ruleId))} [${f.severity}/${f.confidence}] ${safeForTerminal(f.message)}`;
  const out = [head];
  if (f.allowlisted) {
    out.push(
      `    ${p('dim', `allowlisted until ${f.allowlisted.expires}: ${safeForTerminal(f.allowlisted.justification)}`)}`,
    );
  } else if (judged.why) {
    out.push(`    why: ${safeForTerminal(judged.why)}`);
  }
  const code = ctx.sourceLine(s.path, f.line);
  if (code !== undefined) {
    out.push(`    ${p('dim', `${String(f.line).padStart(4)} |`)} ${safeForTerminal(code)}`);
  }
  return out;
}

function executionBlock(s: ScriptReport, ctx: TextContext): string[] {
  const e = s.execution;
  if (!e || e.status === 'success') return [];
  const exit = e.exitCode === null ? '' : ` (exit ${e.exitCode})`;
  const reason = e.reason ? `: ${safeForTerminal(e.reason)}` : '';
  const out = [
    `${ctx.paint('bold', `${safeForTerminal(s.path)}:`)} run ${ctx.paint('red', e.status)}${exit} after ${e.durationMs} ms${reason}`,
  ];
  const tail = e.stderr.trimEnd().split('\n').slice(-STDERR_TAIL_LINES).filter(Boolean);
  for (const l of tail) out.push(`    ${ctx.paint('dim', 'stderr |')} ${safeForTerminal(l)}`);
  return out;
}

export function verdictLine(report: GateReport, paint: Paint): string {
  const c = report.counts;
  const verdict = report.verdict === 'pass' ? paint('green', 'PASS') : paint('red', 'FAIL');
  return `${verdict}: ${report.scripts.length} script(s), ${c.low} low, ${c.high} high, ${c.blocked} blocked, ${c.executed} executed, ${c.failed} failed`;
}

/** Everything but the trailing `report:`/`sarif:` lines, which the command adds. */
export function renderText(report: GateReport, ctx: TextContext): string {
  const lines: string[] = [];
  for (const s of [...report.scripts, ...(report.modules ?? [])]) {
    const findings = [...s.findings].sort((a, b) => a.line - b.line || (a.column ?? 0) - (b.column ?? 0));
    for (const f of findings) lines.push(...findingBlock(s as ScriptReport, f, ctx));
  }
  for (const s of report.scripts) lines.push(...executionBlock(s, ctx));
  for (const n of report.notices) lines.push(`${ctx.paint('dim', 'notice:')} ${safeForTerminal(n)}`);
  if (lines.length) lines.push('');
  lines.push(verdictLine(report, ctx.paint));
  for (const r of report.verdictReasons) lines.push(`  - ${safeForTerminal(r)}`);
  return `${lines.join('\n')}\n`;
}
