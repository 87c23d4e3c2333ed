import { missingScannerWarnings } from './scanner-warnings.js';
import type { Finding, GateReport, ScriptReport } from './types.js';

/**
 * The job summary (Markdown): one table, a row per script, then the image, policy
 * and audit checkpoint, then the findings with links to their lines.
 *
 * Everything that comes from a script (its path, finding messages, output) is
 * hostile text rendered into Markdown that GitHub displays: it is escaped so it
 * cannot break the table, inject links/images or HTML.
 */
export interface SummaryLinks {
  /** e.g. https://github.com/OWNER/REPO/blob/SHA; findings link to `${blobBase}/${path}#L${line}`. */
  blobBase?: string;
}

const MAX_FINDINGS_LISTED = 200;

export function escapeMarkdown(text: string): string {
  return (
    text
      .replace(/[\r\n]+/g, ' ')
      // HTML first (GitHub renders inline HTML in summaries), then Markdown syntax.
      .replace(/&/g, '&amp;')
      .replace(/</g, '&lt;')
      .replace(/>/g, '&gt;')
      .replace(/[\\`*_{}[\]()#+!|~]/g, (c) => `\\${c}`)
      .slice(0, 500)
  );
}

function encodePath(path: string): string {
  return path.split('/').map(encodeURIComponent).join('/');
}

function fmtMs(ms: number | undefined): string {
  if (ms === undefined) return '–';
  return ms < 1000 ? `${ms} ms` : `${(ms / 1000).toFixed(1)} s`;
}

function fmtBytes(b: number | null | undefined): string {
  if (b === null || b === undefined) return '–';
  if (b < 1024 * 1024) return `${Math.round(b / 1024)} KiB`;
  return `${(b / (1024 * 1024)).toFixed(1)} MiB`;
}

const LEVEL_ICON: Record<ScriptReport['level'], string> = {
  low: '🟢 low',
  high: '🟠 high',
  blocked: '🔴 blocked',
};

function row(s: ScriptReport): string {
  const active = s.findings.filter((f) => !f.allowlisted);
  const findings = active.length ? [...new Set(active.map((f) => f.ruleId))].slice(0, 6).join(', ') : '–';
  const ex = s.execution;
  const status = ex ? `${ex.status}${ex.exitCode !== null ? ` (${ex.exitCode})` : ''}` : '–';
  return `| \`${s.path.replace(/[`\r\n|]/g, '?')}\` | ${LEVEL_ICON[s.level]} | ${escapeMarkdown(findings)} | ${s.decision} | ${status} | ${fmtMs(ex?.durationMs)} | ${fmtBytes(ex?.peakMemoryBytes)} |`;
}

function findingLine(s: ScriptReport, f: Finding, links: SummaryLinks): string {
  const where = `${s.path}:${f.line}`;
  const loc = links.blobBase
    ? `[${escapeMarkdown(where)}](${links.blobBase}/${encodePath(s.path)}#L${f.line})`
    : `\`${where.replace(/[`\r\n]/g, '?')}\``;
  const allow = f.allowlisted ? ` _(allowlisted: ${escapeMarkdown(f.allowlisted.justification)})_` : '';
  return `- ${loc} **${f.tool} ${escapeMarkdown(f.ruleId)}** (${f.severity}/${f.confidence}): ${escapeMarkdown(f.message)}${allow}`;
}

export function renderSummary(report: GateReport, links: SummaryLinks = {}): string {
  const out: string[] = [];
  const verdict = report.verdict === 'pass' ? '✅ pass' : '❌ fail';
  out.push(`## Airlock: ${verdict}`, '');
  const c = report.counts;
  out.push(
    `${report.scripts.length} script(s): ${c.low} low, ${c.high} high, ${c.blocked} blocked; ${c.executed} executed, ${c.failed} failed.`,
    '',
  );
  if (report.cancelled) {
    const c = report.cancelled;
    out.push(
      `> ⏹️ **Cancelled** by ${c.signal}: ${c.inFlight} run(s) stopped (status \`cancelled\`), ${c.notStarted} script(s) not started (\`skipped\`). This report is partial.`,
      '',
    );
  }
  if (report.scripts.length === 0) {
    // A green check over nothing must not read as "checked and fine".
    out.push(
      "> ⚠️ **Nothing was scanned**: no Python script matched the gate's paths (on a pull request: none that the PR adds or changes).",
      '',
    );
  }
  for (const r of report.verdictReasons) out.push(`- ${escapeMarkdown(r)}`);
  if (report.verdictReasons.length) out.push('');
  // GitHub renders `> [!WARNING]` as a coloured alert box at the top: a missing scanner must not hide in the notices.
  for (const w of missingScannerWarnings(report.scanners))
    out.push('> [!WARNING]', `> **${escapeMarkdown(w)}**`, '');
  out.push('| script | level | findings | decision | exit status | duration | peak memory |');
  out.push('| --- | --- | --- | --- | --- | --- | --- |');
  for (const s of report.scripts) out.push(row(s));
  out.push('');
  out.push(`**Image:** \`${report.image.ref}\`${report.image.id ? ` (\`${report.image.id}\`)` : ''}  `);
  const from = report.policy.revision ? ` as of commit \`${report.policy.revision.slice(0, 12)}\`` : '';
  out.push(
    `**Policy:** \`${report.policy.path.replace(/[`\r\n]/g, '?')}\`${from} (sha256 \`${report.policy.sha256.slice(0, 16)}…\`)  `,
  );
  const scanners = report.scanners.map((s) => `${s.tool} ${s.status}${s.version ? ` ${s.version}` : ''}`);
  out.push(`**Scanners:** ${scanners.join(', ') || '–'}`);
  out.push('');
  for (const n of report.notices) out.push(`> ⚠️ ${escapeMarkdown(n)}`);
  if (report.notices.length) out.push('');
  if (report.audit) {
    const how = report.audit.signed ? 'Checkpoint' : 'Checkpoint (**unsigned**: no signing key)';
    out.push(`**Audit log:** \`${report.audit.log}\`, ${report.audit.size} entries. ${how}:`, '');
    out.push('```', report.audit.checkpoint.trimEnd(), '```', '');
  }
  const all = report.scripts.flatMap((s) => s.findings.map((f) => ({ s, f })));
  if (all.length) {
    out.push('<details><summary>Findings</summary>', '');
    for (const { s, f } of all.slice(0, MAX_FINDINGS_LISTED)) out.push(findingLine(s, f, links));
    if (all.length > MAX_FINDINGS_LISTED) {
      out.push(`- … and ${all.length - MAX_FINDINGS_LISTED} more in the SARIF and the JSON report.`);
    }
    out.push('', '</details>', '');
  }
  return `${out.join('\n')}\n`;
}
