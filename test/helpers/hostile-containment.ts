import { tryRunCommand } from '../../src/exec/run-command.js';
import type { ExecutionResult } from '../../src/report/types.js';
import type { HardenedRunSpec, SandboxConfig, SandboxLimits } from '../../src/sandbox/types.js';
import {
  expectedStatuses,
  FAKE_SECRET,
  HOSTILE_LIMITS,
  HOSTILE_LIMITS_RUNSC,
  type RuntimeEntry,
  stageRuntimeCase,
} from './hostile-corpus.js';
import { hostProcesses, rssBytes, treeDigest } from './hostile-host-probes.js';

/**
 * Runs one hostile case in the real hardened sandbox and judges the result. A case is
 * contained only if ALL hold: the status is one the manifest allows; no line says
 * ESCAPED (scripts print it only when an attack worked); the fake runner secret
 * appears nowhere; a successful run printed CONTAINED (the attack was really tried,
 * not skipped by a crash); output was not truncated where that could hide an
 * ESCAPED line; and the case's host-side checks pass.
 */
export interface ContainmentRow {
  id: string;
  class: string;
  attack: string;
  runtime: string;
  status: string;
  expected: readonly string[];
  durationMs: number;
  escapedLines: string[];
  containedLines: number;
  /** Evidence an attack worked or a limit did not hold (ESCAPED lines, leaked secret, host-side tripwires). */
  escapes: string[];
  /** Anything else that differs from the manifest (e.g. an unexpected status): the test fails on these too. */
  problems: string[];
  /** No escape evidence at all. */
  contained: boolean;
}

export type Runner = (spec: HardenedRunSpec) => Promise<ExecutionResult>;

const ESCAPED = /ESCAPED[^\n]*/g;

function lines(text: string, re: RegExp): string[] {
  return [...text.matchAll(re)].map((m) => m[0].slice(0, 200));
}

export async function runHostileCase(
  e: RuntimeEntry,
  opts: { runner: Runner; sandbox: SandboxConfig; limits?: SandboxLimits },
): Promise<ContainmentRow> {
  const runtime = opts.sandbox.runtime;
  const limits = opts.limits ?? (runtime === 'runsc' ? HOSTILE_LIMITS_RUNSC : HOSTILE_LIMITS);
  const expected = expectedStatuses(e, runtime);
  const staged = await stageRuntimeCase(e);
  const checks = new Set(e.run.checks ?? []);
  const problems: string[] = [];
  const escapes: string[] = [];
  const results: ExecutionResult[] = [];
  try {
    const before = await treeDigest(staged.workDir);
    const rssBefore = rssBytes();
    const runs = e.run.runs ?? (checks.has('runs-twice') ? 2 : 1);
    for (let i = 0; i < runs; i++) {
      results.push(
        await opts.runner({
          sandbox: opts.sandbox,
          limits,
          profile: 'hostile-test',
          workDir: staged.workDir,
          command: ['python3', `./${staged.scriptName}`],
          // Same host directory for every run: nothing collected may flow back in.
          collectOutputTo: staged.outDir,
          label: `hostile/${e.id}`,
        }),
      );
    }
    const rssGrowth = rssBytes() - rssBefore;
    for (const [i, r] of results.entries()) {
      const tag = runs > 1 ? `run ${i + 1}: ` : '';
      if (!expected.includes(r.status)) {
        problems.push(
          `${tag}status ${r.status} (${r.reason ?? `exit ${r.exitCode}`}), expected ${expected.join('|')}`,
        );
      }
      const text = `${r.stdout}\n${r.stderr}`;
      if (text.includes(FAKE_SECRET)) escapes.push(`${tag}the runner's secret appeared in the output`);
      const floods = checks.has('stdout-capped') || checks.has('stderr-capped');
      if (!floods && (r.stdoutTruncated || r.stderrTruncated)) {
        problems.push(`${tag}output truncated: an ESCAPED line could be hidden`);
      }
      if (e.run.requireContainedMarker !== false && r.status === 'success' && !/CONTAINED/.test(r.stdout)) {
        problems.push(`${tag}no CONTAINED line: the attack did not run to completion`);
      }
    }
    const last = results.at(-1)!;
    const host = await hostChecks(checks, last, limits, staged.workDir, before, rssGrowth);
    escapes.push(...host.escapes);
    problems.push(...host.problems);
    const all = results.map((r) => `${r.stdout}\n${r.stderr}`).join('\n');
    const escapedLines = lines(all, ESCAPED);
    for (const l of escapedLines) escapes.push(`the script reported: ${l}`);
    return {
      id: e.id,
      class: e.class,
      attack: e.attack,
      runtime: opts.sandbox.runtime,
      status: results.map((r) => r.status).join(','),
      expected,
      durationMs: results.reduce((a, r) => a + r.durationMs, 0),
      escapedLines,
      containedLines: lines(all, /CONTAINED[^\n]*/g).length,
      escapes,
      problems,
      contained: escapes.length === 0,
    };
  } finally {
    await staged.dispose();
  }
}

