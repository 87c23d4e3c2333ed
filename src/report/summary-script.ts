import { artifactDirName } from '../gate/execute-stage.js';
import { allowlistSuggestions, allowlistYaml } from './allowlist-suggestion.js';
import { codeSpan, encodePath, escapeMarkdown, fencedBlock, fmtBytes, fmtMs, link } from './markdown.js';
import type { Finding, ScriptReport, TrustLevel } from './types.js';
import { clip } from './visible-text.js';

/**
 * One script's section of the job summary: why it got its level (the deciding findings
 * with the policy's rule and `why`), every other finding, how its run ended (the tail
 * of stderr when it failed), its artifacts, and the allowlist entries to paste.
 * Each part is bounded, so one script cannot take the summary's whole budget.
 */
export interface SummaryLinks {
  /** e.g. https://github.com/OWNER/REPO/blob/SHA; findings link to `${blobBase}/${path}#L${line}`. */
  blobBase?: string;
  /**
   * The uploaded workflow artifact holding the output dir, when one is known: artifact
   * lists link to it. GitHub does not render images from `data:` URIs nor from inside a
   * zipped artifact, so images are listed, not shown.
   */
  artifactUrl?: string;
}

export const MAX_DECIDING_SHOWN = 5;
export const MAX_FINDINGS_SHOWN = 25;
export const MAX_ARTIFACTS_SHOWN = 20;
const STDERR_TAIL_LINES = 20;
const STDERR_TAIL_CHARS = 2000;
const MESSAGE_CHARS = 300;
const IMAGE = /\.(png|jpe?g|gif|svg|webp)$/i;

export const LEVEL_RANK: Record<TrustLevel, number> = { blocked: 0, high: 1, low: 2 };
const SEVERITY_RANK = { high: 0, medium: 1, low: 2 } as const;
export const LEVEL_ICON: Record<TrustLevel, string> = {
  low: '🟢 low',
  high: '🟠 high',
  blocked: '🔴 blocked',
};

/** A run that ended in anything but success (and was not stopped by a cancellation). */
export function runFailed(s: ScriptReport): boolean {
  const st = s.execution?.status;
  return st !== undefined && st !== 'success' && st !== 'cancelled';
}

/**
 * Where a script stands in the summary: what fails the gate first (blocked, then a
 * failed run), then high, then low scripts with findings, then clean ones.
 */
export function attentionTier(s: ScriptReport): number {
  if (s.level === 'blocked') return 0;
  if (runFailed(s)) return 1;
  // A script that tried to reach something denied is shown, even when it then succeeded.
  if (s.level === 'high' || deniedEgress(s).length > 0) return 2;
  return s.findings.some((f) => !f.allowlisted) ? 3 : 4;
}

export function needsAttention(s: ScriptReport): boolean {
  return attentionTier(s) <= 2;
}

/** Most severe first: the finding's own level, then its severity, then its line. */
export function byFindingSeverity(a: Finding, b: Finding): number {
  const la = a.allowlisted ? 3 : LEVEL_RANK[a.level ?? 'high'];
  const lb = b.allowlisted ? 3 : LEVEL_RANK[b.level ?? 'high'];
  return la - lb || SEVERITY_RANK[a.severity] - SEVERITY_RANK[b.severity] || a.line - b.line;
}

export function fileUrl(links: SummaryLinks, path: string): string | undefined {
  return links.blobBase ? `${links.blobBase}/${encodePath(path)}` : undefined;
}

export function lineUrl(links: SummaryLinks, path: string, line: number): string | undefined {
  const file = fileUrl(links, path);
  return file ? `${file}#L${line}` : undefined;
}

export function findingItem(path: string, f: Finding, links: SummaryLinks, withPath: boolean): string {
  const where = withPath ? `${escapeMarkdown(path, 200)}:${f.line}` : `line ${f.line}`;
  const level = f.allowlisted ? 'allowlisted' : (f.level ?? '?');
  const rule = f.levelRule ? ` by ${codeSpan(f.levelRule)}` : '';
  const why = f.allowlisted
    ? `: _${escapeMarkdown(f.allowlisted.justification, MESSAGE_CHARS)}_ (until ${escapeMarkdown(f.allowlisted.expires, 20)})`
    : f.why
      ? `: _${escapeMarkdown(f.why, MESSAGE_CHARS)}_`
      : '';
  return (
    `- ${link(where, lineUrl(links, path, f.line))} ${f.tool} **${escapeMarkdown(f.ruleId, 200)}** ` +
    `(${f.severity}/${f.confidence}) → **${level}**${rule}${why}  \n  ${escapeMarkdown(f.message, MESSAGE_CHARS)}`
  );
}

