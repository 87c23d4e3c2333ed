import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ContainmentRow } from './hostile-containment.js';

/**
 * Evidence files for docs/security/REVIEW.md. Tests write JSON into the directory named
 * by AIRLOCK_EVIDENCE_DIR (scripts/evidence.sh sets it); without it they write nothing.
 * `renderContainmentTable` turns those files into the Markdown table the review cites.
 */
export function evidenceDir(): string | undefined {
  return process.env.AIRLOCK_EVIDENCE_DIR || undefined;
}

export function writeEvidence(name: string, data: unknown): void {
  const dir = evidenceDir();
  if (!dir) return;
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, name), `${JSON.stringify(data, null, 1)}\n`);
}

function readJson<T>(dir: string, name: string): T | undefined {
  try {
    return JSON.parse(readFileSync(join(dir, name), 'utf8')) as T;
  } catch {
    return undefined;
  }
}

export interface ContainmentEvidence {
  /** Absent in evidence written before the Podman leg: Docker. */
  engine?: 'docker' | 'podman';
  runtime: string;
  wallMs: number;
  rows: ContainmentRow[];
  hostConnections: string[];
  leftoverContainers: string[];
}

export interface ScanEvidence {
  levels: Record<string, string>;
  banditVersion?: string;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? (s[Math.floor((s.length - 1) / 2)]! + s[Math.ceil((s.length - 1) / 2)]!) / 2 : 0;
}

/** The per-class containment table, and runc vs runsc timings when both ran. */
export function renderContainmentTable(dir: string): string {
  const scan = readJson<ScanEvidence>(dir, 'hostile-scan.json');
  const out: string[] = [];
  const runs = ['runc', 'runsc', 'podman-runc']
    .map((rt) => readJson<ContainmentEvidence>(dir, `hostile-containment-${rt}.json`))
    .filter((x): x is ContainmentEvidence => Boolean(x));
  for (const ev of runs) {
    const where = ev.engine === 'podman' ? ' on rootful Podman (a user namespace per container)' : '';
    out.push(`### Runtime ${ev.runtime}${where}`, '');
    out.push(
      '| class | scripts | blocked at scan | contained at run time | escaped |',
      '| --- | --- | --- | --- | --- |',
    );
    const byClass = new Map<string, { n: number; b: number; c: number; e: number }>();
    for (const r of ev.rows) {
      const s = byClass.get(r.class) ?? { n: 0, b: 0, c: 0, e: 0 };
      s.n += 1;
      if (scan?.levels[r.id] === 'blocked') s.b += 1;
      if (r.contained) s.c += 1;
      else s.e += 1;
      byClass.set(r.class, s);
    }
    for (const [cls, s] of byClass) out.push(`| ${cls} | ${s.n} | ${s.b} | ${s.c} | ${s.e} |`);
    out.push(
      '',
      `Host tripwire connections: ${ev.hostConnections.length}; containers left behind: ${ev.leftoverContainers.length}; wall time ${(ev.wallMs / 1000).toFixed(1)} s.`,
      '',
    );
    const bad = ev.rows.filter((r) => !r.contained || r.problems.length);
    for (const r of bad) out.push(`- ${r.id}: ${[...r.escapes, ...r.problems].join('; ')}`);
    if (bad.length) out.push('');
  }
  const docker = runs.filter((ev) => ev.engine !== 'podman');
  if (docker.length === 2) {
    const [a, b] = docker as [ContainmentEvidence, ContainmentEvidence];
    // Compare only cases that finished on their own in both: timeouts last as long as the limit.
    const ok = (r: ContainmentRow) => r.status === 'success';
    const ids = a.rows
      .filter(ok)
      .map((r) => r.id)
      .filter((id) => b.rows.some((r) => r.id === id && ok(r)));
    const pick = (ev: ContainmentEvidence) => ids.map((id) => ev.rows.find((r) => r.id === id)!.durationMs);
    const ma = median(pick(a));
    const mb = median(pick(b));
    out.push(
      '### runsc (gVisor) versus runc on the corpus',
      '',
      `Median duration per case over ${ids.length} cases that completed under both: runc ${Math.round(ma)} ms, runsc ${Math.round(mb)} ms (${ma ? `${((mb / ma - 1) * 100).toFixed(0)} %` : 'n/a'} overhead). Whole corpus wall time (3 at a time): runc ${(a.wallMs / 1000).toFixed(1)} s, runsc ${(b.wallMs / 1000).toFixed(1)} s.`,
      '',
    );
  }
  return out.join('\n');
}

interface VitestJson {
  numPassedTests: number;
  numFailedTests: number;
  testResults: { name: string; assertionResults: { fullName: string; status: string }[] }[];
}

