/**
 * The performance benchmark (issue 8): `npm run bench` (= node --import tsx bench/run.ts).
 *
 *   npm run bench -- [--image REF] [--quick] [--only gate,scan,sandbox,audit,cold,egress,merge,cache] [--n 10,100,1000]
 *                    [--cache-n N] [--out DIR]
 *
 * Measures, in one run on this machine: the gate over N = 10, 100, 1,000 generated scripts
 * stage by stage against two baselines (host python3; the do-it-yourself gate), batched vs
 * per-file scanning, the sandbox's fixed cost per runtime with a phase profile, the audit
 * log's append/verify throughput (bench/audit.ts), the Action's cold start, and a re-gate
 * of unchanged scripts with the verdict cache against the cold gate (bench/sections/cache.ts;
 * N = --cache-n or AIRLOCK_BENCH_CACHE_N, default 100, 20 with --quick). Writes
 * bench/results/bench-<time>.{json,md} and latest.{json,md}; exits 1 if a section failed.
 * Not a test: it asserts only that the work it times really happened (every script ran).
 */
import { execFileSync } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import type { SandboxRuntime } from '../src/sandbox/types.js';
import { evaluateGoals } from './lib/goals.js';
import { docker, imageExists, runtimes } from './lib/docker-bench.js';
import { type BenchResult, renderMarkdown } from './lib/report.js';
import { benchAudit } from './sections/audit.js';
import { benchCache } from './sections/cache.js';
import { benchColdStart } from './sections/cold-start.js';
import { benchEgress } from './sections/egress.js';
import { benchGateAtN, disposeGateBench, type GatePlan } from './sections/gate.js';
import { benchMerge } from './sections/merge.js';
import { benchSandboxFixedCost } from './sections/sandbox.js';
import { benchScan } from './sections/scan.js';

const { values } = parseArgs({
  options: {
    image: { type: 'string', default: 'airlock-sandbox:local' },
    quick: { type: 'boolean', default: false },
    only: { type: 'string' },
    n: { type: 'string' },
    'cache-n': { type: 'string' },
    out: { type: 'string', default: 'bench/results' },
  },
  strict: true,
});
const quick = values.quick ?? false;
const image = values.image ?? 'airlock-sandbox:local';
const SECTIONS = ['gate', 'scan', 'sandbox', 'audit', 'cold', 'egress', 'merge', 'cache'] as const;
const only = new Set((values.only ?? SECTIONS.join(',')).split(',').map((s) => s.trim()));
for (const s of only) if (!(SECTIONS as readonly string[]).includes(s)) usage(`unknown section '${s}'`);

function usage(why: string): never {
  process.stderr.write(
    `bench: ${why}\nusage: npm run bench -- [--image REF] [--quick] [--only ${SECTIONS.join(',')}] [--n 10,100,1000] [--cache-n N] [--out DIR]\n`,
  );
  process.exit(2);
}

/**
 * Repetitions and sizes. Full: fits the 15-minute budget on a 2-core runner. The
 * baselines that run one process or container per file are sampled at N = 1,000 (and
 * labelled "est." in the report); N = 10 and 100 are always measured whole.
 */
const GATE_PLANS: GatePlan[] = quick
  ? [{ n: 10, gateReps: 1, hostReps: 1, diyReps: 1 }]
  : [
      { n: 10, gateReps: 3, hostReps: 3, diyReps: 3 },
      { n: 100, gateReps: 3, hostReps: 1, diyReps: 1 },
      { n: 1000, gateReps: 1, hostReps: 1, hostSample: 50, diyReps: 1, diySample: 20 },
    ];
