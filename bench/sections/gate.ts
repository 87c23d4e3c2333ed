import { existsSync } from 'node:fs';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { availableParallelism, tmpdir } from 'node:os';
import { join, posix } from 'node:path';
import { generateAuditKeyPair, loadPrivateKey } from '../../src/audit/keys.js';
import { describeFailure, minimalEnv, tryRunCommand } from '../../src/exec/run-command.js';
import { runGate, type StageTimings } from '../../src/gate/pipeline.js';
import { loadPolicy } from '../../src/policy/index.js';
import { DEFAULT_PROFILES } from '../../src/sandbox/profiles.js';
import type { SandboxRuntime } from '../../src/sandbox/types.js';
import type { ScannerSession } from '../../src/scan/scanner.js';
import { CONTAINER_WORKDIR, SCANNER_OUTPUT_BYTES, scannerLimits } from '../../src/scan/scanner-run.js';
import { semgrepScanner } from '../../src/scan/semgrep.js';
import type { GateSettings } from '../../src/settings/gate-settings.js';
import { writeCorpus } from '../lib/corpus.js';
import { diyRunArgs, standardSpec } from '../lib/docker-bench.js';
import { extrapolateSequential, median, sampleIndices, type Summary, summarize } from '../lib/stats.js';
import { type CpuAccount, withCpuAccount } from '../lib/cpu.js';
import { timeOnce } from '../lib/timing.js';

/** A wall time, measured whole or estimated from a sample (and then labelled so). */
export interface Measured {
  summary: Summary;
  /** Set when the figure is extrapolated: how many items were timed. */
  sampled?: number;
}

export interface GateAtN {
  n: number;
  gate: Measured;
  /** Median per stage over the gate's repetitions (the pipeline's own clocks). */
  stages: Record<keyof StageTimings | 'other', number>;
  hostPython: Measured;
  diy: Measured;
  /** Scripts the gate executed successfully in its last repetition (all should). */
  executedOk: number;
  /**
   * Execute stage of the last repetition, split: the scripts' own time (sum of their
   * `docker exec` durations) against the worker-slot time the stage had (executeMs x
   * parallelism). The rest of the slot time is the container around each script:
   * create/start, copy-out, removal, audit entry.
   */
  executeSplit: { parallelism: number; scriptMsSum: number; slotMs: number };
  /**
   * Machine-wide CPU time of the last complete repetition (engine, shims, runc, scripts,
   * and the gate's own Node process): shows whether the gate is CPU-bound, and what one
   * script costs in CPU, whatever the parallelism.
   */
  cpu: CpuAccount | null;
  /** Repetitions in which not every script succeeded (seen: a `docker exec` whose stream broke under load and hung until the timeout): excluded, with why. */
  failedReps: string[];
}

export interface GatePlan {
  n: number;
  gateReps: number;
  /** Repetitions of the whole host baseline, or a sample size when `hostSample` is set. */
  hostReps: number;
  hostSample?: number;
  diyReps: number;
  diySample?: number;
}

/**
 * Gates N generated scripts with the real pipeline (`runGate`: real Bandit and Semgrep in the
 * sandbox image, real hardened containers, a real signed audit log), and times the two
 * baselines on the same files: plain `python3` on the host, and the do-it-yourself gate.
 */
