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
  const runs = ['runc', 'runsc']
    .map((rt) => readJson<ContainmentEvidence>(dir, `hostile-containment-${rt}.json`))
    .filter((x): x is ContainmentEvidence => Boolean(x));
  for (const ev of runs) {
    out.push(`### Runtime ${ev.runtime}`, '');
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
  if (runs.length === 2) {
    const [a, b] = runs as [ContainmentEvidence, ContainmentEvidence];
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

// `tsx test/helpers/hostile-evidence.ts DIR` prints the table (scripts/evidence.sh).
if (process.argv[1]?.endsWith('hostile-evidence.ts') && process.argv[2]) {
  process.stdout.write(`${renderContainmentTable(process.argv[2])}\n`);
}