function findingsPart(s: ScriptReport, links: SummaryLinks): string[] {
  const sorted = [...s.findings].sort(byFindingSeverity);
  const deciding = sorted.filter((f) => !f.allowlisted && f.level === s.level && s.level !== 'low');
  const out: string[] = [];
  if (deciding.length) {
    out.push(`**Decided by** (the findings at level ${s.level}):`, '');
    for (const f of deciding.slice(0, MAX_DECIDING_SHOWN)) out.push(findingItem(s.path, f, links, false));
    if (deciding.length > MAX_DECIDING_SHOWN)
      out.push(`- … and ${deciding.length - MAX_DECIDING_SHOWN} more at this level (below)`);
    out.push('');
  }
  const rest = sorted.filter((f) => !deciding.slice(0, MAX_DECIDING_SHOWN).includes(f));
  if (rest.length) {
    out.push(`<details><summary>${rest.length} more finding(s)</summary>`, '');
    for (const f of rest.slice(0, MAX_FINDINGS_SHOWN)) out.push(findingItem(s.path, f, links, false));
    if (rest.length > MAX_FINDINGS_SHOWN)
      out.push(`- … and ${rest.length - MAX_FINDINGS_SHOWN} more in the SARIF and the JSON report`);
    out.push('', '</details>', '');
  }
  return out;
}

/** The last lines of stderr, bounded in lines and characters. */
export function stderrTail(stderr: string): { text: string; cut: boolean } {
  const lines = stderr.replace(/\n+$/, '').split('\n');
  let text = lines.slice(-STDERR_TAIL_LINES).join('\n');
  if (text.length > STDERR_TAIL_CHARS) text = `…${text.slice(text.length - STDERR_TAIL_CHARS + 1)}`;
  return { text, cut: text.length < stderr.replace(/\n+$/, '').length };
}

function runPart(s: ScriptReport): string[] {
  const ex = s.execution;
  if (!ex) {
    const why =
      s.decision === 'blocked'
        ? 'not run: blocked'
        : s.unchanged
          ? 'not run (skipped: unchanged, its scan was reused from the audit log, and the policy runs only changed scripts here)'
          : 'not run (skipped: the policy does not run this level, or the gate was cancelled before it started)';
    return [`**Run:** ${why}.`, ''];
  }
  const exit = ex.exitCode !== null ? `, exit ${ex.exitCode}` : '';
  const out = [
    `**Run:** ${ex.status}${exit} after ${fmtMs(ex.durationMs)}, peak memory ${fmtBytes(ex.peakMemoryBytes)}, profile ${codeSpan(ex.profile, 40)}.`,
  ];
  if (ex.reason) out.push(`${escapeMarkdown(ex.reason)}`);
  out.push('');
  if (runFailed(s) && ex.stderr.trim()) {
    const tail = stderrTail(ex.stderr);
    const of = tail.cut || ex.stderrTruncated ? ` (the end of ${fmtBytes(ex.stderrBytes)})` : '';
    out.push(`stderr${of}:`, '', fencedBlock(tail.text, 'text'), '');
  }
  return out;
}

export function deniedEgress(s: ScriptReport) {
  return (s.execution?.egress ?? []).filter((q) => !q.allowed);
}

const MAX_EGRESS_SHOWN = 20;
const MAX_PACKAGES_SHOWN = 10;

/** The install phase before the script (docs/egress.md): what pip installed, or why the script did not run. */
function installPart(s: ScriptReport): string[] {
  const i = s.execution?.install;
  if (!i) return [];
  const from = `from ${codeSpan(i.index, 200)} (${codeSpan(i.requirements, 200)})`;
  if (i.status !== 'success') {
    return [
      `**Install phase:** ${i.status} ${from}: ${escapeMarkdown(clip(i.reason ?? '', MESSAGE_CHARS))}; the script did not run.`,
      '',
    ];
  }
  const shown = i.packages.slice(0, MAX_PACKAGES_SHOWN).map((p) => codeSpan(`${p.name}==${p.version}`, 120));
  const more =
    i.packages.length > MAX_PACKAGES_SHOWN ? `, and ${i.packages.length - MAX_PACKAGES_SHOWN} more` : '';
  return [
    `**Install phase:** ${i.packages.length} package(s) installed ${from} in ${fmtMs(i.durationMs)}: ${shown.join(', ')}${more}; the script then ran with no egress.`,
    '',
  ];
}