export async function benchGateAtN(opts: {
  plan: GatePlan;
  image: string;
  runtime: SandboxRuntime;
  progress: (line: string) => void;
}): Promise<GateAtN> {
  const { plan } = opts;
  const ws = await mkdtemp(join(tmpdir(), `airlock-bench-gate-${plan.n}-`));
  try {
    await chmod(ws, 0o755);
    const paths = await writeCorpus(ws, plan.n);
    const keys = generateAuditKeyPair();
    // The shipped default, with room for N files: its limits.maxFiles (500) refuses a
    // bigger run on purpose, and a user gating 1,000 scripts raises it the same way.
    const policy = join(ws, 'bench-policy.yml');
    await writeFile(
      policy,
      `version: 1\nname: bench\nextends: default\nlimits:\n  maxFiles: ${Math.max(plan.n, 500)}\n`,
    );

    const gateSamples: number[] = [];
    const stageSamples: Record<string, number[]> = {};
    let executedOk = 0;
    const failedReps: string[] = [];
    let executeSplit: GateAtN['executeSplit'] = { parallelism: 0, scriptMsSum: 0, slotMs: 0 };
    let cpu: CpuAccount | null = null;
    for (let rep = 0; rep < plan.gateReps; rep++) {
      const runDir = join(ws, '.airlock', `rep-${rep}`);
      const settings: GateSettings = {
        workspace: ws,
        paths: ['scripts'],
        policy,
        mode: 'gate',
        imageRef: opts.image,
        runtime: opts.runtime,
        outDir: join(runDir, 'out'),
        reportFile: join(runDir, 'report.json'),
        sarifFile: join(runDir, 'airlock.sarif'),
        sarifCategory: 'airlock',
        audit: {
          log: join(runDir, 'audit', 'audit.jsonl'),
          origin: 'bench.local/airlock-audit',
          signingKey: loadPrivateKey(keys.privatePem),
        },
        run: { event: 'bench' },
      };
      const run = await withCpuAccount(() => runGate(settings, { progress: () => undefined, env: {} }));
      const ms = run.wallMs;
      const { report, timings } = run.value;
      if (report.scripts.length !== plan.n)
        throw new Error(`gate saw ${report.scripts.length} of ${plan.n} scripts`);
      // Every corpus script writes one artifact: a run that lost them did not do the gate's work.
      const lost = report.scripts.find(
        (s) =>
          s.execution?.status === 'success' && (s.execution.artifacts.length !== 1 || s.execution.reason),
      );
      if (lost) {
        throw new Error(
          `gate N=${plan.n}: ${JSON.stringify(lost.path)} succeeded without its artifact: ${lost.execution?.reason ?? 'no artifact'}`,
        );
      }
      executedOk = report.scripts.filter((s) => s.execution?.status === 'success').length;
      if (executedOk !== plan.n) {
        // Not a sample of the gate's cost (a run that timed out is not a fast gate): recorded
        // with its cause and left out of the median; the size fails only if no run was whole.
        const bad = report.scripts.find((s) => s.execution?.status !== 'success');
        const why = `gate N=${plan.n} rep ${rep + 1}: ${executedOk}/${plan.n} scripts succeeded; first other: ${JSON.stringify(bad?.path)} ${bad?.level} ${bad?.execution?.status ?? bad?.decision} (${Math.round(ms)} ms)`;
        failedReps.push(why);
        opts.progress(why);
        await rm(runDir, { recursive: true, force: true });
        continue;
      }
      gateSamples.push(ms);
      cpu = run.cpu;
      const parallelism = availableParallelism();
      executeSplit = {
        parallelism,
        scriptMsSum: report.scripts.reduce((sum, x) => sum + (x.execution?.durationMs ?? 0), 0),
        slotMs: timings.executeMs * Math.min(parallelism, plan.n),
      };
      const staged = Object.values(timings).reduce((s, x) => s + x, 0);
      for (const [k, v] of Object.entries({ ...timings, other: ms - staged })) {
        stageSamples[k] ??= [];
        stageSamples[k].push(v);
      }
      opts.progress(`gate N=${plan.n} rep ${rep + 1}/${plan.gateReps}: ${Math.round(ms)} ms`);
      await rm(runDir, { recursive: true, force: true });
    }
    if (gateSamples.length === 0) throw new Error(`no complete gate run: ${failedReps.join('; ')}`);
    const stages = Object.fromEntries(
      Object.entries(stageSamples).map(([k, v]) => [k, median(v)]),
    ) as GateAtN['stages'];

    const scriptsDir = join(ws, 'scripts');
    const names = paths.map((p) => posix.basename(p));
    const hostPython = await measureBaseline(names, plan.hostReps, plan.hostSample, (name) =>
      hostRun(scriptsDir, name),
    );
    opts.progress(
      `host python3 N=${plan.n}: ${Math.round(hostPython.summary.median)} ms${hostPython.sampled ? ` (from ${hostPython.sampled})` : ''}`,
    );
    const diy = await measureBaseline(names, plan.diyReps, plan.diySample, (name) =>
      diyRun(scriptsDir, name, opts.image, opts.runtime),
    );
    opts.progress(
      `do-it-yourself gate N=${plan.n}: ${Math.round(diy.summary.median)} ms${diy.sampled ? ` (from ${diy.sampled})` : ''}`,
    );
    return {
      n: plan.n,
      gate: { summary: summarize(gateSamples) },
      stages,
      hostPython,
      diy,
      executedOk,
      executeSplit,
      cpu,
      failedReps,
    };
  } finally {
    await rm(ws, { recursive: true, force: true });
  }
}

