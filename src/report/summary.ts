import { codeSpan, escapeMarkdown, fmtBytes, fmtMs, link, utf8Bytes } from './markdown.js';
import { missingScannerWarnings } from './scanner-warnings.js';
import {
  artifactsSection,
  attentionTier,
  byFindingSeverity,
  findingItem,
  LEVEL_ICON,
  needsAttention,
  type SummaryLinks,
  scriptSection,
} from './summary-script.js';
import type { GateReport, ScriptReport } from './types.js';

export { escapeMarkdown } from './markdown.js';
export type { SummaryLinks } from './summary-script.js';

/**
 * The job summary (Markdown), most important first:
 * 1. the verdict, its reasons, scanner warnings;
 * 2. a section per script that fails the gate or runs restricted (blocked, then failed
 *    runs, then high): the deciding findings with the policy's rule and `why`, stderr of
 *    a failed run, artifacts, and the allowlist entries to paste after review;
 * 3. a table of every script in the same order, then the artifacts of the others;
 * 4. the findings on the remaining scripts, most severe first;
 * 5. the image, policy, scanners and the audit checkpoint (always: the summary is one
 *    of the places the checkpoint is published outside the repository).
 *
 * It fits GitHub's step-summary limit at any scale: "each step is restricted to a
 * maximum size of 1MiB ... If more than 1MiB of content is added for a step, then the
 * upload for the step will fail" (docs.github.com, workflow commands, "Step isolation
 * and limits"). Parts 2 to 4 are added while they fit; what does not fit is counted in
 * a line that says what was left out and where it is, never cut silently.
 *
 * Everything that comes from a script (its path, finding messages, output, artifact
 * names) is hostile text: it is escaped (src/report/markdown.ts) so it cannot break the
 * table, inject links, images or HTML, or hide characters.
 */
export const STEP_SUMMARY_MAX_BYTES = 1024 * 1024;
/** Room kept for the lines that count what did not fit. */
const OMISSION_RESERVE = 4096;
const MAX_REASONS = 20;
const MAX_NOTICES = 20;
/** Share of the free budget the per-script sections may take before the table. */
const SECTIONS_SHARE = 0.6;

export interface SummaryOptions extends SummaryLinks {
  /** Bytes (UTF-8) the whole summary may take; default GitHub's per-step limit. */
  maxBytes?: number;
  /** The output directory's upload as a workflow artifact (the Action), when one was tried. */
  artifact?: ArtifactNote;
}

/** What the Action's artifact upload did (src/action/artifact-stage.ts), for the summary. */
export interface ArtifactNote {
  name: string;
  url?: string;
  files?: number;
  /** Size of the uploaded zip. */
  bytes?: number;
  /** SHA-256 of the uploaded zip, hex. */
  digest?: string;
  /** Why nothing was uploaded; absent when the upload succeeded. */
  failed?: string;
  /** Files of the output directory left out of the upload, each with why. */
  skipped: string[];
}

const MAX_SKIPPED_SHOWN = 10;

/** One line (and a note of what was left out) near the top: where to download the run's files. */
function artifactLines(a: ArtifactNote): string[] {
  const name = link(codeSpan(a.name, 200), a.url);
  const out: string[] = [];
  if (a.failed) {
    out.push(
      `> ⚠️ **Output not uploaded as a workflow artifact** (${codeSpan(a.name, 200)}): ${escapeMarkdown(a.failed, 700)}. The gate's verdict does not depend on it.`,
    );
  } else {
    const zip = a.bytes !== undefined ? `, zip ${fmtBytes(a.bytes)}` : '';
    const digest = a.digest ? `, sha256 ${codeSpan(a.digest, 64)}` : '';
    out.push(
      `📦 **Workflow artifact:** ${name}: this run's output directory (report.json, the SARIF, this summary, the scripts' artifacts), ${a.files ?? 0} file(s)${zip}${digest}.`,
    );
  }
  if (a.skipped.length) {
    const shown = a.skipped.slice(0, MAX_SKIPPED_SHOWN).map((s) => escapeMarkdown(s, 300));
    const more =
      a.skipped.length > MAX_SKIPPED_SHOWN ? `, and ${a.skipped.length - MAX_SKIPPED_SHOWN} more` : '';
    out.push(
      '',
      `> ⚠️ ${a.skipped.length} file(s) of the output directory not uploaded: ${shown.join('; ')}${more}.`,
    );
  }
  out.push('');
  return out;
}