/** The script's network requests through the egress proxy: the denied ones listed. */
function egressPart(s: ScriptReport): string[] {
  const all = s.execution?.egress;
  if (!all || all.length === 0) return [];
  const denied = deniedEgress(s);
  const up = all.reduce((n, q) => n + q.bytesUp, 0);
  const down = all.reduce((n, q) => n + q.bytesDown, 0);
  const out = [
    `**Network:** ${all.length} request(s) through the egress proxy, ${denied.length} denied; ${fmtBytes(up)} up, ${fmtBytes(down)} down.`,
    '',
  ];
  if (denied.length === 0) return out;
  out.push('| denied | target | why |', '| --- | --- | --- |');
  for (const q of denied.slice(0, MAX_EGRESS_SHOWN)) {
    const target = `${q.host}:${q.port}${q.path ?? ''}`;
    out.push(
      `| ${codeSpan(q.method, 20)} | ${codeSpan(target, 200)} | ${escapeMarkdown(clip(q.reason, MESSAGE_CHARS))} |`,
    );
  }
  if (denied.length > MAX_EGRESS_SHOWN)
    out.push(`| … and ${denied.length - MAX_EGRESS_SHOWN} more (see report.json) | | |`);
  out.push('');
  return out;
}

function artifactsPart(s: ScriptReport, index: number, links: SummaryLinks): string[] {
  const arts = s.execution?.artifacts ?? [];
  if (arts.length === 0) return [];
  const total = arts.reduce((n, a) => n + a.bytes, 0);
  const folder = codeSpan(`${artifactDirName(index, s.path)}/`, 120);
  const where = links.artifactUrl
    ? `in the ${link('workflow artifact', links.artifactUrl)} under ${folder}`
    : `in the output directory under ${folder}`;
  const cut = s.execution?.artifactsTruncated ? ' (more were written than the profile keeps)' : '';
  const out = [`**Artifacts** (${arts.length}, ${fmtBytes(total)}; ${where})${cut}:`, ''];
  out.push('| file | size | sha256 |', '| --- | --- | --- |');
  for (const a of arts.slice(0, MAX_ARTIFACTS_SHOWN)) {
    const kind = IMAGE.test(a.path) ? ' 🖼️' : '';
    out.push(
      `| ${codeSpan(a.path, 200)}${kind} | ${fmtBytes(a.bytes)} | ${codeSpan(clip(a.sha256, 64), 70)} |`,
    );
  }
  if (arts.length > MAX_ARTIFACTS_SHOWN)
    out.push(`| … and ${arts.length - MAX_ARTIFACTS_SHOWN} more (see the JSON report) | | |`);
  out.push('');
  return out;
}

function allowlistPart(s: ScriptReport, runFinishedAt: string): string[] {
  const entries = allowlistSuggestions(s, runFinishedAt);
  if (entries.length === 0) return [];
  return [
    `<details><summary>Accept after review: the allowlist ${entries.length === 1 ? 'entry' : 'entries'} to paste into the policy</summary>`,
    '',
    fencedBlock(allowlistYaml(entries), 'yaml'),
    '',
    "Replace the justification; the entry expires, so the acceptance is reviewed again. On a pull request the base branch's policy decides, so the entry takes effect once merged.",
    '',
    '</details>',
    '',
  ];
}

/** A script that needs no section of its own, with its artifacts: heading and list. */
export function artifactsSection(s: ScriptReport, index: number, links: SummaryLinks): string {
  const head = `#### ${LEVEL_ICON[s.level]}: ${link(codeSpan(s.path), fileUrl(links, s.path))}`;
  return [head, '', ...artifactsPart(s, index, links)].join('\n');
}

/** The whole section for script number `index` (its position in the report). */
export function scriptSection(
  s: ScriptReport,
  index: number,
  links: SummaryLinks,
  runFinishedAt: string,
): string {
  const failed = runFailed(s) ? `, run ${s.execution!.status}` : '';
  const head = `#### ${LEVEL_ICON[s.level]}${failed}: ${link(codeSpan(s.path), fileUrl(links, s.path))}`;
  return [
    head,
    '',
    ...findingsPart(s, links),
    ...runPart(s),
    ...installPart(s),
    ...egressPart(s),
    ...artifactsPart(s, index, links),
    ...allowlistPart(s, runFinishedAt),
  ].join('\n');
}