/**
 * Host-side checks. A limit that did not hold (more kept than the cap, a daemon that
 * survived, a changed read-only dir) is an escape; a cap that simply was not reached
 * or reported (e.g. the run errored first) is a problem: the test fails, but it is
 * not counted as an escape in the table.
 */
async function hostChecks(
  checks: Set<string>,
  r: ExecutionResult,
  limits: SandboxLimits,
  workDir: string,
  before: string,
  rssGrowth: number,
): Promise<{ escapes: string[]; problems: string[] }> {
  const esc: string[] = [];
  const p: string[] = [];
  const max = limits.maxOutputBytes;
  for (const stream of ['stdout', 'stderr'] as const) {
    if (!checks.has(`${stream}-capped`)) continue;
    const kept = Buffer.byteLength(r[stream]);
    if (kept > max) esc.push(`${stream}: kept ${kept} bytes, the cap is ${max}`);
    if (!(stream === 'stdout' ? r.stdoutTruncated : r.stderrTruncated))
      p.push(`${stream} flood not flagged as truncated`);
    if ((stream === 'stdout' ? r.stdoutBytes : r.stderrBytes) <= max) p.push(`${stream} flood not counted`);
  }
  if (checks.has('artifacts-capped')) {
    if (r.artifacts.length > limits.maxArtifacts)
      esc.push(`${r.artifacts.length} artifacts collected, cap ${limits.maxArtifacts}`);
    if (!r.artifactsTruncated) p.push(`artifacts not flagged as truncated (${r.artifacts.length} collected)`);
  }
  if (checks.has('artifacts-bounded')) {
    const total = r.artifacts.reduce((a, x) => a + x.bytes, 0);
    if (total > limits.outputMb * 1024 * 1024) esc.push(`collected ${total} bytes, more than outputMb`);
  }
  if (checks.has('killed-on-time') && r.durationMs > (limits.timeoutSeconds + 15) * 1000) {
    esc.push(`ran ${r.durationMs} ms, the timeout is ${limits.timeoutSeconds} s`);
  }
  if (checks.has('runner-memory-flat') && rssGrowth > 256 * 1024 * 1024) {
    esc.push(`Airlock's RSS grew ${Math.round(rssGrowth / 2 ** 20)} MiB during the flood`);
  }
  if (checks.has('no-orphan-process')) {
    const left = await hostProcesses(['sleep', '617']);
    if (left.length) esc.push(`the script's daemon survived the run: host pids ${left.join(',')}`);
  }
  if (checks.has('host-responsive')) {
    const t = await tryRunCommand('true', [], { timeoutMs: 10_000 });
    if (t.exitCode !== 0 || t.durationMs > 2000)
      esc.push(`host slow after the run: \`true\` took ${t.durationMs} ms`);
  }
  if (checks.has('workdir-unchanged') && (await treeDigest(workDir)) !== before) {
    esc.push('the read-only script directory changed on the host');
  }
  return { escapes: esc, problems: p };
}

/** Containers carrying our label that are still there: each one is a leak. */
export async function leftoverContainers(label: string): Promise<string[]> {
  const r = await tryRunCommand('docker', ['ps', '-aq', '--filter', `label=${label}`], { timeoutMs: 30_000 });
  if (r.exitCode !== 0) throw new Error(`docker ps failed: ${r.stderr}`);
  return r.stdout.split('\n').filter(Boolean);
}