// `--n 10,100`: only these gate sizes (e.g. to stay within a CI job's time limit).
const sizes = values.n?.split(',').map((x) => Number(x.trim()));
for (const n of sizes ?? []) if (!GATE_PLANS.some((p) => p.n === n)) usage(`no gate plan for N=${n}`);
const plans = GATE_PLANS.filter((p) => !sizes || sizes.includes(p.n));
const SCAN = quick ? { n: 50, sample: 5, reps: 1 } : { n: 1000, sample: 16, reps: 3 };
const SANDBOX_REPS = quick ? 2 : 5;
const AUDIT_ENTRIES = quick ? [10_000] : [10_000, 100_000, 1_000_000];
const COLD_REPS = quick ? 2 : 5;
const EGRESS_REQUESTS = quick ? 20 : 200;
const MERGE = quick ? { scripts: 200, shards: 4, reps: 1 } : { scripts: 1000, shards: 4, reps: 3 };
const EGRESS_PIP_REPS = quick ? 3 : 10;
// A cold gate of 1,000 scripts takes many minutes on 2 cores: 100 by default, 1,000 on request.
const CACHE_N = Number(values['cache-n'] ?? process.env.AIRLOCK_BENCH_CACHE_N ?? (quick ? 20 : 100));
if (!Number.isInteger(CACHE_N) || CACHE_N < 1 || CACHE_N > 10_000) usage(`--cache-n: expected 1..10000`);

const log = (line: string) =>
  process.stderr.write(`bench [${Math.round((performance.now() - t0) / 1000)} s]: ${line}\n`);
const t0 = performance.now();

// The gate's structured telemetry lines (one per sandboxed run) would bury the progress;
// they are still produced (their cost is part of the gate), just not shown.
const stderrWrite = process.stderr.write.bind(process.stderr);
process.stderr.write = ((chunk: string | Uint8Array, ...rest: unknown[]) => {
  if (typeof chunk === 'string' && chunk.startsWith('{"event":"telemetry.')) return true;
  return (stderrWrite as (...a: unknown[]) => boolean)(chunk, ...rest);
}) as typeof process.stderr.write;