function head(report: GateReport, artifact: ArtifactNote | undefined): string[] {
  const out: string[] = [];
  out.push(`## Airlock: ${report.verdict === 'pass' ? '✅ pass' : '❌ fail'}`, '');
  const c = report.counts;
  out.push(
    `${report.scripts.length} script(s): ${c.blocked} blocked, ${c.high} high, ${c.low} low; ${c.executed} executed, ${c.failed} failed.`,
    '',
  );
  if (artifact) out.push(...artifactLines(artifact));
  if (report.cancelled) {
    const k = report.cancelled;
    out.push(
      `> ⏹️ **Cancelled** by ${escapeMarkdown(k.signal, 40)}: ${k.inFlight} run(s) stopped (status \`cancelled\`), ${k.notStarted} script(s) not started (\`skipped\`). This report is partial.`,
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
  const reasons = report.verdictReasons;
  for (const r of reasons.slice(0, MAX_REASONS)) out.push(`- ${escapeMarkdown(r)}`);
  if (reasons.length > MAX_REASONS)
    out.push(`- … and ${reasons.length - MAX_REASONS} more reason(s): the scripts below, and report.json`);
  if (reasons.length) out.push('');
  // GitHub renders `> [!WARNING]` as a coloured alert box at the top: a missing scanner must not hide in the notices.
  for (const w of missingScannerWarnings(report.scanners))
    out.push('> [!WARNING]', `> **${escapeMarkdown(w)}**`, '');
  return out;
}

function runInfo(report: GateReport): string[] {
  const out: string[] = [];
  out.push(
    `**Image:** ${codeSpan(report.image.ref)}${report.image.id ? ` (${codeSpan(report.image.id)})` : ''}  `,
  );
  const from = report.policy.revision ? ` as of commit ${codeSpan(report.policy.revision.slice(0, 12))}` : '';
  out.push(
    `**Policy:** ${codeSpan(report.policy.path)}${from} (sha256 ${codeSpan(`${report.policy.sha256.slice(0, 16)}…`)})  `,
  );
  const scanners = report.scanners.map((s) => `${s.tool} ${s.status}${s.version ? ` ${s.version}` : ''}`);
  out.push(`**Scanners:** ${escapeMarkdown(scanners.join(', ')) || '–'}`, '');
  for (const n of report.notices.slice(0, MAX_NOTICES)) out.push(`> ⚠️ ${escapeMarkdown(n)}`);
  if (report.notices.length > MAX_NOTICES)
    out.push(`> ⚠️ … and ${report.notices.length - MAX_NOTICES} more notice(s) in report.json`);
  if (report.notices.length) out.push('');
  if (report.audit) {
    const how = report.audit.signed ? 'Checkpoint' : 'Checkpoint (**unsigned**: no signing key)';
    out.push(`**Audit log:** ${codeSpan(report.audit.log)}, ${report.audit.size} entries. ${how}:`, '');
    out.push('```', report.audit.checkpoint.replace(/`/g, "'").trimEnd(), '```', '');
  }
  return out;
}

function ruleIds(s: ScriptReport): string {
  const active = s.findings.filter((f) => !f.allowlisted).sort(byFindingSeverity);
  const ids = [...new Set(active.map((f) => f.ruleId))];
  if (ids.length === 0) return '–';
  const shown = ids.slice(0, 4).map((id) => escapeMarkdown(id, 80));
  return ids.length > 4 ? `${shown.join(', ')} +${ids.length - 4}` : shown.join(', ');
}

function row(s: ScriptReport): string {
  const ex = s.execution;
  const status = ex ? `${ex.status}${ex.exitCode !== null ? ` (${ex.exitCode})` : ''}` : '–';
  const arts = ex?.artifacts.length ? String(ex.artifacts.length) : '–';
  return `| ${codeSpan(s.path)} | ${LEVEL_ICON[s.level]} | ${ruleIds(s)} | ${s.decision} | ${status} | ${fmtMs(ex?.durationMs)} | ${fmtBytes(ex?.peakMemoryBytes)} | ${arts} |`;
}

/** "3 blocked, 12 low; 10 executed: 9 success, 1 failure" for the scripts left out. */
function describeScripts(scripts: readonly ScriptReport[]): string {
  const levels = (['blocked', 'high', 'low'] as const)
    .map((l) => [l, scripts.filter((s) => s.level === l).length] as const)
    .filter(([, n]) => n > 0)
    .map(([l, n]) => `${n} ${l}`);
  const status = new Map<string, number>();
  for (const s of scripts) {
    const k = s.execution?.status ?? `not run (${s.decision})`;
    status.set(k, (status.get(k) ?? 0) + 1);
  }
  const runs = [...status].map(([k, n]) => `${n} ${k}`);
  return `${levels.join(', ')}; ${runs.join(', ')}`;
}

/** Adds blocks while they fit in `budget` bytes; stops at the first that does not. */
class Budget {
  used = 0;
  constructor(readonly limit: number) {}
  fits(block: string): boolean {
    return this.used + utf8Bytes(block) + 1 <= this.limit;
  }
  take(block: string): void {
    this.used += utf8Bytes(block) + 1;
  }
}

export function renderSummary(report: GateReport, opts: SummaryOptions = {}): string {
  const max = opts.maxBytes ?? STEP_SUMMARY_MAX_BYTES;
  const top = head(report, opts.artifact).join('\n');
  const info = runInfo(report).join('\n');
  const free = max - utf8Bytes(top) - utf8Bytes(info) - OMISSION_RESERVE - 4;
  const ordered = report.scripts
    .map((s, index) => ({ s, index }))
    .sort((a, b) => attentionTier(a.s) - attentionTier(b.s) || cmp(a.s.path, b.s.path));

  // 2. A section per script that needs a look, in order, until their share is used.
  const sections: string[] = [];
  const attention = ordered.filter(({ s }) => needsAttention(s));
  const sectionBudget = new Budget(Math.max(0, Math.floor(free * SECTIONS_SHARE)));
  let detailed = 0;
  for (const { s, index } of attention) {
    const text = scriptSection(s, index, opts, report.finishedAt);
    if (!sectionBudget.fits(text)) break;
    sectionBudget.take(text);
    sections.push(text);
    detailed++;
  }
  if (attention.length) {
    sections.unshift(`### Scripts that need a look (${attention.length})`, '');
    if (detailed < attention.length) {
      const left = attention.slice(detailed).map((x) => x.s);
      sections.push(
        `> **${left.length} more script(s) that need a look are not detailed here** (${describeScripts(left)}), to stay within GitHub's 1 MiB summary limit: they lead the table below, and report.json and the SARIF have every finding.`,
        '',
      );
    }
  }

  // 3. The table, in the same order, with what is left.
  const rest = new Budget(free - sectionBudget.used);
  const table = [
    '### All scripts',
    '',
    '| script | level | findings | decision | exit status | duration | peak memory | artifacts |',
    '| --- | --- | --- | --- | --- | --- | --- | --- |',
  ];
  rest.take(table.join('\n'));
  let rows = 0;
  for (const { s } of ordered) {
    const r = row(s);
    if (!rest.fits(r)) break;
    rest.take(r);
    table.push(r);
    rows++;
  }
  if (rows < ordered.length) {
    const left = ordered.slice(rows).map((x) => x.s);
    table.push(
      `| … and ${left.length} more script(s) not listed (${describeScripts(left)}): see report.json | | | | | | | |`,
    );
  }
  table.push('');

  // The artifacts of the scripts without a section (a clean script's plots), while they fit.
  const arts: string[] = [];
  const producers = ordered.filter(({ s }) => !needsAttention(s) && s.execution?.artifacts.length);
  if (producers.length) {
    const title = `### Artifacts of the other scripts (${producers.length})\n`;
    rest.take(title);
    arts.push(title);
    let listed = 0;
    for (const { s, index } of producers) {
      const text = artifactsSection(s, index, opts);
      if (!rest.fits(text)) break;
      rest.take(text);
      arts.push(text);
      listed++;
    }
    if (listed < producers.length) {
      const left = producers.slice(listed).map((x) => x.s);
      const files = left.reduce((n, s) => n + (s.execution?.artifacts.length ?? 0), 0);
      arts.push(
        `> ${left.length} more script(s) wrote ${files} artifact(s) not listed here, to stay within GitHub's 1 MiB summary limit: report.json lists them with sizes and hashes.`,
        '',
      );
    }
  }

  // 4. Findings on scripts without a section of their own, most severe first.
  const others = ordered
    .filter(({ s }) => !needsAttention(s))
    .flatMap(({ s }) => s.findings.map((f) => ({ s, f })))
    .sort((a, b) => byFindingSeverity(a.f, b.f) || cmp(a.s.path, b.s.path));
  const findings: string[] = [];
  if (others.length) {
    const head5 = `<details><summary>Findings on the other scripts (${others.length})</summary>\n`;
    rest.take(head5);
    findings.push(head5);
    let shown = 0;
    for (const { s, f } of others) {
      const item = findingItem(s.path, f, opts, true);
      if (!rest.fits(item)) break;
      rest.take(item);
      findings.push(item);
      shown++;
    }
    if (shown < others.length)
      findings.push(
        `- … and ${others.length - shown} more, not listed to stay within GitHub's 1 MiB summary limit: see the SARIF and report.json`,
      );
    findings.push('', '</details>', '');
  }

  return `${[top, ...sections, ...table, ...arts, ...findings, info].join('\n')}\n`;
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