function testsSection(dir: string, file: string, title: string, filter?: RegExp): string[] {
  const r = readJson<VitestJson>(dir, file);
  if (!r) return [`### ${title}`, '', `(${file} missing: the step did not run)`, ''];
  const out = [`### ${title}`, '', `${r.numPassedTests} passed, ${r.numFailedTests} failed.`, ''];
  const rows = r.testResults
    .flatMap((f) => f.assertionResults)
    .filter((a) => !filter || filter.test(a.fullName));
  if (filter) {
    out.push('| test | result |', '| --- | --- |');
    for (const a of rows) out.push(`| ${a.fullName.replace(/\|/g, '\\|')} | ${a.status} |`);
  } else {
    for (const a of rows.filter((x) => x.status !== 'passed')) out.push(`- ${a.status}: ${a.fullName}`);
  }
  out.push('');
  return out;
}

interface SmokeJson {
  runtime: string;
  image: { ref: string };
  summary: Record<string, number>;
  checks: { name: string; status: string; detail: string }[];
}

function smokeSection(dir: string): string[] {
  const out: string[] = [];
  for (const f of ['smoke.json', 'smoke-runsc.json']) {
    const s = readJson<SmokeJson>(dir, f);
    if (!s) {
      out.push(`### Smoke (${f})`, '', '(missing: the smoke step failed before writing its report)', '');
      continue;
    }
    out.push(`### Smoke: ${s.image.ref} under ${s.runtime}`, '', JSON.stringify(s.summary), '');
    out.push('| check | status | detail |', '| --- | --- | --- |');
    for (const c of s.checks)
      out.push(`| ${c.name} | ${c.status} | ${c.detail.replace(/\|/g, '/').slice(0, 120)} |`);
    out.push('');
  }
  return out;
}

function jsonSection(dir: string, file: string, title: string): string[] {
  const data = readJson<unknown>(dir, file);
  return [
    `### ${title}`,
    '',
    data === undefined
      ? `(${file} missing)`
      : `\`\`\`json\n${JSON.stringify(data, null, 1).slice(0, 4000)}\n\`\`\``,
    '',
  ];
}

/** evidence/README.md: every table REVIEW.md cites, rendered from the evidence files. */
export function renderEvidence(dir: string): string {
  const scan = readJson<{ levels: Record<string, string> }>(dir, 'hostile-scan.json');
  const levels = Object.values(scan?.levels ?? {});
  const count = (l: string) => levels.filter((x) => x === l).length;
  const sarif = readJson<{ runs: { results?: { level?: string }[] }[] }>(dir, 'sarif-validation.sarif');
  const sarifResults = sarif?.runs.flatMap((r) => r.results ?? []) ?? [];
  return [
    '# Airlock security evidence',
    '',
    `Generated ${new Date().toISOString()} by scripts/evidence.sh from commit-time code. See docs/security/REVIEW.md.`,
    '',
    '## Hostile corpus: containment',
    '',
    renderContainmentTable(dir),
    '## Hostile corpus: static layer',
    '',
    scan
      ? `Levels from the real scan (Bandit in the sandbox image, default policy): ${count('blocked')} blocked, ${count('high')} high, ${count('low')} low, ${count('missing')} missing.`
      : '(hostile-scan.json missing)',
    '',
    ...jsonSection(
      dir,
      'hostile-names.json',
      'Hostile names and contents through the gate (decision per case)',
    ),
    ...jsonSection(
      dir,
      'hostile-probe-sensitivity.json',
      'Probe sensitivity: ESCAPED lines with one protection removed',
    ),
    '## Image smoke suite',
    '',
    ...smokeSection(dir),
    '## Faults',
    '',
    ...jsonSection(
      dir,
      'faults-gate.json',
      'Gate faults: no Docker, no image, malformed policies, broken scanners',
    ),
    ...jsonSection(dir, 'faults-docker-stopped-during.json', 'Docker daemon killed mid-run'),
    ...jsonSection(dir, 'faults-audit-sigkill.json', 'SIGKILL during audit appends'),
    '## Audit log tampering',
    '',
    ...testsSection(
      dir,
      'vitest-audit.json',
      'Audit tests (tamper kinds and the code each gives)',
      /tamper|verif/i,
    ),
    '## SARIF validation',
    '',
    sarif
      ? `Sarif.Multitool validate --rule-kind Sarif;Gh on hostile-corpus.sarif: ${sarifResults.filter((r) => r.level === 'error').length} errors, ${sarifResults.filter((r) => r.level !== 'error').length} warnings/notes.`
      : '(sarif-validation.sarif missing)',
    '',
    '## All security tests',
    '',
    ...testsSection(dir, 'vitest-security.json', 'Hostile, fault and property tests'),
  ].join('\n');
}

// `tsx test/helpers/hostile-evidence.ts DIR` prints evidence/README.md (scripts/evidence.sh).
if (process.argv[1]?.endsWith('hostile-evidence.ts') && process.argv[2]) {
  process.stdout.write(`${renderEvidence(process.argv[2])}\n`);
}