async function main(): Promise<number> {
  const startedAt = new Date();
  const loadStart = os.loadavg()[0] ?? 0;
  if (!(await imageExists(image))) {
    usage(
      `image ${image} is not in the local engine: build it first (npx tsx src/cli/index.ts image build) or pass --image`,
    );
  }
  const imageId = (await docker(['image', 'inspect', '--format', '{{.Id}}', '--', image])).trim();
  const engines = await runtimes();
  const result: BenchResult = {
    startedAt: startedAt.toISOString(),
    finishedAt: '',
    durationSeconds: 0,
    command: `npm run bench --${process.argv
      .slice(2)
      .map((a) => ` ${a}`)
      .join('')}`.replace(/ --$/, ''),
    quick,
    machine: {
      cpus: os.availableParallelism(),
      memGiB: Math.round(os.totalmem() / 1024 ** 3),
      node: process.versions.node,
      docker: (await docker(['version', '--format', '{{.Server.Version}}'])).trim(),
      commit: gitCommit(),
      loadStart,
      loadEnd: 0,
    },
    image: { ref: image, id: imageId },
    gate: [],
    sandbox: [],
    audit: [],
    goals: [],
    errors: [],
  };
  const outDir = resolve(values.out ?? 'bench/results');
  await mkdir(outDir, { recursive: true });
  const stamp = result.startedAt.replace(/[:.]/g, '-');
  // Written after every step, so a run cut short (a CI time limit) still leaves its figures.
  const save = async () => {
    finish(result);
    const json = `${JSON.stringify(result, null, 2)}\n`;
    const md = renderMarkdown(result);
    for (const name of [`bench-${stamp}`, 'latest']) {
      await writeFile(join(outDir, `${name}.json`), json);
      await writeFile(join(outDir, `${name}.md`), md);
    }
    return md;
  };
  const section = async (name: string, fn: () => Promise<void>) => {
    if (!only.has(name)) return;
    log(`${name}: start (load ${os.loadavg()[0]?.toFixed(1)})`);
    try {
      await fn();
    } catch (e) {
      result.errors.push(`${name}: ${(e as Error).message.split('\n')[0]}`);
      log(`${name}: FAILED: ${(e as Error).stack ?? e}`);
    }
    await save();
  };
  const gateAt = (plan: GatePlan) => async () => {
    result.gate.push(await benchGateAtN({ plan, image, runtime: 'runc', progress: log }));
  };

  // Short, isolated measurements first; the gate at N = 1,000 (the longest) last.
  await section('sandbox', async () => {
    for (const runtime of ['runc', 'runsc'] as SandboxRuntime[]) {
      if (!engines.includes(runtime)) {
        result.errors.push(
          `sandbox: runtime ${runtime} is not registered with the engine (scripts/setup.sh registers runsc)`,
        );
        continue;
      }
      if (quick && runtime === 'runsc') continue;
      result.sandbox.push(await benchSandboxFixedCost({ image, runtime, reps: SANDBOX_REPS }));
      log(`sandbox ${runtime}: airlock ${Math.round(result.sandbox.at(-1)?.airlock.median ?? 0)} ms`);
    }
  });
  for (const plan of plans.filter((p) => p.n < 1000)) await section('gate', gateAt(plan));
  await section('scan', async () => {
    result.scan = await benchScan({ ...SCAN, image, runtime: 'runc', progress: log });
  });
  await section('audit', async () => {
    for (const n of AUDIT_ENTRIES) {
      result.audit.push(await benchAudit(n));
      log(`audit ${n}: verify ${result.audit.at(-1)?.verify.entriesPerSecond} entries/s`);
    }
  });
  await section('cold', async () => {
    result.coldStart = await benchColdStart({ reps: COLD_REPS });
  });
  await section('egress', async () => {
    result.egress = await benchEgress(EGRESS_REQUESTS, EGRESS_PIP_REPS);
    log(`egress: http ${Math.round(result.egress.http.proxied.median)} ms through the proxy`);
  });
  await section('merge', async () => {
    result.merge = await benchMerge(MERGE);
    log(`merge: ${Math.round(result.merge.mergePer1000Ms)} ms per 1,000 scripts`);
  });
  await section('cache', async () => {
    result.cache = await benchCache({ n: CACHE_N, image, progress: log });
    log(`cache N=${CACHE_N}: ${((result.cache.ratio ?? 0) * 100).toFixed(1)}% of the cold time`);
  });
  for (const plan of plans.filter((p) => p.n >= 1000)) await section('gate', gateAt(plan));
  await disposeGateBench();

  const md = await save();
  process.stdout.write(md);
  log(`wrote ${join(outDir, `bench-${stamp}.json`)} and .md in ${Math.round(result.durationSeconds)} s`);
  return result.errors.length ? 1 : 0;
}

/** Goals and end-of-run fields, from whatever has been measured so far. */
function finish(result: BenchResult): void {
  const g100 = result.gate.find((g) => g.n === 100);
  const a1e6 = result.audit.find((a) => a.entries === 1_000_000);
  const runc = result.sandbox.find((s) => s.runtime === 'runc');
  result.goals = evaluateGoals({
    gate100Ms: g100?.gate.summary.median,
    diy100Ms: g100?.diy.summary.median,
    // Both scanners together: the gate's scan stage runs every registered scanner.
    scanSpeedup1000: result.scan?.files === 1000 ? result.scan.allScanners.speedup : undefined,
    verify1e6PerSecond: a1e6?.verify.entriesPerSecond,
    verify1e6PeakMiB: a1e6?.verify.peakRssMiB,
    airlockTrivialMs: runc?.airlock.median,
    enginePythonMs: runc?.enginePython.median,
    engineTrueMs: runc?.engineTrue.median,
    cacheRatio: result.cache?.ratio,
    cacheN: result.cache?.n,
  });
  const now = new Date();
  result.finishedAt = now.toISOString();
  result.durationSeconds = (now.getTime() - new Date(result.startedAt).getTime()) / 1000;
  result.machine.loadEnd = os.loadavg()[0] ?? 0;
}

function gitCommit(): string {
  try {
    return execFileSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).trim();
  } catch {
    return 'unknown';
  }
}

process.exitCode = await main();