/**
 * One after another over all names, `reps` times; or, with `sample`, over a fixed random
 * sample of that many names once, extrapolated to all of them (each item is independent
 * and the baseline is sequential, so its time is the sum of its items').
 */
async function measureBaseline(
  names: string[],
  reps: number,
  sample: number | undefined,
  one: (name: string) => Promise<void>,
): Promise<Measured> {
  if (sample !== undefined && sample < names.length) {
    const times: number[] = [];
    for (const i of sampleIndices(names.length, sample, 42)) {
      times.push((await timeOnce(() => one(names[i] as string))).ms);
    }
    const total = extrapolateSequential(times, names.length);
    return { summary: { median: total, min: total, max: total, n: 1 }, sampled: times.length };
  }
  const samples: number[] = [];
  for (let r = 0; r < reps; r++) {
    samples.push(
      (
        await timeOnce(async () => {
          for (const name of names) await one(name);
        })
      ).ms,
    );
  }
  return { summary: summarize(samples) };
}

let hostOut: string | undefined;
let diySemgrep: ScannerSession | undefined;

/**
 * Debian's interpreter, the one setup.sh gives pandas and matplotlib (and the same
 * Python as the sandbox image's); a `python3` earlier on PATH (pyenv's shim, a venv)
 * may lack them, or add a shell wrapper's start-up to every run.
 */
const HOST_PYTHON = existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3';

/** Baseline (a): the script run directly by the host's python3, no gate at all. */
async function hostRun(dir: string, name: string): Promise<void> {
  hostOut ??= await mkdtemp(join(tmpdir(), 'airlock-bench-host-out-'));
  const r = await tryRunCommand(HOST_PYTHON, [`./${name}`], {
    cwd: dir,
    timeoutMs: 120_000,
    env: minimalEnv({ AIRLOCK_OUTPUT_DIR: hostOut, MPLBACKEND: 'Agg', MPLCONFIGDIR: join(hostOut, '.mpl') }),
  });
  if (r.exitCode !== 0) throw new Error(`host python3 ${name}: ${describeFailure(r)}`);
}

/**
 * Baseline (b): the obvious do-it-yourself gate, per script: Bandit on the file (the
 * host's Bandit, the cheapest place a DIY gate would run it), then Semgrep with the
 * same rules on the file (in one hardened `docker run --rm` of the sandbox image:
 * Semgrep is not on the host, and the image is where a DIY gate would get it), then,
 * if both are clean, one hardened `docker run --rm` of the script (Airlock's own
 * flags, see diyRunArgs).
 */
async function diyRun(dir: string, name: string, image: string, runtime: SandboxRuntime): Promise<void> {
  const scan = await tryRunCommand('bandit', ['-f', 'json', '-q', '--', `./${name}`], {
    cwd: dir,
    timeoutMs: 120_000,
  });
  if (scan.exitCode !== 0) throw new Error(`DIY bandit ${name}: ${describeFailure(scan)}`);
  diySemgrep ??= semgrepScanner.open({
    ...(await loadPolicy(undefined)).scanners.semgrep,
    timeoutSeconds: 120,
  });
  const semgrep = await tryRunCommand(
    'docker',
    diyRunArgs({
      ...standardSpec(image, runtime, dir, name),
      limits: scannerLimits(DEFAULT_PROFILES.restricted!),
      command: diySemgrep.argv([name]),
      ...diySemgrep.container,
    }),
    { timeoutMs: 300_000, maxOutputBytes: SCANNER_OUTPUT_BYTES },
  );
  // Exit 0: no findings (the corpus is clean); the report must name the file as scanned.
  if (
    semgrep.exitCode !== 0 ||
    !diySemgrep.parse(semgrep.stdout, CONTAINER_WORKDIR, [name]).covered.has(name)
  )
    throw new Error(`DIY semgrep ${name}: ${describeFailure(semgrep)}`);
  const spec = standardSpec(image, runtime, dir, name);
  const run = await tryRunCommand('docker', diyRunArgs(spec), { timeoutMs: 300_000 });
  if (run.exitCode !== 0) throw new Error(`DIY docker run ${name}: ${describeFailure(run)}`);
}

export async function disposeGateBench(): Promise<void> {
  if (hostOut) await rm(hostOut, { recursive: true, force: true });
  hostOut = undefined;
  diySemgrep = undefined;
}
